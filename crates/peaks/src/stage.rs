//! The stage: either subcommand writes a `regions` artifact, run by
//! [`tfbind_artifact::stage::run`].

use std::path::Path;

use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{Artifact, ArtifactBuilder, InputRef, Kind};
use tfbind_dataset::REGIONS;
use tfbind_genome::ChromSizes;

use crate::{build, import, tfs, BuildInputs, BuildParams, Error, ImportInputs, Result, Summary};

/// `tfbind-peaks build` or `import`, with the genome's chromosome sizes read.
#[derive(Debug, Clone)]
pub enum PeaksStage {
    /// Windows and labels from peak files.
    Build {
        inputs: BuildInputs,
        params: BuildParams,
        sizes: ChromSizes,
    },
    /// A precomputed label matrix, taken as it is.
    Import {
        inputs: ImportInputs,
        sizes: Option<ChromSizes>,
    },
}

impl PeaksStage {
    /// `build` from the `[peaks]` settings: the peak files of `peaks` and `peak_list`, each
    /// TF named once, and the genome required.
    pub fn from_peaks(params: BuildParams) -> Result<Self> {
        params.validate().map_err(Error::Usage)?;
        let mut peaks = tfs::from_paths(&params.peaks)?;
        if let Some(list) = &params.peak_list {
            peaks.extend(tfs::from_list(list)?);
        }
        if peaks.is_empty() {
            return Err(Error::Usage(
                "no peak files: give PEAKS or --peak-list".into(),
            ));
        }
        let genome = params.genome.clone().ok_or_else(|| {
            Error::Usage(
                "no genome: give --genome FASTA (or its .fai) or `genome` in [peaks]".into(),
            )
        })?;
        tfs::check_unique(&peaks)?;
        let sizes = chrom_sizes(&genome)?;
        let inputs = BuildInputs {
            peaks,
            genome,
            regions: params.regions.clone(),
            blacklist: params.blacklist.clone(),
        };
        Ok(Self::Build {
            inputs,
            params,
            sizes,
        })
    }

    /// `import` of a windows BED and a labels TSV, checked against the genome when given.
    pub fn from_matrix(inputs: ImportInputs) -> Result<Self> {
        let sizes = inputs.genome.as_deref().map(chrom_sizes).transpose()?;
        Ok(Self::Import { inputs, sizes })
    }
}

impl Stage for PeaksStage {
    const SECTION: &'static str = "peaks";
    const OUTPUT: Kind = REGIONS;
    type Summary = Summary;
    type Error = Error;

    fn is_usage(error: &Error) -> bool {
        matches!(error, Error::Usage(_))
    }

    /// Peak files in column order, then regions and blacklist, then the genome (build); the
    /// windows, the labels, then the genome (import).
    fn inputs(&self) -> Vec<Input> {
        match self {
            Self::Build { inputs, sizes, .. } => inputs
                .peaks
                .iter()
                .map(|s| s.path.clone())
                .chain(inputs.regions.clone())
                .chain(inputs.blacklist.clone())
                .map(Input::File)
                .chain([Input::Pinned(genome_input(&inputs.genome, sizes))])
                .collect(),
            Self::Import { inputs, sizes } => {
                let mut all = vec![
                    Input::File(inputs.windows.clone()),
                    Input::File(inputs.labels.clone()),
                ];
                if let (Some(genome), Some(sizes)) = (&inputs.genome, sizes) {
                    all.push(Input::Pinned(genome_input(genome, sizes)));
                }
                all
            }
        }
    }

    fn parameters(&self) -> Result<toml::Table> {
        match self {
            Self::Build { inputs, params, .. } => {
                let names: Vec<String> = inputs.peaks.iter().map(|s| s.tf.clone()).collect();
                let recorded = params.recorded(inputs.regions.is_some(), &names);
                Ok(tfbind_artifact::to_table(&recorded)?)
            }
            Self::Import { .. } => {
                let mut table = toml::Table::new();
                table.insert("command".into(), "import".into());
                Ok(table)
            }
        }
    }

    fn build(
        &self,
        _: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        let (regions, summary) = match self {
            Self::Build {
                inputs,
                params,
                sizes,
            } => build(inputs, sizes, params, progress)?,
            Self::Import { inputs, sizes } => import(inputs, sizes.as_ref(), progress)?,
        };
        regions.write(builder.dir())?;
        Ok(summary)
    }
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
fn genome_input(genome: &Path, sizes: &ChromSizes) -> InputRef {
    let text: String = sizes.iter().map(|(n, l)| format!("{n}\t{l}\n")).collect();
    InputRef {
        path: genome.display().to_string(),
        kind: "chrom-sizes".into(),
        sha256: tfbind_artifact::sha256_bytes(text.as_bytes()),
    }
}
