//! The fuzz targets' bodies: each writes the fuzzer's bytes where a user's file would be and reads
//! it through the public API a stage uses. Any input may be refused with an error; none may panic,
//! hang or read out of bounds. `scripts/fuzz.sh` runs them under libFuzzer (the `libfuzzer`
//! feature); `tests/corpus.rs` replays every kept input on each `make test`.

use std::path::Path;

use tfbind_genome::bed::{self, ChromCheck, UnknownChroms};
use tfbind_genome::{ChromSizes, Genome, Interval};

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// BED and narrowPeak lines (plain, gzip or bgzip: the reader sniffs the content), checked
/// against a two-chromosome genome, both with unknown chromosomes as errors and skipped.
pub fn bed(data: &[u8]) {
    let dir = scratch();
    let path = dir.path().join("peaks.narrowPeak");
    std::fs::write(&path, data).expect("writable scratch");
    let sizes = ChromSizes::new([("chr1".to_string(), 1_000), ("chr2".to_string(), 50)])
        .expect("valid sizes");
    for unknown in [UnknownChroms::Error, UnknownChroms::Skip] {
        read_bed(&path, &sizes, unknown);
    }
}

fn read_bed(path: &Path, sizes: &ChromSizes, unknown: UnknownChroms) {
    let Ok(mut reader) = bed::Reader::open(path) else {
        return;
    };
    let mut check = ChromCheck::new(path, sizes, unknown);
    loop {
        match reader.next_record() {
            Ok(Some(mut record)) => {
                let Ok(id) = check.resolve(record.line, record.interval) else {
                    return;
                };
                if let Some(id) = id {
                    let (_, len) = sizes.entry(id).expect("a resolved id");
                    assert!(record.interval.start <= record.interval.end);
                    assert!(record.interval.end <= len);
                }
                // narrowPeak's summit offset, as tfbind-peaks reads it.
                let _ = record.rest.nth(6).map(bed::parse_u64);
            }
            Ok(None) => break,
            Err(_) => return,
        }
    }
    let _ = check.finish();
}

/// A FASTA and its .fai, split at the first `0xff` byte (no FASTA holds one): the index is
/// checked against the FASTA, then every sequence is fetched whole and in pieces.
pub fn fasta(data: &[u8]) {
    let (fasta, fai) = match data.iter().position(|&b| b == 0xff) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let dir = scratch();
    let path = dir.path().join("genome.fa");
    std::fs::write(&path, fasta).expect("writable scratch");
    if let Some(fai) = fai {
        std::fs::write(dir.path().join("genome.fa.fai"), fai).expect("writable scratch");
    }
    let Ok(genome) = Genome::open(&path) else {
        return;
    };
    let chroms: Vec<(String, u64)> = genome
        .sizes()
        .iter()
        .map(|(c, l)| (c.to_string(), l))
        .collect();
    for (chrom, len) in chroms {
        let whole = Interval::new(chrom.clone(), 0, len);
        if let Ok(seq) = genome.fetch(&whole) {
            assert_eq!(seq.len() as u64, len, "{chrom}");
        }
        let tail = Interval::new(chrom, len / 3, len);
        let _ = genome.fetch(&tail);
    }
}

/// A manifest beside two files, a subdirectory and a symlink leaving the directory: opened,
/// verified, and each listed file looked up, as readers and `tfbind-artifact verify` do.
pub fn manifest(data: &[u8]) {
    let dir = scratch();
    let artifact = dir.path().join("a");
    std::fs::create_dir_all(artifact.join("sub")).expect("writable scratch");
    std::fs::write(artifact.join("a.txt"), "hello").expect("writable scratch");
    std::fs::write(artifact.join("sub/b.bin"), [1u8, 2, 3]).expect("writable scratch");
    std::fs::write(dir.path().join("outside"), "secret").expect("writable scratch");
    let _ = std::os::unix::fs::symlink("../outside", artifact.join("link"));
    std::fs::write(artifact.join(tfbind_artifact::MANIFEST_FILE), data).expect("writable scratch");
    let Ok(opened) = tfbind_artifact::Artifact::open_unverified(&artifact) else {
        return;
    };
    let verified = opened.verify();
    for entry in &opened.manifest().files {
        if let Ok(path) = opened.file(&entry.name) {
            // A listed file is always inside the artifact directory.
            assert!(
                !path
                    .components()
                    .any(|c| c == std::path::Component::ParentDir),
                "{}",
                path.display()
            );
            if verified.is_ok() {
                let real = path.canonicalize().expect("a verified file exists");
                assert!(
                    real.starts_with(artifact.canonicalize().expect("exists")),
                    "{} leaves the artifact",
                    real.display()
                );
            }
        }
    }
}
