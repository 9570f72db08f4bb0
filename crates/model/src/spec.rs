//! Which network, for which window length and how many outputs: everything needed to rebuild a
//! model before its weights are loaded.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// The network architectures of Novakovsky et al. 2021 (their `models.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Architecture {
    /// Basset-like, the paper's main model: conv 100×19, 200×7, 200×4 (each BN, ReLU, max-pool 3),
    /// FC 1000, FC 1000 (each BN, ReLU, dropout 0.3), linear head.
    #[default]
    #[serde(rename = "convnet-deep")]
    ConvNetDeep,
    /// The smaller variant: conv 100×19 pool 10, conv 200×5 pool 4, FC 600, linear head.
    #[serde(rename = "convnet-shallow")]
    ConvNetShallow,
    /// DanQ: conv 320×26 pool 13, dropout 0.2, BiLSTM 2 layers × 320, FC 925, linear head.
    #[serde(rename = "danq")]
    DanQ,
}

impl Architecture {
    pub const ALL: [Architecture; 3] = [Self::ConvNetDeep, Self::ConvNetShallow, Self::DanQ];

    pub fn name(self) -> &'static str {
        match self {
            Self::ConvNetDeep => "convnet-deep",
            Self::ConvNetShallow => "convnet-shallow",
            Self::DanQ => "danq",
        }
    }

    /// The named blocks of the network, input to output; the last is always [`HEAD`].
    pub fn blocks(self) -> &'static [Block] {
        match self {
            Self::ConvNetDeep => &DEEP_BLOCKS,
            Self::ConvNetShallow => &SHALLOW_BLOCKS,
            Self::DanQ => &DANQ_BLOCKS,
        }
    }

    /// Looks a block up by name, with an error listing the valid names.
    pub fn block(self, name: &str) -> Result<&'static Block> {
        self.blocks()
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| ModelError::UnknownBlock {
                name: name.to_string(),
                architecture: self,
                known: self.block_names().join(", "),
            })
    }

    pub fn block_names(self) -> Vec<&'static str> {
        self.blocks().iter().map(|b| b.name).collect()
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name of the output layer's block in every architecture: the block fine-tuning replaces.
pub const HEAD: &str = "head";

/// A group of layers that fine-tuning can freeze or re-initialise together. Its tensors are those
/// whose names start with one of `modules` followed by a dot.
#[derive(Debug, PartialEq, Eq)]
pub struct Block {
    pub name: &'static str,
    pub modules: &'static [&'static str],
}

impl Block {
    /// Whether the tensor `name` (e.g. `bn1.running_mean`) belongs to this block.
    pub fn contains(&self, name: &str) -> bool {
        self.modules.iter().any(|m| {
            name.strip_prefix(m)
                .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

// Module names are the authors' attribute names in `models.py`, so their PyTorch classes load
// our weights by name.
const DEEP_BLOCKS: [Block; 6] = [
    Block {
        name: "conv1",
        modules: &["c1", "bn1"],
    },
    Block {
        name: "conv2",
        modules: &["c2", "bn2"],
    },
    Block {
        name: "conv3",
        modules: &["c3", "bn3"],
    },
    Block {
        name: "fc1",
        modules: &["d4", "bn4"],
    },
    Block {
        name: "fc2",
        modules: &["d5", "bn5"],
    },
    Block {
        name: HEAD,
        modules: &["d6"],
    },
];
const SHALLOW_BLOCKS: [Block; 4] = [
    Block {
        name: "conv1",
        modules: &["c1", "bn1"],
    },
    Block {
        name: "conv2",
        modules: &["c2", "bn2"],
    },
    Block {
        name: "fc1",
        modules: &["d3", "bn3"],
    },
    Block {
        name: HEAD,
        modules: &["d4"],
    },
];
const DANQ_BLOCKS: [Block; 4] = [
    Block {
        name: "conv1",
        modules: &["Conv1"],
    },
    Block {
        name: "lstm",
        modules: &["BiLSTM"],
    },
    Block {
        name: "fc1",
        modules: &["Linear1"],
    },
    Block {
        name: HEAD,
        modules: &["Linear2"],
    },
];

/// Everything needed to build a network: stored as `architecture.toml` in a model artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub architecture: Architecture,
    /// Input window length in bases.
    pub window_len: usize,
    /// Number of outputs (tasks, TFs).
    pub n_tasks: usize,
}

/// Layer sizes derived from a [`ModelSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shapes {
    /// Features entering the first fully connected layer.
    pub flatten: i64,
}

impl ModelSpec {
    pub fn new(architecture: Architecture, window_len: usize, n_tasks: usize) -> Result<Self> {
        let spec = Self {
            architecture,
            window_len,
            n_tasks,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks that the window is long enough for every convolution and pooling to keep at least
    /// one position, and that there is at least one task.
    pub fn validate(&self) -> Result<()> {
        if self.n_tasks == 0 {
            return Err(ModelError::NoTasks);
        }
        self.shapes().map(|_| ())
    }

    pub(crate) fn shapes(&self) -> Result<Shapes> {
        self.shapes_at(self.window_len)
            .ok_or_else(|| ModelError::WindowTooShort {
                architecture: self.architecture,
                window_len: self.window_len,
                min: self.min_window_len(),
            })
    }

    /// The shortest window this architecture accepts.
    pub fn min_window_len(&self) -> usize {
        (1..)
            .find(|&len| self.shapes_at(len).is_some())
            .expect("every architecture accepts some window length")
    }

    /// Layer sizes for windows of `window_len`; `None` if a layer would have no positions left.
    fn shapes_at(&self, window_len: usize) -> Option<Shapes> {
        // (kind, size): a valid convolution shrinks by size-1, a pooling divides by size (floor).
        let (stages, channels): (&[(char, i64)], i64) = match self.architecture {
            Architecture::ConvNetDeep => (
                &[('c', 19), ('p', 3), ('c', 7), ('p', 3), ('c', 4), ('p', 3)],
                200,
            ),
            Architecture::ConvNetShallow => (&[('c', 19), ('p', 10), ('c', 5), ('p', 4)], 200),
            // BiLSTM outputs 2 × 320 features per step.
            Architecture::DanQ => (&[('c', 26), ('p', 13)], 640),
        };
        let mut len = window_len as i64;
        for &(kind, size) in stages {
            if len < size {
                return None;
            }
            len = if kind == 'c' {
                len - size + 1
            } else {
                len / size
            };
        }
        Some(Shapes {
            flatten: len * channels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_sizes_at_200_bp() {
        let flatten = |a| {
            ModelSpec::new(a, 200, 50)
                .unwrap()
                .shapes()
                .unwrap()
                .flatten
        };
        assert_eq!(flatten(Architecture::ConvNetDeep), 1000);
        assert_eq!(flatten(Architecture::ConvNetShallow), 600);
        assert_eq!(flatten(Architecture::DanQ), 13 * 640);
    }

    #[test]
    fn other_lengths_and_the_minimum() {
        let spec = ModelSpec::new(Architecture::ConvNetDeep, 500, 3).unwrap();
        // 482 → 160 → 154 → 51 → 48 → 16 positions of 200 channels.
        assert_eq!(spec.shapes().unwrap().flatten, 3200);
        assert_eq!(spec.min_window_len(), 90);
        assert!(ModelSpec::new(Architecture::ConvNetDeep, 90, 1).is_ok());
        let err = ModelSpec::new(Architecture::ConvNetDeep, 89, 1).unwrap_err();
        assert!(err.to_string().contains("at least 90"), "{err}");
        assert!(matches!(
            ModelSpec::new(Architecture::DanQ, 200, 0),
            Err(ModelError::NoTasks)
        ));
    }

    #[test]
    fn blocks_end_with_the_head_and_match_by_module() {
        for a in Architecture::ALL {
            assert_eq!(a.blocks().last().unwrap().name, HEAD);
        }
        let conv1 = Architecture::ConvNetDeep.block("conv1").unwrap();
        assert!(conv1.contains("bn1.running_var"));
        assert!(!conv1.contains("bn10.weight"));
        assert!(!conv1.contains("c10.weight"));
        let err = Architecture::DanQ.block("conv3").unwrap_err().to_string();
        assert!(err.contains("conv1, lstm, fc1, head"), "{err}");
    }

    #[test]
    fn spec_round_trips_through_toml() {
        let spec = ModelSpec::new(Architecture::DanQ, 300, 7).unwrap();
        let text = toml::to_string(&spec).unwrap();
        assert!(text.contains("architecture = \"danq\""), "{text}");
        assert_eq!(toml::from_str::<ModelSpec>(&text).unwrap(), spec);
    }
}
