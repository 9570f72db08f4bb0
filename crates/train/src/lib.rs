//! tfbind-train
