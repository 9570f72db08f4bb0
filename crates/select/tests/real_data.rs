//! Selections on the real hg38 chr19–22 bundle (../shared/data beside the clone; each test skips
//! without it): 144,015 DHS windows × 162 TFs, and JASPAR 2026 CORE vertebrates (data/jaspar).

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tfbind_artifact::testing::{shared_bundle, shared_bundle_dir};
use tfbind_artifact::ArtifactBuilder;
use tfbind_dataset::{LabelMatrix, Regions, Window, BOUND, REGIONS, UNBOUND, UNKNOWN};
use tfbind_select::{run, Error, Evidence, SelectParams, Selection, SkipReason, Strategy};

/// The repository's copy of JASPAR, the motif strategy's default file.
const JASPAR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme"
);

/// The bundle as a `regions` artifact, built once per test binary, and its label matrix.
struct Fixture {
    _dir: tempfile::TempDir,
    regions: PathBuf,
    labels: LabelMatrix,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let windows = read_windows(&shared_bundle_dir().join("regions.bed.gz"));
        let labels = read_labels(&shared_bundle_dir().join("labels.tsv.gz"));
        assert_eq!((labels.n_rows(), labels.n_cols()), (144_015, 162));
        let dir = tempfile::tempdir().unwrap();
        let regions = dir.path().join("regions");
        let builder = ArtifactBuilder::new(&regions, REGIONS, toml::Table::new(), vec![]).unwrap();
        Regions {
            windows,
            labels: labels.clone(),
        }
        .write(builder.dir())
        .unwrap();
        builder.commit().unwrap();
        Fixture {
            _dir: dir,
            regions,
            labels,
        }
    })
}

fn gz_lines(path: &Path) -> impl Iterator<Item = String> {
    let file = std::fs::File::open(path).unwrap();
    std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file))
        .lines()
        .map(Result::unwrap)
}

fn read_windows(path: &Path) -> Vec<Window> {
    gz_lines(path)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Window {
                chrom: f[0].to_string(),
                start: f[1].parse().unwrap(),
                end: f[2].parse().unwrap(),
                name: f[3].to_string(),
            }
        })
        .collect()
}

fn read_labels(path: &Path) -> LabelMatrix {
    let mut lines = gz_lines(path);
    let header = lines.next().unwrap();
    let names: Vec<String> = header.split('\t').skip(1).map(String::from).collect();
    let mut values = Vec::new();
    for line in lines {
        values.extend(line.split('\t').skip(1).map(|v| match v {
            "1" => BOUND,
            "0" => UNBOUND,
            "NA" => UNKNOWN,
            other => panic!("label {other:?}"),
        }));
    }
    LabelMatrix::from_values(names, values).unwrap()
}

fn params(strategy: Strategy, target: Option<&str>, k: usize) -> SelectParams {
    SelectParams {
        strategy,
        target: target.map(String::from),
        k: Some(k),
        motifs: PathBuf::from(JASPAR),
        ..SelectParams::default()
    }
}

fn select(params: &SelectParams) -> Selection {
    run(&fixture().regions, params).unwrap()
}

/// The cosine of two TFs' labels as vectors over the windows where neither is NA, the textbook
/// way: dot product over the product of norms.
fn direct_cosine(labels: &LabelMatrix, a: &str, b: &str) -> f64 {
    let (ia, ib) = (
        labels.column_index(a).unwrap(),
        labels.column_index(b).unwrap(),
    );
    let (mut dot, mut na, mut nb) = (0.0, 0.0, 0.0);
    for r in 0..labels.n_rows() {
        let (x, y) = (labels.get(r, ia), labels.get(r, ib));
        if x == UNKNOWN || y == UNKNOWN {
            continue;
        }
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    dot / (na.sqrt() * nb.sqrt())
}

fn cosine(choice: &tfbind_select::Choice) -> f64 {
    match choice.evidence {
        Evidence::Cobinding { cosine, .. } => cosine,
        ref other => panic!("not co-binding evidence: {other:?}"),
    }
}

#[test]
fn cosine_matches_a_direct_computation_and_an_outside_one() {
    if shared_bundle().is_none() {
        return;
    }
    let s = select(&params(Strategy::Cobinding, Some("JUND"), 2));
    assert_eq!(s.tfs(), ["JUN", "FOSL1"]);
    let labels = &fixture().labels;
    for choice in &s.chosen {
        let direct = direct_cosine(labels, "JUND", &choice.tf);
        assert!(
            (cosine(choice) - direct).abs() < 1e-12,
            "{choice:?} vs {direct}"
        );
    }
    // Computed with a Python script over labels.tsv.gz (pairwise NA removal), to 4 decimals.
    assert!((cosine(&s.chosen[0]) - 0.7109).abs() < 5e-5);
    assert!((cosine(&s.chosen[1]) - 0.7004).abs() < 5e-5);
}

#[test]
fn cobinding_for_jund_is_its_ap1_partners() {
    if shared_bundle().is_none() {
        return;
    }
    let s = select(&params(Strategy::Cobinding, Some("JUND"), 15));
    assert_eq!(&s.tfs()[..5], ["JUN", "FOSL1", "FOSL2", "FOS", "JUNB"]);
    for partner in ["ATF3", "BATF", "ATF7", "CREM"] {
        assert!(s.tfs().contains(&partner), "{partner} not in {:?}", s.tfs());
    }
    assert!(!s.tfs().contains(&"JUND"));
    let cosines: Vec<f64> = s.chosen.iter().map(cosine).collect();
    assert!(cosines.windows(2).all(|w| w[0] >= w[1]), "{cosines:?}");
    // SMAD2 and SMAD3 are never bound where JUND is labelled: their cosine is undefined.
    let undefined: Vec<&str> = s
        .skipped
        .iter()
        .filter(|sk| sk.reason == SkipReason::NoSharedBinding)
        .map(|sk| sk.tf.as_str())
        .collect();
    assert_eq!(undefined, ["SMAD2", "SMAD3"]);
    assert_eq!(s.candidates, 159);
}

#[test]
fn including_the_target_ranks_it_first() {
    if shared_bundle().is_none() {
        return;
    }
    let mut p = params(Strategy::Cobinding, Some("MAX"), 3);
    p.exclude_target = false;
    let s = select(&p);
    assert_eq!(s.tfs(), ["MAX", "MYC", "MYCN"]);
    assert_eq!(cosine(&s.chosen[0]), 1.0);
}

#[test]
fn low_cobinding_takes_the_least_similar_and_min_bound_keeps_rare_tfs_out() {
    if shared_bundle().is_none() {
        return;
    }
    let s = select(&params(Strategy::LowCobinding, Some("JUND"), 5));
    // Four TFs never co-bound with JUND tie at 0 and are ordered by name.
    assert_eq!(s.tfs(), ["ARNT", "FOXP1", "KLF5", "ZNF263", "TP53"]);

    let mut p = params(Strategy::LowCobinding, Some("JUND"), 5);
    p.min_bound = 100;
    let s = select(&p);
    let labels = &fixture().labels;
    for tf in s.tfs() {
        let col = labels.column_index(tf).unwrap();
        assert!(
            labels.column(col).filter(|&v| v == BOUND).count() >= 100,
            "{tf}"
        );
    }
    let few: Vec<&str> = s
        .skipped
        .iter()
        .filter(|sk| matches!(sk.reason, SkipReason::FewBound { .. }))
        .map(|sk| sk.tf.as_str())
        .collect();
    // The bundle's README: 21 TFs have fewer than 100 bound windows; JUND is not among them.
    assert_eq!(few.len(), 21, "{few:?}");
    assert!(few.contains(&"ARNT") && few.contains(&"SMAD3"));
}

#[test]
fn random_is_reproducible_by_seed_and_leaves_out_the_target() {
    if shared_bundle().is_none() {
        return;
    }
    let draw = |seed: u64, target: &str| {
        let mut p = params(Strategy::Random, Some(target), 5);
        p.seed = seed;
        select(&p)
            .tfs()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    let a = draw(7, "JUND");
    assert_eq!(a, draw(7, "JUND"));
    assert_eq!(
        select(&params(Strategy::Random, Some("JUND"), 5)).candidates,
        161
    );
    assert_eq!(a.iter().collect::<HashSet<_>>().len(), 5);
    assert!(!a.contains(&"JUND".to_string()));
    assert_ne!(a, draw(8, "JUND"));
    assert_ne!(a, draw(7, "MAX"));
    let labels = &fixture().labels;
    let seen: HashSet<String> = (0..40).flat_map(|seed| draw(seed, "JUND")).collect();
    assert!(
        seen.len() > 100,
        "40 draws of 5 reached only {} TFs",
        seen.len()
    );
    assert!(seen.iter().all(|tf| labels.column_index(tf).is_some()));
}

/// The TFs of counts.tsv, fewest NA first (ties by name).
fn fewest_na_from_counts() -> Vec<String> {
    let text = std::fs::read_to_string(shared_bundle_dir().join("counts.tsv")).unwrap();
    let mut rows: Vec<(u64, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[3].parse().unwrap(), f[0].to_string())
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, tf)| tf).collect()
}

#[test]
fn fewest_na_50_is_the_50_with_fewest_na_in_counts_tsv() {
    if shared_bundle().is_none() {
        return;
    }
    let expected = fewest_na_from_counts();
    let s = select(&params(Strategy::FewestNa, None, 50));
    assert_eq!(s.tfs(), expected[..50]);
    assert_eq!(
        SelectParams {
            strategy: Strategy::FewestNa,
            ..SelectParams::default()
        }
        .k(),
        50
    );

    // With a target among them, the target makes room for the 51st.
    let spi1 = expected.iter().position(|t| t == "SPI1").unwrap();
    assert!(spi1 < 50);
    let s = select(&params(Strategy::FewestNa, Some("SPI1"), 50));
    let mut without: Vec<String> = expected.clone();
    without.remove(spi1);
    assert_eq!(s.tfs(), without[..50]);
}

#[test]
fn motif_for_max_ranks_e_box_tfs_first() {
    if shared_bundle().is_none() {
        return;
    }
    let s = select(&params(Strategy::Motif, Some("MAX"), 15));
    // bHLH and bHLH-ZIP TFs, whose motifs are E-boxes (CACGTG and relatives).
    let e_box = [
        "MYC", "MYCN", "MXI1", "MNT", "USF1", "USF2", "BHLHE40", "SREBF1", "SREBF2", "TFAP4",
        "MITF", "ARNT", "TCF3", "TCF12", "NEUROD1", "TWIST1", "TAL1",
    ];
    assert!(
        s.tfs()[..9].iter().all(|tf| e_box.contains(tf)),
        "{:?}",
        s.tfs()
    );
    for tf in ["MYC", "MXI1", "USF1", "USF2", "MNT"] {
        assert!(s.tfs().contains(&tf), "{tf} not in {:?}", s.tfs());
    }
    // MYC first, through the MAX::MYC heterodimer motif both TFs share.
    match &s.chosen[0].evidence {
        Evidence::Motif {
            target_motif,
            tf_motif,
            tf_motif_name,
            ..
        } => {
            assert_eq!(s.chosen[0].tf, "MYC");
            assert_eq!(
                (target_motif.as_str(), tf_motif.as_str()),
                ("MA0059.2", "MA0059.2")
            );
            assert_eq!(tf_motif_name, "MAX::MYC");
        }
        other => panic!("{other:?}"),
    }
    let p: Vec<f64> = s
        .chosen
        .iter()
        .map(|c| match c.evidence {
            Evidence::Motif { p_value, .. } => p_value,
            ref other => panic!("{other:?}"),
        })
        .collect();
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    // NFE2L1 is the bundle's one TF without a JASPAR motif.
    let no_motif: Vec<&str> = s
        .skipped
        .iter()
        .filter(|sk| sk.reason == SkipReason::NoMotif)
        .map(|sk| sk.tf.as_str())
        .collect();
    assert_eq!(no_motif, ["NFE2L1"]);
}

#[test]
fn unknown_targets_are_usage_errors_naming_close_names() {
    if shared_bundle().is_none() {
        return;
    }
    let e = run(
        &fixture().regions,
        &params(Strategy::Cobinding, Some("JUNDD"), 5),
    )
    .unwrap_err();
    assert!(e.is_usage());
    match &e {
        Error::UnknownTf(unknown) => {
            assert_eq!(unknown.close[0], "JUND");
            assert_eq!(unknown.total, 162);
        }
        other => panic!("{other}"),
    }
    let e = run(
        &fixture().regions,
        &params(Strategy::Motif, Some("NFE2L1"), 5),
    )
    .unwrap_err();
    assert!(matches!(e, Error::TargetWithoutMotif { .. }), "{e}");
    let e = run(
        &fixture().regions,
        &params(Strategy::Cobinding, Some("SMAD3"), 5),
    )
    .unwrap_err();
    assert!(matches!(e, Error::TargetNeverBound { .. }), "{e}");
}
