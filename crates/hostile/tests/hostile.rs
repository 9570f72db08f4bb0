//! Hostile inputs for every stage binary: each case checks the exit status (0 ok, 1 data,
//! 2 usage), that the message names what is wrong, and that nothing of the user's was lost.
//!
//! The fixture is a small slice of the shipped example (data/example/): regions, a 3-TF windows
//! artifact, its dataset and a 1-epoch model, built once by the binaries themselves.

// `args!` builds a Vec because several cases extend theirs; passed as a slice elsewhere.
#![allow(clippy::useless_vec)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A stage binary built beside this test (target/<profile>/).
fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first (cargo build --release --workspace --bins)",
        path.display()
    );
    path
}

/// Command-line arguments of strings and paths.
macro_rules! args {
    ($($x:expr),* $(,)?) => { vec![$(std::ffi::OsString::from($x)),*] };
}

fn run(name: &str, args: &[std::ffi::OsString]) -> Output {
    Command::new(bin(name))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn expect_exit(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in stderr: {err}");
    }
}

#[track_caller]
fn expect_ok(o: &Output) {
    assert!(o.status.success(), "stderr: {}", stderr(o));
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn genome(&self) -> PathBuf {
        self.path("genome.fa.gz")
    }
    fn regions(&self) -> PathBuf {
        self.path("regions")
    }
    fn windows(&self) -> PathBuf {
        self.path("windows")
    }
    fn dataset(&self) -> PathBuf {
        self.path("dataset")
    }
    fn model(&self) -> PathBuf {
        self.path("model")
    }
}

fn gz(path: &Path, text: &str) {
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap();
}

fn gunzip(path: &Path) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut s,
    )
    .unwrap();
    s
}

/// Built once for every case: the stages run on the first windows of each example chromosome.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        let example = root().join("data/example");
        for name in ["genome.fa.gz", "genome.fa.gz.fai", "genome.fa.gz.gzi"] {
            std::fs::copy(example.join(name), f.path(name)).unwrap();
        }
        let bed = gunzip(&example.join("regions.bed.gz"));
        let labels = gunzip(&example.join("labels.tsv.gz"));
        let (header, rows) = labels.split_once('\n').unwrap();
        let keep: Vec<usize> = (0..1500).chain(30000..31500).collect();
        let bed_lines: Vec<&str> = bed.lines().collect();
        let label_lines: Vec<&str> = rows.lines().collect();
        let pick = |lines: &[&str]| -> String {
            keep.iter().map(|&i| format!("{}\n", lines[i])).collect()
        };
        gz(&f.path("windows.bed.gz"), &pick(&bed_lines));
        gz(
            &f.path("labels.tsv.gz"),
            &format!("{header}\n{}", pick(&label_lines)),
        );
        expect_ok(&run(
            "tfbind-peaks",
            &args![
                "import",
                "--windows",
                &f.path("windows.bed.gz"),
                "--labels",
                &f.path("labels.tsv.gz"),
                "--genome",
                &f.genome(),
                "--out",
                &f.regions()
            ],
        ));
        expect_ok(&run(
            "tfbind-negatives",
            &args![
                "--regions",
                &f.regions(),
                "--genome",
                &f.genome(),
                "--fewest-na",
                "3",
                "--out",
                &f.windows()
            ],
        ));
        expect_ok(&run(
            "tfbind-encode",
            &args![
                "--windows",
                &f.windows(),
                "--genome",
                &f.genome(),
                "--split",
                "hashed",
                "--out",
                &f.dataset()
            ],
        ));
        expect_ok(&run(
            "tfbind-pretrain",
            &args![
                "--dataset",
                &f.dataset(),
                "--epochs",
                "1",
                "--device",
                "cpu",
                "--out",
                &f.model()
            ],
        ));
        f
    })
}

/// A user's directory that happens to hold a file named manifest.toml.
fn thesis(dir: &Path) -> PathBuf {
    let out = dir.join("thesis");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("manifest.toml"), "title = \"my thesis\"\n").unwrap();
    std::fs::write(out.join("thesis.tex"), "\\chapter{One}\n").unwrap();
    out
}

#[track_caller]
fn thesis_untouched(out: &Path) {
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.tex")).unwrap(),
        "\\chapter{One}\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.toml")).unwrap(),
        "title = \"my thesis\"\n"
    );
}

#[test]
fn a_user_directory_with_a_manifest_toml_is_never_replaced() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let out = thesis(tmp.path());
    let cases: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "tfbind-encode",
            args!["--windows", &f.windows(), "--genome", &f.genome()],
        ),
        (
            "tfbind-negatives",
            args![
                "--regions",
                &f.regions(),
                "--genome",
                &f.genome(),
                "--fewest-na",
                "2"
            ],
        ),
        (
            "tfbind-pretrain",
            args!["--dataset", &f.dataset(), "--epochs", "1"],
        ),
    ];
    for (name, mut args) in cases {
        args.extend(args!["--out", &out, "--force"]);
        let o = run(name, &args);
        expect_exit(&o, 1, &["thesis", "not a tfbind artifact"]);
        thesis_untouched(&out);
    }
}

#[test]
fn out_is_never_one_of_the_inputs() {
    let f = fixture();
    let manifest = std::fs::read(f.windows().join("manifest.toml")).unwrap();
    let o = run(
        "tfbind-encode",
        &args![
            "--windows",
            &f.windows(),
            "--genome",
            &f.genome(),
            "--out",
            &f.windows(),
            "--force"
        ],
    );
    expect_exit(&o, 1, &["is the input"]);
    assert_eq!(
        std::fs::read(f.windows().join("manifest.toml")).unwrap(),
        manifest
    );

    // Inside an input, and spelled through `..`.
    let inside = f.dataset().join("nested");
    let o = run(
        "tfbind-pretrain",
        &args!["--dataset", &f.dataset(), "--out", &inside],
    );
    expect_exit(&o, 1, &["lies inside the input"]);
    assert!(!inside.exists());
    let spelled = f.path("new/../windows");
    let o = run(
        "tfbind-encode",
        &args![
            "--windows",
            &f.windows(),
            "--genome",
            &f.genome(),
            "--out",
            &spelled
        ],
    );
    expect_exit(&o, 1, &["is the input"]);

    // The genome file itself.
    let o = run(
        "tfbind-encode",
        &args![
            "--windows",
            &f.windows(),
            "--genome",
            &f.genome(),
            "--out",
            &f.genome()
        ],
    );
    expect_exit(&o, 1, &["genome.fa.gz"]);
    assert!(f.genome().is_file());
}

#[test]
fn an_artifact_of_another_kind_is_replaced_only_with_force() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("copy");
    let copy = |from: &Path| {
        std::fs::create_dir_all(&out).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), out.join(e.file_name())).unwrap();
        }
    };
    copy(&f.regions());
    let args = args![
        "--windows",
        &f.windows(),
        "--genome",
        &f.genome(),
        "--split",
        "hashed",
        "--out",
        &out
    ];
    expect_exit(
        &run("tfbind-encode", &args),
        1,
        &["'regions' artifact", "--force"],
    );
    assert!(std::fs::read_to_string(out.join("manifest.toml"))
        .unwrap()
        .contains("kind = \"regions\""));
    let mut forced = args.to_vec();
    forced.push("--force".into());
    expect_ok(&run("tfbind-encode", &forced));
    assert!(std::fs::read_to_string(out.join("manifest.toml"))
        .unwrap()
        .contains("kind = \"dataset\""));
}

#[test]
fn predict_outputs_are_apart_from_its_inputs_and_each_other() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let bed = tmp.path().join("f.bed");
    std::fs::write(&bed, "chr21\t5055485\t5055685\n").unwrap();
    let o = run(
        "tfbind-predict",
        &args![
            "--model",
            &f.model(),
            "--bed",
            &bed,
            "--genome",
            &f.genome(),
            "--out",
            &bed
        ],
    );
    expect_exit(&o, 1, &["f.bed"]);
    assert_eq!(
        std::fs::read_to_string(&bed).unwrap(),
        "chr21\t5055485\t5055685\n"
    );

    let out = tmp.path().join("p.tsv");
    let task = std::fs::read_to_string(f.model().join("tasks.txt")).unwrap();
    let task = task.lines().next().unwrap().to_string();
    let o = run(
        "tfbind-predict",
        &args![
            "--model",
            &f.model(),
            "--bed",
            &bed,
            "--genome",
            &f.genome(),
            "--out",
            &out,
            "--bedgraph",
            &out,
            "--task",
            &task
        ],
    );
    expect_exit(&o, 1, &["p.tsv"]);
    assert!(!out.exists());
}

#[test]
fn config_mistakes_are_usage_errors_naming_file_line_and_key() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("c.toml");
    let out = tmp.path().join("out");
    let encode = |text: &str| {
        std::fs::write(&config, text).unwrap();
        run(
            "tfbind-encode",
            &args![
                "--windows",
                &f.windows(),
                "--genome",
                &f.genome(),
                "--config",
                &config,
                "--out",
                &out
            ],
        )
    };
    let c = config.display().to_string();
    expect_exit(
        &encode("[encode]\nseed = 1\nsplt = \"hashed\"\n"),
        2,
        &[&format!("{c}:3:"), "splt", "valid keys", "split"],
    );
    expect_exit(
        &encode("[encode]\n\nseed = \"one\"\n"),
        2,
        &[&format!("{c}:3:"), "[encode]", "seed"],
    );
    expect_exit(
        &encode("[encode]\nsplit = \"stripes\"\n"),
        2,
        &[&format!("{c}:2:"), "stripes"],
    );
    expect_exit(
        &encode("[encdoe]\nseed = 1\n"),
        2,
        &[&format!("{c}:1:"), "encdoe"],
    );
    expect_exit(&encode("[encode\n"), 2, &[&c]);
    assert!(!out.exists());

    std::fs::write(&config, "[pretrain]\nepochs = -1\n").unwrap();
    let o = run(
        "tfbind-pretrain",
        &args![
            "--dataset",
            &f.dataset(),
            "--config",
            &config,
            "--out",
            &out
        ],
    );
    expect_exit(&o, 2, &[&format!("{c}:2:"), "epochs"]);
}

#[test]
fn zero_threads_is_a_usage_error() {
    let f = fixture();
    let o = run(
        "tfbind-encode",
        &args![
            "--windows",
            &f.windows(),
            "--genome",
            &f.genome(),
            "--out",
            &f.dataset(),
            "--threads",
            "0"
        ],
    );
    expect_exit(&o, 2, &["--threads"]);
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let f = fixture();
    let mut child = Command::new(bin("tfbind-encode"))
        .args(["--json", "--windows"])
        .arg(f.windows())
        .arg("--genome")
        .arg(f.genome())
        .args(["--split", "hashed", "--out"])
        .arg(f.dataset())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn every_stage_reports_up_to_date_under_one_name() {
    let f = fixture();
    let stages: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "tfbind-encode",
            args![
                "--windows",
                &f.windows(),
                "--genome",
                &f.genome(),
                "--split",
                "hashed",
                "--out",
                &f.dataset()
            ],
        ),
        (
            "tfbind-negatives",
            args![
                "--regions",
                &f.regions(),
                "--genome",
                &f.genome(),
                "--fewest-na",
                "3",
                "--out",
                &f.windows()
            ],
        ),
        (
            "tfbind-pretrain",
            args![
                "--dataset",
                &f.dataset(),
                "--epochs",
                "1",
                "--device",
                "cpu",
                "--out",
                &f.model()
            ],
        ),
    ];
    for (name, mut args) in stages {
        args.push("--json".into());
        let o = run(name, &args);
        expect_ok(&o);
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json["up_to_date"], true, "{name}: {json}");
    }
}

#[test]
fn variants_never_overwrite_inputs_or_user_files() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let vcf = tmp.path().join("v.vcf");
    std::fs::copy(root().join("data/example/variants.vcf"), &vcf).unwrap();
    let before = std::fs::read(&vcf).unwrap();
    let score = |out: &Path, extra: Vec<std::ffi::OsString>| {
        let mut args = args![
            "score",
            "--model",
            &f.model(),
            "--genome",
            &f.genome(),
            "--variants",
            &vcf,
            "--device",
            "cpu",
            "--out",
            out
        ];
        args.extend(extra);
        run("tfbind-variants", &args)
    };
    expect_exit(&score(&vcf, args![]), 1, &["is the input"]);
    assert_eq!(std::fs::read(&vcf).unwrap(), before);
    let inside = f.model().join("effects");
    expect_exit(&score(&inside, args![]), 1, &["lies inside the input"]);
    assert!(!inside.exists());
    let user = thesis(tmp.path());
    expect_exit(
        &score(&user, args!["--force"]),
        1,
        &["thesis", "not a tfbind artifact"],
    );
    thesis_untouched(&user);

    // Its config section is checked like every other.
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "[variants]\nshifts = 1\nshfits = 2\n").unwrap();
    let out = tmp.path().join("out");
    expect_exit(
        &score(&out, args!["--config", &config]),
        2,
        &[":3:", "shfits", "valid keys", "shifts"],
    );
    assert!(!out.exists());
    // A merge of shards that are not a whole run writes nothing.
    let whole = tmp.path().join("whole");
    expect_ok(&score(&whole, args![]));
    let o = run("tfbind-variants", &args!["merge", &whole, "--out", &out]);
    expect_exit(&o, 2, &["not a shard"]);
    assert!(!out.exists());
}
