//! The experiment's TOML config: the bundle, the split, what is trained ([experiment]) and the
//! conditions compared ([[condition]]). Relative paths are relative to the config file, so a
//! config names its bundle and work directory wherever it is run from. Every key is checked: an
//! unknown one is an error naming its line, the valid keys and the closest of them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tfbind_encode::{EncodeParams, SplitMethod};
use tfbind_model::{Architecture, DeviceChoice};
use tfbind_select::Strategy;
use tfbind_transfer::TransferParams;

use crate::error::{Error, Result};

/// A whole experiment config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub bundle: Bundle,
    pub split: Split,
    pub experiment: Settings,
    /// The conditions compared, in the order of the tables' columns.
    #[serde(rename = "condition")]
    pub conditions: Vec<Condition>,
    /// Resources of the Slurm submit script (pipeline/slurm/submit-experiment.sh reads them with
    /// `slurm_section`); accepted here so that one file drives both.
    #[serde(default)]
    pub slurm: toml::Table,
}

/// The data: a windows BED, its label matrix and the genome ([bundle]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bundle {
    /// The bundle's directory; the files below are relative to it.
    pub dir: PathBuf,
    /// BED4+ windows, named in field 4.
    pub regions: PathBuf,
    /// The labels TSV (a header of TF names, a row per window: 1, 0 or NA).
    pub labels: PathBuf,
    pub genome: PathBuf,
}

impl Default for Bundle {
    /// The file names of the shared hg38 bundle.
    fn default() -> Self {
        Self {
            dir: PathBuf::new(),
            regions: "regions.bed.gz".into(),
            labels: "labels.tsv.gz".into(),
            genome: "genome.fa.gz".into(),
        }
    }
}

impl Bundle {
    pub fn regions(&self) -> PathBuf {
        self.dir.join(&self.regions)
    }

    pub fn labels(&self) -> PathBuf {
        self.dir.join(&self.labels)
    }

    pub fn genome(&self) -> PathBuf {
        self.dir.join(&self.genome)
    }
}

/// How windows are split, the same in every dataset of the experiment ([split]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Split {
    /// `chromosome` or `hashed` (as tfbind-encode): both put a window in the same split in every
    /// dataset, which the shared test windows need; `random` does not, and is refused.
    pub method: SplitMethod,
    pub valid_chroms: Vec<String>,
    pub test_chroms: Vec<String>,
    /// `hashed`: the fractions of windows for validation and test, and the hash's seed.
    pub valid_fraction: f64,
    pub test_fraction: f64,
    pub seed: u64,
}

impl Default for Split {
    fn default() -> Self {
        let encode = EncodeParams::default();
        Self {
            method: SplitMethod::Chromosome,
            valid_chroms: Vec::new(),
            test_chroms: Vec::new(),
            valid_fraction: encode.valid_fraction,
            test_fraction: encode.test_fraction,
            seed: encode.seed,
        }
    }
}

impl Split {
    /// The encode parameters of a dataset with every split (pre-training, the test windows).
    pub fn encode(&self, genome: &Path) -> EncodeParams {
        EncodeParams {
            genome: Some(genome.to_path_buf()),
            split: self.method,
            valid_chroms: self.valid_chroms.clone(),
            test_chroms: self.test_chroms.clone(),
            valid_fraction: self.valid_fraction,
            test_fraction: self.test_fraction,
            seed: self.seed,
            ..EncodeParams::default()
        }
    }

    /// The encode parameters of a fine-tuning training set, drawn from the training regions: no
    /// window of it lies on a test chromosome, and tfbind-encode refuses a named test chromosome
    /// without windows (a hashed split finds no test window there by itself).
    pub fn encode_training(&self, genome: &Path) -> EncodeParams {
        EncodeParams {
            test_chroms: Vec::new(),
            ..self.encode(genome)
        }
    }

    /// How the split reads in the results page.
    pub fn describe(&self) -> String {
        match self.method {
            SplitMethod::Chromosome => format!(
                "validation {}, test {}, training the other chromosomes",
                self.valid_chroms.join("+"),
                self.test_chroms.join("+")
            ),
            _ => format!(
                "hashed by window (seed {}): validation {}, test {}",
                self.seed, self.valid_fraction, self.test_fraction
            ),
        }
    }

    fn validate(&self) -> std::result::Result<(), String> {
        match self.method {
            SplitMethod::Random => {
                return Err(
                    "[split] method `random` puts a window in another split in each \
                            dataset; the shared test windows need `chromosome` or `hashed`"
                        .into(),
                )
            }
            SplitMethod::Chromosome
                if self.valid_chroms.is_empty() || self.test_chroms.is_empty() =>
            {
                return Err(
                    "[split] needs valid_chroms and test_chroms (early stopping needs \
                            validation windows, the comparison test windows)"
                        .into(),
                )
            }
            SplitMethod::Hashed if self.valid_fraction <= 0.0 || self.test_fraction <= 0.0 => {
                return Err("[split] needs valid_fraction and test_fraction above 0".into())
            }
            _ => {}
        }
        self.encode(Path::new(""))
            .validate()
            .map_err(|e| format!("[split] {e}"))
    }
}

/// What is trained, and where ([experiment]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Target TFs; a shared set (`fewest-na`) leaves every one of them out.
    pub targets: Vec<String>,
    /// Positives per fine-tuning training set.
    pub sizes: Vec<usize>,
    /// Seeds of the subsample and of fine-tuning.
    pub seeds: Vec<u64>,
    /// Keep every `thin`-th window of the bundle (a quick run).
    pub thin: usize,
    /// Threads of every stage [default: --threads, else $SLURM_CPUS_PER_TASK, else all cores].
    pub threads: Option<usize>,
    /// Pre-training epochs and patience [default: tfbind-pretrain's].
    pub pretrain_epochs: Option<usize>,
    pub pretrain_patience: Option<usize>,
    /// Fine-tuning epochs [default: tfbind-finetune's].
    pub finetune_epochs: Option<usize>,
    /// Seed of each target's test windows (drawn once, shared by every model of the target).
    pub test_seed: u64,
    /// A second condition every other one is paired against, besides scratch.
    pub reference: Option<String>,
    pub architecture: Architecture,
    pub device: DeviceChoice,
    /// Intermediate artifacts (required here or as --work).
    pub work: Option<PathBuf>,
    /// The tables and the plot [default: WORK/results].
    pub out: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            targets: Vec::new(),
            sizes: Vec::new(),
            seeds: Vec::new(),
            thin: 1,
            threads: None,
            pretrain_epochs: None,
            pretrain_patience: None,
            finetune_epochs: None,
            test_seed: 0,
            reference: None,
            architecture: Architecture::default(),
            // libtorch picks a GPU under `auto`: an experiment compares conditions, so all of
            // them run where they are told to.
            device: DeviceChoice::Cpu,
            work: None,
            out: None,
        }
    }
}

/// One condition: where a target's fine-tuning starts from ([[condition]], `kind` says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Condition {
    /// Random initial weights: what every other condition is paired against.
    Scratch { name: String },
    /// An existing pre-trained model artifact.
    Pretrained { name: String, model: PathBuf },
    /// A model pre-trained on TFs chosen by tfbind-select, on the training regions only. With
    /// `fewest-na` one set for all targets (leaving every target out), else a set per target.
    Select {
        name: String,
        strategy: Strategy,
        /// TFs in the set [default: the strategy's].
        #[serde(default)]
        k: Option<usize>,
        /// Only TFs with this many bound windows in the whole bundle; divided by `thin`, as
        /// thinning keeps that share of every TF's bound windows.
        #[serde(default)]
        min_bound: usize,
        #[serde(default)]
        seed: u64,
        /// The `motif` strategy's MEME file [default: tfbind-select's].
        #[serde(default)]
        motifs: Option<PathBuf>,
    },
    /// A model pre-trained on these TFs.
    Tfs { name: String, tfs: Vec<String> },
    /// The default path for a new TF (tfbind-transfer): its relevant TFs chosen on the training
    /// regions, a small model pre-trained on them (shared by every target that chooses the same
    /// set), fine-tuned as every other condition.
    Transfer {
        name: String,
        /// tfbind-transfer's `[transfer]` keys (strategy, k, min_bound, min_cobound, motifs,
        /// pretrain_windows, pretrain_epochs, pretrain_patience) [default: its defaults].
        #[serde(default)]
        settings: TransferParams,
        /// Start the small pre-training from the model of this condition (one model for every
        /// target: `pretrained`, `tfs`, or `select` by `fewest-na`), as `settings.pretrain_init`
        /// does from a path.
        #[serde(default)]
        init_from: Option<String>,
    },
}

impl Condition {
    pub fn name(&self) -> &str {
        match self {
            Condition::Scratch { name }
            | Condition::Pretrained { name, .. }
            | Condition::Select { name, .. }
            | Condition::Tfs { name, .. }
            | Condition::Transfer { name, .. } => name,
        }
    }

    /// Whether its pre-trained model depends on the target. `random` uses the target only to
    /// leave it out, but that still makes one draw per target, as the paper's random sets.
    pub fn per_target(&self) -> bool {
        match self {
            Condition::Select { strategy, .. } => *strategy != Strategy::FewestNa,
            Condition::Transfer { .. } => true,
            _ => false,
        }
    }

    /// How the condition reads in the results page.
    pub fn describe(&self, thin: usize) -> String {
        match self {
            Condition::Scratch { .. } => "random initial weights".into(),
            Condition::Pretrained { model, .. } => format!("from {}", model.display()),
            Condition::Select {
                strategy,
                k,
                min_bound,
                ..
            } => {
                let k = k.unwrap_or_else(|| strategy.default_k());
                let per = if self.per_target() {
                    "per target"
                } else {
                    "no target among them"
                };
                let bound = scaled_min_bound(*min_bound, thin);
                format!("{k} TFs by `{strategy}` ({per}; TFs with {bound}+ bound windows)")
            }
            Condition::Tfs { tfs, .. } => format!("{} listed TFs", tfs.len()),
            Condition::Transfer {
                settings: t,
                init_from,
                ..
            } => {
                let windows = match t.pretrain_windows {
                    0 => "all windows".to_string(),
                    n => format!("at most {n} windows"),
                };
                let start = match (init_from, &t.pretrain_init) {
                    (Some(from), _) => format!(", started from {from}'s model"),
                    (None, Some(path)) => format!(", started from {}", path.display()),
                    (None, None) => String::new(),
                };
                format!(
                    "{} TFs chosen by tfbind-transfer (`{}`) per target; a small model ({windows}, \
                     {} epochs{start})",
                    t.k, t.strategy, t.pretrain_epochs
                )
            }
        }
    }
}

/// A minimum count of bound windows at the bundle's full size, on a bundle thinned to every
/// `thin`-th window; a minimum of at least 1 stays at least 1 (never bound is never a task).
pub fn scaled_min_bound(min_bound: usize, thin: usize) -> usize {
    (min_bound / thin.max(1)).max(min_bound.min(1))
}

impl Config {
    /// Reads and checks a config; relative paths become relative to its directory.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: e.span().map(|s| text[..s.start].matches('\n').count() + 1),
            message: readable(e.message()),
        })?;
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = absolute(parent.unwrap_or(Path::new(".")));
        let under = |p: &mut PathBuf| *p = absolute(&dir.join(&*p));
        under(&mut config.bundle.dir);
        config.experiment.work.as_mut().map(under);
        config.experiment.out.as_mut().map(under);
        for c in &mut config.conditions {
            match c {
                Condition::Pretrained { model, .. } => under(model),
                Condition::Select {
                    motifs: Some(m), ..
                } => under(m),
                Condition::Transfer { settings, .. } => {
                    // The default stays tfbind-transfer's (relative to where it runs, as
                    // tfbind-select's).
                    if settings.motifs != TransferParams::default().motifs {
                        under(&mut settings.motifs)
                    }
                    settings.pretrain_init.as_mut().map(under);
                }
                _ => {}
            }
        }
        config.validate().map_err(|message| Error::Config {
            path: path.to_path_buf(),
            line: None,
            message,
        })?;
        Ok(config)
    }

    /// Paths given on the command line (relative to the current directory) over the config's.
    pub fn override_paths(
        &mut self,
        bundle: Option<&Path>,
        work: Option<&Path>,
        out: Option<&Path>,
    ) {
        if let Some(dir) = bundle {
            self.bundle.dir = absolute(dir);
        }
        if let Some(work) = work {
            self.experiment.work = Some(absolute(work));
        }
        if let Some(out) = out {
            self.experiment.out = Some(absolute(out));
        }
    }

    /// The work directory: the config's `work` or the command line's.
    pub fn work(&self) -> Result<&Path> {
        self.experiment
            .work
            .as_deref()
            .ok_or_else(|| Error::Config {
                path: PathBuf::from("[experiment] work"),
                line: None,
                message: "no work directory: set it in the config or give --work DIR".into(),
            })
    }

    /// Where the tables go: `out`, else WORK/results.
    pub fn out(&self) -> Result<PathBuf> {
        match &self.experiment.out {
            Some(out) => Ok(out.clone()),
            None => Ok(self.work()?.join("results")),
        }
    }

    /// The condition every other one is paired against first.
    pub fn scratch(&self) -> &str {
        self.conditions
            .iter()
            .find(|c| matches!(c, Condition::Scratch { .. }))
            .map(Condition::name)
            .expect("validated: one scratch condition")
    }

    /// The conditions each condition is paired against: scratch, and the reference.
    pub fn baselines(&self) -> Vec<&str> {
        let mut out = vec![self.scratch()];
        out.extend(
            self.experiment
                .reference
                .as_deref()
                .filter(|r| *r != out[0]),
        );
        out
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let e = &self.experiment;
        for (list, empty) in [
            (e.targets.is_empty(), "targets"),
            (e.sizes.is_empty(), "sizes"),
            (e.seeds.is_empty(), "seeds"),
        ] {
            if list {
                return Err(format!("[experiment] {empty} is empty"));
            }
        }
        if e.thin == 0 || e.sizes.contains(&0) || e.threads == Some(0) {
            return Err("[experiment] thin, sizes and threads must be at least 1".into());
        }
        unique("[experiment] targets", e.targets.iter().map(String::as_str))?;
        unique("[experiment] sizes", e.sizes.iter())?;
        unique("[experiment] seeds", e.seeds.iter())?;
        self.split.validate()?;
        unique(
            "[[condition]] name",
            self.conditions.iter().map(Condition::name),
        )?;
        for c in &self.conditions {
            let name = c.name();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!(
                    "condition name {name:?}: use letters, digits, - and _ (it names directories)"
                ));
            }
            match c {
                Condition::Tfs { tfs, .. } if tfs.is_empty() => {
                    return Err(format!("condition {name}: tfs is empty"));
                }
                Condition::Transfer {
                    settings,
                    init_from,
                    ..
                } => {
                    settings
                        .validate()
                        .map_err(|e| format!("condition {name}: {e}"))?;
                    if let Some(from) = init_from {
                        self.shared_model_condition(from)
                            .map_err(|e| format!("condition {name}: init_from {e}"))?;
                        if settings.pretrain_init.is_some() {
                            return Err(format!(
                                "condition {name}: init_from and settings.pretrain_init both \
                                 say where pre-training starts: give one"
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        let scratch = self
            .conditions
            .iter()
            .filter(|c| matches!(c, Condition::Scratch { .. }))
            .count();
        if scratch != 1 {
            return Err(format!(
                "{scratch} conditions of kind `scratch`: exactly one is needed, as every other \
                 condition is paired against it"
            ));
        }
        if let Some(reference) = &e.reference {
            self.condition(reference)
                .map_err(|e| format!("[experiment] reference {e}"))?;
        }
        Ok(())
    }

    /// The condition named `name`, or an error naming the closest.
    fn condition(&self, name: &str) -> std::result::Result<&Condition, String> {
        self.conditions
            .iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| {
                let names: Vec<String> = self
                    .conditions
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect();
                format!(
                    "{name:?} is not a condition{}",
                    tfbind_names::did_you_mean(name, &names)
                )
            })
    }

    /// The condition named `name`, which must have one pre-trained model for every target.
    pub fn shared_model_condition(&self, name: &str) -> std::result::Result<&Condition, String> {
        let condition = self.condition(name)?;
        match condition {
            Condition::Pretrained { .. } | Condition::Tfs { .. } => Ok(condition),
            Condition::Select { .. } if !condition.per_target() => Ok(condition),
            _ => Err(format!(
                "{name:?} has no model shared by every target (it must be of kind `pretrained`, \
                 `tfs`, or `select` by `fewest-na`)"
            )),
        }
    }
}

fn unique<T: std::fmt::Debug + Eq + std::hash::Hash>(
    what: &str,
    names: impl Iterator<Item = T>,
) -> std::result::Result<(), String> {
    let mut seen = HashSet::new();
    for name in names {
        if let Some(name) = seen.replace(name) {
            return Err(format!("{what}: {name:?} is given twice"));
        }
    }
    Ok(())
}

/// The path from the root, `..` and symlinks of its existing part resolved: what the results page
/// and the logs print.
fn absolute(path: &Path) -> PathBuf {
    tfbind_artifact::stage::resolved(path)
}

/// serde's message for an unknown key or value, in the words of the other configs ("unknown key
/// `x` (valid keys: …)", as tfbind-cli's) with the closest valid name; other messages as they are.
fn readable(message: &str) -> String {
    let message = message.trim();
    let (what, rest) = if let Some(rest) = message.strip_prefix("unknown field `") {
        ("key", rest)
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        ("value", rest)
    } else {
        return message.to_string();
    };
    let Some((name, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let valid: Vec<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    if valid.is_empty() {
        return format!("unknown {what} `{name}`");
    }
    format!(
        "unknown {what} `{name}` (valid {what}s: {}){}",
        valid.join(", "),
        tfbind_names::did_you_mean(name, &valid)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid config, shared with the binary's tests.
    const MINIMAL: &str = include_str!("../tests/data/minimal.toml");

    fn read(text: &str) -> Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.toml");
        std::fs::write(&path, text).unwrap();
        Config::read(&path)
    }

    fn message(text: &str) -> String {
        let e = read(text).unwrap_err();
        assert!(e.is_usage(), "{e}");
        e.to_string()
    }

    #[test]
    fn paths_are_relative_to_the_config_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let c = Config::read(&path).unwrap();
        assert_eq!(c.bundle.genome(), dir.path().join("bundle/genome.fa.gz"));
        assert_eq!(c.experiment.work, Some(dir.path().join("work")));
        assert_eq!(c.experiment.thin, 1);
        assert_eq!(c.scratch(), "scratch");
        assert_eq!(c.baselines(), ["scratch"]);
        assert!(c.conditions[1].per_target());
        let training = c.split.encode_training(Path::new("g.fa"));
        assert!(training.test_chroms.is_empty());
        assert_eq!(training.valid_chroms, ["chr22"]);
    }

    #[test]
    fn unknown_keys_name_their_line_the_valid_keys_and_the_closest() {
        let text = MINIMAL.replace("seeds = [1]", "seeds = [1]\nthinn = 8");
        let m = message(&text);
        assert!(
            m.contains("e.toml:12: unknown key `thinn` (valid keys: targets, sizes"),
            "{m}"
        );
        assert!(m.ends_with("did you mean thin?"), "{m}");
        let m = message(&MINIMAL.replace("min_bound = 500", "min_bond = 500"));
        assert!(
            m.contains("unknown key `min_bond`") && m.contains("did you mean min_bound?"),
            "{m}"
        );
        let m = message(&MINIMAL.replace("\"cobinding\"\nk", "\"cobindin\"\nk"));
        assert!(
            m.contains("unknown value `cobindin`") && m.contains("fewest-na"),
            "{m}"
        );
        let m = message(&format!("{MINIMAL}\n[extra]\n"));
        assert!(
            m.contains("unknown key `extra` (valid keys: bundle, split"),
            "{m}"
        );
    }

    #[test]
    fn a_transfer_condition_takes_tfbind_transfer_keys() {
        let text = format!(
            "{MINIMAL}\n[[condition]]\nname = \"transfer\"\nkind = \"transfer\"\nsettings = {{ k = 3, pretrain_epochs = 1 }}\n"
        );
        let c = read(&text).unwrap();
        let Condition::Transfer { settings, .. } = &c.conditions[2] else {
            panic!("{:?}", c.conditions[2]);
        };
        assert_eq!((settings.k, settings.pretrain_epochs), (3, 1));
        assert_eq!(settings.min_cobound, TransferParams::default().min_cobound);
        assert!(c.conditions[2].per_target());
        let m = message(&text.replace("k = 3", "kk = 3"));
        assert!(
            m.contains("unknown key `kk`") && m.contains("min_cobound"),
            "{m}"
        );
        let m = message(&text.replace("pretrain_epochs = 1", "pretrain_epochs = 0"));
        assert!(
            m.contains("condition transfer: [transfer] pretrain_epochs"),
            "{m}"
        );
    }

    #[test]
    fn a_transfer_condition_starts_from_a_shared_model_only() {
        let shared = "\n[[condition]]\nname = \"tf2\"\nkind = \"tfs\"\ntfs = [\"A\", \"B\"]\n";
        let transfer =
            "\n[[condition]]\nname = \"refined\"\nkind = \"transfer\"\ninit_from = \"tf2\"\n";
        let c = read(&format!("{MINIMAL}{shared}{transfer}")).unwrap();
        let Condition::Transfer { init_from, .. } = &c.conditions[3] else {
            panic!("{:?}", c.conditions[3]);
        };
        assert_eq!(init_from.as_deref(), Some("tf2"));
        assert!(c.conditions[3]
            .describe(1)
            .contains("started from tf2's model"));
        let m = message(&format!(
            "{MINIMAL}{shared}{}",
            transfer.replace("\"tf2\"", "\"tf3\"")
        ));
        assert!(
            m.contains("init_from \"tf3\" is not a condition") && m.contains("tf2"),
            "{m}"
        );
        // The minimal config's `cobinding` is chosen per target.
        let m = message(&format!(
            "{MINIMAL}{}",
            transfer.replace("tf2", "cobinding")
        ));
        assert!(m.contains("no model shared by every target"), "{m}");
        let both = transfer.replace(
            "init_from",
            "settings = { pretrain_init = \"m\" }\ninit_from",
        );
        let m = message(&format!("{MINIMAL}{shared}{both}"));
        assert!(m.contains("give one"), "{m}");
    }

    #[test]
    fn inconsistent_configs_are_refused() {
        let no_scratch = MINIMAL.replace("kind = \"scratch\"", "kind = \"tfs\"\ntfs = [\"A\"]");
        assert!(message(&no_scratch).contains("exactly one is needed"));
        let reference =
            MINIMAL.replace("work = \"work\"", "work = \"work\"\nreference = \"cobind\"");
        assert!(message(&reference).contains("did you mean cobinding?"));
        let random = MINIMAL.replace("valid_chroms", "method = \"random\"\nvalid_chroms");
        assert!(message(&random).contains("`hashed`"));
        let twice = MINIMAL.replace("\"MAX\"]", "\"JUND\"]");
        assert!(message(&twice).contains("targets: \"JUND\" is given twice"));
        let both = MINIMAL.replace("[\"chr21\"]", "[\"chr22\"]");
        assert!(message(&both).contains("both the validation and the test"));
    }

    #[test]
    fn min_bound_scales_with_thinning_but_stays_at_least_one() {
        assert_eq!(scaled_min_bound(500, 8), 62);
        assert_eq!(scaled_min_bound(1, 8), 1);
        assert_eq!(scaled_min_bound(0, 8), 0);
        assert_eq!(scaled_min_bound(500, 1), 500);
    }
}
