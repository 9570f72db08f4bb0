//! tfbind-peaks
