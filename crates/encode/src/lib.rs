//! tfbind-encode: a `windows` artifact and a genome → a `dataset` artifact.
//!
//! Every window's sequence is fetched from the genome in parallel (see [`tfbind_genome::Genome`])
//! as uint8 codes (A C G T N = 0 1 2 3 4), except the rows whose sequence the windows artifact
//! gives itself (`synthetic.safetensors`, e.g. dinucleotide-shuffled negatives). Each window is
//! assigned to train / validation / test, by chromosome (held-out chromosomes; the default) or at
//! random (80/10/10 by default, seeded, as Novakovsky et al. 2021). Windows containing N can be
//! dropped. The result is written atomically with a manifest that pins the inputs and parameters,
//! so a rerun with the same ones does no work.

mod error;
mod split;

pub use error::{Error, Result};
pub use split::{assign_splits, SplitMethod};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{Artifact, ArtifactBuilder, Kind};
use tfbind_dataset::{Dataset, Split, Window, Windows, DATASET, WINDOWS};
use tfbind_genome::{codes, Genome, Locus};

/// The parameters of the stage: the `[encode]` section of a pipeline config, overridden by
/// flags, and recorded in the dataset's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncodeParams {
    /// The genome FASTA: an input (pinned by its content), so not recorded as a parameter.
    #[serde(skip_serializing)]
    pub genome: Option<PathBuf>,
    /// How windows are assigned to train / valid / test.
    pub split: SplitMethod,
    /// `chromosome` split: chromosomes whose windows form the validation set.
    pub valid_chroms: Vec<String>,
    /// `chromosome` split: chromosomes whose windows form the test set.
    pub test_chroms: Vec<String>,
    /// `random` split: fraction of windows for validation.
    pub valid_fraction: f64,
    /// `random` split: fraction of windows for test.
    pub test_fraction: f64,
    /// Seed of the `random` split.
    pub seed: u64,
    /// Leave out windows whose sequence contains N (or another ambiguity code).
    pub drop_n: bool,
}

impl Default for EncodeParams {
    /// Chromosome split holding out chr7 for validation and chr8, chr9 for test, as DeepSEA
    /// (Zhou & Troyanskaya 2015) and many models after it; a genome or subset without these
    /// chromosomes needs its own lists (an absent held-out chromosome is an error, not an empty set).
    fn default() -> Self {
        Self {
            genome: None,
            split: SplitMethod::Chromosome,
            valid_chroms: vec!["chr7".into()],
            test_chroms: vec!["chr8".into(), "chr9".into()],
            valid_fraction: 0.1,
            test_fraction: 0.1,
            seed: 0,
            drop_n: false,
        }
    }
}

impl EncodeParams {
    /// Checks the parameters on their own (before any data is read); the message is for a user who
    /// gave them on the command line or in a config.
    pub fn validate(&self) -> std::result::Result<(), String> {
        match self.split {
            SplitMethod::Chromosome => {
                if let Some(c) = self
                    .valid_chroms
                    .iter()
                    .find(|c| self.test_chroms.contains(c))
                {
                    return Err(format!(
                        "chromosome {c} is in both the validation and the test chromosomes"
                    ));
                }
            }
            SplitMethod::Random | SplitMethod::Hashed => {
                let (v, t) = (self.valid_fraction, self.test_fraction);
                if !(0.0..=1.0).contains(&v) || !(0.0..=1.0).contains(&t) || v + t >= 1.0 {
                    return Err(format!(
                        "valid fraction {v} and test fraction {t} must each be in [0, 1] and \
                         leave a training set (sum below 1)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The parameters as they are recorded in the manifest: those the split method does not use
    /// are left out, so changing them neither shows in the manifest nor makes an up-to-date
    /// dataset look stale.
    pub fn recorded(&self) -> Result<toml::Table> {
        let mut table = tfbind_artifact::to_table(self)?;
        let unused: &[&str] = match self.split {
            SplitMethod::Chromosome => &["valid_fraction", "test_fraction", "seed"],
            SplitMethod::Random | SplitMethod::Hashed => &["valid_chroms", "test_chroms"],
        };
        for key in unused {
            table.remove(*key);
        }
        Ok(table)
    }
}

/// What a run did, printed by the binary (as JSON with `--json`) and stored in the dataset as
/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Windows in the input.
    pub input_windows: usize,
    /// Windows in the dataset.
    pub windows: usize,
    /// Windows left out because they contain N (with `drop_n`).
    pub dropped_n: usize,
    /// Windows containing N (kept or dropped).
    pub with_n: usize,
    /// Rows whose sequence came from `synthetic.safetensors`.
    pub synthetic: usize,
    pub seq_len: usize,
    pub tasks: usize,
    pub train: usize,
    pub valid: usize,
    pub test: usize,
}

/// Builds the dataset of `windows` from `genome`, fetching in parallel on the current rayon pool;
/// `progress(n)` is called as batches of `n` windows are done. `windows_bed` names the windows
/// file in errors (with the line of the offending window).
pub fn encode(
    windows: Windows,
    windows_bed: &Path,
    genome: &Genome,
    params: &EncodeParams,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Dataset, Summary)> {
    let n = windows.windows.len();
    let Some(first) = windows.windows.first() else {
        return Err(Error::Empty {
            path: windows_bed.to_owned(),
        });
    };
    let seq_len = first.len() as usize;
    let line_error = |row: usize, message: String| Error::Window {
        path: windows_bed.to_owned(),
        line: row + 1,
        message,
    };
    let synthetic = windows.synthetic;
    let synthetic = synthetic.as_ref();
    let mut is_synthetic = vec![false; n];
    if let Some(s) = synthetic {
        if s.len != seq_len {
            return Err(Error::SyntheticLength {
                path: windows_bed.with_file_name("synthetic.safetensors"),
                len: s.len,
                expected: seq_len,
            });
        }
        for &row in &s.rows {
            is_synthetic[row] = true;
        }
    }

    // A split that cannot work (held-out chromosomes absent) fails before any fetching.
    assign_splits(&windows.windows, params)?;

    // Check every window before fetching, so the error names the first bad line.
    let mut fetched_rows = Vec::with_capacity(n);
    let mut loci = Vec::with_capacity(n);
    for (row, w) in windows.windows.iter().enumerate() {
        if w.is_empty() {
            return Err(line_error(
                row,
                format!("window {}:{}-{} is empty", w.chrom, w.start, w.end),
            ));
        }
        if w.len() as usize != seq_len {
            return Err(line_error(
                row,
                format!(
                    "window {}:{}-{} is {} bp but the first window is {seq_len} bp; all windows \
                     of a dataset must have the same length",
                    w.chrom,
                    w.start,
                    w.end,
                    w.len()
                ),
            ));
        }
        if is_synthetic[row] {
            continue;
        }
        let locus = WindowLocus(w);
        genome
            .sizes()
            .check(&locus)
            .map_err(|e| line_error(row, e.to_string()))?;
        fetched_rows.push(row);
        loci.push(locus);
    }

    let mut sequences = vec![0u8; n * seq_len];
    if fetched_rows.len() == n {
        genome.fetch_codes_into(&loci, seq_len, &mut sequences, progress)?;
    } else {
        let fetched = genome.fetch_codes(&loci, seq_len)?;
        for (&row, codes) in fetched_rows.iter().zip(fetched.chunks_exact(seq_len)) {
            sequences[row * seq_len..(row + 1) * seq_len].copy_from_slice(codes);
        }
        progress(fetched_rows.len());
    }
    drop(loci);
    if let Some(s) = synthetic {
        if let Some(&bad) = s.codes.iter().find(|&&c| c > codes::N) {
            return Err(Error::SyntheticCode {
                path: windows_bed.with_file_name("synthetic.safetensors"),
                code: bad,
            });
        }
        for (&row, codes) in s.rows.iter().zip(s.codes.chunks_exact(seq_len)) {
            sequences[row * seq_len..(row + 1) * seq_len].copy_from_slice(codes);
        }
        progress(s.rows.len());
    }

    let has_n: Vec<bool> = sequences
        .chunks_exact(seq_len)
        .map(|row| row.contains(&codes::N))
        .collect();
    let with_n = has_n.iter().filter(|&&b| b).count();
    let (dataset_windows, labels, sequences) = if params.drop_n && with_n > 0 {
        let keep: Vec<usize> = (0..n).filter(|&i| !has_n[i]).collect();
        // Compact in place: kept rows only move towards the front.
        for (to, &from) in keep.iter().enumerate() {
            sequences.copy_within(from * seq_len..(from + 1) * seq_len, to * seq_len);
        }
        sequences.truncate(keep.len() * seq_len);
        let all_cols: Vec<usize> = (0..windows.labels.n_cols()).collect();
        let labels = windows.labels.select(&keep, &all_cols);
        let mut kept = windows.windows;
        let mut has_n = has_n.iter();
        kept.retain(|_| !has_n.next().expect("one flag per window"));
        (kept, labels, sequences)
    } else {
        (windows.windows, windows.labels, sequences)
    };
    if with_n > 0 {
        if params.drop_n {
            tracing::info!(dropped = with_n, "dropped windows containing N");
        } else {
            tracing::info!(
                windows = with_n,
                "windows contain N (kept; --drop-n leaves them out)"
            );
        }
    }
    if dataset_windows.is_empty() {
        return Err(Error::AllDropped {
            path: windows_bed.to_owned(),
            windows: n,
        });
    }

    let split = assign_splits(&dataset_windows, params)?;
    let count = |s: Split| split.iter().filter(|&&x| x == s).count();
    let summary = Summary {
        input_windows: n,
        windows: dataset_windows.len(),
        dropped_n: if params.drop_n { with_n } else { 0 },
        with_n,
        synthetic: synthetic.map_or(0, |s| s.rows.len()),
        seq_len,
        tasks: labels.n_cols(),
        train: count(Split::Train),
        valid: count(Split::Valid),
        test: count(Split::Test),
    };
    let dataset = Dataset {
        windows: dataset_windows,
        labels,
        sequences,
        seq_len,
        split,
    };
    Ok((dataset, summary))
}

/// A window as a [`Locus`] for the genome, without copying its chromosome name.
struct WindowLocus<'a>(&'a Window);

impl Locus for WindowLocus<'_> {
    fn chrom(&self) -> &str {
        &self.0.chrom
    }

    fn start(&self) -> u64 {
        self.0.start
    }

    fn end(&self) -> u64 {
        self.0.end
    }
}

/// The stage: a `windows` artifact and a genome → a `dataset` artifact, run by
/// [`tfbind_artifact::stage::run`].
#[derive(Debug, Clone)]
pub struct EncodeStage {
    pub windows: PathBuf,
    pub genome: PathBuf,
    pub params: EncodeParams,
}

impl Stage for EncodeStage {
    const SECTION: &'static str = "encode";
    const OUTPUT: Kind = DATASET;
    type Summary = Summary;
    type Error = Error;

    fn inputs(&self) -> Vec<Input> {
        vec![
            Input::Artifact(self.windows.clone(), WINDOWS),
            Input::File(self.genome.clone()),
        ]
    }

    fn parameters(&self) -> Result<toml::Table> {
        self.params.recorded()
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        let windows_artifact = &artifacts[0];
        let (windows, genome) = rayon::join(
            || Windows::read(windows_artifact),
            || Genome::open(&self.genome),
        );
        let (windows, genome) = (windows?, genome?);
        tracing::info!(
            windows = windows.windows.len(),
            genome = %self.genome.display(),
            split = %self.params.split,
            "encoding"
        );
        progress.start("encode", windows.windows.len() as u64);
        let windows_bed = windows_artifact.dir().join("windows.bed");
        let (dataset, summary) = encode(windows, &windows_bed, &genome, &self.params, &|n| {
            progress.advance(n as u64)
        })?;
        dataset.write(builder.dir())?;
        Ok(summary)
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} windows of {} bp, {} tasks; train {}, valid {}, test {}",
            self.windows, self.seq_len, self.tasks, self.train, self.valid, self.test
        )?;
        match (self.with_n, self.dropped_n) {
            (0, _) => Ok(()),
            (n, 0) => write!(f, "; {n} contain N (kept)"),
            (_, d) => write!(f, "; {d} containing N dropped"),
        }
    }
}
