//! A checkpoint that cannot be written (a full disk; here a file size limit, which fails writes
//! the same way) stops training with an error naming it in plain words, and leaves no partial
//! epoch directory, however often the run is repeated. Its own test binary: the limit is set for
//! the whole process.

mod common;

use tfbind_model::{Architecture, Device, ModelSpec};
use tfbind_train::{fit, init_model, Checkpoints, TrainOptions};

fn set_file_size_limit(bytes: libc::rlim_t) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit), 0);
        limit.rlim_cur = bytes.min(limit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}

#[test]
fn a_failed_checkpoint_names_itself_and_leaves_nothing_behind() {
    // A write past the limit then fails with EFBIG instead of killing the process.
    // SAFETY: ignoring a signal installs no handler code.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let dir = tempfile::tempdir().unwrap();
    let data = common::example_dataset(&dir.path().join("data"), &["MAX"], 25);
    tfbind_model::set_threads(2);
    let spec = ModelSpec::new(Architecture::ConvNetShallow, 200, 1).unwrap();
    let options = TrainOptions {
        epochs: 2,
        ..TrainOptions::pretraining()
    };
    let out = dir.path().join("model");
    let identity = toml::Table::new();

    for _attempt in 0..3 {
        let checkpoints = Checkpoints::open(&out, &identity, false).unwrap();
        let mut model = init_model(&spec, Device::Cpu, 1).unwrap();
        set_file_size_limit(4096);
        let result = fit(
            &mut model,
            &data,
            &options,
            Some(&checkpoints),
            1000,
            &mut |_| {},
        );
        set_file_size_limit(libc::RLIM_INFINITY);
        let Err(e) = result else {
            panic!("the checkpoint was written past the limit");
        };
        let message = e.to_string();
        assert!(message.contains("cannot save the checkpoint"), "{message}");
        assert!(
            message.contains(&checkpoints.dir().join("epoch-0001").display().to_string()),
            "{message}"
        );
        assert!(message.contains("File too large"), "{message}");
        assert!(
            !message.contains("Os {") && !message.contains("kind:"),
            "{message}"
        );
        let mut left: Vec<String> = std::fs::read_dir(checkpoints.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["run.toml"], "after a failed save");
    }

    // With room again, the same run trains and checkpoints.
    let checkpoints = Checkpoints::open(&out, &identity, false).unwrap();
    let mut model = init_model(&spec, Device::Cpu, 1).unwrap();
    let outcome = fit(
        &mut model,
        &data,
        &options,
        Some(&checkpoints),
        1000,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(outcome.state.epochs_done, 2);
    assert!(checkpoints.dir().join("epoch-0002/manifest.toml").is_file());
}
