//! tfbind-cli
