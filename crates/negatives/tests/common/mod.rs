//! Shared by the integration tests: the shared chr19–22 bundle as a `regions` artifact (a test
//! that uses it checks first that it is there: `tfbind_artifact::testing::shared_bundle()`), a
//! tiny genome and regions artifact made here, and running the binary.

#![allow(dead_code)] // each test binary uses its own part of these helpers

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use flate2::read::MultiGzDecoder;
use tfbind_artifact::testing::shared_bundle_dir;
use tfbind_artifact::{input_file, up_to_date, Artifact, ArtifactBuilder};
use tfbind_dataset::{LabelMatrix, Regions, Window, REGIONS};

/// A file of the bundle.
pub fn bundle_file(name: &str) -> PathBuf {
    shared_bundle_dir().join(name)
}

pub fn genome() -> PathBuf {
    bundle_file("genome.fa.gz")
}

fn gz_lines(path: &Path) -> impl Iterator<Item = String> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(MultiGzDecoder::new(file))
        .lines()
        .map(|l| l.unwrap())
}

/// The bundle's windows and labels, parsed here rather than by tfbind-peaks so the tests do not
/// depend on another stage.
fn parse_bundle() -> Regions {
    let windows: Vec<Window> = gz_lines(&bundle_file("regions.bed.gz"))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Window {
                chrom: f[0].to_string(),
                start: f[1].parse().unwrap(),
                end: f[2].parse().unwrap(),
                name: f[3].to_string(),
            }
        })
        .collect();
    let mut lines = gz_lines(&bundle_file("labels.tsv.gz"));
    let header = lines.next().unwrap();
    let names: Vec<String> = header.split('\t').skip(1).map(str::to_string).collect();
    let mut values = Vec::with_capacity(windows.len() * names.len());
    for (line, w) in lines.zip(&windows) {
        let mut f = line.split('\t');
        assert_eq!(
            f.next(),
            Some(w.name.as_str()),
            "labels rows follow regions.bed.gz"
        );
        values.extend(f.map(|v| match v {
            "1" => 1i8,
            "0" => 0,
            "NA" => -1,
            other => panic!("label {other:?}"),
        }));
    }
    let labels = LabelMatrix::from_values(names, values).unwrap();
    assert_eq!(labels.n_rows(), windows.len());
    Regions { windows, labels }
}

/// The bundle's windows and labels.
pub fn bundle() -> &'static Regions {
    static REGIONS_DATA: OnceLock<Regions> = OnceLock::new();
    REGIONS_DATA.get_or_init(parse_bundle)
}

/// The bundle as a `regions` artifact, built once under the target directory and reused while
/// the bundle is unchanged.
pub fn regions() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("negatives-hg38-chr19-22.regions");
        let inputs = vec![
            input_file(bundle_file("regions.bed.gz")).unwrap(),
            input_file(bundle_file("labels.tsv.gz")).unwrap(),
        ];
        if up_to_date(&dir, REGIONS, &Default::default(), &inputs).is_none() {
            let builder = ArtifactBuilder::new(&dir, REGIONS, Default::default(), inputs).unwrap();
            bundle().write(builder.dir()).unwrap();
            builder.commit().unwrap();
        }
        dir
    })
}

/// Writes a `regions` artifact of the given windows and labels.
pub fn write_regions(dir: &Path, regions: &Regions) -> Artifact {
    let builder = ArtifactBuilder::new(dir, REGIONS, Default::default(), vec![]).unwrap();
    regions.write(builder.dir()).unwrap();
    builder.commit().unwrap()
}

/// Runs tfbind-negatives on the bundle with `args` after `--regions --genome --out`.
pub fn negatives(out: &Path, args: &[&str]) -> Output {
    negatives_on(regions(), out, args)
}

pub fn negatives_on(regions: &Path, out: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-negatives"))
        .arg("--regions")
        .arg(regions)
        .arg("--genome")
        .arg(genome())
        .arg("--out")
        .arg(out)
        .args(args)
        .arg("--quiet")
        .output()
        .unwrap()
}

/// Runs with `--json`, asserts success, and returns the summary.
pub fn negatives_json(out: &Path, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    let output = negatives(out, &args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The first GC report of a summary: (KS statistic, positives per bin, negatives per bin).
pub fn gc_of(summary: &serde_json::Value) -> (f64, Vec<u64>, Vec<u64>) {
    let gc = &summary["gc"][0];
    let side = |key: &str| {
        gc["bins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b[key].as_u64().unwrap())
            .collect()
    };
    (
        gc["ks"].as_f64().unwrap(),
        side("positives"),
        side("negatives"),
    )
}

/// Reads a `windows` artifact, verifying it.
pub fn read_windows(dir: &Path) -> tfbind_dataset::Windows {
    tfbind_dataset::Windows::read(&Artifact::open(dir, tfbind_dataset::WINDOWS).unwrap()).unwrap()
}

/// GC percent of each 200 bp window of chr1, its label for TF "A", and whether it holds Ns.
const WINDOWS: [(u32, i8, bool); 11] = [
    (80, 1, false),
    (80, 1, false),
    (10, 0, false),
    (20, 0, false),
    (30, 0, false),
    (40, 0, false),
    (50, 0, false),
    (60, 0, false),
    (80, 0, false),
    (81, 0, false),
    (80, 0, true),
];

/// Writes chr1 (plain FASTA, 60 bases a line) and the regions artifact of its windows (`regions`
/// and `genome.fa` in `dir`): a tiny dataset whose expected choice is known exactly.
pub fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let mut seq = Vec::new();
    for &(gc, _, n_rich) in &WINDOWS {
        let gc = 2 * gc as usize;
        seq.extend((0..200).map(|i| match i {
            _ if n_rich && i < 50 => b'N',
            i if i < gc => b"GC"[i % 2],
            i => b"AT"[i % 2],
        }));
    }
    let mut fasta = b">chr1\n".to_vec();
    for line in seq.chunks(60) {
        fasta.extend_from_slice(line);
        fasta.push(b'\n');
    }
    let genome = dir.join("genome.fa");
    std::fs::write(&genome, fasta).unwrap();

    let regions = Regions {
        windows: (0..WINDOWS.len() as u64)
            .map(|i| Window {
                chrom: "chr1".into(),
                start: 200 * i,
                end: 200 * (i + 1),
                name: format!("w{i}"),
            })
            .collect(),
        labels: LabelMatrix::from_values(
            vec!["A".into()],
            WINDOWS.iter().map(|&(_, label, _)| label).collect(),
        )
        .unwrap(),
    };
    let regions_dir = dir.join("regions");
    write_regions(&regions_dir, &regions);
    (regions_dir, genome)
}
