//! tfbind-model
