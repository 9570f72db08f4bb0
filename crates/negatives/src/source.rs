//! The windows a dataset is drawn from: a `regions` artifact, the genome their sequence comes
//! from, and the windows to leave out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tfbind_artifact::stage::Progress;
use tfbind_dataset::{Regions, Window};
use tfbind_genome::{Genome, Interval};

use crate::error::{Error, Result};
use crate::exclude::{coordinates, Coordinates};
use crate::gc::Composition;

/// Windows fetched from the genome at a time: bounds memory (a chunk of 200 bp windows is 13 MB)
/// whatever the number of windows, while keeping each parallel fetch large.
const CHUNK: usize = 1 << 16;

pub struct Source<'a> {
    pub regions: &'a Regions,
    /// The regions artifact, for error messages.
    pub dir: PathBuf,
    pub genome: &'a Genome,
    /// The width every window has.
    pub width: usize,
    pub skip: &'a HashSet<Coordinates>,
    pub max_n_fraction: f64,
    pub progress: &'a dyn Progress,
}

/// Rows of the regions artifact that survive [`Source::filter`], with their base composition,
/// and the rows it dropped.
#[derive(Debug, Default)]
pub struct Filtered {
    pub rows: Vec<usize>,
    pub compositions: Vec<Composition>,
    /// Rows whose coordinates are in an excluded artifact.
    pub excluded: Vec<usize>,
    /// Rows with more N than allowed.
    pub n_rich: Vec<usize>,
}

impl<'a> Source<'a> {
    /// Checks that every window has the same width (a dataset's sequences form one matrix).
    pub fn new(
        regions: &'a Regions,
        regions_dir: &Path,
        genome: &'a Genome,
        skip: &'a HashSet<Coordinates>,
        max_n_fraction: f64,
        progress: &'a dyn Progress,
    ) -> Result<Self> {
        let expected = regions.windows.first().map_or(0, Window::len);
        if let Some((i, w)) = regions
            .windows
            .iter()
            .enumerate()
            .find(|(_, w)| w.len() != expected)
        {
            return Err(Error::MixedWidths {
                path: regions_dir.join("windows.bed"),
                line: i + 1,
                len: w.len(),
                expected,
            });
        }
        Ok(Self {
            regions,
            dir: regions_dir.to_path_buf(),
            genome,
            width: expected as usize,
            skip,
            max_n_fraction,
            progress,
        })
    }

    pub fn window(&self, row: usize) -> &Window {
        &self.regions.windows[row]
    }

    /// Drops the rows whose windows are excluded or N-rich, reading the others' sequence to
    /// count their bases. `rows` must be in file order.
    pub fn filter(&self, rows: &[usize]) -> Result<Filtered> {
        let mut out = Filtered::default();
        let (kept, excluded): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&r| !self.skip.contains(&coordinates(self.window(r))));
        out.excluded = excluded;
        self.progress.start("reading", kept.len() as u64);
        for chunk in kept.chunks(CHUNK) {
            let codes = self.codes(chunk)?;
            let compositions: Vec<Composition> = codes
                .par_chunks(self.width.max(1))
                .map(Composition::of)
                .collect();
            for (&row, c) in chunk.iter().zip(compositions) {
                if c.n_fraction() > self.max_n_fraction {
                    out.n_rich.push(row);
                } else {
                    out.rows.push(row);
                    out.compositions.push(c);
                }
            }
        }
        Ok(out)
    }

    /// The sequence codes of `rows`, `rows.len() × width`, row-major.
    pub fn codes(&self, rows: &[usize]) -> Result<Vec<u8>> {
        let intervals: Vec<Interval> = rows
            .iter()
            .map(|&r| {
                let w = self.window(r);
                Interval::new(w.chrom.clone(), w.start, w.end)
            })
            .collect();
        let mut codes = vec![0; rows.len() * self.width];
        let progress = |n: usize| self.progress.advance(n as u64);
        self.genome
            .fetch_codes_into(&intervals, self.width, &mut codes, &progress)?;
        Ok(codes)
    }
}
