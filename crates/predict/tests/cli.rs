//! tfbind-predict end to end: BED + genome and FASTA inputs give the model's probabilities,
//! tiling, bedGraph, reverse-complement averaging, and errors with their exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfbind_genome::{codes::LETTERS, Genome, Interval};
use tfbind_model::reverse_complement_into;

mod common;
use common::{example, rows, untrained_model};

enum In<'a> {
    Bed(&'a Path),
    /// A BED on another genome than the example's.
    BedOn(&'a Path, &'a Path),
    Fasta(&'a Path),
}

fn predict(model: &Path, input: In, out: &Path, extra: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tfbind-predict"));
    c.args(["--threads", "2", "--device", "cpu", "-q", "--model"])
        .arg(model)
        .arg("--out")
        .arg(out);
    match input {
        In::Bed(bed) => c
            .arg("--bed")
            .arg(bed)
            .arg("--genome")
            .arg(example("genome.fa.gz")),
        In::BedOn(bed, genome) => c.arg("--bed").arg(bed).arg("--genome").arg(genome),
        In::Fasta(fasta) => c.arg("--fasta").arg(fasta),
    };
    c.args(extra).output().unwrap()
}

fn letters(codes: &[u8]) -> String {
    codes
        .iter()
        .map(|&c| char::from(LETTERS[c as usize]))
        .collect()
}

#[test]
fn bed_and_fasta_predictions_tiles_and_bedgraph() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    tfbind_model::set_threads(2);
    let (model_dir, model) = untrained_model(dir);

    // Three DHS windows of chr21, then a 450-bp region over two overlapping ones.
    let genome = Genome::open(example("genome.fa.gz")).unwrap();
    let windows = [
        Interval::new("chr21", 5055485, 5055685),
        Interval::new("chr21", 5064675, 5064875),
        Interval::new("chr21", 5064865, 5065065),
        Interval::new("chr21", 5064675, 5065125),
    ];
    let mut bed = String::from("track name=test\n");
    let mut fasta = String::new();
    for (i, w) in windows.iter().enumerate() {
        bed += &format!("{}\t{}\t{}\tr{i}\n", w.chrom, w.start, w.end);
        fasta += &format!(">r{i} test\n{}\n", letters(&genome.fetch(w).unwrap()));
    }
    std::fs::write(dir.join("r.bed"), &bed).unwrap();
    std::fs::write(dir.join("r.fa"), &fasta).unwrap();

    let bedgraph = dir.join("jund.bedGraph");
    let out = predict(
        &model_dir,
        In::Bed(&dir.join("r.bed")),
        &dir.join("bed.tsv"),
        &[
            "--stride",
            "100",
            "--task",
            "JUND",
            "--bedgraph",
            bedgraph.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_bed = rows(&dir.join("bed.tsv"));
    // The 450-bp region: windows at +0, +100, +200 and one flush with its end (+250).
    let starts: Vec<u64> = from_bed.iter().map(|r| r.1).collect();
    let s = windows[3].start;
    assert_eq!(&starts[3..], [s, s + 100, s + 200, s + 250]);
    assert_eq!(from_bed[0].3, "r0");
    // Each row is the model's prediction for that window, bit for bit when predicted as the
    // binary does, in one batch (libtorch's single-window and batched passes can differ in the
    // last bit on some CPUs).
    let codes: Vec<u8> = from_bed
        .iter()
        .flat_map(|row| {
            genome
                .fetch(&Interval::new(row.0.clone(), row.1, row.2))
                .unwrap()
        })
        .collect();
    let expected = model.predict(&codes, false).unwrap();
    for (row, p) in from_bed.iter().zip(expected.chunks_exact(2)) {
        assert_eq!(row.4, p);
    }
    let graph = std::fs::read_to_string(&bedgraph).unwrap();
    let mut lines = graph.lines();
    assert!(lines.next().unwrap().starts_with("track type=bedGraph"));
    let entries: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(entries.len(), 7);
    let segment = |i: usize| {
        (
            entries[i][1].parse::<u64>().unwrap(),
            entries[i][2].parse::<u64>().unwrap(),
        )
    };
    assert_eq!(segment(0), (windows[0].start, windows[0].end));
    // The tiled region is cut into adjacent pieces at the midpoints between window centres.
    assert_eq!(
        (3..7).map(segment).collect::<Vec<_>>(),
        [
            (s, s + 150),
            (s + 150, s + 250),
            (s + 250, s + 325),
            (s + 325, s + 450)
        ]
    );
    assert_eq!(entries[3][3].parse::<f32>().unwrap(), from_bed[3].4[1]);

    // FASTA input: the same probabilities, coordinates within the records.
    let out = predict(
        &model_dir,
        In::Fasta(&dir.join("r.fa")),
        &dir.join("fa.tsv"),
        &["--stride", "100"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_fasta = rows(&dir.join("fa.tsv"));
    assert_eq!(from_fasta.len(), from_bed.len());
    for (a, b) in from_fasta.iter().zip(&from_bed) {
        assert_eq!(a.4, b.4);
        assert_eq!(a.0, a.3);
    }
    assert_eq!((from_fasta[4].1, from_fasta[4].2), (100, 300));

    // Reverse-complement averaging makes a sequence and its reverse complement score the same.
    let codes = genome.fetch(&windows[1]).unwrap();
    let mut rc = vec![0; codes.len()];
    reverse_complement_into(&codes, &mut rc);
    std::fs::write(
        dir.join("rc.fa"),
        format!(">f\n{}\n>r\n{}\n", letters(&codes), letters(&rc)),
    )
    .unwrap();
    let out = predict(
        &model_dir,
        In::Fasta(&dir.join("rc.fa")),
        &dir.join("rc.tsv"),
        &["--rc-average"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let both = rows(&dir.join("rc.tsv"));
    for (a, b) in both[0].4.iter().zip(&both[1].4) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }

    // A region shorter than the window is a data error naming its line; an unknown task is a
    // usage error; neither leaves an output behind.
    std::fs::write(
        dir.join("short.bed"),
        "chr21\t14568635\t14568835\nchr21\t100\t150\n",
    )
    .unwrap();
    let bad_out = dir.join("bad.tsv");
    let out = predict(&model_dir, In::Bed(&dir.join("short.bed")), &bad_out, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("short.bed:2"), "{stderr}");
    assert!(!bad_out.exists());
    let out = predict(
        &model_dir,
        In::Fasta(&dir.join("r.fa")),
        &bad_out,
        &["--bedgraph", "x.bedGraph", "--task", "CTCF"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no task 'CTCF'"));
    assert!(!bad_out.exists());
}

/// Bad BEDs and genomes name the file and line, at any point of the input, and empty inputs are
/// errors; none leaves an output behind.
#[test]
fn bad_and_empty_inputs_name_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model_dir, _) = untrained_model(dir);
    let bad_out = dir.join("bad.tsv");
    // A region off the chromosome's end, after more than one chunk of windows (20,000): an
    // error naming its line, found as the BED is read, and no output.
    let mut late = "chr21\t5055485\t5055685\n".repeat(20_100);
    late += "chr21\t46709900\t46710100\n";
    std::fs::write(dir.join("late.bed"), late).unwrap();
    let out = predict(&model_dir, In::Bed(&dir.join("late.bed")), &bad_out, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("late.bed:20101:") && stderr.contains("off the end of chr21"),
        "{stderr}"
    );
    assert!(!bad_out.exists());

    // A genome whose sequence goes bad after more than one chunk of windows has been predicted
    // and written (a byte that is not a base, in a line opening does not check): still an error
    // naming it, and no output.
    let genome = Genome::open(example("genome.fa.gz")).unwrap();
    let bases = letters(
        &genome
            .fetch(&Interval::new("chr21", 5055485, 5055685))
            .unwrap(),
    );
    let bad_line = format!("{}7{}", &bases[60..90], &bases[91..120]);
    let genome_text = format!(
        ">good\n{bases}\n>bad\n{}\n{bad_line}\n{}\n{}\n",
        &bases[..60],
        &bases[120..180],
        &bases[180..200],
    );
    std::fs::write(dir.join("g.fa"), genome_text).unwrap();
    let mut late = "good\t0\t200\n".repeat(20_100);
    late += "bad\t0\t200\n";
    std::fs::write(dir.join("late_bad.bed"), late).unwrap();
    let out = predict(
        &model_dir,
        In::BedOn(&dir.join("late_bad.bed"), &dir.join("g.fa")),
        &bad_out,
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'7' where bad:0-200"), "{stderr}");
    assert!(!bad_out.exists());

    // Empty inputs are errors naming the file, not a table of headers only.
    std::fs::write(dir.join("empty.bed"), "track name=none\n# no regions\n").unwrap();
    std::fs::write(dir.join("empty.fa"), "\n").unwrap();
    for (input, needle) in [
        (In::Bed(&dir.join("empty.bed")), "empty.bed: no regions"),
        (
            In::Fasta(&dir.join("empty.fa")),
            "empty.fa: no FASTA record",
        ),
    ] {
        let out = predict(&model_dir, input, &bad_out, &[]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{stderr}");
        assert!(!bad_out.exists());
    }
}

/// An untrained model and a BED of one window, `f.bed`, in `dir`.
fn model_and_bed(dir: &Path) -> (PathBuf, PathBuf) {
    let (model, _) = untrained_model(dir);
    let bed = dir.join("f.bed");
    std::fs::write(&bed, "chr21\t5055485\t5055685\tr0\n").unwrap();
    (model, bed)
}

#[test]
fn outputs_are_never_inputs_or_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model, bed) = model_and_bed(dir);
    let text = std::fs::read_to_string(&bed).unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let before = listing();

    // --out at the BED it reads: refused, naming both, and the BED is untouched.
    let out = predict(&model, In::Bed(&bed), &bed, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("f.bed: the output is the input") && stderr.contains(bed.to_str().unwrap()),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&bed).unwrap(), text);

    // The same file by another spelling, the genome (through a link, so that a failure of
    // this test cannot replace the shipped file), and a file inside the model: refused too.
    let spelled = dir.join(".").join("f.bed");
    let genome = example("genome.fa.gz");
    let genome_bytes = std::fs::metadata(&genome).unwrap().len();
    let link = dir.join("genome-link.fa.gz");
    std::os::unix::fs::symlink(&genome, &link).unwrap();
    for (target, input) in [
        (spelled.clone(), "f.bed"),
        (link.clone(), "genome.fa.gz"),
        (model.join("tasks.txt"), "model"),
    ] {
        let out = predict(&model, In::Bed(&bed), &target, &[]);
        assert_eq!(out.status.code(), Some(1), "{}", target.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("the input") && stderr.contains(input),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read_to_string(&bed).unwrap(), text);
    assert_eq!(std::fs::metadata(&genome).unwrap().len(), genome_bytes);
    std::fs::remove_file(&link).unwrap();

    // --bedgraph at --out, and --out at the FASTA read.
    let tsv = dir.join("p.tsv");
    let out = predict(
        &model,
        In::Bed(&bed),
        &tsv,
        &["--task", "JUND", "--bedgraph", tsv.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is the input") && stderr.contains("p.tsv"),
        "{stderr}"
    );
    let fa = dir.join("s.fa");
    std::fs::write(&fa, ">s\nACGT\n").unwrap();
    let out = predict(&model, In::Fasta(&fa), &fa, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&fa).unwrap(), ">s\nACGT\n");
    std::fs::remove_file(&fa).unwrap();
    assert_eq!(listing(), before, "nothing written");
}

#[test]
fn predict_config_errors_name_the_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (model, bed) = model_and_bed(dir);
    let config = dir.join("c.toml");
    let out = dir.join("p.tsv");
    let with_config = |text: &str, extra: &[&str]| {
        std::fs::write(&config, text).unwrap();
        let mut args = vec!["--config", config.to_str().unwrap()];
        args.extend(extra);
        predict(&model, In::Bed(&bed), &out, &args)
    };

    let o = with_config("[predict]\nrc_average = true\nstride = \"ten\"\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!("{}:3: [predict] key `stride`", config.display())),
        "{stderr}"
    );
    let o = with_config("[predict]\nstrides = 10\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(":2: [predict] key `strides`")
            && stderr.contains("valid keys: stride, rc_average, batch_size"),
        "{stderr}"
    );
    let o = with_config("[predict]\nbatch_size = 0\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());

    // The config's values are used, and flags override them.
    let o = with_config("[predict]\nstride = 0\n", &["--stride", "50", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (json["stride"].as_u64(), json["windows"].as_u64()),
        (Some(50), Some(1))
    );
    let o = with_config("[predict]\nrc_average = true\nstride = 7\n", &["--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (json["stride"].as_u64(), json["rc_average"].as_bool()),
        (Some(7), Some(true))
    );
}
