//! tfbind-interpret
pub mod attribution;
pub mod compare;
mod error;
pub mod filters;
pub mod first_layer;
pub mod influence;
pub mod matches;
pub mod params;
pub mod selection;
pub use error::{InterpretError, Result};
