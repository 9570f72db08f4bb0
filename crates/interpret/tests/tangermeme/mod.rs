//! The tangermeme oracle shared by the tests that compare with it (`mod common;` from
//! crates/train/tests must be declared beside this module).

use std::path::PathBuf;

/// The Python of the test virtual environment with tangermeme, or `None` with a printed
/// `skipped:` line; with `TFBIND_REQUIRE_ORACLES=1` a missing one fails the test.
pub fn tangermeme_python() -> Option<PathBuf> {
    let python = crate::common::repo_root().join(".venv/bin/python");
    let usable = python.exists()
        && std::process::Command::new(&python)
            .args(["-c", "import tangermeme"])
            .output()
            .is_ok_and(|o| o.status.success());
    if usable {
        return Some(python);
    }
    let reason = format!(
        "{} with tangermeme is missing (.venv/bin/pip install tangermeme)",
        python.display()
    );
    assert!(
        std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() != Ok("1"),
        "TFBIND_REQUIRE_ORACLES=1 but {reason}"
    );
    eprintln!("skipped: {reason}");
    None
}
