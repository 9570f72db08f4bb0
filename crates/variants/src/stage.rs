//! The stages: scoring variants into a `variants` artifact, and merging the artifacts of one
//! run's shards into the artifact the run would have made whole.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::Device;
use tfbind_artifact::stage::{Input, Progress, Stage, SUMMARY_FILE};
use tfbind_artifact::{to_table, Artifact, ArtifactBuilder, Kind};
use tfbind_genome::Genome;
use tfbind_model::artifact::KIND as MODEL;
use tfbind_model::ModelArtifact;

use crate::error::{Result, VariantsError};
use crate::input::{Format, VariantReader};
use crate::params::{Params, Shard};
use crate::score::{score, Counts, Outputs, ScoringModel, Selection};
use crate::vcf_out;

/// The `variants` artifact: `variants.tsv` (format in the crate documentation).
pub const KIND: Kind = tfbind_artifact::kinds::VARIANTS;
pub const VARIANTS_TSV: &str = "variants.tsv";

/// Variants to score, with which models, against which genome.
#[derive(Debug, Clone)]
pub struct VariantsStage {
    /// `model` artifact directories; their tasks become column groups in this order.
    pub models: Vec<PathBuf>,
    pub genome: PathBuf,
    /// VCF, VCF.gz, BCF or `chrom pos ref alt [id]` TSV.
    pub variants: PathBuf,
    pub params: Params,
    pub device: Device,
}

/// What a run scored and left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: Format,
    pub models: usize,
    /// Column groups: one per model and task.
    pub groups: Vec<String>,
    #[serde(flatten)]
    pub counts: Counts,
    pub region: Option<String>,
    pub shard: Option<Shard>,
    /// With `annotated_vcf`: whether the VCF got its tabix index (records sorted by position).
    pub vcf_indexed: Option<bool>,
    pub seconds: f64,
    pub records_per_s: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "{} rows ({} records) × {} model tasks in {:.1} s ({:.0} records/s)",
            c.rows,
            c.records,
            self.groups.len(),
            self.seconds,
            self.records_per_s
        )?;
        if let Some(shard) = self.shard {
            write!(f, ", shard {shard}")?;
        }
        let left = [
            (c.symbolic_alleles, "symbolic or missing ALT alleles"),
            (
                c.ref_mismatches,
                "records whose REF differs from the genome",
            ),
            (c.unknown_chroms, "records on chromosomes the genome lacks"),
            (c.near_chrom_end, "scores NA near a chromosome end"),
        ];
        for (n, what) in left.into_iter().filter(|(n, _)| *n > 0) {
            write!(f, "\n  left out: {n} {what}")?;
        }
        Ok(())
    }
}

/// Column-group names: each task's name, or `model-directory.task` when two models share a task
/// name; distinct directories with the same name cannot be told apart and are refused.
pub fn group_names(models: &[(&Path, &[String])]) -> Result<Vec<String>> {
    let all: Vec<&String> = models.iter().flat_map(|(_, tasks)| tasks.iter()).collect();
    let unique = all.iter().collect::<HashSet<_>>().len() == all.len();
    let mut names = Vec::with_capacity(all.len());
    for (dir, tasks) in models {
        let label = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        names.extend(tasks.iter().map(|t| match unique {
            true => t.clone(),
            false => format!("{label}.{t}"),
        }));
    }
    if names.iter().collect::<HashSet<_>>().len() != names.len() {
        return Err(VariantsError::Parameters(
            "two models share a task name and a directory name, so their columns cannot be told \
             apart: give each model a directory of its own name"
                .into(),
        ));
    }
    Ok(names)
}

impl Stage for VariantsStage {
    const SECTION: &'static str = "variants";
    const OUTPUT: Kind = KIND;
    type Summary = Summary;
    type Error = VariantsError;

    fn is_usage(error: &VariantsError) -> bool {
        matches!(error, VariantsError::Parameters(_))
    }

    fn inputs(&self) -> Vec<Input> {
        let models = self
            .models
            .iter()
            .map(|m| Input::Artifact(m.clone(), MODEL));
        models
            .chain([
                Input::File(self.genome.clone()),
                Input::File(self.variants.clone()),
            ])
            .collect()
    }

    fn parameters(&self) -> Result<toml::Table> {
        self.params.validate().map_err(VariantsError::Parameters)?;
        if self.models.is_empty() {
            return Err(VariantsError::Parameters("no model given".into()));
        }
        let distinct: HashSet<PathBuf> = self
            .models
            .iter()
            .map(|m| tfbind_artifact::stage::resolved(m))
            .collect();
        if distinct.len() != self.models.len() {
            return Err(VariantsError::Parameters("a model is given twice".into()));
        }
        Ok(to_table(&self.params)?)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        let started = Instant::now();
        let opened: Vec<ModelArtifact> = artifacts[..self.models.len()]
            .iter()
            .cloned()
            .map(ModelArtifact::from_artifact)
            .collect::<std::result::Result<_, _>>()?;
        let named: Vec<(&Path, &[String])> = self
            .models
            .iter()
            .zip(&opened)
            .map(|(dir, m)| (dir.as_path(), m.tasks()))
            .collect();
        let mut groups = group_names(&named)?.into_iter();
        let models = opened
            .iter()
            .map(|m| {
                Ok(ScoringModel {
                    model: m.load(self.device)?,
                    groups: groups.by_ref().take(m.tasks().len()).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let genome = Genome::open(&self.genome)?;
        let (selection, selected) = Selection::new(
            VariantReader::open(&self.variants)?,
            &self.params,
            genome.sizes(),
        )?;
        let reader =
            VariantReader::open(&self.variants)?.carrying_columns(self.params.annotated_vcf);
        let format = reader.format();
        tracing::info!(
            variants = %self.variants.display(),
            ?format,
            records = selected,
            models = models.len(),
            "scoring variants"
        );
        let path = builder.path(VARIANTS_TSV);
        let file = File::create(&path).map_err(|e| VariantsError::io(&path, e))?;
        let mut tsv = BufWriter::with_capacity(1 << 20, file);
        let groups: Vec<&str> = models
            .iter()
            .flat_map(|m| m.groups.iter().map(String::as_str))
            .collect();
        let vcf_path = builder.path(vcf_out::VCF_GZ);
        let vcf_error = |e| VariantsError::io(&vcf_path, e);
        let mut vcf = match self.params.annotated_vcf {
            true => {
                let mut w = vcf_out::create(&vcf_path).map_err(vcf_error)?;
                let input = crate::input::vcf_text_header(&self.variants)?;
                w.write_all(vcf_out::header(&groups, genome.sizes(), input.as_deref()).as_bytes())
                    .map_err(vcf_error)?;
                Some(w)
            }
            false => None,
        };
        let outputs = Outputs {
            tsv: &mut tsv,
            vcf: vcf.as_mut().map(|w| w as &mut (dyn Write + Send)),
        };
        let counts = score(
            reader,
            &selection,
            selected,
            &genome,
            &models,
            &self.params,
            outputs,
            progress,
        )?;
        let vcf_indexed = match vcf {
            Some(w) => {
                vcf_out::finish(w).map_err(vcf_error)?;
                Some(vcf_out::index_or_warn(
                    &vcf_path,
                    &builder.path(vcf_out::TBI),
                ))
            }
            None => None,
        };
        let seconds = started.elapsed().as_secs_f64();
        Ok(Summary {
            format,
            models: models.len(),
            groups: models.iter().flat_map(|m| m.groups.clone()).collect(),
            counts,
            region: self.params.region.clone(),
            shard: self.params.shard,
            vcf_indexed,
            seconds,
            records_per_s: counts.records as f64 / seconds.max(1e-9),
        })
    }
}

/// The artifacts of every shard of one run, to be joined in shard order.
#[derive(Debug, Clone)]
pub struct MergeStage {
    pub shards: Vec<PathBuf>,
}

impl MergeStage {
    /// The run's parameters without the shard, from the first shard's manifest alone: the
    /// runner verifies every shard's files as it pins them, so hashing them here would only
    /// repeat that work on the largest files of the run.
    fn run_parameters(&self) -> Result<toml::Table> {
        let first = self
            .shards
            .first()
            .ok_or_else(|| VariantsError::Shards("no shard artifacts given".into()))?;
        let artifact = Artifact::open_unverified(first)?;
        artifact.expect_kind(KIND)?;
        Ok(without_shard(artifact.manifest()))
    }
}

fn without_shard(manifest: &tfbind_artifact::Manifest) -> toml::Table {
    let mut table = manifest.parameters.clone();
    table.remove("shard");
    table
}

impl Stage for MergeStage {
    const SECTION: &'static str = "variants";
    const OUTPUT: Kind = KIND;
    type Summary = Summary;
    type Error = VariantsError;

    fn is_usage(error: &VariantsError) -> bool {
        matches!(error, VariantsError::Shards(_))
    }

    fn inputs(&self) -> Vec<Input> {
        self.shards
            .iter()
            .map(|s| Input::Artifact(s.clone(), KIND))
            .collect()
    }

    fn parameters(&self) -> Result<toml::Table> {
        self.run_parameters()
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        let run = without_shard(artifacts[0].manifest());
        let mut parts: Vec<(Shard, &Artifact, Summary)> = Vec::new();
        for (path, artifact) in self.shards.iter().zip(artifacts) {
            let mut table = artifact.manifest().parameters.clone();
            let shard: Option<Shard> = table
                .remove("shard")
                .map(|v| v.try_into())
                .transpose()
                .map_err(|e| VariantsError::Shards(format!("{}: shard: {e}", path.display())))?;
            let shard = shard.ok_or_else(|| {
                VariantsError::Shards(format!("{} is not a shard (no --shard)", path.display()))
            })?;
            if table != run {
                return Err(VariantsError::Shards(format!(
                    "{} was made with other parameters than {}",
                    path.display(),
                    self.shards[0].display()
                )));
            }
            let same_inputs = |a: &Artifact| {
                a.manifest()
                    .inputs
                    .iter()
                    .map(|i| (i.kind.clone(), i.sha256.clone()))
                    .collect::<Vec<_>>()
            };
            if same_inputs(artifact) != same_inputs(&artifacts[0]) {
                return Err(VariantsError::Shards(format!(
                    "{} scored other models, genome or variants than {}",
                    path.display(),
                    self.shards[0].display()
                )));
            }
            let summary_path = artifact.file(SUMMARY_FILE)?;
            let text = std::fs::read_to_string(&summary_path)
                .map_err(|e| VariantsError::io(&summary_path, e))?;
            let summary: Summary =
                serde_json::from_str(&text).map_err(|e| VariantsError::Input {
                    path: summary_path.clone(),
                    message: e.to_string(),
                })?;
            parts.push((shard, artifact, summary));
        }
        parts.sort_by_key(|(shard, _, _)| shard.index);
        let count = parts[0].0.count;
        let indices: Vec<u64> = parts.iter().map(|(s, _, _)| s.index).collect();
        if parts.iter().any(|(s, _, _)| s.count != count)
            || indices != (1..=count).collect::<Vec<_>>()
        {
            let have: Vec<String> = parts.iter().map(|(s, _, _)| s.to_string()).collect();
            return Err(VariantsError::Shards(format!(
                "the shards given ({}) are not each of 1/{count} … {count}/{count} once",
                have.join(", ")
            )));
        }

        progress.start("merge", count);
        let path = builder.path(VARIANTS_TSV);
        let file = File::create(&path).map_err(|e| VariantsError::io(&path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let write_error = |source| VariantsError::Write {
            what: "the merged TSV",
            source,
        };
        let mut header: Option<String> = None;
        let mut merged = parts[0].2.clone();
        merged.counts = Counts::default();
        merged.seconds = 0.0;
        merged.shard = None;
        for (_, artifact, summary) in &parts {
            let tsv = artifact.file(VARIANTS_TSV)?;
            let mut lines =
                BufReader::new(File::open(&tsv).map_err(|e| VariantsError::io(&tsv, e))?);
            let mut first = String::new();
            lines
                .read_line(&mut first)
                .map_err(|e| VariantsError::io(&tsv, e))?;
            match &header {
                None => {
                    out.write_all(first.as_bytes()).map_err(write_error)?;
                    header = Some(first);
                }
                Some(h) if *h != first => {
                    return Err(VariantsError::Shards(format!(
                        "{}: its columns differ from the first shard's",
                        tsv.display()
                    )))
                }
                Some(_) => {}
            }
            std::io::copy(&mut lines, &mut out).map_err(write_error)?;
            merged.counts += summary.counts;
            merged.seconds += summary.seconds;
            progress.advance(1);
        }
        out.flush().map_err(write_error)?;
        if parts[0].1.has_file(vcf_out::VCF_GZ) {
            let vcfs = parts
                .iter()
                .map(|(_, a, _)| a.file(vcf_out::VCF_GZ))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let path = builder.path(vcf_out::VCF_GZ);
            vcf_out::concatenate(&vcfs, &path).map_err(|e| VariantsError::io(&path, e))?;
            merged.vcf_indexed = Some(vcf_out::index_or_warn(&path, &builder.path(vcf_out::TBI)));
        }
        merged.records_per_s = merged.counts.records as f64 / merged.seconds.max(1e-9);
        Ok(merged)
    }
}
