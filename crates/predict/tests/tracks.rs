//! tfbind-predict's tracks end to end: bigWigs read back by pyBigWig (the oracle) match the
//! bedGraph and TSV of the same run, carry the genome's chromosome sizes and zoom levels, and
//! have no value on N; calls agree with the track; bigWig directories and bad track requests
//! are refused with their exit codes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfbind_genome::{codes, Genome, Interval};

mod common;
use common::{example, rows, untrained_model};

fn predict(model: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-predict"))
        .args(["--threads", "2", "--device", "cpu", "-q", "--model"])
        .arg(model)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The test environment's Python with pyBigWig, or `None` with a printed `skipped:` line; with
/// `TFBIND_REQUIRE_ORACLES=1` a missing one fails the test.
fn pybigwig() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let found = python.exists()
        && Command::new(&python)
            .args(["-c", "import pyBigWig"])
            .status()
            .is_ok_and(|s| s.success());
    if found {
        return Some(python);
    }
    let reason = format!(
        "pyBigWig in {} is missing (scripts/setup.sh --test)",
        python.display()
    );
    if std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() == Ok("1") {
        panic!("TFBIND_REQUIRE_ORACLES=1 but {reason}");
    }
    eprintln!("skipped: the pyBigWig oracle: {reason}");
    None
}

/// What pyBigWig reads from a bigWig: its chromosomes, header, every interval, and the maximum
/// of each chromosome from the zoom levels and from the data.
#[derive(Debug)]
struct BigWig {
    chroms: BTreeMap<String, u64>,
    zoom_levels: u64,
    intervals: Vec<(String, u64, u64, f32)>,
    zoom_max: BTreeMap<String, f64>,
    exact_max: BTreeMap<String, f64>,
    /// Intervals over each queried range (chrom, start, end).
    queried: Vec<usize>,
}

const READ_BIGWIG: &str = r#"
import json, sys
import pyBigWig
bw = pyBigWig.open(sys.argv[1])
assert bw.isBigWig()
chroms = bw.chroms()
header = bw.header()
intervals = []
for c in chroms:
    intervals += [[c, s, e, v] for s, e, v in bw.intervals(c) or []]
queries = json.loads(sys.argv[2])
print(json.dumps({
    "chroms": chroms,
    "zoom_levels": header["nLevels"],
    "intervals": intervals,
    "zoom_max": {c: bw.stats(c, type="max")[0] for c in chroms},
    "exact_max": {c: bw.stats(c, type="max", exact=True)[0] for c in chroms},
    "queried": [len(bw.intervals(c, s, e) or []) for c, s, e in queries],
}))
"#;

fn read_bigwig(python: &Path, path: &Path, queries: &[(&str, u64, u64)]) -> BigWig {
    let out = Command::new(python)
        .args(["-c", READ_BIGWIG])
        .arg(path)
        .arg(serde_json::to_string(queries).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyBigWig on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let map = |key: &str| -> BTreeMap<String, serde_json::Value> {
        json[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    BigWig {
        chroms: map("chroms")
            .into_iter()
            .map(|(k, v)| (k, v.as_u64().unwrap()))
            .collect(),
        zoom_levels: json["zoom_levels"].as_u64().unwrap(),
        intervals: json["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i[0].as_str().unwrap().to_string(),
                    i[1].as_u64().unwrap(),
                    i[2].as_u64().unwrap(),
                    // pyBigWig widens the stored f32; narrowing it back is exact.
                    i[3].as_f64().unwrap() as f32,
                )
            })
            .collect(),
        zoom_max: map("zoom_max")
            .into_iter()
            .map(|(k, v)| (k, v.as_f64().unwrap()))
            .collect(),
        exact_max: map("exact_max")
            .into_iter()
            .map(|(k, v)| (k, v.as_f64().unwrap()))
            .collect(),
        queried: json["queried"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap() as usize)
            .collect(),
    }
}

/// bedGraph entries after the track line: (chrom, start, end, value).
fn bedgraph(path: &Path) -> Vec<(String, u64, u64, f32)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("track type=bedGraph"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

/// The stretches of a chromosome without N of at least `min` bases, from the genome itself.
fn acgt_runs(genome: &Genome, chrom: &str, min: u64) -> Vec<(u64, u64)> {
    let len = genome.sizes().get(chrom).unwrap();
    let codes = genome.fetch(&Interval::new(chrom, 0, len)).unwrap();
    let mut runs = Vec::new();
    let mut start = None;
    for (pos, &c) in (0u64..).zip(codes.iter().chain([&codes::N])) {
        match (c == codes::N, start) {
            (false, None) => start = Some(pos),
            (true, Some(s)) => {
                if pos - s >= min {
                    runs.push((s, pos));
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Adjacent intervals of one chromosome merged into stretches.
fn merged(intervals: &[(String, u64, u64, f32)], chrom: &str) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (_, s, e, _) in intervals.iter().filter(|i| i.0 == chrom) {
        match out.last_mut() {
            Some(last) if last.1 == *s => last.1 = *e,
            _ => out.push((*s, *e)),
        }
    }
    out
}

/// Whole chromosomes: the bigWigs hold exactly the bedGraph's and the TSV's values, over every
/// stretch without N and nothing else, with the genome's chromosome sizes and zoom levels; the
/// calls are the stretches of the track at or above the threshold.
#[test]
fn genome_wide_bigwigs_match_the_bedgraph_and_skip_n() {
    let Some(python) = pybigwig() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model, _) = untrained_model(dir);
    let genome_path = example("genome.fa.gz");
    let genome = Genome::open(&genome_path).unwrap();
    let tracks = dir.join("tracks");
    let (out, graph) = (dir.join("p.tsv"), dir.join("jund.bedGraph"));
    let run = predict(
        &model,
        &[
            "--genome-wide",
            "--genome",
            s(&genome_path),
            "--stride",
            "150",
            "--out",
            s(&out),
            "--bigwig",
            s(&tracks),
            "--task",
            "JUND",
            "--bedgraph",
            s(&graph),
            "--json",
        ],
    );
    ok(&run);
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let rows = rows(&out);
    let entries = bedgraph(&graph);
    assert_eq!(summary["windows"].as_u64(), Some(rows.len() as u64));
    assert_eq!(entries.len(), rows.len());

    // Ranges wholly N in the example genome: the start of chr21, and the bases between two
    // DHS windows of chr22.
    let gap = ("chr22", 10_510_000, 10_515_000);
    let n = genome
        .fetch(&Interval::new(gap.0, gap.1, gap.2))
        .unwrap()
        .iter()
        .filter(|&&c| c == codes::N)
        .count();
    assert_eq!(n, 5_000, "the test's gap holds sequence");
    let queries = [("chr21", 0, 5_000_000), gap];
    let jund = read_bigwig(&python, &tracks.join("JUND.bw"), &queries);
    let max = read_bigwig(&python, &tracks.join("MAX.bw"), &[]);

    // The header: the genome's chromosomes and sizes; zoom levels.
    let sizes: BTreeMap<String, u64> = genome
        .sizes()
        .iter()
        .map(|(c, l)| (c.to_string(), l))
        .collect();
    assert_eq!(jund.chroms, sizes);
    assert_eq!(max.chroms, sizes);
    // Sparse tracks (DHS windows only) keep the few levels that shrink the data.
    assert!(jund.zoom_levels >= 1, "{} zoom levels", jund.zoom_levels);
    for (chrom, exact) in &jund.exact_max {
        assert!((jund.zoom_max[chrom] - exact).abs() < 1e-6, "{chrom}");
    }

    // The values: the bedGraph's entries exactly, and the TSV's MAX column window by window.
    assert_eq!(jund.intervals, entries);
    assert_eq!(max.intervals.len(), rows.len());
    for ((iv, row), jund) in max.intervals.iter().zip(&rows).zip(&jund.intervals) {
        assert_eq!((&iv.0, iv.1, iv.2), (&jund.0, jund.1, jund.2));
        assert_eq!(iv.3, row.4[0]);
        assert_eq!(jund.3, row.4[1]);
        assert!(
            iv.1 <= row.1 + 100 && row.1 + 100 < iv.2,
            "centre in its segment"
        );
    }

    // N: no value in the gaps, and every stretch without N as long as a window covered.
    assert_eq!(jund.queried, [0, 0]);
    for chrom in sizes.keys() {
        assert_eq!(
            merged(&jund.intervals, chrom),
            acgt_runs(&genome, chrom, 200),
            "{chrom}"
        );
    }

    // Again into the same directory: refused as it is not empty, then written with --force.
    let again = ["--chroms", "chr21", "--genome", s(&genome_path)];
    let o = predict(&model, &[&again[..], &["--bigwig", s(&tracks)]].concat());
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("is not empty"), "{stderr}");
    let o = predict(
        &model,
        &[&again[..], &["--bigwig", s(&tracks), "--force"]].concat(),
    );
    ok(&o);
    let chr21 = read_bigwig(&python, &tracks.join("JUND.bw"), &[]);
    assert_eq!(chr21.chroms.keys().collect::<Vec<_>>(), ["chr21"]);
}

/// BED regions: written in genome order whatever the file's, the bigWig equal to the bedGraph;
/// calls are the track's stretches at or above the threshold; overlapping regions are refused.
#[test]
fn bed_tracks_and_calls() {
    let Some(python) = pybigwig() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model, _) = untrained_model(dir);
    let genome_path = example("genome.fa.gz");
    // chr22 first, and chr21's regions out of order, one across N; overlapping DHS windows
    // merged into one region.
    let bed = dir.join("r.bed");
    std::fs::write(
        &bed,
        "chr22\t17000000\t17001000\tn\n\
         chr21\t5064675\t5065125\tb\n\
         chr21\t5055485\t5055685\ta\n",
    )
    .unwrap();
    let tracks = dir.join("new/tracks");
    let (out, graph, calls) = (dir.join("p.tsv"), dir.join("g.bedGraph"), dir.join("c.bed"));
    let args = |threshold: &str| {
        predict(
            &model,
            &[
                "--bed",
                s(&bed),
                "--genome",
                s(&genome_path),
                "--stride",
                "50",
                "--out",
                s(&out),
                "--bigwig",
                s(&tracks),
                "--force",
                "--task",
                "JUND",
                "--bedgraph",
                s(&graph),
                "--calls",
                s(&calls),
                "--threshold",
                threshold,
            ],
        )
    };
    ok(&args("0.5"));
    let rows = rows(&out);
    let starts: Vec<(&str, u64)> = rows.iter().map(|r| (r.0.as_str(), r.1)).collect();
    assert_eq!(starts[0], ("chr21", 5055485));
    assert_eq!(starts[1], ("chr21", 5064675));
    assert_eq!(starts.last().unwrap(), &("chr22", 17000800));
    let entries = bedgraph(&graph);
    let jund = read_bigwig(&python, &tracks.join("JUND.bw"), &[]);
    assert_eq!(jund.intervals, entries);
    assert_eq!(
        jund.chroms.keys().collect::<Vec<_>>(),
        ["chr21", "chr22"],
        "the chromosomes with values"
    );

    // A threshold between the track's values, so that there is something to call and to leave.
    let mut values: Vec<f32> = entries.iter().map(|e| e.3).collect();
    values.sort_by(f32::total_cmp);
    let threshold = values[values.len() / 2];
    ok(&args(&threshold.to_string()));
    let entries = bedgraph(&graph);
    // JUND's calls from the bedGraph: adjacent entries at or above the threshold, merged.
    let mut expected: Vec<(String, u64, u64, f32)> = Vec::new();
    for (chrom, lo, hi, v) in &entries {
        if *v < threshold {
            continue;
        }
        match expected.last_mut() {
            Some(c) if c.0 == *chrom && c.2 == *lo => {
                c.2 = *hi;
                c.3 = c.3.max(*v);
            }
            _ => expected.push((chrom.clone(), *lo, *hi, *v)),
        }
    }
    assert!(expected.len() >= 2, "{expected:?}");
    let text = std::fs::read_to_string(&calls).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    let got: Vec<(String, u64, u64, f32)> = lines
        .iter()
        .filter(|f| f[3] == "JUND")
        .map(|f| {
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[6].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    for f in &lines {
        assert_eq!(f.len(), 10);
        assert_eq!((f[5], f[7], f[8]), (".", "-1", "-1"));
        let (start, end, summit): (u64, u64, u64) = (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[9].parse().unwrap(),
        );
        assert!(summit < end - start);
    }
    let order: Vec<(&str, u64)> = lines
        .iter()
        .map(|f| (f[0], f[1].parse().unwrap()))
        .collect();
    assert!(
        order.is_sorted_by_key(|(c, s)| (*c != "chr21", *s)),
        "{order:?}"
    );

    // Overlapping regions are refused, naming both lines, and nothing is written.
    std::fs::write(
        dir.join("o.bed"),
        "chr21\t5064675\t5064875\nchr22\t17000000\t17001000\nchr21\t5064865\t5065065\n",
    )
    .unwrap();
    let fresh = dir.join("fresh");
    let o = predict(
        &model,
        &[
            "--bed",
            s(&dir.join("o.bed")),
            "--genome",
            s(&genome_path),
            "--bigwig",
            s(&fresh),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("o.bed:3: region chr21:5064865-5065065 overlaps")
            && stderr.contains("of line 1"),
        "{stderr}"
    );
    assert!(std::fs::read_dir(&fresh).map_or(true, |mut d| d.next().is_none()));
}

/// Bad track requests: exit 2 for usage, 1 for an output at an input, and nothing written.
#[test]
fn bad_track_requests_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model, _) = untrained_model(dir);
    let genome = example("genome.fa.gz");
    let bed = dir.join("r.bed");
    std::fs::write(&bed, "chr21\t5055485\t5055685\n").unwrap();
    let fa = dir.join("s.fa");
    std::fs::write(&fa, ">s\nACGT\n").unwrap();
    let tracks = dir.join("tracks");
    let calls = dir.join("c.bed");
    let on_bed = ["--bed", s(&bed), "--genome", s(&genome)];
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (on_bed.to_vec(), 2, "--out"),
        (
            vec!["--fasta", s(&fa), "--bigwig", s(&tracks)],
            2,
            "--fasta",
        ),
        (
            vec![
                "--chroms",
                "21",
                "--genome",
                s(&genome),
                "--bigwig",
                s(&tracks),
            ],
            2,
            "no chromosome 21 (it names it chr21)",
        ),
        (
            vec![
                "--chroms",
                "chr21,chr21",
                "--genome",
                s(&genome),
                "--bigwig",
                s(&tracks),
            ],
            2,
            "chr21 is listed twice",
        ),
        (
            [&on_bed[..], &["--calls", s(&calls), "--threshold", "0"]].concat(),
            2,
            "not a probability",
        ),
        (
            [&on_bed[..], &["--bigwig", s(dir), "--force"]].concat(),
            1,
            "the input",
        ),
    ];
    for (args, code, needle) in cases {
        let o = predict(&model, &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!tracks.exists(), "{args:?}");
    }

    // --out at one of the bigWigs.
    let o = predict(
        &model,
        &[
            &on_bed[..],
            &["--bigwig", s(&tracks), "--out", s(&tracks.join("MAX.bw"))],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MAX.bw"));
    assert!(!tracks.join("MAX.bw").exists());

    // A directory with a file of someone else's: refused, and with --force the tracks are
    // added beside it.
    std::fs::create_dir(&tracks).unwrap();
    std::fs::write(tracks.join("notes.txt"), "mine").unwrap();
    let o = predict(&model, &[&on_bed[..], &["--bigwig", s(&tracks)]].concat());
    assert_eq!(o.status.code(), Some(2));
    let o = predict(
        &model,
        &[&on_bed[..], &["--bigwig", s(&tracks), "--force"]].concat(),
    );
    ok(&o);
    let mut names: Vec<String> = std::fs::read_dir(&tracks)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["JUND.bw", "MAX.bw", "notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(tracks.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Zoom levels agree with the data they summarise, gaps included: a sparse chromosome and a
/// dense one with a 2-Mb gap, with enough values for every level and multi-level indexes.
#[test]
fn zoom_levels_agree_with_the_data() {
    let Some(python) = pybigwig() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.bw");
    let sizes = [("chrS", 3_000_000u64), ("chrD", 30_000_000u64)];
    let mut bigwigs = tfbind_predict::BigWigs::create(vec![path.clone()], &sizes, 40).unwrap();
    let value = |i: u64| (i.wrapping_mul(2_654_435_761) % 1000) as f32 / 1000.0;
    let mut i = 0;
    // Stretches of 2,000 bases every 3,000 on the sparse one.
    for stretch in (0..3_000_000).step_by(3_000) {
        for lo in (stretch..stretch + 2_000).step_by(50) {
            bigwigs.push("chrS", lo, lo + 50, &[value(i)]).unwrap();
            i += 1;
        }
    }
    for lo in (0..30_000_000).step_by(10) {
        if !(10_000_000..12_000_000).contains(&lo) {
            bigwigs.push("chrD", lo, lo + 10, &[value(i)]).unwrap();
            i += 1;
        }
    }
    for file in bigwigs.finish().unwrap() {
        file.commit().unwrap();
    }
    let script = r#"
import json, sys
import pyBigWig
bw = pyBigWig.open(sys.argv[1])
out = {"levels": bw.header()["nLevels"], "chroms": bw.chroms(), "stats": {}}
for c in bw.chroms():
    for t in ["mean", "coverage", "min", "max"]:
        out["stats"][c + " " + t] = [bw.stats(c, type=t)[0], bw.stats(c, type=t, exact=True)[0]]
out["gap"] = [bw.stats("chrD", 10_000_000, 12_000_000, type="coverage")[0],
              bw.stats("chrD", 10_000_000, 12_000_000, type="coverage", exact=True)[0]]
print(json.dumps(out))
"#;
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Levels of 40, 160, … 40 × 4^9 bases are summed; the 40-base one (750,000 records for 2.84
    // million values) is too large next to the data, so the first kept is 160, as
    // bedGraphToBigWig would choose it.
    assert_eq!(json["levels"].as_u64(), Some(9));
    assert_eq!(json["chroms"]["chrD"].as_u64(), Some(30_000_000));
    for (name, pair) in json["stats"].as_object().unwrap() {
        let (zoom, exact) = (pair[0].as_f64().unwrap(), pair[1].as_f64().unwrap());
        assert!(
            (zoom - exact).abs() <= 1e-5 * exact.abs().max(1.0),
            "{name}: zoom {zoom}, data {exact}"
        );
    }
    // Sparse: 2 bases in 3 have a value.
    let coverage = json["stats"]["chrS coverage"][1].as_f64().unwrap();
    assert!((coverage - 2.0 / 3.0).abs() < 1e-9, "{coverage}");
    // No zoom record reaches into the gap.
    assert!(json["gap"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v.is_null() || v == 0.0));
}
