//! The process's environment, set before libtorch's threads and the logger read it.

/// libgomp reads OMP_WAIT_POLICY once, as libtorch loads (before main), and by default its
/// threads spin while they wait: a run of hours that shares the machine starves it (2-thread
/// pre-training measured here under load: 204 windows/s spinning, 734 passive). So the process
/// starts itself again with the policy set, unless the user set one.
pub(crate) fn passive_openmp() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        if let Ok(exe) = std::env::current_exe() {
            let mut again = std::process::Command::new(exe);
            again.args(std::env::args_os().skip(1));
            let error = again.env("OMP_WAIT_POLICY", "PASSIVE").exec();
            eprintln!("warning: cannot restart with OMP_WAIT_POLICY=PASSIVE: {error}");
        }
    }
}

/// The stages run in-process log every epoch and step at `info`, which drowns the experiment's
/// own lines over hundreds of runs (the script ran them with -q): at the default level only the
/// experiment's lines and the stages' warnings are shown. -v, or RUST_LOG, shows everything.
pub(crate) fn quiet_stages(verbose: u8) {
    if verbose == 0 && std::env::var_os("RUST_LOG").is_none() {
        // Single-threaded still: nothing else reads the environment yet.
        std::env::set_var("RUST_LOG", "warn,tfbind_experiment=info");
    }
}
