//! The `regions` artifact as both subcommands write it, and the reuse of an up-to-date one.

use std::path::{Path, PathBuf};

use tfbind_artifact::{ArtifactBuilder, InputRef};
use tfbind_dataset::{Regions, REGIONS};
use tfbind_genome::ChromSizes;

use crate::{Error, Result, Summary};

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    pub summary: Summary,
    pub out: PathBuf,
    /// True when `out` was already up to date and nothing was done.
    pub up_to_date: bool,
}

/// The artifact's file besides the tfbind-dataset ones.
const SUMMARY_FILE: &str = "summary.json";

/// The existing artifact at `out` when it was made from the same inputs and parameters.
pub(crate) fn reuse(
    out: &Path,
    params: &toml::Table,
    inputs: &[InputRef],
) -> Result<Option<Outcome>> {
    let Some(existing) = tfbind_artifact::up_to_date(out, REGIONS, params, inputs) else {
        return Ok(None);
    };
    let path = existing.file(SUMMARY_FILE)?;
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let summary = serde_json::from_str(&text).map_err(|e| Error::Invalid {
        path,
        message: e.to_string(),
    })?;
    Ok(Some(Outcome {
        summary,
        out: out.to_owned(),
        up_to_date: true,
    }))
}

/// Writes the artifact atomically: nothing appears at `out` unless every file was written.
pub(crate) fn write(
    out: &Path,
    params: toml::Table,
    inputs: Vec<InputRef>,
    regions: &Regions,
    summary: Summary,
) -> Result<Outcome> {
    let builder = ArtifactBuilder::new(out, REGIONS, params, inputs)?;
    regions.write(builder.dir())?;
    let path = builder.path(SUMMARY_FILE);
    let json = serde_json::to_string_pretty(&summary).expect("the summary serializes");
    std::fs::write(&path, json).map_err(Error::io(&path))?;
    builder.commit()?;
    Ok(Outcome {
        summary,
        out: out.to_owned(),
        up_to_date: false,
    })
}

/// Chromosome sizes from a genome FASTA (plain or bgzip; its `.fai` is built when missing) or
/// directly from a `.fai`.
pub fn chrom_sizes(genome: &Path) -> Result<ChromSizes> {
    let is_fai = genome.extension().is_some_and(|e| e == "fai");
    Ok(if is_fai {
        ChromSizes::from_fai(genome)?
    } else {
        ChromSizes::from_fasta(genome)?
    })
}

/// The genome as an input: pinned by its chromosome names and lengths, the only thing the labels
/// depend on, rather than by hashing a whole-genome FASTA (seconds for hg38) on every run.
pub(crate) fn genome_input(genome: &Path, sizes: &ChromSizes) -> InputRef {
    let text: String = sizes.iter().map(|(n, l)| format!("{n}\t{l}\n")).collect();
    InputRef {
        path: genome.display().to_string(),
        kind: "chrom-sizes".into(),
        sha256: tfbind_artifact::sha256_bytes(text.as_bytes()),
    }
}
