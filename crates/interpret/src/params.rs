//! The stage's parameters: the `[interpret]` section of a pipeline config, overridden by flags,
//! and recorded in the `motifs` artifact's manifest.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tfbind_dataset::Split;
use tfbind_motifs::Distance;

use crate::seqlets::RecursiveParams;

/// Which windows of the chosen split make the filter motifs and the influence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowSet {
    /// Bound for a task and predicted bound for it (p > 0.5): the paper's choice.
    CorrectPositives,
    /// Bound for a task, whatever the prediction.
    Positives,
    /// Every window of the split.
    All,
}

impl WindowSet {
    /// The set in words, for text about the windows.
    pub fn description(self) -> &'static str {
        match self {
            WindowSet::CorrectPositives => "correctly predicted bound windows",
            WindowSet::Positives => "bound windows",
            WindowSet::All => "windows",
        }
    }

    /// Whether a window with this label and predicted probability counts for a task.
    pub fn includes(self, label: i8, probability: f32) -> bool {
        match self {
            WindowSet::CorrectPositives => label == 1 && probability > 0.5,
            WindowSet::Positives => label == 1,
            WindowSet::All => true,
        }
    }
}

/// A split of the dataset, or all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitChoice {
    Train,
    Valid,
    Test,
    All,
}

impl SplitChoice {
    pub fn contains(self, split: Split) -> bool {
        match self {
            SplitChoice::Train => split == Split::Train,
            SplitChoice::Valid => split == Split::Valid,
            SplitChoice::Test => split == Split::Test,
            SplitChoice::All => true,
        }
    }
}

/// An attribution method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// In-silico mutagenesis: every base changed to every other.
    Ism,
    /// The gradient of the output with respect to the one-hot input, times the input.
    GradientXInput,
    /// Integrated gradients from dinucleotide-shuffled references.
    IntegratedGradients,
    /// DeepLIFT (rescale rule) from dinucleotide-shuffled references, averaged over them
    /// (DeepSHAP). Convolutional networks only.
    #[serde(rename = "deeplift-shap")]
    DeepLiftShap,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Ism,
        Method::GradientXInput,
        Method::IntegratedGradients,
        Method::DeepLiftShap,
    ];

    /// What runs without `methods`: DeepLIFT/SHAP is left out because it refuses DanQ, and a
    /// default that fails on one of the architectures would make the stage fail by default.
    pub const DEFAULT: [Method; 3] = [
        Method::Ism,
        Method::GradientXInput,
        Method::IntegratedGradients,
    ];
}

/// The enums are written in text as serde spells them, so messages, reports, flags and config
/// files use one spelling.
macro_rules! display_as_serde {
    ($($name:ty),+) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match toml::Value::try_from(self) {
                    Ok(toml::Value::String(name)) => f.write_str(&name),
                    _ => Err(fmt::Error),
                }
            }
        }
    )+};
}

display_as_serde!(WindowSet, SplitChoice, Method);

/// Everything that decides the `motifs` artifact's content besides its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InterpretParams {
    /// The motif database (MEME format) filters are compared with: an input (pinned by its
    /// content), so not recorded as a parameter. Default: the shipped JASPAR file.
    #[serde(skip_serializing)]
    pub database: Option<PathBuf>,
    /// The split whose windows make filter motifs and influence, and whose bound windows are
    /// attributed.
    pub split: SplitChoice,
    /// Which windows of `split` make filter motifs and influence.
    pub windows: WindowSet,
    /// A filter's site is a subsequence where its activation exceeds this fraction of its
    /// maximum activation over the windows.
    pub activation_threshold: f64,
    /// At most this many windows (a seeded random subset) for filter influence, which costs one
    /// forward pass per window and filter.
    pub influence_windows: usize,
    /// Database matches kept per filter in `tomtom.tsv`.
    pub top_matches: usize,
    pub distance: Distance,
    /// Minimum number of aligned columns in a Tomtom match.
    pub min_overlap: usize,
    /// A match counts (in the summary, the report and the comparison) at this q-value or below.
    pub max_q_value: f64,
    /// A filter is informative when its motif holds at least this many bits...
    pub min_information: f64,
    /// ...from at least this many sites.
    pub min_sites: usize,
    /// The task (TF) interpreted: the attribution target, and the TF whose database motifs the
    /// comparison with another model measures. Default: the task with the most bound windows in
    /// `split`.
    pub task: Option<String>,
    /// Attributed windows when no BED is given: this many bound windows of `split` for `task`,
    /// highest predicted probability first.
    pub attribution_windows: usize,
    pub methods: Vec<Method>,
    /// Integrated gradients: points on the path from a reference to the input.
    pub ig_steps: usize,
    /// Integrated gradients: dinucleotide-shuffled references per window (results averaged).
    pub ig_references: usize,
    /// DeepLIFT/SHAP: dinucleotide-shuffled references per window (results averaged).
    pub deeplift_references: usize,
    /// Seqlets are called from this method's attributions (of the windows' own letters).
    /// Default: deeplift-shap when it runs, else the first of `methods`.
    pub seqlets_from: Option<Method>,
    /// Seqlets (tangermeme's `recursive_seqlets`): a span's p-value, and those of every span
    /// inside it of at least `min_seqlet_len`, must be below this. A ranking cutoff, not an error
    /// rate.
    pub seqlet_threshold: f64,
    pub min_seqlet_len: usize,
    pub max_seqlet_len: usize,
    /// Positions added on each side of a called seqlet (clipped to the window).
    pub additional_flanks: usize,
    /// Bins of the seqlet null distribution.
    pub seqlet_bins: usize,
    /// Tomtom column score of seqlet annotation (each seqlet's one-hot sequence against the
    /// database); euclidean is memelite's, which tangermeme's `annotate_seqlets` runs.
    pub seqlet_distance: Distance,
    /// Windows whose attribution tracks the report shows.
    pub report_windows: usize,
    /// Windows per forward pass (no effect on results beyond floating-point rounding).
    pub batch_size: usize,
    /// The seed of every random choice (influence subset, shuffled references).
    pub seed: u64,
}

impl Default for InterpretParams {
    fn default() -> Self {
        Self {
            database: None,
            split: SplitChoice::Test,
            windows: WindowSet::CorrectPositives,
            activation_threshold: 0.5,
            influence_windows: 1000,
            top_matches: 5,
            distance: Distance::Pearson,
            min_overlap: 1,
            max_q_value: 0.05,
            min_information: 3.0,
            min_sites: 10,
            task: None,
            attribution_windows: 50,
            methods: Method::DEFAULT.to_vec(),
            ig_steps: 32,
            ig_references: 8,
            deeplift_references: 20,
            seqlets_from: None,
            seqlet_threshold: 0.01,
            min_seqlet_len: 4,
            max_seqlet_len: 25,
            additional_flanks: 0,
            seqlet_bins: 1000,
            seqlet_distance: Distance::Euclidean,
            report_windows: 3,
            batch_size: 256,
            seed: 0,
        }
    }
}

impl InterpretParams {
    /// The motif database: `database`, else [`tfbind_motifs::default_database`]; the message is
    /// for a user.
    pub fn database(&self) -> Result<PathBuf, String> {
        match &self.database {
            Some(path) => Ok(path.clone()),
            None => {
                let shipped = tfbind_motifs::default_database();
                if shipped.is_file() {
                    Ok(shipped)
                } else {
                    Err(format!(
                        "no motif database: {} is missing (the shipped JASPAR file, looked for \
                         above this binary and in the working directory); give --database \
                         FILE.meme, `database` in the config's [interpret], or ${}",
                        shipped.display(),
                        tfbind_motifs::DATABASE_ENV
                    ))
                }
            }
        }
    }

    /// Checks the parameters on their own, before any data is read; the message is for a user who
    /// gave them on the command line or in a config.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.activation_threshold > 0.0 && self.activation_threshold <= 1.0) {
            return Err(format!(
                "activation_threshold {} must be in (0, 1]",
                self.activation_threshold
            ));
        }
        if !(0.0..=1.0).contains(&self.max_q_value) {
            return Err(format!(
                "max_q_value {} must be in [0, 1]",
                self.max_q_value
            ));
        }
        if self.min_information.is_nan() || self.min_information < 0.0 {
            return Err("min_information must be a non-negative number of bits".into());
        }
        let positive = [
            ("influence_windows", self.influence_windows),
            ("top_matches", self.top_matches),
            ("min_overlap", self.min_overlap),
            ("ig_steps", self.ig_steps),
            ("ig_references", self.ig_references),
            ("deeplift_references", self.deeplift_references),
            ("batch_size", self.batch_size),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{name} must be at least 1"));
        }
        let mut methods = self.methods.clone();
        methods.sort();
        methods.dedup();
        if methods.len() != self.methods.len() {
            return Err("methods lists a method twice".into());
        }
        if let Some(m) = self.seqlets_from {
            if !self.methods.contains(&m) {
                return Err(format!(
                    "seqlets_from {m} is not among the methods computed ({})",
                    self.methods
                        .iter()
                        .map(Method::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        self.recursive().validate()
    }

    /// The seqlet caller's parameters.
    pub fn recursive(&self) -> RecursiveParams {
        RecursiveParams {
            threshold: self.seqlet_threshold,
            min_seqlet_len: self.min_seqlet_len,
            max_seqlet_len: self.max_seqlet_len,
            additional_flanks: self.additional_flanks,
            n_bins: self.seqlet_bins,
        }
    }

    /// The method seqlets are called from, when any attributions are computed.
    pub fn seqlet_method(&self) -> Option<Method> {
        self.seqlets_from.or_else(|| {
            if self.methods.contains(&Method::DeepLiftShap) {
                Some(Method::DeepLiftShap)
            } else {
                self.methods.first().copied()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_spelling_and_unknowns_list_the_choices() {
        #[derive(Debug, Deserialize)]
        struct One {
            method: Method,
        }
        for m in Method::ALL {
            let text = format!("method = \"{m}\"");
            assert_eq!(toml::from_str::<One>(&text).unwrap().method, m);
        }
        assert_eq!(Method::GradientXInput.to_string(), "gradient-x-input");
        assert_eq!(Method::DeepLiftShap.to_string(), "deeplift-shap");
        assert_eq!(WindowSet::CorrectPositives.to_string(), "correct-positives");
        assert_eq!(SplitChoice::Valid.to_string(), "valid");
        let err = toml::from_str::<One>("method = \"isn\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`ism`, `gradient-x-input`, `integrated-gradients`, `deeplift-shap`"),
            "{err}"
        );
    }

    #[test]
    fn the_database_is_an_input_not_a_parameter() {
        let p = InterpretParams {
            database: Some("db.meme".into()),
            ..InterpretParams::default()
        };
        assert_eq!(p.database().unwrap(), PathBuf::from("db.meme"));
        let text = toml::to_string(&p).unwrap();
        assert!(!text.contains("db.meme"), "{text}");
        let shipped = InterpretParams::default().database().unwrap();
        assert_eq!(shipped, tfbind_motifs::default_database());
    }

    #[test]
    fn defaults_validate_and_round_trip_through_toml() {
        let p = InterpretParams::default();
        p.validate().unwrap();
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains("windows = \"correct-positives\""), "{text}");
        assert_eq!(toml::from_str::<InterpretParams>(&text).unwrap(), p);
        let partial: InterpretParams = toml::from_str("split = \"all\"\nig_steps = 8").unwrap();
        assert_eq!((partial.split, partial.ig_steps), (SplitChoice::All, 8));
        assert!(toml::from_str::<InterpretParams>("ig_step = 8").is_err());
    }

    #[test]
    fn bad_values_are_refused() {
        let bad = |p: InterpretParams| p.validate().unwrap_err();
        let d = InterpretParams::default;
        assert!(bad(InterpretParams {
            activation_threshold: 0.0,
            ..d()
        })
        .contains("(0, 1]"));
        assert!(bad(InterpretParams { ig_steps: 0, ..d() }).contains("ig_steps"));
        assert!(bad(InterpretParams {
            deeplift_references: 0,
            ..d()
        })
        .contains("deeplift_references"));
        assert!(bad(InterpretParams {
            seqlets_from: Some(Method::DeepLiftShap),
            ..d()
        })
        .contains("not among the methods computed (ism, "));
        assert!(bad(InterpretParams {
            min_seqlet_len: 0,
            ..d()
        })
        .contains("min_seqlet_len"));
        let twice = vec![Method::Ism, Method::Ism];
        assert!(bad(InterpretParams {
            methods: twice,
            ..d()
        })
        .contains("twice"));
    }

    #[test]
    fn seqlets_come_from_deeplift_shap_when_it_runs() {
        let d = InterpretParams::default();
        assert_eq!(d.seqlet_method(), Some(Method::Ism));
        let p = InterpretParams {
            methods: vec![Method::Ism, Method::DeepLiftShap],
            ..d.clone()
        };
        assert_eq!(p.seqlet_method(), Some(Method::DeepLiftShap));
        let p = InterpretParams {
            seqlets_from: Some(Method::GradientXInput),
            ..d.clone()
        };
        assert_eq!(p.seqlet_method(), Some(Method::GradientXInput));
        let none = InterpretParams {
            methods: Vec::new(),
            ..d
        };
        assert_eq!(none.seqlet_method(), None);
    }

    #[test]
    fn window_sets() {
        assert!(WindowSet::CorrectPositives.includes(1, 0.6));
        assert!(!WindowSet::CorrectPositives.includes(1, 0.5));
        assert!(!WindowSet::CorrectPositives.includes(0, 0.9));
        assert!(WindowSet::Positives.includes(1, 0.1));
        assert!(WindowSet::All.includes(-1, 0.0));
    }
}
