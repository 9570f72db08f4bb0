//! The networks of Novakovsky et al. 2021 in libtorch (tch): their architectures, one-hot input
//! from uint8 sequence codes on the fly, weights saved and loaded by name (safetensors), freezing
//! of named blocks, and the `model` artifact that every later stage rebuilds a model from (its
//! format is documented in [`artifact`]).
//!
//! ```no_run
//! use tfbind_model::{Architecture, Model, ModelSpec, HEAD};
//! # fn main() -> Result<(), tfbind_model::ModelError> {
//! let spec = ModelSpec::new(Architecture::ConvNetDeep, 200, 1)?;
//! tch::manual_seed(7);
//! let mut model = Model::new(&spec, tch::Device::Cpu)?;
//! // Fine-tuning: everything but the output layer from a pre-trained model, conv blocks fixed.
//! let parent = tfbind_model::ModelArtifact::open("runs/pretrain")?;
//! model.load_weights_except(&parent.weights_path(), &[HEAD])?;
//! model.freeze(&["conv1", "conv2", "conv3"])?;
//! let probabilities = model.predict(&[0u8; 200], true)?;
//! # Ok(()) }
//! ```

pub mod artifact;
mod device;
mod encode;
mod error;
mod model;
mod net;
mod spec;
pub mod workers;

pub use artifact::{ModelArtifact, Parent};
pub use device::{set_threads, DeviceChoice};
pub use encode::{check_codes, one_hot, reverse_complement_into};
pub use error::{ModelError, Result};
pub use model::{read_weights, write_weights, LoadReport, Model, Predictor, Weights};
pub use net::Layer;
pub use spec::{Architecture, Block, ModelSpec, HEAD};
// Callers name devices and tensors in this crate's signatures without depending on tch.
pub use tch::{Device, Tensor};
