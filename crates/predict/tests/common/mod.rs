//! Test support shared by the tfbind-predict tests: the example data and a small untrained model.
#![allow(dead_code)] // Each test crate that includes this file uses part of it.

use std::path::{Path, PathBuf};

use tfbind_artifact::ArtifactBuilder;
use tfbind_model::{artifact, Architecture, Device, ModelSpec};

pub fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/example")
        .join(file)
}

/// A small untrained model artifact (window 200, tasks MAX and JUND), and the model: the same
/// weights every time, whichever tests run beside it (libtorch's generator is global).
pub fn untrained_model(dir: &Path) -> (PathBuf, tfbind_model::Model) {
    static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let spec = ModelSpec::new(Architecture::ConvNetDeep, 200, 2).unwrap();
    let model = {
        let _seeded = SEEDED.lock().unwrap();
        tch::manual_seed(11);
        tfbind_model::Model::new(&spec, Device::Cpu).unwrap()
    };
    let model_dir = dir.join("model");
    let builder =
        ArtifactBuilder::new(&model_dir, artifact::KIND, toml::Table::new(), vec![]).unwrap();
    let tasks = ["MAX".to_string(), "JUND".to_string()];
    artifact::write_model_files(builder.dir(), &model, &tasks, None).unwrap();
    builder.commit().unwrap();
    (model_dir, model)
}

/// Rows of a TSV output: (chrom, start, end, name, probabilities).
pub fn rows(path: &Path) -> Vec<(String, u64, u64, String, Vec<f32>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "chrom\tstart\tend\tname\tMAX\tJUND");
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].to_string(),
                f[4..].iter().map(|v| v.parse().unwrap()).collect(),
            )
        })
        .collect()
}
