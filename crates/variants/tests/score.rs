//! tfbind-variants end to end on the shipped example genome: the scores against an independent
//! PyTorch + pysam implementation, every input format (including files written by bcftools),
//! shards merging to the whole run, and the checks on REF, chromosome names and alleles.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfbind_artifact::ArtifactBuilder;
use tfbind_genome::{codes::LETTERS, Genome, Interval};
use tfbind_model::{artifact, Architecture, Device, ModelSpec};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn genome_path() -> PathBuf {
    root().join("data/example/genome.fa.gz")
}

/// An untrained model of `tasks` over `window`-bp windows, as a `model` artifact in `dir`.
fn model(dir: &Path, name: &str, window: usize, tasks: &[&str], seed: i64) -> PathBuf {
    static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let spec = ModelSpec::new(Architecture::ConvNetDeep, window, tasks.len()).unwrap();
    let model = {
        let _seeded = SEEDED.lock().unwrap();
        tch::manual_seed(seed);
        tfbind_model::Model::new(&spec, Device::Cpu).unwrap()
    };
    let out = dir.join(name);
    let builder = ArtifactBuilder::new(&out, artifact::KIND, toml::Table::new(), vec![]).unwrap();
    let tasks: Vec<String> = tasks.iter().map(|t| t.to_string()).collect();
    artifact::write_model_files(builder.dir(), &model, &tasks, None).unwrap();
    builder.commit().unwrap();
    out
}

fn run(args: &[&str], paths: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tfbind-variants"));
    c.args(args);
    for (flag, path) in paths {
        c.arg(flag).arg(path);
    }
    c.args(["--threads", "2", "-q"]).output().unwrap()
}

fn score(models: &[&Path], variants: &Path, out: &Path, extra: &[&str]) -> Output {
    let genome = genome_path();
    let mut paths: Vec<(&str, &Path)> = models.iter().map(|m| ("--model", *m)).collect();
    paths.extend([
        ("--genome", genome.as_path()),
        ("--variants", variants),
        ("--out", out),
    ]);
    let mut args = vec!["score", "--device", "cpu"];
    args.extend(extra);
    run(&args, &paths)
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn failed_with(out: &Output, code: i32, words: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in: {err}");
    }
}

fn tsv(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("variants.tsv")).unwrap()
}

/// The text of a gzip or bgzip file.
fn gunzip(path: PathBuf) -> String {
    use std::io::Read;
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// A deterministic stream of numbers.
fn lcg(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |n| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    }
}

/// VCF records at DHS windows of the example genome (real sequence), cycling through SNVs,
/// deletions, insertions, MNVs and multi-allelic records, with REF from the genome.
fn example_vcf(n: usize) -> String {
    let genome = Genome::open(genome_path()).unwrap();
    let text = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(
            std::fs::File::open(root().join("data/example/regions.bed.gz")).unwrap(),
        )
        .read_to_string(&mut s)
        .unwrap();
        s
    };
    let windows: Vec<(String, u64)> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].parse::<u64>().unwrap() + 100)
        })
        .collect();
    let mut rand = lcg(7);
    let bases = |codes: &[u8]| -> String {
        codes
            .iter()
            .map(|&c| char::from(LETTERS[c as usize]))
            .collect()
    };
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n##contig=<ID=chr21,length=46709983>\n\
         ##contig=<ID=chr22,length=50818468>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    );
    let step = windows.len() / n;
    for i in 0..n {
        let (chrom, centre) = &windows[i * step];
        let pos0 = centre + rand(60) - 30;
        let kind = i % 6;
        let ref_len = match kind {
            1 => 1 + rand(12) as usize,
            3 => 2,
            _ => 1,
        };
        let reference = bases(
            &genome
                .fetch(&Interval::new(chrom.clone(), pos0, pos0 + ref_len as u64))
                .unwrap(),
        );
        let others = |b: char| ['A', 'C', 'G', 'T'].into_iter().filter(move |&x| x != b);
        let other = |b: char| others(b).next().unwrap();
        let random_bases = |rand: &mut dyn FnMut(u64) -> u64, k: usize| -> String {
            (0..k)
                .map(|_| ['A', 'C', 'G', 'T'][rand(4) as usize])
                .collect()
        };
        let first = reference.chars().next().unwrap();
        let alt = match kind {
            0 => other(first).to_string(),
            1 => first.to_string(),
            2 => {
                let k = 1 + rand(20) as usize;
                format!("{first}{}", random_bases(&mut rand, k))
            }
            3 => reference.chars().map(other).collect(),
            4 => format!("{},{}", other(first), first.to_string() + "TTAGGG"),
            // Two SNVs of one site: they share its reference window.
            _ => format!("{},{},<DEL>", other(first), others(first).nth(1).unwrap()),
        };
        vcf += &format!(
            "{chrom}\t{}\tv{i}\t{reference}\t{alt}\t.\tPASS\t.\n",
            pos0 + 1
        );
    }
    vcf
}

/// Scores from an independent implementation: pysam reads the windows (placed as the crate
/// documentation says), PyTorch runs the model from its safetensors with tfbind_models.py.
const ORACLE: &str = r##"
import sys, pysam, torch
from safetensors.torch import load_file
models_dir, vcf_path, genome_path, shifts = sys.argv[1:5]
sys.path.insert(0, models_dir)
from tfbind_models import build, one_hot
specs = [a.split(":") for a in sys.argv[5:]]  # dir:window:tasks
fa = pysam.FastaFile(genome_path)
codes = {c: i for i, c in enumerate("ACGT")}
enc = lambda s: [codes.get(c, 4) for c in s.upper()]
K = int(shifts)
def windows(chrom, p, ref, alt, L):
    h, r, a = L // 2, len(ref), len(alt)
    refs = [fa.fetch(chrom, p + r // 2 - h + s, p + r // 2 - h + s + L) for s in range(-K, K + 1)]
    seq = fa.fetch(chrom, p - h - K, p) + alt + fa.fetch(chrom, p + r, p + r + L + K)
    alts = [seq[a // 2 + K + s: a // 2 + K + s + L] for s in range(-K, K + 1)]
    assert all(len(w) == L for w in refs + alts)
    return refs, alts
nets = []
for d, window, tasks in specs:
    net = build("convnet-deep", int(window), int(tasks))
    net.load_state_dict(load_file(d + "/model.safetensors"), strict=False)
    nets.append((net.eval(), int(window)))
def prob(net, seqs):
    x = torch.tensor([enc(s) for s in seqs])
    rc = torch.where(x < 4, 3 - x, x).flip(1)
    with torch.no_grad():
        p = (torch.sigmoid(net(one_hot(x))) + torch.sigmoid(net(one_hot(rc)))) / 2
    return p.double().mean(0)
for line in open(vcf_path):
    if line.startswith("#"):
        continue
    chrom, pos, vid, ref, alts = line.split("\t")[:5]
    for alt in alts.split(","):
        if alt.startswith("<") or alt == "*":
            continue
        row = [chrom, pos, vid, ref, alt]
        for net, L in nets:
            refs, alts_ = windows(chrom, int(pos) - 1, ref, alt, L)
            pr, pa = prob(net, refs), prob(net, alts_)
            for t in range(len(pr)):
                row += [repr(pr[t].item()), repr(pa[t].item())]
        print("\t".join(row))
"##;

fn oracle_python() -> Option<PathBuf> {
    let python = root().join(".venv/bin/python");
    if python.exists() {
        return Some(python);
    }
    let reason = format!("{} is missing (scripts/setup.sh --test)", python.display());
    if std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() == Ok("1") {
        panic!("TFBIND_REQUIRE_ORACLES=1 but {reason}");
    }
    eprintln!("skipped: the PyTorch oracle: {reason}");
    None
}

/// A command-line tool of the test set-up (bcftools, tabix), or `None` with the reason.
fn tool(name: &str) -> Option<&str> {
    let found = Command::new(name).arg("--version").output().is_ok();
    if !found {
        if std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("TFBIND_REQUIRE_ORACLES=1 but {name} is missing (scripts/setup.sh --test)");
        }
        eprintln!("skipped: {name} is missing (scripts/setup.sh --test)");
        return None;
    }
    Some(name)
}

#[test]
fn scores_equal_an_independent_pytorch_implementation() {
    let Some(python) = oracle_python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Two models of different window lengths, one of them sharing no task with the other.
    let wide = model(dir, "wide", 200, &["MAX", "JUND"], 11);
    let narrow = model(dir, "narrow", 101, &["CTCF"], 12);
    let vcf = dir.join("v.vcf");
    std::fs::write(&vcf, example_vcf(240)).unwrap();
    let out = dir.join("scored");
    ok(&score(&[&wide, &narrow], &vcf, &out, &["--shifts", "1"]));
    let ours = tsv(&out);
    let mut lines = ours.lines();
    let header = lines.next().unwrap();
    assert_eq!(
        header.split('\t').collect::<Vec<_>>()[..9],
        [
            "chrom",
            "pos",
            "id",
            "ref",
            "alt",
            "MAX_ref",
            "MAX_alt",
            "MAX_diff",
            "MAX_log_odds"
        ]
    );
    assert!(header.ends_with("CTCF_ref\tCTCF_alt\tCTCF_diff\tCTCF_log_odds"));

    let theirs = std::process::Command::new(&python)
        .arg("-c")
        .arg(ORACLE)
        .arg(root().join("crates/model/python"))
        .arg(&vcf)
        .arg(genome_path())
        .arg("1")
        .arg(format!("{}:200:2", wide.display()))
        .arg(format!("{}:101:1", narrow.display()))
        .output()
        .unwrap();
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    let theirs = String::from_utf8(theirs.stdout).unwrap();
    let ours: Vec<&str> = lines.collect();
    let theirs: Vec<&str> = theirs.lines().collect();
    // 240 records, two of six with two sequence ALTs; `<DEL>` left out.
    assert_eq!(ours.len(), 240 + 80);
    assert_eq!(ours.len(), theirs.len());
    let (mut worst, mut changed) = (0f64, 0);
    for (a, b) in ours.iter().zip(&theirs) {
        let a: Vec<&str> = a.split('\t').collect();
        let b: Vec<&str> = b.split('\t').collect();
        assert_eq!(a[..5], b[..5]);
        for (g, pair) in b[5..].chunks(2).enumerate() {
            let (r, alt): (f64, f64) = (pair[0].parse().unwrap(), pair[1].parse().unwrap());
            let ours: Vec<f64> = a[5 + 4 * g..9 + 4 * g]
                .iter()
                .map(|v| v.parse().unwrap())
                .collect();
            worst = worst.max((ours[0] - r).abs()).max((ours[1] - alt).abs());
            assert!((ours[2] - (alt - r)).abs() < 1e-5, "{a:?}");
            let logit = |p: f64| (p / (1.0 - p)).ln();
            assert!((ours[3] - (logit(alt) - logit(r))).abs() < 1e-3, "{a:?}");
            changed += (ours[2] != 0.0) as usize;
        }
    }
    assert!(worst < 1e-5, "largest difference from PyTorch: {worst}");
    // The alleles do change predictions (the comparison is not of constants).
    assert!(changed > ours.len(), "{changed}");
}

#[test]
fn formats_shards_and_regions_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = model(dir, "m", 200, &["JUND"], 3);
    let vcf = dir.join("v.vcf");
    let text = example_vcf(90);
    std::fs::write(&vcf, &text).unwrap();
    let whole = dir.join("whole");
    ok(&score(&[&m], &vcf, &whole, &[]));
    let expected = tsv(&whole);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["records"], 90);
    assert_eq!(summary["rows"], 90 + 30);
    assert_eq!(summary["symbolic_alleles"], 15);

    // The same records as a TSV.
    let table: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\t{}\t{}\t{}\n", f[0], f[1], f[3], f[4], f[2])
        })
        .collect();
    std::fs::write(
        dir.join("v.tsv"),
        format!("chrom\tpos\tref\talt\tid\n{table}"),
    )
    .unwrap();
    ok(&score(
        &[&m],
        &dir.join("v.tsv"),
        &dir.join("from-tsv"),
        &[],
    ));
    assert_eq!(tsv(&dir.join("from-tsv")), expected);

    // bgzip VCF and BCF written by bcftools, and the annotated VCF read back by it.
    if let Some(bcftools) = tool("bcftools") {
        let out = dir.join("annotated");
        ok(&score(&[&m], &vcf, &out, &["--annotated-vcf"]));
        assert_eq!(tsv(&out), expected);
        let query = Command::new(bcftools)
            .args([
                "query",
                "-r",
                "chr22",
                "-f",
                "%ID\t%ALT\t%INFO/TFBIND_JUND_LOR\n",
            ])
            .arg(out.join("variants.vcf.gz"))
            .output()
            .unwrap();
        assert!(
            query.status.success(),
            "{}",
            String::from_utf8_lossy(&query.stderr)
        );
        let queried = String::from_utf8(query.stdout).unwrap();
        // The same log odds per record and ALT as the TSV's, found through the tabix index.
        let mut from_tsv: Vec<(String, String)> = Vec::new();
        for line in expected
            .lines()
            .skip(1)
            .filter(|l| l.starts_with("chr22\t"))
        {
            let f: Vec<&str> = line.split('\t').collect();
            match from_tsv.last_mut() {
                Some((id, lor)) if id.starts_with(&format!("{}\t", f[2])) => {
                    id.push(',');
                    id.push_str(f[4]);
                    lor.push(',');
                    lor.push_str(f[8]);
                }
                _ => from_tsv.push((format!("{}\t{}", f[2], f[4]), f[8].to_owned())),
            }
        }
        // Records keep every ALT of the input; unscored (symbolic) ones have `.`.
        let from_vcf: Vec<(String, String)> = queried
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let (alts, lors): (Vec<&str>, Vec<&str>) = f[1]
                    .split(',')
                    .zip(f[2].split(','))
                    .filter(|(_, lor)| *lor != ".")
                    .unzip();
                (!alts.is_empty())
                    .then(|| (format!("{}\t{}", f[0], alts.join(",")), lors.join(",")))
            })
            .collect();
        assert!(!from_vcf.is_empty());
        assert_eq!(from_vcf.len(), from_tsv.len());
        let numbers = |s: &str| -> Vec<f64> { s.split(',').map(|v| v.parse().unwrap()).collect() };
        for ((id, lor), (tsv_id, tsv_lor)) in from_vcf.iter().zip(&from_tsv) {
            assert_eq!(id, tsv_id);
            // bcftools prints floats to 6 significant digits.
            for (a, b) in numbers(lor).iter().zip(numbers(tsv_lor)) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1e-3),
                    "{id}: {lor} vs {tsv_lor}"
                );
            }
        }

        for (flag, name) in [("z", "v.vcf.gz"), ("b", "v.bcf")] {
            let status = Command::new(bcftools)
                .args(["view", "-O", flag, "-o"])
                .arg(dir.join(name))
                .arg(&vcf)
                .status()
                .unwrap();
            assert!(status.success());
            let out = dir.join(format!("from-{name}"));
            ok(&score(&[&m], &dir.join(name), &out, &[]));
            assert_eq!(tsv(&out), expected, "{name}");
        }
    }

    // Three shards merged in any order equal the whole run, byte for byte.
    for i in 1..=3 {
        let shard = format!("{i}/3");
        ok(&score(
            &[&m],
            &vcf,
            &dir.join(format!("s{i}")),
            &["--shard", &shard],
        ));
    }
    let merged = dir.join("merged");
    let merge = |shards: &[&str], out: &Path| {
        let mut args = vec!["merge"];
        args.extend(shards);
        let mut c = Command::new(env!("CARGO_BIN_EXE_tfbind-variants"));
        c.current_dir(dir)
            .args(&args)
            .arg("--out")
            .arg(out)
            .arg("-q");
        c.output().unwrap()
    };
    ok(&merge(&["s3", "s1", "s2"], &merged));
    assert_eq!(tsv(&merged), expected);
    // With annotated VCFs, the merged one holds the whole run's records.
    for i in 1..=2 {
        let shard = format!("{i}/2");
        let out = dir.join(format!("v{i}"));
        ok(&score(
            &[&m],
            &vcf,
            &out,
            &["--shard", &shard, "--annotated-vcf"],
        ));
    }
    ok(&score(
        &[&m],
        &vcf,
        &dir.join("v-whole"),
        &["--annotated-vcf"],
    ));
    ok(&merge(&["v2", "v1"], &dir.join("v-merged")));
    let whole_vcf = gunzip(dir.join("v-whole/variants.vcf.gz"));
    assert_eq!(gunzip(dir.join("v-merged/variants.vcf.gz")), whole_vcf);
    assert_eq!(
        whole_vcf.lines().filter(|l| !l.starts_with('#')).count(),
        90
    );
    assert!(dir.join("v-merged/variants.vcf.gz.tbi").exists());
    // A missing shard, or a whole run among shards, is refused.
    failed_with(&merge(&["s1", "s3"], &dir.join("bad")), 2, &["1/3", "3/3"]);
    failed_with(
        &merge(&["s1", "whole"], &dir.join("bad")),
        2,
        &["not a shard"],
    );
    assert!(!dir.join("bad").exists());

    // A region keeps its records only.
    let out = dir.join("chr22");
    ok(&score(&[&m], &vcf, &out, &["--region", "chr22"]));
    let rows: Vec<String> = tsv(&out).lines().skip(1).map(str::to_owned).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| r.starts_with("chr22\t")));
    let in_whole = expected
        .lines()
        .filter(|l| l.starts_with("chr22\t"))
        .count();
    assert_eq!(rows.len(), in_whole);
}

#[test]
fn bad_inputs_are_named_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = model(dir, "m", 200, &["JUND"], 3);
    let head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    let text = example_vcf(12);
    let records: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let write = |name: &str, body: String| {
        let path = dir.join(name);
        std::fs::write(&path, format!("{head}{body}")).unwrap();
        path
    };
    let good = records[..3].join("\n") + "\n";

    // A REF that is not the genome's: an error at its line, or skipped and counted.
    let f: Vec<&str> = records[0].split('\t').collect();
    let wrong = if f[3].starts_with('A') { "C" } else { "A" };
    let bad_ref = write(
        "ref.vcf",
        format!("{good}{}\t{}\t.\t{wrong}\tG\t.\t.\t.\n", f[0], f[1]),
    );
    failed_with(
        &score(&[&m], &bad_ref, &dir.join("o"), &[]),
        1,
        &[
            "ref.vcf:6:",
            "differs from the genome",
            "--skip-ref-mismatch",
        ],
    );
    assert!(!dir.join("o").exists());
    let out = dir.join("skipped");
    ok(&score(&[&m], &bad_ref, &out, &["--skip-ref-mismatch"]));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (&summary["ref_mismatches"], &summary["records"]),
        (&1.into(), &3.into())
    );

    // Chromosomes named without `chr`: explained.
    let renamed = write("nochr.vcf", good.replace("chr2", "2"));
    failed_with(
        &score(&[&m], &renamed, &dir.join("o"), &[]),
        1,
        &["nochr.vcf:3:", "chr2"],
    );
    failed_with(
        &score(&[&m], &renamed, &dir.join("o"), &["--skip-unknown-chroms"]),
        1,
        &["nochr.vcf", "none of its"],
    );
    // A chromosome the genome lacks, among known ones, is skipped with the option.
    let other = write("other.vcf", format!("{good}chrM\t10\t.\tA\tG\t.\t.\t.\n"));
    failed_with(
        &score(&[&m], &other, &dir.join("o"), &[]),
        1,
        &["other.vcf:6:", "chrM"],
    );
    ok(&score(
        &[&m],
        &other,
        &dir.join("o2"),
        &["--skip-unknown-chroms"],
    ));

    // Not an allele, not a record, past the chromosome's end.
    let cases = [
        (
            "alt.vcf",
            format!("{}\t{}\t.\t{}\tQ\t.\t.\t.\n", f[0], f[1], f[3]),
            "ALT \"Q\"",
        ),
        (
            "pos.vcf",
            format!("{}\tten\t.\tA\tG\t.\t.\t.\n", f[0]),
            "not a VCF record",
        ),
        (
            "end.vcf",
            format!("{}\t99999999\t.\tA\tG\t.\t.\t.\n", f[0]),
            "off the end",
        ),
    ];
    for (name, body, words) in cases {
        let path = write(name, format!("{good}{body}"));
        failed_with(
            &score(&[&m], &path, &dir.join("o"), &[]),
            1,
            &[&format!("{name}:6:"), words],
        );
    }
    // Windows off the chromosome's start: NA, counted. chr21 begins with N.
    let edge = write("edge.vcf", "chr21\t20\t.\tN\tA\t.\t.\t.\n".into());
    ok(&score(&[&m], &edge, &dir.join("edge"), &[]));
    let row = tsv(&dir.join("edge")).lines().nth(1).unwrap().to_owned();
    assert!(row.ends_with("\tNA\tNA\tNA\tNA"), "{row}");

    // A file without records (header only, or empty) is an error naming it; a region without
    // records is not.
    for (name, text) in [("header.vcf", head), ("empty.vcf", "")] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        failed_with(
            &score(&[&m], &path, &dir.join("o"), &[]),
            1,
            &[name, "no variant records"],
        );
    }
    ok(&score(
        &[&m],
        &edge,
        &dir.join("none"),
        &["--region", "chr22"],
    ));
    assert_eq!(tsv(&dir.join("none")).lines().count(), 1);

    // Usage mistakes exit 2.
    failed_with(
        &score(&[&m], &edge, &dir.join("o"), &["--shard", "3/2"]),
        2,
        &["3/2"],
    );
    failed_with(&score(&[&m, &m], &edge, &dir.join("o"), &[]), 2, &["twice"]);
    failed_with(
        &score(&[&m], &edge, &dir.join("o"), &["--region", "chrZ"]),
        2,
        &["chrZ"],
    );
}

/// `--threads 1` (a Slurm task with one CPU) once hung: the stage's work held the only rayon
/// worker while it waited for genome reads queued behind it. It must finish, and score as two.
#[test]
fn one_thread_finishes_and_scores_as_two() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = model(dir, "m", 200, &["JUND"], 5);
    let vcf = dir.join("v.vcf");
    std::fs::write(&vcf, example_vcf(60)).unwrap();
    let two = dir.join("two");
    ok(&score(&[&m], &vcf, &two, &[]));

    let one = dir.join("one");
    let genome = genome_path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tfbind-variants"))
        .args(["score", "--device", "cpu", "--threads", "1", "-q"])
        .arg("--model")
        .arg(&m)
        .arg("--genome")
        .arg(&genome)
        .arg("--variants")
        .arg(&vcf)
        .arg("--out")
        .arg(&one)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("tfbind-variants --threads 1 did not finish in 300 s (deadlocked?)");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "--threads 1 failed: {status:?}");
    assert_eq!(tsv(&one), tsv(&two));
}

/// From VCF text, the annotated VCF is the input with the scores added to INFO: its header
/// lines, QUAL, FILTER, INFO, FORMAT and samples kept, every ALT kept (`.` for the unscored), a
/// record with nothing scored unchanged but for an earlier run's fields (removed: stale), and
/// fields of an earlier run replaced, not repeated.
#[test]
fn annotated_vcf_carries_the_input_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = model(dir, "m", 200, &["JUND"], 3);
    let genome = Genome::open(genome_path()).unwrap();
    // Three positions inside the example data's first windows, with the genome's bases as REF.
    let text = std::fs::read(root().join("data/example/regions.bed.gz")).unwrap();
    let mut first = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(&text[..]),
        &mut first,
    )
    .unwrap();
    let f: Vec<&str> = first.lines().next().unwrap().split('\t').collect();
    let (chrom, start) = (f[0].to_string(), f[1].parse::<u64>().unwrap());
    let base = |pos0: u64| {
        let c = genome
            .fetch(&Interval::new(chrom.clone(), pos0, pos0 + 1))
            .unwrap()[0];
        char::from(LETTERS[c as usize])
    };
    let other = |b: char| if b == 'A' { 'C' } else { 'A' };
    let (p1, p2, p3) = (start + 90, start + 100, start + 110);
    let vcf = dir.join("in.vcf");
    std::fs::write(
        &vcf,
        format!(
            "##fileformat=VCFv4.2\n\
             ##INFO=<ID=DP,Number=1,Type=Integer,Description=\"depth\">\n\
             ##INFO=<ID=TFBIND_JUND_REF,Number=1,Type=Float,Description=\"stale\">\n\
             ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
             ##contig=<ID={chrom}>\n\
             #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA001\n\
             {chrom}\t{}\trs1\t{}\t{},<DEL>\t50\tPASS\tDP=7;TFBIND_JUND_REF=0.5\tGT\t0/2\n\
             {chrom}\t{}\trs2\t{}\t<DUP>\t.\tq10\tTFBIND_JUND_LOR=1;DP=3\tGT\t0/1\n\
             {chrom}\t{}\trs3\t{}\t{}\t.\t.\t.\tGT\t1/1\n",
            p1 + 1,
            base(p1),
            other(base(p1)),
            p2 + 1,
            base(p2),
            p3 + 1,
            base(p3),
            other(base(p3)),
        ),
    )
    .unwrap();
    let out = dir.join("out");
    ok(&score(&[&m], &vcf, &out, &["--annotated-vcf"]));
    let annotated = gunzip(out.join("variants.vcf.gz"));
    let header: Vec<&str> = annotated.lines().filter(|l| l.starts_with('#')).collect();
    assert!(header.contains(&"##INFO=<ID=DP,Number=1,Type=Integer,Description=\"depth\">"));
    assert!(header.iter().any(|l| l.starts_with("##FORMAT=<ID=GT")));
    assert_eq!(
        header
            .iter()
            .filter(|l| l.starts_with("##INFO=<ID=TFBIND_JUND_REF,"))
            .count(),
        1,
        "{annotated}"
    );
    assert_eq!(
        *header.last().unwrap(),
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA001"
    );
    let records: Vec<Vec<&str>> = annotated
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(records.len(), 3, "{annotated}");
    let (r1, r2, r3) = (&records[0], &records[1], &records[2]);
    assert_eq!(
        r1[2..7],
        [
            "rs1",
            &base(p1).to_string(),
            &format!("{},<DEL>", other(base(p1))),
            "50",
            "PASS"
        ]
    );
    assert_eq!(r1[8..], ["GT", "0/2"]);
    let info: Vec<&str> = r1[7].split(';').collect();
    assert_eq!(info[0], "DP=7");
    assert_eq!(
        info.iter()
            .filter(|e| e.starts_with("TFBIND_JUND_REF="))
            .count(),
        1
    );
    assert!(!info.contains(&"TFBIND_JUND_REF=0.5"), "{info:?}");
    let lor = info
        .iter()
        .find_map(|e| e.strip_prefix("TFBIND_JUND_LOR="))
        .unwrap();
    let lor: Vec<&str> = lor.split(',').collect();
    assert_eq!(lor.len(), 2);
    assert!(lor[0].parse::<f64>().is_ok() && lor[1] == ".", "{lor:?}");
    // Nothing scored: carried over as it was, without the earlier run's field.
    assert_eq!(r2[4..], ["<DUP>", ".", "q10", "DP=3", "GT", "0/1"]);
    assert!(r3[7].starts_with("TFBIND_JUND_REF="), "{r3:?}");
    assert_eq!(r3[8..], ["GT", "1/1"]);
    if let Some(bcftools) = tool("bcftools") {
        let view = Command::new(bcftools)
            .args(["view", "-H"])
            .arg(out.join("variants.vcf.gz"))
            .output()
            .unwrap();
        assert!(
            view.status.success(),
            "{}",
            String::from_utf8_lossy(&view.stderr)
        );
        assert_eq!(String::from_utf8(view.stdout).unwrap().lines().count(), 3);
    }
}
