//! tfbind-interpret
