//! Test support for the workspace's crates, not part of the API: where the shared data bundle is,
//! and where an [`AtomicFile`](crate::AtomicFile) writes before its rename.
//!
//! Tests on real data read the hg38 chr19–22 bundle from `../shared/data/` beside the clone (CI
//! has it). A clone with nothing beside it must still pass its tests, so a test that needs the
//! bundle asks [`shared_bundle`] first and, without it, returns after one line saying it skipped.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the bundle is expected: `$TFBIND_BUNDLE` (as the scripts take it), else
/// `../shared/data/hg38-dhs-chr19-22` beside the repository.
pub fn shared_bundle_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TFBIND_BUNDLE") {
        return PathBuf::from(dir);
    }
    // This crate lives in `<repo>/crates/artifact`.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the crate is two levels below the repository");
    repo.parent()
        .unwrap_or(repo)
        .join("shared/data/hg38-dhs-chr19-22")
}

/// The bundle's directory when it is present; else `None`, after printing one line naming the
/// calling test and the missing directory.
pub fn shared_bundle() -> Option<PathBuf> {
    let dir = shared_bundle_dir();
    if dir.is_dir() {
        return Some(dir);
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    // Straight to the file descriptor: the test harness captures (and hides) `eprintln!` of
    // passing tests, and a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {test}: {} not present",
        dir.display()
    );
    None
}

/// The temporary file an [`AtomicFile`](crate::AtomicFile) for `path` created by this process
/// writes first: a test puts a directory there to make the write fail.
pub fn atomic_file_temporary(path: &Path) -> PathBuf {
    let (parent, name) = crate::builder::split_target(path).expect("a file path");
    crate::atomic::temporary_path(&parent, &name)
}
