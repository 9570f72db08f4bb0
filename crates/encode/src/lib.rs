//! tfbind-encode
