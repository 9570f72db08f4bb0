//! The motif database a stage uses when given none: the JASPAR file tfbind ships.

use std::env;
use std::path::{Path, PathBuf};

/// The shipped file, relative to the root of a tfbind tree.
pub const SHIPPED_DATABASE: &str = "data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme";

/// The environment variable that names another default database (a site-wide JASPAR release).
pub const DATABASE_ENV: &str = "TFBIND_JASPAR";

/// The default motif database: `$TFBIND_JASPAR` when set; else the shipped file in the nearest
/// tfbind tree above the running executable (a clone's `target/release/`, or a `bin/` installed
/// beside `data/`), so a stage finds it from any working directory; else the shipped path
/// relative to the working directory, which is the path an error about a missing file names.
pub fn default_database() -> PathBuf {
    if let Some(path) = env::var_os(DATABASE_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let exe = env::current_exe().ok();
    let exe_dir = exe.as_deref().and_then(Path::parent);
    exe_dir
        .into_iter()
        .flat_map(Path::ancestors)
        .map(|dir| dir.join(SHIPPED_DATABASE))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(SHIPPED_DATABASE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_found_above_the_executable_else_relative() {
        if let Some(path) = env::var_os(DATABASE_ENV).filter(|p| !p.is_empty()) {
            assert_eq!(default_database(), PathBuf::from(path));
            return;
        }
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .unwrap();
        let exe = env::current_exe().unwrap().canonicalize().unwrap();
        let found = default_database();
        if exe.starts_with(&repo) {
            assert_eq!(found.canonicalize().unwrap(), repo.join(SHIPPED_DATABASE));
        } else {
            // A target directory outside the clone (CARGO_TARGET_DIR): another tree's copy above
            // it, or the working directory's.
            assert!(found.ends_with(SHIPPED_DATABASE), "{}", found.display());
            assert!(found.is_file() || found == Path::new(SHIPPED_DATABASE));
        }
    }
}
