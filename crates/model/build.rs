//! Shared by every package that links libtorch (`build = "../model/build.rs"`): link arguments
//! apply only to the package whose build script emits them, so each one needs this.
//!
//! - An rpath to libtorch's directory, so `cargo run` / `cargo test` and the installed binaries
//!   find libtorch without `LD_LIBRARY_PATH` (cargo's `[env]` cannot set it for the loader).
//!   torch-sys, a direct dependency, reports the directory as `DEP_TCH_LIBTORCH_LIB`.
//! - With the `cuda` feature, libtorch_cuda linked even though no symbol of it is used directly:
//!   otherwise the linker drops it and libtorch never registers its CUDA backend.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    if std::env::var_os("CARGO_FEATURE_CUDA").is_some() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
