//! The default path on a constructed label matrix over data/example's windows (shipped, so
//! these always run): 1,500 windows of chr21 and 1,500 of chr22, with TF columns made so that
//! each test's right answer is known.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Command;

use tfbind_artifact::stage::run;
use tfbind_artifact::Artifact;
use tfbind_encode::{EncodeParams, SplitMethod};
use tfbind_peaks::{ImportInputs, PeaksStage};
use tfbind_transfer::{
    choose_set, transfer, ChoiceParams, ChoiceStrategy, PretrainCache, PretrainSettings, Request,
    Settings, SubsampleStage, Target, KEY_FILE,
};

const PER_CHROM: usize = 1500;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn genome() -> PathBuf {
    repo().join("data/example/genome.fa.gz")
}

fn motifs() -> PathBuf {
    repo().join("data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme")
}

/// The first windows of chr21 and of chr22 of data/example, as BED lines.
fn windows() -> Vec<String> {
    let file = std::fs::File::open(repo().join("data/example/regions.bed.gz")).unwrap();
    let lines = BufReader::new(flate2::read::MultiGzDecoder::new(file)).lines();
    let (mut chr21, mut chr22) = (Vec::new(), Vec::new());
    for line in lines {
        let line = line.unwrap();
        let side = if line.starts_with("chr21\t") {
            &mut chr21
        } else {
            &mut chr22
        };
        if side.len() < PER_CHROM {
            side.push(line);
        }
    }
    chr21.extend(chr22);
    chr21
}

/// The label of each column for row `i` (rows 0..1500 on chr21, the rest on chr22).
///
/// - FOXA2 is bound in every 10th window; FOXA1 in those and as many others (cosine 0.71).
/// - CEBPB is co-bound with FOXA2 only on chr22 (cosine 0.5 with it, 0 without it), JUN weakly
///   everywhere (cosine 0.35): excluding chr22 as test turns the second choice from CEBPB to JUN.
/// - FOXK2 is bound in 30 windows of chr21 and NA on chr22: too few for co-binding.
/// - HNF4A is never co-bound; EMPTY is bound nowhere.
const COLUMNS: [&str; 7] = ["FOXA2", "FOXA1", "JUN", "CEBPB", "FOXK2", "HNF4A", "EMPTY"];

fn label(column: &str, i: usize) -> &'static str {
    let chr22 = i >= PER_CHROM;
    let bound = match column {
        "FOXA2" => i.is_multiple_of(10),
        "FOXA1" => i.is_multiple_of(10) || i % 10 == 3,
        "JUN" => i.is_multiple_of(20) || i % 3 == 1,
        "CEBPB" => (chr22 && i.is_multiple_of(10)) || (!chr22 && i % 10 == 5),
        "FOXK2" if chr22 => return "NA",
        "FOXK2" => i.is_multiple_of(50),
        "HNF4A" => i % 10 == 7,
        _ => false,
    };
    if bound {
        "1"
    } else {
        "0"
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    regions: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let windows = windows();
        let bed = dir.path().join("windows.bed");
        std::fs::write(&bed, windows.join("\n") + "\n").unwrap();
        let mut tsv = format!("region\t{}\n", COLUMNS.join("\t"));
        for (i, w) in windows.iter().enumerate() {
            let name = w.split('\t').nth(3).unwrap();
            let cells: Vec<&str> = COLUMNS.iter().map(|c| label(c, i)).collect();
            tsv.push_str(&format!("{name}\t{}\n", cells.join("\t")));
        }
        let labels = dir.path().join("labels.tsv");
        std::fs::write(&labels, tsv).unwrap();
        let regions = dir.path().join("regions");
        let stage = PeaksStage::from_matrix(ImportInputs {
            windows: bed,
            labels,
            genome: Some(genome()),
        })
        .unwrap();
        run(&stage, &regions, false, &()).unwrap();
        Self { dir, regions }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A narrowPeak file with a summit at the centre of every window `bound` says.
    fn peaks(&self, name: &str, bound: impl Fn(usize) -> bool) -> PathBuf {
        let mut text = String::new();
        for (i, w) in windows().iter().enumerate().filter(|(i, _)| bound(*i)) {
            let f: Vec<&str> = w.split('\t').collect();
            text.push_str(&format!(
                "{}\t{}\t{}\tp{i}\t0\t.\t1\t1\t1\t100\n",
                f[0], f[1], f[2]
            ));
        }
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A config that makes every step tiny: hashed split, 300 pre-training windows, one epoch.
    fn config(&self) -> PathBuf {
        let path = self.path("config.toml");
        let text = format!(
            "[negatives]\nseed = 1\nmax_positives = 100\n\
             [encode]\nsplit = \"hashed\"\nvalid_fraction = 0.1\ntest_fraction = 0.1\nseed = 1\n\
             [finetune]\nepochs = 1\n\
             [transfer]\nk = 2\nmin_bound = 40\npretrain_windows = 300\npretrain_epochs = 1\n\
             motifs = \"{}\"\n",
            motifs().display()
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary on this fixture's regions, with its config, on the CPU, into `out`.
    fn command(&self, out: &str) -> Command {
        self.command_with(out, &self.config())
    }

    /// [`Fixture::command`] with another config.
    fn command_with(&self, out: &str, config: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tfbind-transfer"));
        command
            .arg("--regions")
            .arg(&self.regions)
            .arg("--genome")
            .arg(genome())
            .arg("--config")
            .arg(config)
            .arg("--out")
            .arg(self.path(out))
            .args(["--device", "cpu"]);
        command
    }

    fn settings(&self) -> Settings {
        let config = self.config();
        Settings {
            peaks: section(&config, "peaks"),
            negatives: section(&config, "negatives"),
            encode: section(&config, "encode"),
            pretrain: section(&config, "pretrain"),
            finetune: section(&config, "finetune"),
            transfer: section(&config, "transfer"),
        }
    }

    fn request(&self, target: &str, peaks: Option<PathBuf>, out: &str) -> Request {
        Request {
            target: target.into(),
            peaks,
            regions: self.regions.clone(),
            genome: genome(),
            out: self.path(out),
            from: None,
            test_dataset: None,
            cache: self.path("cache"),
            force: false,
            settings: self.settings(),
            runtime: tfbind_train::stage::Runtime {
                device: tfbind_model::DeviceChoice::Cpu,
                eval_batch_size: 1000,
                restart: false,
            },
        }
    }
}

fn choice_params(split: EncodeParams) -> ChoiceParams {
    ChoiceParams {
        strategy: ChoiceStrategy::Auto,
        k: 2,
        min_bound: 40,
        min_cobound: 100,
        motifs: motifs(),
        split,
    }
}

fn chromosome_split(test: &[&str]) -> EncodeParams {
    EncodeParams {
        split: SplitMethod::Chromosome,
        valid_chroms: vec![],
        test_chroms: test.iter().map(|c| c.to_string()).collect(),
        ..EncodeParams::default()
    }
}

fn column(name: &str) -> Target {
    Target {
        name: name.into(),
        labels: None,
        datasets: vec![],
    }
}

#[test]
fn the_choice_never_reads_the_targets_test_windows() {
    let f = Fixture::new();
    let with_test = choose_set(
        &f.regions,
        &column("FOXA2"),
        &choice_params(chromosome_split(&[])),
    )
    .unwrap();
    assert_eq!(with_test.tfs, ["FOXA1", "CEBPB"], "{with_test}");
    assert_eq!(with_test.reason.test_windows_left_out, 0);

    let choice = choose_set(
        &f.regions,
        &column("FOXA2"),
        &choice_params(chromosome_split(&["chr22"])),
    )
    .unwrap();
    assert_eq!(choice.strategy, ChoiceStrategy::Cobinding);
    assert_eq!(choice.tfs, ["FOXA1", "JUN"], "{choice}");
    let r = &choice.reason;
    assert_eq!((r.windows, r.test_windows_left_out), (PER_CHROM, PER_CHROM));
    assert_eq!((r.target_bound, r.target_bound_colabelled), (150, 150));
    assert!(r.why.starts_with("co-binding"), "{}", r.why);
    assert!(choice.to_string().contains("FOXA1"), "{choice}");

    // A test chromosome without windows (regions of the training chromosomes only) leaves
    // nothing out.
    let none = choose_set(
        &f.regions,
        &column("FOXA2"),
        &choice_params(chromosome_split(&["chr9"])),
    )
    .unwrap();
    assert_eq!(none.reason.test_windows_left_out, 0);
    assert_eq!(none.tfs, with_test.tfs);
}

#[test]
fn too_few_colabelled_bound_windows_fall_back_to_motif_similarity() {
    let f = Fixture::new();
    let choice = choose_set(
        &f.regions,
        &column("FOXK2"),
        &choice_params(chromosome_split(&["chr22"])),
    )
    .unwrap();
    assert_eq!(choice.strategy, ChoiceStrategy::Motif, "{choice}");
    assert_eq!(choice.reason.target_bound_colabelled, 30);
    assert!(
        choice.reason.why.contains("only 30 bound windows"),
        "{}",
        choice.reason.why
    );
    let mut forkheads = choice.tfs.clone();
    forkheads.sort();
    assert_eq!(forkheads, ["FOXA1", "FOXA2"], "{choice}");
    assert!(choice.chosen.iter().all(|c| c.p_value.is_some()));

    let e = choose_set(
        &f.regions,
        &column("EMPTY"),
        &choice_params(chromosome_split(&[])),
    );
    assert!(
        matches!(e, Err(tfbind_transfer::Error::TargetNeverBound { .. })),
        "{e:?}"
    );
    let e = choose_set(
        &f.regions,
        &column("FOXA3"),
        &choice_params(chromosome_split(&[])),
    );
    let e = e.unwrap_err();
    assert!(e.is_usage() && e.to_string().contains("FOXA2"), "{e}");
}

#[test]
fn combined_takes_cobound_and_motif_similar_tfs_in_turn() {
    let f = Fixture::new();
    let params = ChoiceParams {
        strategy: ChoiceStrategy::Combined,
        k: 3,
        ..choice_params(chromosome_split(&["chr22"]))
    };
    let choice = choose_set(&f.regions, &column("FOXA2"), &params).unwrap();
    assert_eq!(choice.strategy, ChoiceStrategy::Combined);
    assert_eq!(choice.tfs.len(), 3, "{choice}");
    assert_eq!(choice.tfs[0], "FOXA1", "{choice}");
    let mut unique = choice.tfs.clone();
    unique.dedup();
    assert_eq!(unique.len(), 3);
    let by: Vec<&str> = choice.chosen.iter().map(|c| c.by.as_str()).collect();
    assert_eq!(by, ["cobinding", "motif", "cobinding"], "{choice}");
}

#[test]
fn the_subsample_keeps_bound_windows_first() {
    let f = Fixture::new();
    let params = tfbind_negatives::Params {
        tfs: Some(vec!["FOXA2".into(), "HNF4A".into()]),
        ..Default::default()
    };
    let stage = tfbind_negatives::NegativesStage::new(f.regions.clone(), genome(), &[], params);
    run(&stage.unwrap(), &f.path("windows"), false, &()).unwrap();
    for (max, kept) in [(1000, 600), (400, 400)] {
        let stage = SubsampleStage {
            windows: f.path("windows"),
            max_windows: max,
            seed: 1,
        };
        let out = f.path(&format!("sample{max}"));
        let summary = run(&stage, &out, false, &()).unwrap().summary;
        assert_eq!((summary.bound_windows, summary.bound_kept), (600, kept));
        assert_eq!(summary.windows, max);
        let artifact = Artifact::open(&out, tfbind_artifact::kinds::WINDOWS).unwrap();
        let sample = tfbind_dataset::Windows::read(&artifact).unwrap();
        let starts: Vec<(String, u64)> = sample
            .windows
            .iter()
            .map(|w| (w.chrom.clone(), w.start))
            .collect();
        assert!(starts.windows(2).all(|p| p[0] < p[1]), "genome order kept");
    }
}

#[test]
fn a_new_tf_end_to_end_then_a_second_target_reuses_the_pretrained_set() {
    let f = Fixture::new();
    let regions_manifest = std::fs::read(f.regions.join("manifest.toml")).unwrap();
    let peaks = f.peaks("NEWA.narrowPeak", |i| i.is_multiple_of(10));
    let first = transfer(&f.request("NEWA", Some(peaks.clone()), "NEWA"), &()).unwrap();
    let summary = &first.model.summary;
    let choice = summary.choice.as_ref().unwrap();
    // NEWA binds where FOXA2 does: its set is FOXA2 and FOXA1, by co-binding.
    assert_eq!(choice.tfs, ["FOXA2", "FOXA1"], "{choice}");
    assert_eq!(choice.strategy, ChoiceStrategy::Cobinding);
    assert!(summary.finetune.test.auprc.is_some());
    assert_eq!(summary.finetune.target, "NEWA");
    // The final artifact is a model whose manifest records the choice and pins its parent.
    let model = Artifact::open(f.path("NEWA/model"), tfbind_artifact::kinds::MODEL).unwrap();
    let recorded = &model.manifest().parameters["transfer"];
    assert_eq!(recorded["tfs"].as_array().unwrap().len(), 2);
    assert_eq!(recorded["strategy"].as_str(), Some("cobinding"));
    let parent = Artifact::open(&first.pretrained, tfbind_artifact::kinds::MODEL).unwrap();
    assert!(model
        .manifest()
        .inputs
        .iter()
        .any(|i| i.sha256 == parent.content_sha256()));
    assert!(first.pretrained.starts_with(f.path("cache")));
    let key = std::fs::read_to_string(first.pretrained.parent().unwrap().join(KEY_FILE)).unwrap();
    assert!(
        key.contains("\"FOXA1\"") && key.contains("\"FOXA2\""),
        "{key}"
    );
    // The shared regions artifact is only read.
    assert_eq!(
        std::fs::read(f.regions.join("manifest.toml")).unwrap(),
        regions_manifest
    );

    let built = mtime(&first.pretrained.join("manifest.toml"));
    let second = transfer(&f.request("NEWB", Some(peaks), "NEWB"), &()).unwrap();
    assert_eq!(second.pretrained, first.pretrained);
    assert_eq!(mtime(&second.pretrained.join("manifest.toml")), built);
    assert_eq!(std::fs::read_dir(f.path("cache")).unwrap().count(), 1);

    // Rerun: everything up to date. --from: today's path, no choice recorded.
    let again = transfer(
        &f.request("NEWA", Some(f.path("NEWA.narrowPeak")), "NEWA"),
        &(),
    )
    .unwrap();
    assert!(again.model.up_to_date);
    let mut from = f.request("FOXA1", None, "from");
    from.from = Some(first.pretrained.clone());
    let given = transfer(&from, &()).unwrap();
    assert!(given.model.summary.choice.is_none());
    assert_eq!(given.pretrained, first.pretrained);
}

#[test]
fn the_cache_is_keyed_by_the_sorted_set() {
    let f = Fixture::new();
    let s = f.settings();
    let settings = PretrainSettings::new(&s.transfer, &s.negatives, &s.encode, &s.pretrain);
    let cache = PretrainCache::new(f.path("cache"), f.request("X", None, "x").runtime);
    let set = |tfs: &[&str]| tfs.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    let (a, _) = cache
        .entry(&set(&["FOXA1", "JUN"]), &f.regions, &settings)
        .unwrap();
    let (b, _) = cache
        .entry(&set(&["JUN", "FOXA1", "JUN"]), &f.regions, &settings)
        .unwrap();
    let (c, _) = cache
        .entry(&set(&["JUN", "CEBPB"]), &f.regions, &settings)
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let mut longer = settings.clone();
    longer.pretrain.train.epochs = Some(2);
    assert_ne!(
        cache
            .entry(&set(&["FOXA1", "JUN"]), &f.regions, &longer)
            .unwrap()
            .0,
        a
    );

    // Started from a model: another entry, keyed by the model's manifest; from random weights
    // the key says nothing of it, as before there was a choice.
    let init = f.path("init");
    let builder = tfbind_artifact::ArtifactBuilder::new(
        &init,
        tfbind_model::artifact::KIND,
        toml::Table::new(),
        Vec::new(),
    )
    .unwrap();
    std::fs::write(builder.path("model.safetensors"), b"weights").unwrap();
    let model = builder.commit().unwrap();
    let mut refined = settings.clone();
    refined.init = Some(init);
    let (d, key) = cache
        .entry(&set(&["FOXA1", "JUN"]), &f.regions, &refined)
        .unwrap();
    assert_ne!(d, a);
    assert!(key.contains(model.manifest_sha256()), "{key}");
    let (_, plain) = cache
        .entry(&set(&["FOXA1", "JUN"]), &f.regions, &settings)
        .unwrap();
    assert!(!plain.contains("init"), "{plain}");
}

#[test]
fn concurrent_runs_with_the_same_set_pretrain_once() {
    let f = Fixture::new();
    let peaks = f.peaks("NEW.narrowPeak", |i| i.is_multiple_of(10));
    let spawn = |target: &str| {
        f.command(target)
            .args(["--tf", target, "--peaks"])
            .arg(&peaks)
            .args(["--threads", "1", "--json"])
            .env("RUST_LOG", "info")
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("NEWA"));
        let b = s.spawn(|| spawn("NEWB"));
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&a, &b] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout).unwrap()
    };
    assert_eq!(json(&a)["pretrained"], json(&b)["pretrained"]);
    let trained = [&a, &b]
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("pre-training architecture"))
        .count();
    assert_eq!(trained, 1);
    // The default cache is beside --out.
    assert_eq!(
        std::fs::read_dir(f.path("pretrained-sets"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn a_pretraining_killed_midway_resumes_when_rerun() {
    let f = Fixture::new();
    let peaks = f.peaks("NEW.narrowPeak", |i| i.is_multiple_of(10));
    // Long enough to be killed between epochs: 12 epochs, none stopping early.
    let config = f.path("long.toml");
    let text = std::fs::read_to_string(f.config()).unwrap().replace(
        "pretrain_epochs = 1\n",
        "pretrain_epochs = 12\npretrain_patience = 12\n",
    );
    std::fs::write(&config, text).unwrap();
    let command = || {
        let mut c = f.command_with("NEW", &config);
        c.args(["--tf", "NEW", "--peaks"])
            .arg(&peaks)
            .args(["--threads", "1", "--json"])
            .env("RUST_LOG", "info");
        c
    };
    let cache = f.path("pretrained-sets");
    let mut child = command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !has_dir_named(&cache, "epoch-0002") {
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended before its second epoch"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no second epoch in 300 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!f.path("NEW").join("model").exists());

    let rerun = command().output().unwrap();
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(rerun.status.success(), "{stderr}");
    assert!(stderr.contains("resuming from checkpoint"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&rerun.stdout).unwrap();
    let pretrained = PathBuf::from(json["pretrained"].as_str().unwrap());
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pretrained.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["epochs_trained"], 12, "{summary}");
    assert!(summary["resumed_after"].as_u64().unwrap() >= 2, "{summary}");
    // One entry, with no temporary directory or checkpoint left behind.
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(entries.len(), 1);
    assert!(!has_dir_named(&cache, "epoch-0001"));
    Artifact::open(f.path("NEW/model"), tfbind_artifact::kinds::MODEL).unwrap();
}

/// Whether a directory of this name is anywhere under `root`.
fn has_dir_named(root: &Path, name: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(root) else {
        return false;
    };
    entries.flatten().any(|e| {
        let path = e.path();
        path.is_dir() && (e.file_name() == name || has_dir_named(&path, name))
    })
}

#[test]
fn bad_inputs_are_clear_errors() {
    let f = Fixture::new();
    let bin = |args: &[&str], out: &str| f.command(out).args(args).arg("-q").output().unwrap();
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();

    let o = bin(&["--tf", "FOXA3"], "a");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("unknown TF \"FOXA3\"") && stderr(&o).contains("FOXA2"));

    let o = bin(&["--tf", "EMPTY"], "b");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("EMPTY"), "{}", stderr(&o));

    let bad = f.path("BAD.narrowPeak");
    std::fs::write(&bad, "chr21\t10\t20\tp\t0\t.\t1\t1\t1\t5\nchr21\tten\t20\n").unwrap();
    let o = bin(&["--tf", "BAD", "--peaks", bad.to_str().unwrap()], "c");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("BAD.narrowPeak:2"), "{}", stderr(&o));

    let before = std::fs::read(f.regions.join("manifest.toml")).unwrap();
    let o = bin(&["--tf", "FOXA2"], "regions/run");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("lies inside"), "{}", stderr(&o));
    assert!(!f.regions.join("run").exists());
    assert_eq!(
        std::fs::read(f.regions.join("manifest.toml")).unwrap(),
        before
    );

    let o = bin(&["--tf", "FOXA2", "--strategy", "best"], "d");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!f.path("a").join("model").exists());
}

/// A section of the config as the binary resolves it.
fn section<T: serde::de::DeserializeOwned + serde::Serialize + Default>(
    config: &Path,
    name: &str,
) -> T {
    tfbind_cli::resolve(Some(config), name, toml::Table::new()).unwrap()
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}
