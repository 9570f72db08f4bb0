//! Seqlet calling and annotation of given attributions through the library, timed: the tfbind
//! side of `scripts/bench-seqlets.sh`.
//!
//! ```sh
//! cargo run --release -p tfbind-interpret --example seqlets -- \
//!     ATTRIBUTIONS.safetensors DATABASE.meme SEQLETS.tsv
//! ```
//!
//! `ATTRIBUTIONS.safetensors` holds `x`, float32 `[windows, len]`, the attributions of the
//! windows' own letters, and `ohe`, float32 `[windows, 4, len]`, the one-hot windows. Seqlets are
//! called with tangermeme's defaults and annotated against `DATABASE.meme` with tangermeme's
//! Tomtom score (euclidean); `SEQLETS.tsv` lists `example start end motif`, the motif as its index
//! in the database. Prints the seconds of seqlet calling alone, of calling and annotation together
//! (reading the database included), and the number of seqlets. Tomtom runs on rayon's pool: set
//! `RAYON_NUM_THREADS` for its threads.

use std::fmt::Write as _;
use std::time::Instant;

use tch::Tensor;
use tfbind_interpret::seqlets::{recursive_seqlets, RecursiveParams, Seqlets};
use tfbind_motifs::{read_meme, Distance};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [attributions, database, seqlets_tsv] = &args[..] else {
        return Err("usage: seqlets ATTRIBUTIONS.safetensors DATABASE.meme SEQLETS.tsv".into());
    };
    let arrays = Tensor::read_safetensors(attributions)?;
    let array = |name: &str| -> Result<(Vec<f32>, Vec<i64>), Box<dyn std::error::Error>> {
        let t = &arrays
            .iter()
            .find(|(n, _)| n == name)
            .ok_or(format!("no `{name}` tensor"))?
            .1;
        Ok((Vec::<f32>::try_from(t.reshape([-1]))?, t.size()))
    };
    let (x, shape) = array("x")?;
    let (ohe, _) = array("ohe")?;
    let len = shape[1] as usize;

    let params = RecursiveParams::default();
    let start = Instant::now();
    let called = recursive_seqlets(&x, len, &params);
    let call_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let db = read_meme(database)?;
    let s = Seqlets::compute(&x, &ohe, len, &db, &params, Distance::Euclidean, 0.05)?;
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(s.seqlets, called, "the same calls twice");

    let mut tsv = String::from("example\tstart\tend\tmotif\n");
    for (q, m) in s.seqlets.iter().zip(&s.matches) {
        let _ = writeln!(tsv, "{}\t{}\t{}\t{}", q.example, q.start, q.end, m.target);
    }
    std::fs::write(seqlets_tsv, tsv)?;
    println!("{call_seconds} {seconds} {}", s.seqlets.len());
    Ok(())
}
