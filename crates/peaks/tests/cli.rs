//! The `tfbind-peaks` binary on small inputs written here: what it builds, the artifact contract,
//! and every kind of bad input (exit code, a one-line error naming file and line, and no output).

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use tfbind_artifact::Artifact;
use tfbind_dataset::{Regions, BOUND, REGIONS, UNBOUND, UNKNOWN};

/// A scratch directory with a genome of chr1 (1,000 bp) and chr2 (500 bp).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut fasta = String::new();
        for (name, len) in [("chr1", 1000), ("chr2", 500)] {
            fasta.push_str(&format!(">{name}\n"));
            let seq = "ACGT".repeat(len / 4);
            for line in seq.as_bytes().chunks(60) {
                fasta.push_str(std::str::from_utf8(line).unwrap());
                fasta.push('\n');
            }
        }
        std::fs::write(dir.path().join("genome.fa"), fasta).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn write_gz(&self, name: &str, text: &str) -> PathBuf {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        let path = self.path(name);
        std::fs::write(&path, enc.finish().unwrap()).unwrap();
        path
    }

    /// bgzip, as `bgzip` writes it: BGZF blocks and the empty end-of-file block.
    fn write_bgzf(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        let mut writer = noodles::bgzf::io::Writer::new(std::fs::File::create(&path).unwrap());
        writer.write_all(text.as_bytes()).unwrap();
        writer.finish().unwrap();
        path
    }

    fn genome(&self) -> String {
        self.path("genome.fa").display().to_string()
    }

    fn out(&self) -> String {
        self.path("out/regions").display().to_string()
    }

    /// Runs `tfbind-peaks` quietly in this directory.
    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_tfbind-peaks"))
            .args(args)
            .arg("-q")
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// `build` with the genome and output added.
    fn build(&self, args: &[&str]) -> Run {
        let (genome, out) = (self.genome(), self.out());
        let mut all = vec!["build", "--genome", &genome, "--out", &out];
        all.extend_from_slice(args);
        self.run(&all)
    }

    fn regions(&self) -> Regions {
        Regions::read(&Artifact::open(self.out(), REGIONS).unwrap()).unwrap()
    }

    /// Asserts a failure with `code`, one error line holding every `needle`, and no output left.
    fn assert_fails(&self, run: &Run, code: i32, needles: &[&str]) {
        assert_eq!(run.code, code, "stderr: {}", run.stderr);
        let lines: Vec<&str> = run.stderr.trim_end().lines().collect();
        assert_eq!(lines.len(), 1, "one line expected: {}", run.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        for needle in needles {
            assert!(lines[0].contains(needle), "{needle:?} not in: {}", lines[0]);
        }
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        let out = self.path("out");
        assert!(
            !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
            "output left behind"
        );
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
    }

    fn json(&self) -> serde_json::Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap()
    }
}

fn np(chrom: &str, start: u64, end: u64, summit: i64) -> String {
    format!("{chrom}\t{start}\t{end}\tp\t0\t.\t1\t1\t1\t{summit}\n")
}

/// Labels of one TF column, top to bottom.
fn column(regions: &Regions, tf: &str) -> Vec<i8> {
    let col = regions.labels.column_index(tf).unwrap();
    regions.labels.column(col).collect()
}

#[test]
fn builds_windows_from_regions_with_each_rule() {
    let s = Scratch::new();
    // Regions r1 and r2 give overlapping windows [100,300) and [150,350); r3 is on chr2. The
    // regions are bgzip under a plain name, B's peaks gzip, A's plain text.
    s.write_bgzf(
        "dhs.bed",
        "chr1\t150\t250\tr1\nchr1\t200\t300\tr2\nchr2\t0\t200\tr3\n",
    );
    s.write("A.narrowPeak", &np("chr1", 150, 250, 50));
    s.write_gz("B.bed.gz", "chr1\t230\t260\n");
    let peaks = ["--regions", "dhs.bed", "A.narrowPeak", "B.bed.gz"];

    let run = s.build(&[&peaks[..], &["--json"]].concat());
    let json = run.json();
    assert_eq!(json["windows"], 3);
    assert_eq!(json["up_to_date"], false);
    let r = s.regions();
    let names: Vec<_> = r.windows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["r1", "r2", "r3"]);
    assert_eq!((r.windows[1].start, r.windows[1].end), (150, 350));
    // A's summit 200 lies in r1 and r2; B's midpoint 245 too.
    assert_eq!(column(&r, "A"), [BOUND, BOUND, UNBOUND]);
    assert_eq!(column(&r, "B"), [BOUND, BOUND, UNBOUND]);

    s.build(&[&peaks[..], &["--assign", "best"]].concat()).ok();
    let r = s.regions();
    // Summit 200 is r1's centre; 245 is 45 from r1's centre and 5 from r2's.
    assert_eq!(column(&r, "A"), [BOUND, UNBOUND, UNBOUND]);
    assert_eq!(column(&r, "B"), [UNBOUND, BOUND, UNBOUND]);

    let na = [
        "--assign",
        "best",
        "--na-overlap",
        "--na-chroms-without-peaks",
    ];
    s.build(&[&peaks[..], &na[..]].concat()).ok();
    let r = s.regions();
    assert_eq!(column(&r, "A"), [BOUND, UNKNOWN, UNKNOWN]);
    assert_eq!(column(&r, "B"), [UNKNOWN, BOUND, UNKNOWN]);
    let manifest = Artifact::open(s.out(), REGIONS).unwrap().manifest().clone();
    assert_eq!(manifest.parameters["assign"].as_str(), Some("best"));
    assert_eq!(manifest.parameters["na_overlap"].as_bool(), Some(true));
}

#[test]
fn builds_windows_from_merged_summits_without_regions() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t300\nchr1\t0\t20\n");
    s.write(
        "B.narrowPeak",
        &(np("chr1", 200, 300, 50) + &np("chr2", 0, 500, 499)),
    );
    let json = s.build(&["A.bed", "B.narrowPeak", "--json"]).json();
    let r = s.regions();
    let windows: Vec<_> = r
        .windows
        .iter()
        .map(|w| (w.chrom.as_str(), w.start, w.end, w.name.as_str()))
        .collect();
    // Summits 10 | 200, 250 (merged, centre 225) | chr2 499; the ends are shifted inside.
    assert_eq!(
        windows,
        [
            ("chr1", 0, 200, "chr1:0-200"),
            ("chr1", 125, 325, "chr1:125-325"),
            ("chr2", 300, 500, "chr2:300-500"),
        ]
    );
    assert_eq!(json["build"]["off_end"]["shifted"], 2);
    assert_eq!(column(&r, "A"), [BOUND, BOUND, UNBOUND]);
    assert_eq!(column(&r, "B"), [UNBOUND, BOUND, BOUND]);
}

#[test]
fn off_end_options() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t900\t1000\nchr1\t400\t500\n");
    let json = s.build(&["A.bed", "--off-end", "drop", "--json"]).json();
    assert_eq!(
        (
            json["windows"].as_u64(),
            json["build"]["off_end"]["dropped"].as_u64()
        ),
        (Some(1), Some(1))
    );
    s.build(&["A.bed", "--off-end", "clip"]).ok();
    let w = &s.regions().windows;
    assert_eq!((w[1].start, w[1].end), (850, 1000));
    std::fs::remove_dir_all(s.path("out")).unwrap();
    let run = s.build(&["A.bed", "--off-end", "error"]);
    s.assert_fails(&run, 1, &["A.bed:1:", "chr1:850-1050", "1000 bp"]);
}

#[test]
fn unknown_chromosomes_fail_unless_skipped() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\nchrUn_x\t0\t10\n");
    let run = s.build(&["A.bed"]);
    s.assert_fails(&run, 1, &["A.bed:2:", "chrUn_x", "--skip-unknown-chroms"]);
    let json = s
        .build(&["A.bed", "--skip-unknown-chroms", "--json"])
        .json();
    assert_eq!(json["build"]["peaks_skipped_unknown_chrom"], 1);
    assert_eq!(json["windows"], 1);
}

#[test]
fn peaks_past_a_chromosome_end_suggest_another_assembly() {
    let s = Scratch::new();
    s.write("A.bed", "chr2\t400\t600\n");
    let run = s.build(&["A.bed", "--skip-unknown-chroms"]);
    s.assert_fails(&run, 1, &["A.bed:1:", "500 bp", "same assembly"]);
}

#[test]
fn malformed_peak_lines() {
    let s = Scratch::new();
    let good = np("chr1", 100, 300, 50);
    for (text, needles) in [
        (
            format!("{good}chr1\tten\t300\n"),
            vec![":2:", "start \"ten\""],
        ),
        (
            format!("{good}chr1 100 300\n"),
            vec![":2:", "tabs, not spaces"],
        ),
        (
            format!("{good}{good}chr1\t100\t300\tp\t0\t.\n"),
            vec![":3:", "at least 10", "truncated"],
        ),
        (
            format!("#c\n{good}chr1\t300\t100\tp\t0\t.\t1\t1\t1\t5\n"),
            vec![":3:", "start 300 > end 100"],
        ),
        (
            np("chr1", 100, 300, 200),
            vec![":1:", "summit offset 200 is outside its peak"],
        ),
        (np("chr1", 100, 300, -5), vec![":1:", "\"-5\""]),
    ] {
        s.write("A.narrowPeak", &text);
        let run = s.build(&["A.narrowPeak"]);
        s.assert_fails(&run, 1, &[&["A.narrowPeak"], &needles[..]].concat());
    }
}

#[test]
fn truncated_gzip_is_reported_at_its_line() {
    let s = Scratch::new();
    let text: String = (0..20_000)
        .map(|i| format!("chr1\t{}\t{}\n", i % 900, i % 900 + 50))
        .collect();
    let path = s.write_gz("A.bed.gz", &text);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let run = s.build(&["A.bed.gz"]);
    s.assert_fails(&run, 1, &["A.bed.gz:", "truncated or corrupt gzip"]);
}

#[test]
fn empty_inputs() {
    let s = Scratch::new();
    s.write("A.bed", "");
    s.write("dhs.bed", "track name=dhs\n");
    // No peaks and no regions: nothing to centre a window on.
    let run = s.build(&["A.bed"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .trim_end()
            .ends_with("no windows left: no regions were given and no peak file holds a peak"),
        "{}",
        run.stderr
    );
    // An empty regions file.
    let run = s.build(&["A.bed", "--regions", "dhs.bed"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("dhs.bed: no regions in the file"),
        "{}",
        run.stderr
    );
    assert!(!s.path("out").exists());
    // An empty peak file beside a good one is a TF without peaks: a warning, not an error.
    s.write("B.bed", "chr1\t100\t200\n");
    let json = s.build(&["A.bed", "B.bed", "--json"]).json();
    assert_eq!(json["build"]["tfs_without_peaks"][0], "A");
    // No peak file at all is a usage error.
    std::fs::remove_dir_all(s.path("out")).unwrap();
    let run = s.build(&[]);
    s.assert_fails(&run, 2, &["no peak files"]);
}

#[test]
fn duplicate_tf_names() {
    let s = Scratch::new();
    s.write("a/JUND.bed", "chr1\t100\t200\n");
    s.write("b/JUND.narrowPeak", &np("chr1", 100, 200, 5));
    let run = s.build(&["a/JUND.bed", "b/JUND.narrowPeak"]);
    s.assert_fails(
        &run,
        1,
        &["\"JUND\" is named twice", "a/JUND.bed", "b/JUND.narrowPeak"],
    );
    s.write("list.tsv", "MAX\ta/JUND.bed\nJUND\tb/JUND.narrowPeak\n");
    let run = s.build(&["a/JUND.bed", "--peak-list", "list.tsv"]);
    s.assert_fails(&run, 1, &["list.tsv:2"]);
    // Renamed by the list, the two files are two TFs.
    let json = s.build(&["--peak-list", "list.tsv", "--json"]).json();
    assert_eq!(json["tfs"], 2);
    assert_eq!(s.regions().labels.names(), ["MAX", "JUND"]);
}

#[test]
fn blacklist_drops_windows_and_checks_its_chromosomes() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\nchr1\t600\t700\n");
    s.write("bl.bed", "chrM\t0\t100\nchr1\t640\t641\n");
    // A blacklist of the whole assembly on part of it: its other chromosomes are named ...
    let run = s.build(&["A.bed", "--blacklist", "bl.bed"]);
    s.assert_fails(&run, 1, &["bl.bed:1:", "\"chrM\"", "--skip-unknown-chroms"]);
    // ... and skipped (with a warning and the count) when asked.
    let run = s.run(&[
        "build",
        "--genome",
        &s.genome(),
        "--out",
        &s.out(),
        "A.bed",
        "--blacklist",
        "bl.bed",
        "--skip-unknown-chroms",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("skipped 1 lines on chromosomes the genome lacks"),
        "{}",
        run.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (
            json["windows"].as_u64(),
            json["build"]["blacklisted"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

/// A blacklist named `1` against a genome named `chr1` removed nothing, without a word.
#[test]
fn inputs_naming_no_chromosome_of_the_genome_always_fail() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\nchr1\t600\t700\n");
    s.write("bl.bed", "1\t0\t1000\n2\t0\t100\n");
    s.write("dhs.bed", "1\t0\t300\n");
    s.write("B.bed", "1\t0\t300\n");
    for (args, needles) in [
        (
            vec!["A.bed", "--blacklist", "bl.bed"],
            vec!["bl.bed:1:", "chr1, not 1"],
        ),
        (
            vec!["A.bed", "--blacklist", "bl.bed", "--skip-unknown-chroms"],
            vec!["bl.bed: none of its 2 intervals", "1, 2", "chr1, not 1"],
        ),
        (
            vec!["A.bed", "--regions", "dhs.bed", "--skip-unknown-chroms"],
            vec!["dhs.bed: none of its 1 intervals", "chr1, not 1"],
        ),
        (
            vec!["A.bed", "B.bed", "--skip-unknown-chroms"],
            vec!["B.bed: none of its 1 intervals", "chr1, not 1"],
        ),
    ] {
        let run = s.build(&args);
        s.assert_fails(&run, 1, &needles);
    }
}

#[test]
fn artifact_is_reused_unless_forced_or_changed() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\n");
    let first = s.build(&["A.bed", "--json"]).json();
    assert_eq!(first["up_to_date"], false);
    let created = || {
        Artifact::open(s.out(), REGIONS)
            .unwrap()
            .manifest()
            .created
            .clone()
    };
    let before = created();
    let again = s.build(&["A.bed", "--json"]).json();
    assert_eq!(again["up_to_date"], true);
    assert_eq!(again["windows"], first["windows"]);
    assert_eq!(created(), before);
    let human = s.build(&["A.bed"]);
    assert!(human.stdout.contains("is up to date"), "{}", human.stdout);
    assert_eq!(
        s.build(&["A.bed", "--force", "--json"]).json()["up_to_date"],
        false
    );
    assert_eq!(
        s.build(&["A.bed", "--width", "100", "--json"]).json()["up_to_date"],
        false
    );
    s.write("A.bed", "chr1\t100\t201\n");
    assert_eq!(
        s.build(&["A.bed", "--width", "100", "--json"]).json()["up_to_date"],
        false
    );
}

#[test]
fn config_section_sets_parameters_and_flags_override_it() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\n");
    s.write(
        "pipeline.toml",
        "[peaks]\npeaks = [\"A.bed\"]\ngenome = \"genome.fa\"\nwidth = 50\n[encode]\nseed = 1\n",
    );
    let out = s.out();
    let run = s.run(&["build", "--config", "pipeline.toml", "--out", &out]);
    run.ok();
    assert_eq!(
        s.regions().windows[0].end - s.regions().windows[0].start,
        50
    );
    let run = s.run(&[
        "build",
        "--config",
        "pipeline.toml",
        "--out",
        &out,
        "--width",
        "80",
    ]);
    run.ok();
    assert_eq!(
        s.regions().windows[0].end - s.regions().windows[0].start,
        80
    );

    s.write("bad.toml", "[peaks]\nwidht = 50\n");
    let run = s.run(&["build", "--config", "bad.toml", "--out", &out, "A.bed"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("widht") && run.stderr.contains("bad.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\n");
    let out = s.out();
    let run = s.run(&["build", "--out", &out, "A.bed"]);
    s.assert_fails(&run, 2, &["no genome"]);
    let run = s.build(&["A.bed", "--width", "0"]);
    s.assert_fails(&run, 2, &["width"]);
    let run = s.build(&["A.bed", "--merge-distance", "500"]);
    s.assert_fails(&run, 2, &["merge_distance 500"]);
    let run = s.build(&["A.bed", "--assign", "nearest"]);
    assert_eq!(run.code, 2);
    assert!(!s.path("out").exists());
}

#[test]
fn import_reads_named_rows() {
    let s = Scratch::new();
    s.write("w.bed", "chr1\t0\t200\tw1\nchr2\t0\t200\tw2\n");
    s.write_gz("labels.tsv.gz", "region\tA\tB\nw1\t1\tNA\nw2\t0\t1\n");
    let out = s.out();
    let import = [
        "import",
        "--windows",
        "w.bed",
        "--labels",
        "labels.tsv.gz",
        "--out",
        &out,
    ];
    let json = s.run(&[&import[..], &["--json"]].concat()).json();
    assert_eq!(
        (json["bound"].as_u64(), json["unknown"].as_u64()),
        (Some(2), Some(1))
    );
    let r = s.regions();
    assert_eq!(column(&r, "A"), [BOUND, UNBOUND]);
    assert_eq!(column(&r, "B"), [UNKNOWN, BOUND]);
    assert_eq!(
        s.run(&[&import[..], &["--json"]].concat()).json()["up_to_date"],
        true
    );
}

#[test]
fn import_refuses_mismatched_or_unknown_rows() {
    let s = Scratch::new();
    s.write("w.bed", "chr1\t0\t200\tw1\n#\nchr2\t0\t200\tw2\n");
    let out = s.out();
    let genome = s.genome();
    let import = |labels: &str| {
        s.write("labels.tsv", labels);
        s.run(&[
            "import",
            "--windows",
            "w.bed",
            "--labels",
            "labels.tsv",
            "--out",
            &out,
            "--genome",
            &genome,
        ])
    };
    for (labels, needles) in [
        (
            "region\tA\nw1\t1\nw3\t0\n",
            vec!["labels.tsv:3:", "\"w3\"", "w.bed:3", "\"w2\""],
        ),
        (
            "region\tA\nw1\t1\nw2\t2\n",
            vec!["labels.tsv:3:", "value \"2\" for A"],
        ),
        (
            "region\tA\tB\nw1\t1\t0\nw2\t1\n",
            vec!["labels.tsv:3:", "1 values where the header names 2"],
        ),
        (
            "region\tA\nw1\t1\n",
            vec!["labels.tsv:2:", "after 1 rows", "2 windows"],
        ),
        (
            "region\tA\nw1\t1\nw2\t1\nw3\t1\n",
            vec!["labels.tsv:4:", "beyond the 2 windows"],
        ),
        (
            "region\tA\tA\nw1\t1\t1\n",
            vec!["labels.tsv:1:", "\"A\" is named twice"],
        ),
        (
            "tf\tA\n",
            vec!["labels.tsv:1:", "header must start with `region`"],
        ),
        ("", vec!["labels.tsv: empty"]),
    ] {
        let run = import(labels);
        s.assert_fails(&run, 1, &needles);
    }
    s.write("w.bed", "chr1\t0\t200\tw1\nchr3\t0\t200\tw2\n");
    let run = import("region\tA\nw1\t1\nw2\t1\n");
    s.assert_fails(&run, 1, &["w.bed:2:", "chr3"]);
    assert!(!run.stderr.contains("--skip"), "import has no such flag");
    s.write("w.bed", "chr1\t0\t200\n");
    let run = import("region\tA\nw1\t1\n");
    s.assert_fails(&run, 1, &["w.bed:1:", "name"]);
}

#[test]
fn a_failed_rebuild_keeps_the_previous_artifact() {
    let s = Scratch::new();
    s.write("A.bed", "chr1\t100\t200\n");
    s.build(&["A.bed"]).ok();
    s.write("A.bed", "chr1\t200\t100\n");
    let run = s.build(&["A.bed"]);
    assert_eq!(run.code, 1);
    assert!(Artifact::open(s.out(), REGIONS).is_ok());
    let entries: Vec<_> = std::fs::read_dir(s.path("out")).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary directory is left");
}

#[test]
fn windows_are_within_the_genome_file_given() {
    // The genome's .fai is built beside a FASTA that has none.
    let s = Scratch::new();
    s.write("A.bed", "chr2\t100\t200\n");
    s.build(&["A.bed"]).ok();
    assert!(Path::new(&format!("{}.fai", s.genome())).exists());
    let w = &s.regions().windows[0];
    assert_eq!((w.chrom.as_str(), w.start, w.end), ("chr2", 50, 250));
}
