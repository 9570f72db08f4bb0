//! tfbind-select
