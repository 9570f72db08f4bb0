//! The dataset read from Python (`safetensors` + numpy), as training code outside tfbind would,
//! and every sequence checked against the genome through pysam (htslib), an implementation
//! independent of tfbind-genome.

mod common;

use std::path::Path;

use common::{encode_to, example_windows, genome, stderr, with_synthetic, write_windows};

const CHECK: &str = r#"
import sys
import numpy as np
import pysam
from safetensors.numpy import load_file

dataset, windows, genome = sys.argv[1:4]
d = load_file(f"{dataset}/dataset.safetensors")
seqs, labels, split = d["sequences"], d["labels"], d["split"]
assert (seqs.dtype, labels.dtype, split.dtype) == (np.uint8, np.int8, np.uint8)
rows = [line.split("\t") for line in open(f"{dataset}/windows.bed").read().splitlines()]
tasks = open(f"{dataset}/tasks.txt").read().split()
assert seqs.shape == (len(rows), 200), seqs.shape
assert labels.shape == (len(rows), len(tasks)), labels.shape
assert split.shape == (len(rows),) and set(np.unique(split)) == {0, 1, 2}
assert np.array_equal(labels, load_file(f"{windows}/labels.safetensors")["labels"])

synthetic = load_file(f"{windows}/synthetic.safetensors")
given = {int(r): synthetic["codes"][k] for k, r in enumerate(synthetic["rows"])}
lut = np.full(256, 4, dtype=np.uint8)
for code, base in enumerate(b"ACGT"):
    lut[base] = lut[base + 32] = code
fasta = pysam.FastaFile(genome)
for i, (chrom, start, end, _name) in enumerate(rows):
    if i in given:
        expected = given[i]
    else:
        expected = lut[np.frombuffer(fasta.fetch(chrom, int(start), int(end)).encode(), np.uint8)]
    assert np.array_equal(seqs[i], expected), f"row {i}: {chrom}:{start}-{end}"
print(f"checked {len(rows)} windows")
"#;

#[test]
fn python_reads_the_dataset_and_its_sequences_match_pysam() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() != Ok("1"),
            "{} is missing and TFBIND_REQUIRE_ORACLES=1: run scripts/setup.sh --test",
            python.display()
        );
        eprintln!("skipped: no {} (scripts/setup.sh --test)", python.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let windows = write_windows(tmp.path(), &with_synthetic(example_windows(10)));
    let out = tmp.path().join("dataset");
    let g = genome();
    let run = encode_to(&windows, &out, &["--split", "random"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let check = std::process::Command::new(&python)
        .args(["-c", CHECK])
        .args([&out, &windows, &g])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        stderr(&check)
    );
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.starts_with("checked 5"), "{said}");
}
