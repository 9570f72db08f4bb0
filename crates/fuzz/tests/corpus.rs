//! Every input the fuzzers kept (and the seeds) replayed: what once crashed a parser stays fixed.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        body(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "{}: no corpus", dir.display());
}

#[test]
fn bed_corpus() {
    replay("bed", tfbind_fuzz::bed);
}

#[test]
fn fasta_corpus() {
    replay("fasta", tfbind_fuzz::fasta);
}

#[test]
fn manifest_corpus() {
    replay("manifest", tfbind_fuzz::manifest);
}
