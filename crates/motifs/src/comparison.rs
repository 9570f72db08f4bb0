//! Two MEME files compared with [`tomtom`]: what `tfbind-tomtom` does between reading its
//! arguments and writing its table.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::{read_meme, tomtom, write_tsv, Match, Motif, Options, Result};

/// Every query motif of one file compared with every target motif of another.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub queries: Vec<Motif>,
    pub targets: Vec<Motif>,
    /// The matches passing the threshold, as [`tomtom`] returns them.
    pub matches: Vec<Match>,
}

impl Comparison {
    /// Reads both files (once when they are the same file: a database against itself) and
    /// compares them.
    pub fn of_files(query: &Path, target: &Path, options: &Options) -> Result<Self> {
        let queries = read_meme(query)?;
        let targets = match target == query {
            true => queries.clone(),
            false => read_meme(target)?,
        };
        let matches = tomtom(&queries, &targets, options)?;
        Ok(Self {
            queries,
            targets,
            matches,
        })
    }

    pub fn counts(&self) -> Counts {
        Counts {
            queries: self.queries.len(),
            targets: self.targets.len(),
            matches: self.matches.len(),
        }
    }

    /// Writes the matches as Tomtom's table ([`write_tsv`]).
    pub fn write_tsv(&self, out: &mut impl Write) -> io::Result<()> {
        write_tsv(out, &self.matches, &self.queries, &self.targets)
    }
}

/// The size of a [`Comparison`]; its `Display` is the line a user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub queries: usize,
    pub targets: usize,
    pub matches: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} queries × {} targets: {} matches",
            self.queries, self.targets, self.matches
        )
    }
}
