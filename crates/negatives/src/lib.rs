//! tfbind-negatives
