//! tfbind-pretrain under the stage contract: what --out may be, config errors, and the summary
//! of an up-to-date rerun.

#[path = "../../train/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

fn pretrain(dataset: &Path, out: &Path, extra: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tfbind-pretrain"))
        .args(["--epochs", "1", "--threads", "2", "--device", "cpu", "-q"])
        .arg("--dataset")
        .arg(dataset)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn failure(output: &Output) -> (i32, String) {
    assert!(!output.status.success(), "succeeded");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap(), stderr)
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "tfbind-pretrain failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Every file below `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

fn example(tmp: &Path) -> PathBuf {
    let dataset = tmp.join("data");
    common::example_dataset(&dataset, &["MAX", "JUND"], 60);
    dataset
}

#[test]
fn out_is_never_the_dataset_nor_a_users_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = example(tmp.path());
    let before = contents(&dataset);
    for extra in [&[][..], &["--force"]] {
        let (code, err) = failure(&pretrain(&dataset, &dataset, extra));
        assert_eq!(code, 1, "{err}");
        let refusal = format!("the output is the input {}", dataset.display());
        assert!(err.contains(&refusal), "{err}");
        let inside = dataset.join("model");
        let (_, err) = failure(&pretrain(&dataset, &inside, extra));
        assert!(err.contains("the output lies inside the input"), "{err}");
    }
    assert!(contents(&dataset) == before);

    let thesis = tmp.path().join("thesis");
    std::fs::create_dir(&thesis).unwrap();
    std::fs::write(thesis.join("manifest.toml"), "title = \"my thesis\"\n").unwrap();
    std::fs::write(thesis.join("chapter1.tex"), "\\chapter{One}\n").unwrap();
    let before = contents(&thesis);
    for extra in [&[][..], &["--force"]] {
        let (code, err) = failure(&pretrain(&dataset, &thesis, extra));
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("is not a tfbind artifact"), "{err}");
    }
    assert!(contents(&thesis) == before);
    assert!(!tmp.path().join(".thesis.checkpoints").exists());
}

#[test]
fn a_wrong_typed_config_key_names_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = example(tmp.path());
    let config = tmp.path().join("pipeline.toml");
    let out = tmp.path().join("model");
    for (line, key, text, says) in [
        (
            3,
            "batch_size",
            "[pretrain]\nseed = 2\nbatch_size = 1.5\n",
            "invalid type",
        ),
        (
            2,
            "architecture",
            "[pretrain]\narchitecture = \"resnet\"\n",
            "unknown variant",
        ),
        (
            2,
            "rc_augment",
            "[pretrain]\nrc_augment = \"no\"\n",
            "invalid type",
        ),
    ] {
        std::fs::write(&config, text).unwrap();
        let (code, err) = failure(&pretrain(
            &dataset,
            &out,
            &["--config", config.to_str().unwrap()],
        ));
        assert_eq!(code, 2, "{err}");
        let at = format!(
            "{}:{line}: [pretrain] key `{key}`: {says}",
            config.display()
        );
        assert!(err.contains(&at), "{at} in {err}");
    }
    assert!(!out.exists());
}

#[test]
fn an_up_to_date_rerun_reports_what_the_first_run_did() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = example(tmp.path());
    let out = tmp.path().join("model");
    let first = stdout(&pretrain(&dataset, &out, &["--json"]));
    let again = stdout(&pretrain(&dataset, &out, &["--json"]));
    assert!(first.contains("\"up_to_date\": false"), "{first}");
    assert_eq!(
        again,
        first.replace("\"up_to_date\": false", "\"up_to_date\": true")
    );
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(report["out"], out.display().to_string());
    assert_eq!(report["epochs_trained"], 1);
    assert_eq!(report["test_per_task"][1]["task"], "JUND");

    // The text: the same summary below the first line.
    let text = stdout(&pretrain(&dataset, &out, &[]));
    let (head, summary) = text.split_once('\n').unwrap();
    assert!(
        head.ends_with("is up to date; nothing to do (--force rebuilds it)"),
        "{head}"
    );
    assert!(
        summary.starts_with("convnet-deep on 200 bp windows, 2 tasks; kept epoch 1 of 1"),
        "{summary}"
    );
    assert!(summary.contains("\nJUND\t"), "{summary}");
}

#[test]
fn a_corrupt_dataset_is_refused_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = example(tmp.path());
    // Still a readable dataset, so only its checksum tells.
    let tasks = dataset.join("tasks.txt");
    let text = std::fs::read_to_string(&tasks).unwrap();
    std::fs::write(&tasks, text.replace("MAX", "MAY")).unwrap();
    let out = tmp.path().join("model");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tfbind-pretrain"))
        .args(["--epochs", "1", "--threads", "2", "--device", "cpu"])
        .arg("--dataset")
        .arg(&dataset)
        .arg("--out")
        .arg(&out)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let (code, err) = failure(&output);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tasks.txt") && err.contains("sha256"), "{err}");
    assert!(
        !err.contains("epoch done"),
        "trained on a corrupt dataset: {err}"
    );
    assert!(!out.exists() && !tmp.path().join(".model.checkpoints").exists());
}

#[test]
fn a_model_without_a_summary_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = example(tmp.path());
    let out = tmp.path().join("model");
    stdout(&pretrain(&dataset, &out, &[]));
    // The same model as an older tfbind-pretrain wrote it: no summary.json.
    let built = tfbind_artifact::Artifact::open(&out, tfbind_model::artifact::KIND).unwrap();
    let manifest = built.manifest();
    let older = tmp.path().join("older");
    let builder = tfbind_artifact::ArtifactBuilder::new(
        &older,
        tfbind_model::artifact::KIND,
        manifest.parameters.clone(),
        manifest.inputs.clone(),
    )
    .unwrap();
    for file in manifest.files.iter().filter(|f| f.name != "summary.json") {
        std::fs::copy(out.join(&file.name), builder.path(&file.name)).unwrap();
    }
    builder.commit().unwrap();

    let report = stdout(&pretrain(&dataset, &older, &["--json"]));
    assert!(report.contains("\"up_to_date\": false"), "{report}");
    assert!(older.join("summary.json").exists());
}

/// The first convolution's weights of a model artifact.
fn conv1(model: &Path) -> Vec<f32> {
    let bytes = std::fs::read(model.join("model.safetensors")).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    tensors
        .tensor("c1.weight")
        .unwrap()
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// --init-from starts from another model's weights (all but the output layer, so other tasks
/// fit), recorded as an input and in parent.toml; a model of another architecture is refused
/// with exit 2, naming it, before anything is written.
#[test]
fn init_from_starts_from_a_models_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = example(tmp.path());
    let generic = tmp.path().join("generic");
    stdout(&pretrain(&dataset, &generic, &[]));
    let other_tasks = tmp.path().join("other");
    common::example_dataset(&other_tasks, &["JUND", "MAX", "REST"], 60);

    // A learning rate too small to move a weight: what the run starts from is what it keeps.
    let slow = ["--learning-rate", "1e-12"];
    let refined = tmp.path().join("refined");
    let generic_arg = generic.to_str().unwrap();
    let args = [&slow[..], &["--init-from", generic_arg, "--json"]].concat();
    let report = stdout(&pretrain(&other_tasks, &refined, &args));
    assert!(report.contains("\"up_to_date\": false"), "{report}");
    let moved = largest_difference(&conv1(&refined), &conv1(&generic));
    assert!(moved < 1e-6, "{moved}");
    let fresh = tmp.path().join("fresh");
    stdout(&pretrain(&other_tasks, &fresh, &slow));
    let apart = largest_difference(&conv1(&fresh), &conv1(&generic));
    assert!(apart > 1e-2, "{apart}");

    let generic_artifact =
        tfbind_artifact::Artifact::open(&generic, tfbind_model::artifact::KIND).unwrap();
    let parent = std::fs::read_to_string(refined.join("parent.toml")).unwrap();
    assert!(
        parent.contains(generic_artifact.manifest_sha256()),
        "{parent}"
    );
    let manifest = std::fs::read_to_string(refined.join("manifest.toml")).unwrap();
    assert!(manifest.contains(generic_arg), "{manifest}");

    let shallow = tmp.path().join("shallow");
    stdout(&pretrain(
        &dataset,
        &shallow,
        &["--architecture", "convnet-shallow"],
    ));
    let refused = tmp.path().join("refused");
    let (code, err) = failure(&pretrain(
        &other_tasks,
        &refused,
        &["--init-from", shallow.to_str().unwrap()],
    ));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(shallow.to_str().unwrap()) && err.contains("convnet-shallow"),
        "{err}"
    );
    assert!(!refused.exists());
}
