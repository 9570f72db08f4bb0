//! tfbind-genome
