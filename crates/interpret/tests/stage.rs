//! tfbind-interpret end to end on a model trained on planted CTCF and REST sites.

mod fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use fixture::{fixture, jaspar, WINDOW};
use tfbind_model::Architecture;

fn interpret(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-interpret"))
        .args(args)
        .arg("--threads=2")
        .output()
        .unwrap()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Arguments that keep a run to seconds: fewer influence windows, attributed windows and
/// integrated-gradients steps than the defaults.
const QUICK: [&str; 7] = [
    "--influence-windows=200",
    "--attribution-windows=40",
    "--ig-steps=16",
    "--ig-references=4",
    "--json",
    "-q",
    "--device=cpu",
];

/// The fixture's model and dataset against the shipped JASPAR file into `out`, quickly.
fn quick_args(out: &Path) -> Vec<String> {
    let f = fixture();
    let mut a = vec![
        "--model".to_string(),
        path(&f.model).into(),
        "--dataset".into(),
        path(&f.dataset).into(),
        "--database".into(),
        path(&jaspar()).into(),
        "--out".into(),
        path(out).into(),
    ];
    a.extend(QUICK.iter().map(|s| s.to_string()));
    a
}

/// One full run (with the comparison), shared by the tests that read its artifact.
fn run() -> &'static (PathBuf, serde_json::Value) {
    static RUN: OnceLock<(PathBuf, serde_json::Value)> = OnceLock::new();
    RUN.get_or_init(|| {
        let f = fixture();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interpret-run");
        let mut args = vec![
            "--model",
            path(&f.model),
            "--dataset",
            path(&f.dataset),
            "--database",
            path(&jaspar()).to_owned().leak(),
            "--compare-to",
            path(&f.untrained),
            "--out",
            path(&out).to_owned().leak(),
            "--task=CTCF",
            "--force",
        ];
        args.extend(QUICK);
        let o = interpret(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (out, serde_json::from_slice(&o.stdout).unwrap())
    })
}

/// An external oracle program (`.venv` tools, Chromium), or `None` with a printed reason to skip
/// the test; with `TFBIND_REQUIRE_ORACLES=1` (scripts/test.sh) a missing one fails it.
fn oracle(program: &Path) -> Option<&Path> {
    if program.exists() {
        return Some(program);
    }
    let reason = format!(
        "{} is missing (scripts/setup.sh --test installs it)",
        program.display()
    );
    assert!(
        std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() != Ok("1"),
        "TFBIND_REQUIRE_ORACLES=1 but {reason}"
    );
    eprintln!("skipped: {reason}");
    None
}

fn venv(program: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin")
        .join(program)
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// Rows of a TSV with a header, as maps from column name to value.
fn tsv(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn filters_match_the_planted_motifs_and_influence_their_own_task() {
    let (out, summary) = run();
    let filters = tsv(&read(out.join("filters.tsv")));
    assert_eq!(filters.len(), 100);
    let matching = |tf: &str| -> Vec<usize> {
        filters
            .iter()
            .filter(|r| {
                r["informative"] == "yes"
                    && r["best_match_name"].to_uppercase().contains(tf)
                    && r["q_value"].parse::<f64>().unwrap() <= 0.05
            })
            .map(|r| r["filter"].parse().unwrap())
            .collect()
    };
    let ctcf = matching("CTCF");
    let rest = matching("REST");
    assert!(
        !ctcf.is_empty() && !rest.is_empty(),
        "CTCF {ctcf:?}, REST {rest:?}"
    );

    // A filter matching CTCF changes the CTCF prediction more than the REST one, and the
    // reverse.
    let influence = tsv(&read(out.join("influence.tsv")));
    let value = |task: &str, f: usize| -> f64 {
        influence
            .iter()
            .find(|r| r["task"] == task && r["filter"] == f.to_string())
            .unwrap()["influence"]
            .parse()
            .unwrap()
    };
    let strongest = |fs: &[usize], task: &str| {
        *fs.iter()
            .max_by(|&&a, &&b| value(task, a).total_cmp(&value(task, b)))
            .unwrap()
    };
    let c = strongest(&ctcf, "CTCF");
    assert!(value("CTCF", c) > value("REST", c).max(0.0), "filter {c}");
    let r = strongest(&rest, "REST");
    assert!(value("REST", r) > value("CTCF", r).max(0.0), "filter {r}");

    // The summary agrees with the tables.
    let informative = filters.iter().filter(|r| r["informative"] == "yes").count();
    assert_eq!(summary["informative_filters"], informative);
    assert_eq!(summary["task"], "CTCF");
    let top = summary["top_filters"][0]["filter"].as_u64().unwrap();
    let first = influence.iter().find(|r| r["task"] == "CTCF").unwrap();
    assert_eq!(first["filter"], top.to_string());
    assert_eq!(first["rank"], "1");

    // Tomtom's columns, the best matches of every filter with sites.
    let tomtom = read(out.join("tomtom.tsv"));
    assert!(tomtom.starts_with("Query_ID\tTarget_ID\tOptimal_offset\tp-value"));
    assert_eq!(
        tomtom.lines().count() - 1,
        5 * summary["filters_with_sites"].as_u64().unwrap() as usize
    );
}

#[test]
fn filters_meme_reads_back_here_and_in_memelite() {
    let (out, summary) = run();
    let meme = out.join("filters.meme");
    let motifs = tfbind_motifs::read_meme(&meme).unwrap();
    assert_eq!(
        motifs.len() as u64,
        summary["filters_with_sites"].as_u64().unwrap()
    );
    assert!(motifs.iter().all(|m| m.width() == 19 && m.nsites() >= 1.0));

    let python = venv("python");
    let Some(python) = oracle(&python) else {
        return;
    };
    let o = Command::new(python)
        .args([
            "-c",
            "import sys; from memelite.io import read_meme; m = read_meme(sys.argv[1]); \
             print(len(m), sorted({v.shape for v in m.values()}))",
            path(&meme),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.trim(), format!("{} [(4, 19)]", motifs.len()));
}

#[test]
fn fine_tuned_filters_moved_toward_the_target_motif() {
    let (out, summary) = run();
    let c = &summary["comparison"];
    assert_eq!(c["tf"], "CTCF");
    let targets: Vec<&str> = c["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(targets.contains(&"MA0139.2 CTCF"), "{targets:?}");
    // Untrained filters match CTCF by chance at most; trained ones do.
    assert!(
        c["matching_after"].as_u64() > c["matching_before"].as_u64(),
        "{c}"
    );
    assert!(c["moved_toward"].as_u64().unwrap() >= 1);
    let rows = tsv(&read(out.join("comparison.tsv")));
    assert_eq!(rows.len(), 100);
    let first = &rows[0];
    assert_eq!(first["moved_toward"], "yes");
    assert!(first["log10_p_gain"].parse::<f64>().unwrap() > 1.0);
    assert!(first["weight_change"].parse::<f64>().unwrap() > 0.0);
    let moved = rows.iter().filter(|r| r["moved_toward"] == "yes").count();
    assert_eq!(c["moved_toward"], moved);
}

#[test]
fn attributions_are_arrays_modisco_reads() {
    let (out, summary) = run();
    let dir = out.join("attributions");
    let n = summary["attributed_windows"].as_u64().unwrap();
    assert_eq!(n, 40);
    for name in ["ohe", "ism", "gradient_x_input", "integrated_gradients"] {
        let arrays = tch::Tensor::read_npz(dir.join(format!("{name}.npz"))).unwrap();
        assert_eq!(arrays.len(), 1);
        assert_eq!(arrays[0].0, "arr_0");
        assert_eq!(arrays[0].1.size(), [n as i64, 4, WINDOW as i64], "{name}");
    }
    let windows = tsv(&read(dir.join("windows.tsv")));
    assert_eq!(windows.len(), 40);
    assert!(windows
        .iter()
        .all(|w| w["label"] == "1" && w["split"] == "test"));
    let p: Vec<f64> = windows
        .iter()
        .map(|w| w["probability"].parse().unwrap())
        .collect();
    assert!(p.windows(2).all(|w| w[0] >= w[1]), "strongest first: {p:?}");

    let modisco = venv("modisco");
    let Some(modisco) = oracle(&modisco) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let h5 = scratch.path().join("modisco.h5");
    let o = Command::new(modisco)
        .args(["motifs", "-s"])
        .arg(dir.join("ohe.npz"))
        .arg("-a")
        .arg(dir.join("ism.npz"))
        .args(["-n", "500", "-w", &WINDOW.to_string(), "-o"])
        .arg(&h5)
        .env("NUMBA_CACHE_DIR", scratch.path())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "modisco: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(std::fs::metadata(&h5).unwrap().len() > 0);
}

#[test]
fn seqlets_sit_on_the_planted_ctcf_sites_and_their_motifs_add_up() {
    let (out, summary) = run();
    let s = &summary["seqlets"];
    assert_eq!(s["method"], "ism");
    let seqlets = tsv(&read(out.join("seqlets.tsv")));
    assert_eq!(seqlets.len() as u64, s["seqlets"].as_u64().unwrap());
    assert!(seqlets.len() >= 20, "{s}");
    let number =
        |r: &std::collections::HashMap<String, String>, c: &str| -> f64 { r[c].parse().unwrap() };
    for r in &seqlets {
        let len = number(r, "end") - number(r, "start");
        assert!((4.0..=25.0).contains(&len), "{r:?}");
        assert_eq!(number(r, "chrom_end") - number(r, "chrom_start"), len);
        assert_eq!(r["sequence"].len() as f64, len);
        let centre = (number(r, "start") + number(r, "end")) / 2.0;
        assert_eq!(number(r, "offset"), centre - WINDOW as f64 / 2.0);
        let explained = number(r, "motif_q_value") <= 0.05;
        assert_eq!(r["explained"], if explained { "yes" } else { "no" });
    }
    let p: Vec<f64> = seqlets.iter().map(|r| number(r, "p_value")).collect();
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "ranked by p-value");
    // The model learned the planted CTCF sites: seqlets hold the core of its matrix (CCACCAG,
    // or its reverse complement), which chance puts in fewer than 1% of seqlets this short.
    let core = seqlets
        .iter()
        .filter(|r| r["sequence"].contains("CCACCAG") || r["sequence"].contains("CTGGTGG"))
        .count();
    assert!(
        core * 10 >= seqlets.len(),
        "{core} of {} on the core",
        seqlets.len()
    );

    let motifs = tsv(&read(out.join("seqlet_motifs.tsv")));
    let explained = seqlets.iter().filter(|r| r["explained"] == "yes").count();
    assert_eq!(s["explained"].as_u64().unwrap() as usize, explained);
    let per_motif: f64 = motifs.iter().map(|m| number(m, "seqlets")).sum();
    assert_eq!(per_motif as usize, explained);
    let attribution = |m: &std::collections::HashMap<String, String>| number(m, "attribution");
    assert!(motifs
        .windows(2)
        .all(|w| attribution(&w[0]) >= attribution(&w[1])));
    let top = &s["top_motifs"][0];
    assert_eq!(
        top["motif"],
        format!("{} {}", motifs[0]["motif"], motifs[0]["motif_name"])
    );
    assert_eq!(
        top["seqlets"].as_f64().unwrap(),
        number(&motifs[0], "seqlets")
    );
}

#[test]
fn report_renders_in_headless_chromium() {
    let (out, summary) = run();
    let report = out.join("report.html");
    let html = read(&report);
    // Self-contained: nothing fetched from elsewhere.
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    let logos = html.matches("<svg class=\"logo\"").count();
    // A logo per informative filter, and per motif of the seqlet section (its top ten).
    let seqlet_motifs = tsv(&read(out.join("seqlet_motifs.tsv"))).len().min(10);
    assert!(seqlet_motifs > 0 && html.contains("<h2 id=\"seqlets\">"));
    assert!(
        logos as u64 >= summary["informative_filters"].as_u64().unwrap() + seqlet_motifs as u64
    );

    let Some(browser) = oracle(Path::new("/usr/bin/chromium")) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let chromium = |extra: &[&str]| {
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!(
                "--user-data-dir={}",
                scratch.path().join("profile").display()
            ))
            .args(extra)
            .arg(format!("file://{}", report.display()))
            .output()
            .unwrap()
    };
    let dom = chromium(&["--dump-dom", "--virtual-time-budget=10000"]);
    assert!(dom.status.success());
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    // The page's own check: every logo laid out, no chart empty, no script error.
    assert!(
        dom_text.contains("data-check=\"ok\""),
        "{}",
        &dom_text[..dom_text.len().min(600)]
    );
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("rror")))
        .collect();
    assert!(console_errors.is_empty(), "{console_errors:?}");

    let shot = scratch.path().join("report.png");
    let o = chromium(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1280,2400",
        "--hide-scrollbars",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1280, 2400));
    // Non-blank: a fair share of the page is not the white background, in several colours.
    let step = info.color_type.samples();
    let inked = pixels[..info.buffer_size()]
        .chunks_exact(step)
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let total = (info.width * info.height) as usize;
    assert!(
        inked * 100 > total,
        "only {inked} of {total} pixels are not background"
    );
    if let Some(keep) = std::env::var_os("TFBIND_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

#[test]
fn same_inputs_are_up_to_date_and_bad_inputs_fail_clearly() {
    let (out, summary) = run();
    let f = fixture();
    let base = |out: &str| quick_args(Path::new(out));

    let mut again = base(path(out));
    again.extend([
        "--compare-to".into(),
        path(&f.untrained).into(),
        "--task=CTCF".into(),
    ]);
    let o = interpret(&strs(&again));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["up_to_date"], true);
    assert_eq!(json["informative_filters"], summary["informative_filters"]);

    let scratch = tempfile::tempdir().unwrap();
    let elsewhere = scratch.path().join("m");
    let mut unknown = base(path(&elsewhere));
    unknown.push("--task=GATA1".into());
    let o = interpret(&strs(&unknown));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no task 'GATA1'") && err.contains("CTCF, REST"),
        "{err}"
    );

    // A BED that overlaps no window, and one on none of the windows' chromosomes.
    let bed = scratch.path().join("none.bed");
    for (text, needle) in [
        ("chrS\t100000000\t100000100\n", "overlapping"),
        (
            "chrX\t0\t100\n",
            "none.bed: none of its 1 intervals is on a chromosome of the dataset: it \
             names chrX, the dataset has chrS",
        ),
    ] {
        std::fs::write(&bed, text).unwrap();
        let mut nowhere = base(path(&elsewhere));
        nowhere.extend(["--windows".into(), path(&bed).into()]);
        let o = interpret(&strs(&nowhere));
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{err}");
        assert!(!elsewhere.exists());
    }

    // Only models with the same first layer compare; only windows of the model's length fit.
    let danq = scratch.path().join("danq");
    fixture::untrained_model(&danq, Architecture::DanQ, WINDOW);
    let mut other = base(path(&elsewhere));
    other.extend(["--compare-to".into(), path(&danq).into()]);
    let o = interpret(&strs(&other));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("100×4×19 and 320×4×26"), "{err}");
    // DanQ's LSTM has no DeepLIFT rules here: a usage error, before any long step.
    let mut danq_args = base(path(&elsewhere));
    danq_args[1] = path(&danq).into();
    danq_args.push("--methods=deeplift-shap".into());
    let o = interpret(&strs(&danq_args));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("deeplift-shap does not support danq models"),
        "{err}"
    );
    assert!(!elsewhere.exists());
    let long = scratch.path().join("long");
    fixture::untrained_model(&long, Architecture::ConvNetDeep, 2 * WINDOW);
    let mut args = base(path(&elsewhere));
    args[1] = path(&long).into();
    let o = interpret(&strs(&args));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("200 bp windows but the dataset's are 100 bp"),
        "{err}"
    );

    let config = scratch.path().join("c.toml");
    std::fs::write(&config, "[interpret]\nig_step = 3\n").unwrap();
    let mut bad = base(path(&elsewhere));
    bad.extend(["--config".into(), path(&config).into()]);
    let o = interpret(&strs(&bad));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ig_step"));
}

#[test]
fn windows_from_a_bed_file_are_attributed() {
    let f = fixture();
    let scratch = tempfile::tempdir().unwrap();
    let bed = scratch.path().join("w.bed");
    // Windows w3 and w5 of the synthetic chromosome (100 bp each), by an overlap of 1 bp.
    std::fs::write(&bed, "chrS\t399\t400\tx\nchrS\t500\t501\n").unwrap();
    let out = scratch.path().join("m");
    let o = interpret(&[
        "--model",
        path(&f.model),
        "--dataset",
        path(&f.dataset),
        "--database",
        path(&jaspar()),
        "--windows",
        path(&bed),
        "--methods=gradient-x-input",
        "--influence-windows=20",
        "--out",
        path(&out),
        "--json",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["attributed_windows"], 2);
    assert_eq!(json["methods"], serde_json::json!(["gradient-x-input"]));
    let windows = tsv(&read(out.join("attributions/windows.tsv")));
    let names: Vec<&str> = windows.iter().map(|w| w["name"].as_str()).collect();
    assert_eq!(names, ["w3", "w5"]);
    assert!(out.join("attributions/gradient_x_input.npz").is_file());
    assert!(!out.join("attributions/ism.npz").exists());
}

#[test]
fn deeplift_shap_writes_hypothetical_and_own_contributions_with_their_deltas() {
    let f = fixture();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("m");
    let o = interpret(&[
        "--model",
        path(&f.model),
        "--dataset",
        path(&f.dataset),
        "--database",
        path(&jaspar()),
        "--methods=deeplift-shap",
        "--deeplift-references=5",
        "--attribution-windows=12",
        "--influence-windows=20",
        "--out",
        path(&out),
        "--json",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["methods"], serde_json::json!(["deeplift-shap"]));
    assert_eq!(json["deeplift_windows_over_tolerance"], 0);
    let max_delta = json["deeplift_max_delta"].as_f64().unwrap();
    assert!(max_delta < 1e-3, "{max_delta}");
    let dir = out.join("attributions");
    let array = |name: &str| {
        let mut arrays = tch::Tensor::read_npz(dir.join(name)).unwrap();
        assert_eq!(arrays.len(), 1, "{name}");
        let (key, t) = arrays.remove(0);
        assert_eq!(key, "arr_0");
        assert_eq!(t.size(), [12, 4, WINDOW as i64], "{name}");
        t
    };
    let (ohe, hypothetical) = (array("ohe.npz"), array("deeplift_shap.npz"));
    let own = array("deeplift_shap_contributions.npz");
    let diff = (&hypothetical * &ohe - &own).abs().max().double_value(&[]);
    assert!(diff < 1e-6, "{diff}");
    assert!(own.abs().max().double_value(&[]) > 1e-3);
    let windows = tsv(&read(dir.join("windows.tsv")));
    assert_eq!(windows.len(), 12);
    let deltas: Vec<f64> = windows
        .iter()
        .map(|w| w["deeplift_delta"].parse().unwrap())
        .collect();
    assert!(deltas.iter().all(|d| d.abs() <= max_delta * 1.01));
}

#[test]
fn out_is_never_an_input_or_a_users_directory() {
    let f = fixture();
    let scratch = tempfile::tempdir().unwrap();
    let listing = |dir: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                (e.file_name().into_string().unwrap(), bytes)
            })
            .collect();
        files.sort();
        files
    };
    let args = |out: &Path| {
        let mut a = quick_args(out);
        a.push("--force".into());
        a
    };

    // --out at the dataset it reads, even with --force.
    let dataset_before = listing(&f.dataset);
    let o = interpret(&strs(&args(&f.dataset)));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the output is the input") && err.contains(path(&f.dataset)),
        "{err}"
    );
    assert_eq!(listing(&f.dataset), dataset_before);

    // --out inside the model it reads.
    let inside = f.model.join("motifs");
    let o = interpret(&strs(&args(&inside)));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("lies inside the input"));
    assert!(!inside.exists());

    // A user's directory with a manifest.toml that tfbind did not write.
    let mine = scratch.path().join("thesis");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("manifest.toml"), "title = \"my thesis\"\n").unwrap();
    std::fs::write(mine.join("chapter1.tex"), "\\chapter{One}\n").unwrap();
    let before = listing(&mine);
    let o = interpret(&strs(&args(&mine)));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a tfbind artifact"), "{err}");
    assert_eq!(listing(&mine), before, "left as it was");
}

#[test]
fn config_sets_the_database_and_enum_values_in_the_flags_spelling() {
    let f = fixture();
    let scratch = tempfile::tempdir().unwrap();
    let config = scratch.path().join("c.toml");
    let out = scratch.path().join("m");
    let run = |config_text: &str, extra: &[&str]| {
        std::fs::write(&config, config_text).unwrap();
        let mut args = vec![
            "--model",
            path(&f.model),
            "--dataset",
            path(&f.dataset),
            "--config",
            path(&config),
            "--out",
            path(&out),
            "--methods",
            "--influence-windows=20",
            "--json",
            "-q",
            "--device=cpu",
        ];
        args.extend(extra);
        interpret(&args)
    };
    let bad = run("[interpret]\nwindows = \"positive\"\n", &[]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(":2: [interpret] key `windows`") && err.contains("correct-positives"),
        "{err}"
    );
    let bad = run("", &["--window-set", "positive"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("correct-positives, positives, all"));

    let text = format!(
        "[interpret]\ndatabase = \"{}\"\nwindows = \"positives\"\ndistance = \"euclidean\"\n",
        path(&jaspar())
    );
    let o = run(&text, &["--split", "all"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["up_to_date"], false);
    assert_eq!(json["window_set"], "positives");
    let manifest = read(out.join("manifest.toml"));
    assert!(manifest.contains("distance = \"euclidean\""), "{manifest}");
    assert!(manifest.contains("split = \"all\""), "{manifest}");
    assert!(
        !manifest.contains("database ="),
        "the database is an input, not a parameter: {manifest}"
    );
    assert!(
        manifest.contains("JASPAR_CORE"),
        "the database is pinned: {manifest}"
    );
}
