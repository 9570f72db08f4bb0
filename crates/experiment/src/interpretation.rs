//! The paper's interpretation claims measured on the experiment's models (issue 16): every
//! fine-tuned model of one training-set size is interpreted by tfbind-interpret in-process (its
//! [`InterpretStage`] through the stage runner, so an up-to-date `motifs` artifact is reused), then
//! two tables are made from the artifacts, per target × condition (medians over seeds) and per
//! condition (medians over every model):
//!
//! 1. Refinement: first-layer filters matching the target's database motifs before fine-tuning
//!    (in the parent pre-trained model) and after, their median log10 p gain, and the share of the
//!    fine-tuned model's most influential filters that are refined ones.
//! 2. Features beyond the target motif: the share of seqlets, and of their attribution, explained
//!    by the target's motif family ([`Family`]) and by other motifs, and the other motifs carrying
//!    the most attribution. A seqlet counts for the family when any family motif matches its
//!    sequence, not only when its best match does: a family core inside a longer seqlet can
//!    match a longer motif best (YY1's `AAGATGGCG` in a seqlet best matched by ZNF417).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tfbind_artifact::kinds::MODEL;
use tfbind_artifact::Artifact;
use tfbind_genome::codes;
use tfbind_interpret::matches::{motif_label, motifs_of_tf};
use tfbind_interpret::seqlets::compare_sequences;
use tfbind_interpret::{
    ComparisonSummary, InterpretParams, InterpretStage, Method, COMPARISON_TSV, INFLUENCE_TSV,
    SEQLETS_TSV,
};
use tfbind_model::ModelArtifact;
use tfbind_motifs::{tomtom, Distance, Motif, Options, Threshold};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::layout::{self, Sample};
use crate::report::{check_out, number, table, write_files};
use crate::results::check_models;
use crate::runner::Experiment;
use crate::stats::median;

/// The most influential filters whose refinement is measured.
pub const TOP_FILTERS: usize = 10;
/// Other motifs listed per row, most attribution first.
const TOP_OTHER_MOTIFS: usize = 5;
/// The size interpreted when the config has it: the paper's fine-tuning size.
const PREFERRED_SIZE: usize = 500;

/// Which models are interpreted, and how.
#[derive(Debug, Clone, Default)]
pub struct InterpretOptions {
    /// The training-set size [default: 500 when among the sizes, else the largest].
    pub size: Option<usize>,
    /// Seeds, targets and conditions [default: all of the config's].
    pub seeds: Vec<u64>,
    pub targets: Vec<String>,
    pub conditions: Vec<String>,
    /// Test positives attributed (highest predicted first), and test windows whose filter
    /// influence is measured, per model.
    pub windows: usize,
    /// The motif database [default: tfbind-interpret's].
    pub database: Option<PathBuf>,
}

impl InterpretOptions {
    /// The size, seeds, targets and conditions, each checked to be the config's.
    fn selection(&self, config: &Config) -> Result<Selection> {
        let e = &config.experiment;
        let usage = |message: String| Error::Config {
            path: PathBuf::from("tfbind-experiment interpret"),
            line: None,
            message,
        };
        let size = match self.size {
            Some(size) if !e.sizes.contains(&size) => {
                return Err(usage(format!(
                    "--size {size} is not among the experiment's sizes {:?}",
                    e.sizes
                )))
            }
            Some(size) => size,
            None if e.sizes.contains(&PREFERRED_SIZE) => PREFERRED_SIZE,
            None => *e
                .sizes
                .iter()
                .max()
                .expect("validated: sizes are not empty"),
        };
        if let Some(seed) = self.seeds.iter().find(|s| !e.seeds.contains(s)) {
            return Err(usage(format!(
                "--seeds {seed} is not among the experiment's seeds {:?}",
                e.seeds
            )));
        }
        let names: Vec<String> = config
            .conditions
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        // The config's order, whatever the order asked in.
        let pick = |flag: &str, asked: &[String], all: &[String]| -> Result<Vec<String>> {
            match asked.iter().find(|a| !all.contains(a)) {
                Some(a) => Err(usage(format!(
                    "--{flag} {a} is not among the experiment's {flag}: {}",
                    all.join(", ")
                ))),
                None => Ok(all
                    .iter()
                    .filter(|a| asked.is_empty() || asked.contains(a))
                    .cloned()
                    .collect()),
            }
        };
        Ok(Selection {
            size,
            seeds: e
                .seeds
                .iter()
                .copied()
                .filter(|s| self.seeds.is_empty() || self.seeds.contains(s))
                .collect(),
            targets: pick("targets", &self.targets, &e.targets)?,
            conditions: pick("conditions", &self.conditions, &names)?,
        })
    }

    /// tfbind-interpret's parameters for one target: DeepLIFT/SHAP only (the seqlets' method; it
    /// runs on every convolutional architecture of the experiment), on `windows` test positives.
    fn params(&self, target: &str) -> InterpretParams {
        InterpretParams {
            database: self.database.clone(),
            task: Some(target.to_string()),
            attribution_windows: self.windows,
            // Influence costs a forward pass per window and filter: bounded like the attributions.
            influence_windows: self.windows,
            methods: vec![Method::DeepLiftShap],
            ..InterpretParams::default()
        }
    }
}

/// The models interpreted: one size, and seeds, targets and conditions in the config's order.
struct Selection {
    size: usize,
    seeds: Vec<u64>,
    targets: Vec<String>,
    conditions: Vec<String>,
}

/// The target's motif family: the database motifs named after the target (a name of the motif,
/// `::` separating a dimer's, is the target: the motifs tfbind-interpret's comparison measures
/// filters against), and every database motif that Tomtom (Pearson, both strands, q over the
/// database) matches to one of them at q ≤ `max_q_value`. Empty when no motif is named after the
/// target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Family {
    pub target: String,
    /// `ID name` of the motifs named after the target.
    pub named: Vec<String>,
    /// Identifiers of every member, the named ones included.
    pub members: BTreeSet<String>,
    /// Names of the members, each once.
    pub names: BTreeSet<String>,
}

impl Family {
    pub fn of(target: &str, database: &[Motif], max_q_value: f64) -> Result<Self> {
        let named = motifs_of_tf(database, target);
        let queries: Vec<Motif> = named.iter().map(|&i| database[i].clone()).collect();
        let options = Options {
            threshold: Threshold::QValue(max_q_value),
            ..Options::default()
        };
        let mut members: BTreeSet<usize> = named.iter().copied().collect();
        if !queries.is_empty() {
            members.extend(
                tomtom(&queries, database, &options)?
                    .iter()
                    .map(|m| m.target),
            );
        }
        Ok(Self {
            target: target.to_string(),
            named: named.iter().map(|&i| motif_label(&database[i])).collect(),
            members: members
                .iter()
                .map(|&i| database[i].id().to_string())
                .collect(),
            names: members
                .iter()
                .map(|&i| name_of(&database[i]).to_string())
                .collect(),
        })
    }

    fn is_known(&self) -> bool {
        !self.members.is_empty()
    }
}

fn name_of(motif: &Motif) -> &str {
    motif.alt().unwrap_or(motif.id())
}

/// One model's refinement: its filters against its parent's, at the target's motifs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refinement {
    /// Filters whose best match among the target's motifs has q ≤ `max_q_value`, in the parent
    /// and in the fine-tuned model.
    pub matching_before: usize,
    pub matching_after: usize,
    /// Median log10 p gain of the filters matching before or after; `None` without any.
    pub median_gain: Option<f64>,
    /// Share of the [`TOP_FILTERS`] most influential filters that are refined (log10 p gain > 0
    /// and matching after: tfbind-interpret's `moved_toward`)...
    pub top_refined: Option<f64>,
    /// ...and of all filters, for comparison.
    pub refined: Option<f64>,
}

/// Seqlets, or their attribution, by what explains them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Part {
    pub seqlets: usize,
    pub attribution: f64,
}

/// One model's seqlets by what explains them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Features {
    pub all: Part,
    /// Explained by a motif of the target's family, and else by another motif (see [`features`]).
    pub family: Part,
    pub other: Part,
    /// Attribution of the seqlets explained by each other motif, by motif name.
    pub other_motifs: BTreeMap<String, f64>,
    /// Whether the target has a motif family (a database motif named after it).
    pub family_known: bool,
}

impl Features {
    /// Shares of the seqlets and of the attribution of a part; `None` without seqlets or family.
    fn shares(&self, part: &Part) -> (Option<f64>, Option<f64>) {
        if self.all.seqlets == 0 || !self.family_known {
            return (None, None);
        }
        let attribution =
            (self.all.attribution != 0.0).then(|| part.attribution / self.all.attribution);
        (
            Some(part.seqlets as f64 / self.all.seqlets as f64),
            attribution,
        )
    }
}

/// What one model's interpretation measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelResult {
    pub target: String,
    pub seed: u64,
    pub condition: String,
    /// `None` without a parent (scratch) or without a target motif to measure against.
    pub refinement: Option<Refinement>,
    pub features: Features,
}

/// A row of the tables: medians over the models of a target and condition, or of a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `None`: every target.
    pub target: Option<String>,
    pub condition: String,
    pub models: usize,
    pub matching_before: Option<f64>,
    pub matching_after: Option<f64>,
    pub median_gain: Option<f64>,
    pub top_refined: Option<f64>,
    pub refined: Option<f64>,
    pub seqlets: Option<f64>,
    pub family_seqlets: Option<f64>,
    pub other_seqlets: Option<f64>,
    pub family_attribution: Option<f64>,
    pub other_attribution: Option<f64>,
    /// Other motifs by their mean share of the seqlet attribution over the models with seqlets,
    /// most first.
    pub top_other: Vec<(String, f64)>,
}

impl Row {
    fn new(target: Option<&str>, condition: &str, models: &[&ModelResult]) -> Self {
        let refinements: Vec<&Refinement> = models
            .iter()
            .filter_map(|m| m.refinement.as_ref())
            .collect();
        let of_refinement = |value: &dyn Fn(&Refinement) -> Option<f64>| {
            median(
                &refinements
                    .iter()
                    .filter_map(|r| value(r))
                    .collect::<Vec<_>>(),
            )
        };
        let of_features = |value: &dyn Fn(&Features) -> Option<f64>| {
            median(
                &models
                    .iter()
                    .filter_map(|m| value(&m.features))
                    .collect::<Vec<_>>(),
            )
        };
        let with_seqlets: Vec<&Features> = models
            .iter()
            .map(|m| &m.features)
            .filter(|f| f.all.seqlets > 0 && f.all.attribution != 0.0)
            .collect();
        let mut shares: HashMap<&str, f64> = HashMap::new();
        for f in &with_seqlets {
            for (motif, a) in &f.other_motifs {
                *shares.entry(motif).or_default() += a / f.all.attribution;
            }
        }
        let mut top_other: Vec<(String, f64)> = shares
            .into_iter()
            .map(|(m, sum)| (m.to_string(), sum / with_seqlets.len() as f64))
            .collect();
        top_other.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top_other.truncate(TOP_OTHER_MOTIFS);
        Self {
            target: target.map(str::to_string),
            condition: condition.to_string(),
            models: models.len(),
            matching_before: of_refinement(&|r| Some(r.matching_before as f64)),
            matching_after: of_refinement(&|r| Some(r.matching_after as f64)),
            median_gain: of_refinement(&|r| r.median_gain),
            top_refined: of_refinement(&|r| r.top_refined),
            refined: of_refinement(&|r| r.refined),
            seqlets: of_features(&|f| Some(f.all.seqlets as f64)),
            family_seqlets: of_features(&|f| f.shares(&f.family).0),
            other_seqlets: of_features(&|f| f.shares(&f.other).0),
            family_attribution: of_features(&|f| f.shares(&f.family).1),
            other_attribution: of_features(&|f| f.shares(&f.other).1),
            top_other,
        }
    }

    fn top_other_text(&self, separator: &str) -> String {
        let cells: Vec<String> = self
            .top_other
            .iter()
            .map(|(m, share)| format!("{m} {:.0}%", 100.0 * share))
            .collect();
        if cells.is_empty() {
            "–".into()
        } else {
            cells.join(separator)
        }
    }
}

/// The rows of both tables: per target and condition, then per condition over every target, in
/// the given orders.
pub fn aggregate(targets: &[String], conditions: &[&str], results: &[ModelResult]) -> Vec<Row> {
    let of = |target: Option<&str>, condition: &str| -> Vec<&ModelResult> {
        results
            .iter()
            .filter(|m| m.condition == condition && target.is_none_or(|t| m.target == t))
            .collect()
    };
    let mut rows = Vec::new();
    for target in targets.iter().map(|t| Some(t.as_str())).chain([None]) {
        for &condition in conditions {
            rows.push(Row::new(target, condition, &of(target, condition)));
        }
    }
    rows
}

/// interpretation.tsv: one row per target and condition, then per condition (target `all`).
pub fn tsv(rows: &[Row]) -> String {
    let mut out = String::from(
        "target\tcondition\tmodels\tfilters_matching_before\tfilters_matching_after\t\
         median_log10_p_gain\ttop_filters_refined\tfilters_refined\tseqlets\t\
         family_seqlet_share\tother_seqlet_share\tfamily_attribution_share\t\
         other_attribution_share\ttop_other_motifs\n",
    );
    for r in rows {
        let cells = [
            r.matching_before,
            r.matching_after,
            r.median_gain,
            r.top_refined,
            r.refined,
            r.seqlets,
            r.family_seqlets,
            r.other_seqlets,
            r.family_attribution,
            r.other_attribution,
        ]
        .map(|v| number(v, 4));
        let top: Vec<String> = r
            .top_other
            .iter()
            .map(|(m, s)| format!("{m}:{s:.4}"))
            .collect();
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            r.target.as_deref().unwrap_or("all"),
            r.condition,
            r.models,
            cells.join("\t"),
            if top.is_empty() {
                "NA".into()
            } else {
                top.join(",")
            }
        );
    }
    out
}

/// What `interpret` did.
#[derive(Debug, Clone, Serialize)]
pub struct InterpretationSummary {
    pub out: PathBuf,
    pub size: usize,
    pub models: usize,
    /// `motifs` artifacts built, and found up to date.
    pub built: usize,
    pub up_to_date: usize,
    pub files: Vec<String>,
    /// The per-condition rows.
    pub conditions: Vec<Row>,
}

impl std::fmt::Display for InterpretationSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interpreted {} models of size {} ({} built, {} up to date) into {}: {}",
            self.models,
            self.size,
            self.built,
            self.up_to_date,
            self.out.display(),
            self.files.join(", ")
        )?;
        for r in &self.conditions {
            write!(
                f,
                "\n{}: target-matching filters {} -> {}, top {TOP_FILTERS} refined {}, seqlet \
                 attribution to the target's family {}, to other motifs {}",
                r.condition,
                cell(r.matching_before, 1),
                cell(r.matching_after, 1),
                percent(r.top_refined),
                percent(r.family_attribution),
                percent(r.other_attribution)
            )?;
        }
        Ok(())
    }
}

/// A value of the page with `decimals`; – when undefined.
fn cell(value: Option<f64>, decimals: usize) -> String {
    value.map_or("–".into(), |v| format!("{v:.decimals$}"))
}

fn percent(share: Option<f64>) -> String {
    share.map_or("–".into(), |s| format!("{:.0}%", 100.0 * s))
}

/// Interprets every model of the chosen size into WORK/interpret/ and writes interpretation.tsv
/// and interpretation.md into `out`; `invocation` is the command quoted in the page.
pub fn interpret(
    experiment: &Experiment,
    options: &InterpretOptions,
    out: &Path,
    invocation: &str,
) -> Result<InterpretationSummary> {
    let config = experiment.config();
    let layout = experiment.layout();
    check_out(config, out)?;
    let Selection {
        size,
        seeds,
        targets,
        conditions,
    } = options.selection(config)?;
    let conditions: Vec<&str> = conditions.iter().map(String::as_str).collect();
    let mut dirs = Vec::new();
    for target in &targets {
        for &seed in &seeds {
            for condition in &conditions {
                dirs.push(layout.model(target, Sample { size, seed }, condition));
            }
        }
    }
    check_models(&dirs)?;
    let defaults = InterpretParams {
        database: options.database.clone(),
        ..InterpretParams::default()
    };
    let database_path = defaults.database().map_err(|message| Error::Config {
        path: PathBuf::from("--database"),
        line: None,
        message,
    })?;
    let database = tfbind_motifs::read_meme(&database_path)?;
    let max_q = defaults.max_q_value;
    let device = config.experiment.device.resolve()?;
    let (built, up_to_date) = experiment.counts();
    let mut families = Vec::new();
    let mut results = Vec::new();
    for target in &targets {
        let family = Family::of(target, &database, max_q)?;
        if !family.is_known() {
            tracing::warn!(
                target = target.as_str(),
                database = %database_path.display(),
                "no database motif is named after the target: no refinement or family shares"
            );
        }
        for &seed in &seeds {
            let sample = Sample { size, seed };
            for &condition in &conditions {
                let model = layout.model(target, sample, condition);
                let artifact = ModelArtifact::from_artifact(open(&model)?)?;
                // tfbind-interpret measures a parent only against the target's motifs.
                let parent = artifact
                    .parent()
                    .filter(|_| family.is_known())
                    .map(|p| PathBuf::from(&p.path));
                let stage = InterpretStage {
                    model,
                    dataset: layout::dataset(&layout.full(target)),
                    database: database_path.clone(),
                    compare_to: parent,
                    windows_bed: None,
                    params: options.params(target),
                    device,
                };
                let dir = layout.interpret(target, sample, condition);
                let name = format!("{target}/{sample}/{condition}");
                tracing::info!(model = name.as_str(), "interpreting");
                let summary = experiment.stage("interpret", &name, &stage, &dir)?;
                results.push(ModelResult {
                    target: target.clone(),
                    seed,
                    condition: condition.to_string(),
                    refinement: refinement(&dir, summary.comparison.as_ref(), target, max_q)?,
                    features: features(
                        &dir,
                        summary.seqlets.is_some(),
                        &family,
                        &database,
                        defaults.seqlet_distance,
                        max_q,
                    )?,
                });
            }
        }
        families.push(family);
    }
    let rows = aggregate(&targets, &conditions, &results);
    let page = Page {
        size,
        seeds: &seeds,
        windows: options.windows,
        database: &database_path,
        max_q,
        invocation,
        families: &families,
        rows: &rows,
    };
    let files = [
        ("interpretation.tsv", tsv(&rows)),
        ("interpretation.md", page.markdown()),
    ];
    write_files(out, &files)?;
    let (built_now, up_to_date_now) = experiment.counts();
    Ok(InterpretationSummary {
        out: out.to_path_buf(),
        size,
        models: results.len(),
        built: built_now - built,
        up_to_date: up_to_date_now - up_to_date,
        files: files.iter().map(|(n, _)| n.to_string()).collect(),
        conditions: rows.into_iter().filter(|r| r.target.is_none()).collect(),
    })
}

fn open(model: &Path) -> Result<Artifact> {
    let artifact = Artifact::open_unverified(model)?;
    artifact.expect_kind(MODEL)?;
    Ok(artifact)
}

/// The refinement of a model interpreted with its parent, from its summary, comparison.tsv and
/// influence.tsv.
fn refinement(
    dir: &Path,
    comparison: Option<&ComparisonSummary>,
    target: &str,
    max_q: f64,
) -> Result<Option<Refinement>> {
    let Some(c) = comparison else {
        return Ok(None);
    };
    let comparison = Tsv::read(&dir.join(COMPARISON_TSV))?;
    let mut gains = Vec::new();
    let mut refined = BTreeSet::new();
    for row in comparison.rows() {
        let matching = |column| -> Result<bool> {
            Ok(row.optional::<f64>(column)?.is_some_and(|q| q <= max_q))
        };
        if matching("q_before")? || matching("q_after")? {
            gains.push(row.parse::<f64>("log10_p_gain")?);
        }
        if row.get("moved_toward")? == "yes" {
            refined.insert(row.parse::<usize>("filter")?);
        }
    }
    let influence = Tsv::read(&dir.join(INFLUENCE_TSV))?;
    let mut top = Vec::new();
    for row in influence.rows() {
        if row.get("task")? == target && row.parse::<usize>("rank")? <= TOP_FILTERS {
            top.push(row.parse::<usize>("filter")?);
        }
    }
    let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
    Ok(Some(Refinement {
        matching_before: c.matching_before,
        matching_after: c.matching_after,
        median_gain: median(&gains),
        top_refined: share(
            top.iter().filter(|f| refined.contains(f)).count(),
            top.len(),
        ),
        refined: share(refined.len(), comparison.len()),
    }))
}

/// What explains a seqlet's sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Explanation<'a> {
    Family,
    /// Another motif, by name.
    Other(&'a str),
    Unexplained,
}

/// A model's seqlets by what explains them, from the sequences of seqlets.tsv (written with
/// attributions only), each compared with the whole `database` as tfbind-interpret annotates
/// seqlets (its `seqlet_distance`, both strands, q over the database): for the family when any
/// family motif matches at q ≤ `max_q`, else for the best match when it has q ≤ `max_q`. The
/// file's own best match is not enough: it hides a family match behind a better one.
fn features(
    dir: &Path,
    has_seqlets: bool,
    family: &Family,
    database: &[Motif],
    distance: Distance,
    max_q: f64,
) -> Result<Features> {
    let mut f = Features {
        family_known: family.is_known(),
        ..Features::default()
    };
    if !has_seqlets {
        return Ok(f);
    }
    let tsv = Tsv::read(&dir.join(SEQLETS_TSV))?;
    let mut queries: Vec<Vec<[f64; 4]>> = Vec::with_capacity(tsv.len());
    let mut attributions = Vec::with_capacity(tsv.len());
    for row in tsv.rows() {
        attributions.push(row.parse::<f64>("attribution")?);
        let sequence = row.get("sequence")?;
        let letters = codes::encode(sequence.as_bytes()).map_err(|byte| {
            row.error(row.number, format!("`sequence` has {:?}", char::from(byte)))
        })?;
        queries.push(one_hot(&letters));
    }
    let mut explanations = vec![Explanation::Unexplained; queries.len()];
    compare_sequences(&queries, database, distance, |query, matches| {
        let member = |m: &tfbind_motifs::Match| family.members.contains(database[m.target].id());
        let best = &matches[0];
        explanations[query] = if matches.iter().any(|m| m.q_value <= max_q && member(m)) {
            Explanation::Family
        } else if best.q_value <= max_q {
            Explanation::Other(name_of(&database[best.target]))
        } else {
            Explanation::Unexplained
        };
    })?;
    for (query, attribution) in attributions.into_iter().enumerate() {
        let add = |part: &mut Part| {
            part.seqlets += 1;
            part.attribution += attribution;
        };
        add(&mut f.all);
        match explanations[query] {
            Explanation::Family => add(&mut f.family),
            Explanation::Other(name) => {
                add(&mut f.other);
                *f.other_motifs.entry(name.to_string()).or_default() += attribution;
            }
            Explanation::Unexplained => {}
        }
    }
    Ok(f)
}

/// The one-hot rows of sequence codes as tfbind-interpret's input has them: N as 0.25 each.
fn one_hot(letters: &[u8]) -> Vec<[f64; 4]> {
    letters
        .iter()
        .map(|&c| match c {
            codes::N => [0.25; 4],
            c => std::array::from_fn(|b| f64::from(usize::from(c) == b)),
        })
        .collect()
}

/// A TSV file written by a stage, read by its header's names (never by column positions).
struct Tsv {
    path: PathBuf,
    header: Vec<String>,
    lines: Vec<String>,
}

impl Tsv {
    fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        let mut lines = text.lines().map(str::to_string);
        let header = lines
            .next()
            .unwrap_or_default()
            .split('\t')
            .map(str::to_string)
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            header,
            lines: lines.filter(|l| !l.is_empty()).collect(),
        })
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    fn rows(&self) -> impl Iterator<Item = TsvRow<'_>> {
        self.lines.iter().enumerate().map(|(i, line)| TsvRow {
            tsv: self,
            number: i + 2,
            fields: line.split('\t').collect(),
        })
    }
}

struct TsvRow<'a> {
    tsv: &'a Tsv,
    number: usize,
    fields: Vec<&'a str>,
}

impl<'a> TsvRow<'a> {
    fn error(&self, line: usize, message: String) -> Error {
        Error::Parse {
            path: self.tsv.path.clone(),
            line,
            message,
        }
    }

    fn get(&self, column: &str) -> Result<&'a str> {
        let Some(index) = self.tsv.header.iter().position(|h| h == column) else {
            return Err(self.error(1, format!("no column `{column}`")));
        };
        self.fields
            .get(index)
            .copied()
            .ok_or_else(|| self.error(self.number, format!("no field `{column}`")))
    }

    fn parse<T: std::str::FromStr>(&self, column: &str) -> Result<T> {
        let text = self.get(column)?;
        text.parse()
            .map_err(|_| self.error(self.number, format!("`{column}` is {text:?}")))
    }

    /// A value that may be `NA`.
    fn optional<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>> {
        match self.get(column)? {
            "NA" => Ok(None),
            _ => self.parse(column).map(Some),
        }
    }
}

/// interpretation.md.
struct Page<'a> {
    size: usize,
    seeds: &'a [u64],
    windows: usize,
    database: &'a Path,
    max_q: f64,
    invocation: &'a str,
    families: &'a [Family],
    rows: &'a [Row],
}

impl Page<'_> {
    fn markdown(&self) -> String {
        let seeds: Vec<String> = self.seeds.iter().map(u64::to_string).collect();
        let q = self.max_q;
        let mut out = String::from("# Interpretation of the fine-tuned models\n\n");
        let _ = write!(
            out,
            "Every fine-tuned model with {} training positives (seeds {}) interpreted by \
             tfbind-interpret on its target's test windows: filter motifs from the correctly \
             predicted test positives, filter influence and DeepLIFT/SHAP attributions of at most \
             {} test positives (highest predicted first), seqlets of the attributions. Motif \
             database: `{}`. Made by `{}`.\n\n",
            self.size,
            seeds.join(", "),
            self.windows,
            tfbind_artifact::stage::resolved(self.database).display(),
            self.invocation
        );
        let _ = write!(
            out,
            "## Definitions\n\n\
             - **Target's motifs**: the database motifs with the target as a name (a dimer's \
             names split at `::`).\n\
             - **Target's motif family**: the target's motifs and every database motif that Tomtom \
             (Pearson, both strands, q over the database) matches to one of them at q ≤ {q}. A \
             target without a motif of its own has no family (–).\n\
             - **Matching filter**: a first-layer filter whose best match among the target's \
             motifs has q ≤ {q}; *before* in the parent pre-trained model, *after* in the \
             fine-tuned one, on the same windows. Scratch models have no parent (–).\n\
             - **log10 p gain**: log10 p before − log10 p after of a filter's best target match \
             (a filter without sites counts as p = 1); the median over the filters matching \
             before or after.\n\
             - **Refined filter**: log10 p gain > 0 and matching after. *Top {TOP_FILTERS} \
             refined*: the share of the {TOP_FILTERS} filters of largest absolute influence on \
             the target that are refined; *all refined*: the share of all filters, for \
             comparison.\n\
             - **Seqlet explained by the family**: any family motif matches its sequence at \
             q ≤ {q}, even when another motif matches it better (Tomtom of its one-hot sequence \
             against the whole database as tfbind-interpret annotates seqlets: both strands, q \
             over the database). **By another motif**: otherwise, its best match has q ≤ {q}; \
             that motif is the one named. Shares are of all seqlets (explained or not) and of \
             their summed attribution; the rest is unexplained.\n\
             - Per target: medians over seeds; *all targets*: medians over every model of the \
             condition. Other motifs: mean share of the seqlet attribution over the models.\n\n"
        );
        out.push_str("## The targets' motif families\n\n");
        let rows = self
            .families
            .iter()
            .map(|f| {
                let named = if f.named.is_empty() {
                    "–".into()
                } else {
                    f.named.join(", ")
                };
                let names: Vec<&str> = f.names.iter().map(String::as_str).collect();
                (
                    f.target.clone(),
                    vec![named, f.members.len().to_string(), names.join(", ")],
                )
            })
            .collect();
        out.push_str(&table(
            "target",
            &["its motifs", "family motifs", "family names"],
            rows,
        ));
        out.push_str("\n## 1. Refinement of the first-layer filters\n\n");
        let refinement = |r: &Row| {
            vec![
                cell(r.matching_before, 1),
                cell(r.matching_after, 1),
                cell(r.median_gain, 2),
                percent(r.top_refined),
                percent(r.refined),
            ]
        };
        let columns = [
            "models",
            "matching before",
            "matching after",
            "median log10 p gain",
            "top 10 refined",
            "all refined",
        ];
        self.tables(&mut out, &columns, &refinement);
        out.push_str("\n## 2. Features beyond the target motif\n\n");
        let features = |r: &Row| {
            vec![
                cell(r.seqlets, 0),
                percent(r.family_seqlets),
                percent(r.other_seqlets),
                percent(r.family_attribution),
                percent(r.other_attribution),
                r.top_other_text(", "),
            ]
        };
        let columns = [
            "models",
            "seqlets",
            "family: seqlets",
            "other motifs: seqlets",
            "family: attribution",
            "other motifs: attribution",
            "top other motifs (attribution)",
        ];
        self.tables(&mut out, &columns, &features);
        out
    }

    /// A table over every target, then one per target.
    fn tables(&self, out: &mut String, columns: &[&str], cells: &dyn Fn(&Row) -> Vec<String>) {
        let row = |r: &Row| {
            let mut c = vec![r.models.to_string()];
            c.extend(cells(r));
            (r.condition.clone(), c)
        };
        let of = |target: Option<&str>| -> Vec<(String, Vec<String>)> {
            self.rows
                .iter()
                .filter(|r| r.target.as_deref() == target)
                .map(row)
                .collect()
        };
        out.push_str("All targets:\n\n");
        out.push_str(&table("condition", columns, of(None)));
        for f in self.families {
            let _ = write!(out, "\n{}:\n\n", f.target);
            out.push_str(&table("condition", columns, of(Some(&f.target))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refinement(before: usize, after: usize, gain: f64, top: f64) -> Option<Refinement> {
        Some(Refinement {
            matching_before: before,
            matching_after: after,
            median_gain: Some(gain),
            top_refined: Some(top),
            refined: Some(top / 2.0),
        })
    }

    /// `family` and `other` of `all` seqlets, each seqlet of attribution 1 except the other
    /// motif's, of attribution `other_attribution`.
    fn features(all: usize, family: usize, other: usize, other_attribution: f64) -> Features {
        let other_total = other as f64 * other_attribution;
        Features {
            all: Part {
                seqlets: all,
                attribution: (all - other) as f64 + other_total,
            },
            family: Part {
                seqlets: family,
                attribution: family as f64,
            },
            other: Part {
                seqlets: other,
                attribution: other_total,
            },
            other_motifs: [("GATA1".to_string(), other_total)].into_iter().collect(),
            family_known: true,
        }
    }

    fn result(
        target: &str,
        seed: u64,
        condition: &str,
        r: Option<Refinement>,
        f: Features,
    ) -> ModelResult {
        ModelResult {
            target: target.into(),
            seed,
            condition: condition.into(),
            refinement: r,
            features: f,
        }
    }

    #[test]
    fn the_artifacts_files_are_read_by_column_name() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        // Columns in another order than tfbind-interpret writes them, and one more.
        write(
            COMPARISON_TSV,
            "q_after\tlog10_p_gain\textra\tfilter\tmoved_toward\tq_before\n\
             0.01\t2.0\tx\t3\tyes\t0.5\n\
             0.2\t-1.0\tx\t1\tno\t0.04\n\
             NA\t0.0\tx\t0\tno\tNA\n\
             0.3\t0.5\tx\t2\tno\t0.6\n",
        );
        write(
            INFLUENCE_TSV,
            "windows\tinfluence\trank\tfilter\ttask\n\
             9\t0.5\t1\t3\tYY1\n9\t0.2\t2\t2\tYY1\n9\t0.1\t3\t0\tYY1\n9\t0.9\t1\t1\tOTHER\n",
        );
        let comparison = ComparisonSummary {
            other: "parent".into(),
            tf: "YY1".into(),
            targets: vec!["MA0095.3 YY1".into()],
            matching_before: 1,
            matching_after: 1,
            moved_toward: 1,
        };
        let r = super::refinement(dir.path(), Some(&comparison), "YY1", 0.05)
            .unwrap()
            .unwrap();
        // Filters 3 (q after 0.01) and 1 (q before 0.04) match: gains 2 and -1; filter 3 is the
        // one refined, first of YY1's three ranked filters (OTHER's row is another task's).
        assert_eq!(r.median_gain, Some(0.5));
        assert_eq!(r.top_refined, Some(1.0 / 3.0));
        assert_eq!(r.refined, Some(0.25));
        assert_eq!((r.matching_before, r.matching_after), (1, 1));
        assert_eq!(
            super::refinement(dir.path(), None, "YY1", 0.05).unwrap(),
            None
        );
        // The file's best motifs (`motif`, `explained`) are not read: each sequence is compared
        // with the whole database again. Sequences from YY1 models: YY1's core, twice; a core
        // whose best match is ZNF417 while ZFP42, of YY1's family, matches at q ≈ 0.047; a core
        // whose family matches are too weak (q > 0.3), so it stays ZNF417's; then CTCF's site
        // and a sequence matching nothing at q ≤ 0.05.
        write(
            SEQLETS_TSV,
            "explained\tsequence\tattribution\tmotif\n\
             yes\tAAGATGGCGGC\t2.0\tMA0095.3\n\
             yes\tCCAAGATGGCGCCCTCATGTGGCT\t1.0\tMA1727.2\n\
             no\tAAGATGGCGGC\t0.5\tMA0095.3\n\
             yes\tAGGGCGCCATCTAGTGAC\t0.25\tMA1727.2\n\
             yes\tCCACCAGGGGGCGCTA\t0.25\tMA0139.2\n\
             no\tCTTCCACTAGATGGCAGTAGA\t1.0\tMA1990.2\n",
        );
        let database = tfbind_motifs::read_meme(tfbind_motifs::default_database()).unwrap();
        let family = Family::of("YY1", &database, 0.05).unwrap();
        let defaults = InterpretParams::default();
        let features = |has_seqlets| {
            super::features(
                dir.path(),
                has_seqlets,
                &family,
                &database,
                defaults.seqlet_distance,
                defaults.max_q_value,
            )
        };
        let mut best = None;
        compare_sequences(
            &[one_hot(
                &codes::encode(b"CCAAGATGGCGCCCTCATGTGGCT").unwrap(),
            )],
            &database,
            defaults.seqlet_distance,
            |_, matches| best = Some(database[matches[0].target].clone()),
        )
        .unwrap();
        let best = best.unwrap();
        assert_eq!(name_of(&best), "ZNF417");
        assert!(!family.members.contains(best.id()), "{family:?}");
        let f = features(true).unwrap();
        assert_eq!(
            f.all,
            Part {
                seqlets: 6,
                attribution: 5.0
            }
        );
        assert_eq!(
            f.family,
            Part {
                seqlets: 3,
                attribution: 3.5
            }
        );
        assert_eq!(
            f.other,
            Part {
                seqlets: 2,
                attribution: 0.5
            }
        );
        assert_eq!(
            f.other_motifs,
            [("CTCF".to_string(), 0.25), ("ZNF417".to_string(), 0.25)].into()
        );
        assert_eq!(f.shares(&f.family), (Some(0.5), Some(0.7)));
        assert_eq!(features(false).unwrap().all.seqlets, 0);
        // A missing column is an error naming it and the file.
        write(SEQLETS_TSV, "motif\tattribution\nMA0095.3\t1.0\n");
        let e = features(true).unwrap_err().to_string();
        assert!(e.contains("seqlets.tsv:1: no column `sequence`"), "{e}");
    }

    #[test]
    fn a_family_holds_the_targets_motifs_and_their_tomtom_matches() {
        let database = tfbind_motifs::read_meme(tfbind_motifs::default_database()).unwrap();
        let jund = Family::of("JUND", &database, 0.05).unwrap();
        assert!(jund.named.iter().any(|m| m.ends_with(" JUND")), "{jund:?}");
        // AP-1 dimers match JUND's motif; CTCF's zinc-finger motif does not.
        for name in ["JUND", "FOS::JUN", "JUN"] {
            assert!(jund.names.contains(name), "{name}: {jund:?}");
        }
        assert!(!jund.names.contains("CTCF"), "{jund:?}");
        assert!(jund.members.len() > jund.named.len());
        let none = Family::of("NOT-A-TF", &database, 0.05).unwrap();
        assert!(!none.is_known() && none.names.is_empty());
    }

    #[test]
    fn medians_over_seeds_and_shares_of_seqlets_and_attribution_by_hand() {
        let results = vec![
            // A, cobinding: three seeds.
            result(
                "A",
                1,
                "cobinding",
                refinement(1, 3, 0.5, 0.2),
                features(10, 5, 2, 1.0),
            ),
            result(
                "A",
                2,
                "cobinding",
                refinement(2, 5, 1.5, 0.4),
                features(4, 1, 2, 3.0),
            ),
            result(
                "A",
                3,
                "cobinding",
                refinement(0, 4, 1.0, 0.3),
                features(0, 0, 0, 0.0),
            ),
            // A, scratch: no parent.
            result("A", 1, "scratch", None, features(8, 2, 4, 1.0)),
            // B, cobinding: no family motif.
            result(
                "B",
                1,
                "cobinding",
                refinement(4, 4, 0.0, 0.0),
                Features {
                    family_known: false,
                    ..features(6, 0, 6, 1.0)
                },
            ),
        ];
        let rows = aggregate(
            &["A".to_string(), "B".to_string()],
            &["scratch", "cobinding"],
            &results,
        );
        let names: Vec<(Option<&str>, &str)> = rows
            .iter()
            .map(|r| (r.target.as_deref(), r.condition.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (Some("A"), "scratch"),
                (Some("A"), "cobinding"),
                (Some("B"), "scratch"),
                (Some("B"), "cobinding"),
                (None, "scratch"),
                (None, "cobinding"),
            ]
        );
        let a = &rows[1];
        assert_eq!(a.models, 3);
        assert_eq!(
            (a.matching_before, a.matching_after),
            (Some(1.0), Some(4.0))
        );
        assert_eq!((a.median_gain, a.top_refined), (Some(1.0), Some(0.3)));
        assert_eq!(a.refined, Some(0.15));
        // Seed 3 has no seqlets: shares over seeds 1 and 2 only. Seqlets: 5/10 and 1/4 of the
        // family → 0.375; other 2/10 and 2/4 → 0.35. Attribution: seed 1 all 10, family 5,
        // other 2; seed 2 all 2 + 6 = 8, family 1, other 6 → family (0.5 + 0.125) / 2, other
        // (0.2 + 0.75) / 2.
        assert_eq!(a.seqlets, Some(4.0));
        assert_eq!(a.family_seqlets, Some(0.375));
        let close = |v: Option<f64>, x: f64| v.is_some_and(|v| (v - x).abs() < 1e-12);
        assert!(close(a.other_seqlets, 0.35), "{a:?}");
        assert_eq!(a.family_attribution, Some(0.3125));
        assert!(close(a.other_attribution, 0.475), "{a:?}");
        assert_eq!(a.top_other.len(), 1);
        assert_eq!(a.top_other[0].0, "GATA1");
        assert!(close(Some(a.top_other[0].1), 0.475), "{a:?}");
        let scratch = &rows[0];
        assert_eq!((scratch.matching_before, scratch.median_gain), (None, None));
        assert_eq!(scratch.family_seqlets, Some(0.25));
        // B has no family: refinement measured, no family shares; no B scratch model.
        let b = &rows[3];
        assert_eq!((b.matching_after, b.family_seqlets), (Some(4.0), None));
        assert_eq!((rows[2].models, rows[2].seqlets), (0, None));
        // Over every target: four cobinding refinements, before 0 1 2 4 → 1.5.
        let all = &rows[5];
        assert_eq!((all.models, all.matching_before), (4, Some(1.5)));
        assert_eq!(all.family_seqlets, Some(0.375), "B's NA left out");
        let text = tsv(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("target\tcondition\tmodels\tfilters_matching_before\t"));
        assert_eq!(
            lines[2],
            "A\tcobinding\t3\t1.0000\t4.0000\t1.0000\t0.3000\t0.1500\t4.0000\t0.3750\t0.3500\t\
             0.3125\t0.4750\tGATA1:0.4750"
        );
        assert!(lines[3].starts_with("B\tscratch\t0\tNA\tNA\t"), "{text}");
        assert!(lines[5].starts_with("all\tscratch\t1\t"), "{text}");
    }
}
