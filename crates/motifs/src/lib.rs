//! tfbind-motifs
