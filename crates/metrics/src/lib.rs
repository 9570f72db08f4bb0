//! tfbind-metrics
