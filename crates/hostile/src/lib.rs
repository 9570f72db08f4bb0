//! No library: the suite is `tests/hostile.rs`, which runs the stage binaries built beside it
//! (`cargo build --release --workspace --bins` first; `make test` does) on hostile inputs and
//! checks each refuses them with a clear message, the right exit status, and nothing lost.
