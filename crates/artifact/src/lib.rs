//! tfbind-artifact
