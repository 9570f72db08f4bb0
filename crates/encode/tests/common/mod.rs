//! Fixtures shared by the encode tests: windows artifacts made from the shipped example data
//! (hg38 chr21 + chr22), and a runner for the binary.
// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::Output,
};

use tfbind_artifact::ArtifactBuilder;
use tfbind_dataset::{LabelMatrix, Synthetic, Window, Windows, WINDOWS};

pub fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/example")
        .join(file)
}

pub fn genome() -> PathBuf {
    example("genome.fa.gz")
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Every `step`-th window of the example (plus the four windows holding N) with the labels of
/// three TFs.
pub fn example_windows(step: usize) -> Windows {
    const N_WINDOWS: [u64; 4] = [9_246_085, 41_830_235, 16_320_375, 16_326_775];
    let bed = gunzip(&example("regions.bed.gz"));
    let labels = gunzip(&example("labels.tsv.gz"));
    let mut lines = labels.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let tfs = ["CTCFL", "FOXA1", "JUND"];
    let cols: Vec<usize> = tfs
        .iter()
        .map(|tf| header.iter().position(|h| h == tf).unwrap())
        .collect();
    let mut windows = Vec::new();
    let mut values = Vec::new();
    for (i, (w, l)) in bed.lines().zip(lines).enumerate() {
        let f: Vec<&str> = w.split('\t').collect();
        let start: u64 = f[1].parse().unwrap();
        if i % step != 0 && !N_WINDOWS.contains(&start) {
            continue;
        }
        windows.push(Window {
            chrom: f[0].into(),
            start,
            end: f[2].parse().unwrap(),
            name: f[3].into(),
        });
        let cells: Vec<&str> = l.split('\t').collect();
        values.extend(cols.iter().map(|&c| match cells[c] {
            "1" => 1,
            "0" => 0,
            _ => -1,
        }));
    }
    Windows {
        windows,
        labels: LabelMatrix::from_values(tfs.map(String::from).to_vec(), values).unwrap(),
        synthetic: None,
    }
}

/// Two rows whose sequence is given: all A, and ACGTN repeated.
pub fn with_synthetic(mut windows: Windows) -> Windows {
    let codes: Vec<u8> = std::iter::repeat_n(0, 200)
        .chain((0..200).map(|i| (i % 5) as u8))
        .collect();
    windows.synthetic = Some(Synthetic {
        rows: vec![1, 3],
        codes,
        len: 200,
    });
    windows
}

pub fn write_windows(dir: &Path, windows: &Windows) -> PathBuf {
    let out = dir.join("windows");
    let builder = ArtifactBuilder::new(&out, WINDOWS, Default::default(), vec![]).unwrap();
    windows.write(builder.dir()).unwrap();
    builder.commit().unwrap();
    out
}

pub fn encode(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tfbind-encode"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs the binary from `windows` to `out`, with the example genome unless `extra` names one.
pub fn encode_to(windows: &Path, out: &Path, extra: &[&str]) -> Output {
    let genome = genome();
    let mut args = vec![
        "--windows",
        windows.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    if !extra.contains(&"--genome") {
        args.extend(["--genome", genome.to_str().unwrap()]);
    }
    args.extend(extra);
    encode(&args)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
