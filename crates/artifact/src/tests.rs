use super::*;

const KIND: Kind = Kind::new("regions", 1);

fn params(x: i64) -> toml::Table {
    let mut t = toml::Table::new();
    t.insert("width".into(), toml::Value::Integer(x));
    t
}

fn build(target: &Path, x: i64) -> Artifact {
    let b = ArtifactBuilder::new(target, KIND, params(x), vec![]).unwrap();
    std::fs::write(b.path("a.txt"), format!("hello {x}")).unwrap();
    std::fs::create_dir(b.path("sub")).unwrap();
    std::fs::write(b.path("sub/b.bin"), [1u8, 2, 3]).unwrap();
    b.commit().unwrap()
}

#[test]
fn round_trip_lists_every_file_with_checksums() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    build(&target, 200);
    let a = Artifact::open(&target, KIND).unwrap();
    let names: Vec<_> = a.manifest().files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.txt", "sub/b.bin"]);
    assert_eq!(a.manifest().files[0].sha256, sha256_bytes(b"hello 200"));
    assert_eq!(a.manifest().parameters, params(200));
    assert_eq!(a.manifest().tfbind_version, TFBIND_VERSION);
    // Nothing but the artifact is left in the parent directory.
    let entries: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn commit_replaces_an_older_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    build(&target, 1);
    build(&target, 2);
    let a = Artifact::open(&target, KIND).unwrap();
    assert_eq!(a.manifest().parameters, params(2));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn dropped_builder_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    {
        let b = ArtifactBuilder::new(&target, KIND, params(1), vec![]).unwrap();
        std::fs::write(b.path("a.txt"), "partial").unwrap();
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn stale_temporary_of_a_dead_process_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    // pid 4194304 is above Linux's pid_max limit, so no live process has it.
    let stale = tmp
        .path()
        .join(format!("{}4194304", crate::builder::temp_prefix("out")));
    std::fs::create_dir(&stale).unwrap();
    build(&target, 1);
    assert!(!stale.exists());
}

#[test]
fn refuses_missing_manifest_wrong_kind_schema_and_corruption() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = tmp.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    let e = Artifact::open(&bare, KIND).unwrap_err();
    assert!(matches!(e, Error::MissingManifest { .. }), "{e}");
    assert!(e.to_string().contains("bare"));

    let target = tmp.path().join("out");
    build(&target, 1);
    let e = Artifact::open(&target, Kind::new("model", 1)).unwrap_err();
    assert!(matches!(e, Error::WrongKind { .. }), "{e}");
    let e = Artifact::open(&target, Kind::new("regions", 2)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::SchemaVersion {
                found: 1,
                expected: 2,
                ..
            }
        ),
        "{e}"
    );

    std::fs::write(target.join("a.txt"), "hello 9").unwrap();
    let e = Artifact::open(&target, KIND).unwrap_err();
    assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}");
    std::fs::write(target.join("a.txt"), "truncated").unwrap();
    let e = Artifact::open(&target, KIND).unwrap_err();
    assert!(matches!(e, Error::SizeMismatch { .. }), "{e}");
    std::fs::remove_file(target.join("a.txt")).unwrap();
    let e = Artifact::open(&target, KIND).unwrap_err();
    assert!(matches!(e, Error::MissingFile { .. }), "{e}");
}

#[test]
fn malformed_manifest_is_refused_with_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(MANIFEST_FILE), "kind = 3\n").unwrap();
    let e = Artifact::open_unverified(tmp.path()).unwrap_err();
    assert!(matches!(e, Error::InvalidManifest { .. }), "{e}");
    assert!(e.to_string().contains("manifest.toml"));
}

#[test]
fn up_to_date_needs_same_parameters_and_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input_path = tmp.path().join("peaks.bed");
    std::fs::write(&input_path, "chr1\t0\t10\n").unwrap();
    let input = input_file(&input_path).unwrap();
    let target = tmp.path().join("out");
    ArtifactBuilder::new(&target, KIND, params(1), vec![input.clone()])
        .unwrap()
        .commit()
        .unwrap();
    assert!(up_to_date(&target, KIND, &params(1), std::slice::from_ref(&input)).is_some());
    assert!(up_to_date(&target, KIND, &params(2), std::slice::from_ref(&input)).is_none());
    std::fs::write(&input_path, "chr1\t0\t11\n").unwrap();
    let changed = input_file(&input_path).unwrap();
    assert!(up_to_date(&target, KIND, &params(1), &[changed]).is_none());
    assert!(up_to_date(tmp.path().join("absent"), KIND, &params(1), &[input]).is_none());
}

#[test]
fn inputs_are_pinned_by_content_not_by_creation_time_or_place() {
    let tmp = tempfile::tempdir().unwrap();
    let upstream = tmp.path().join("up");
    let first = build(&upstream, 7);
    let downstream = tmp.path().join("down");
    let pin = input_artifact(&first);
    ArtifactBuilder::new(&downstream, KIND, params(1), vec![pin.clone()])
        .unwrap()
        .commit()
        .unwrap();

    // Rebuilt with the same content, at another time (written into the manifest here, as a
    // second may not have passed) and in another place: a new manifest, the same content.
    let moved = tmp.path().join("up-moved");
    build(&moved, 7);
    let manifest_path = moved.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let created = &first.manifest().created;
    std::fs::write(
        &manifest_path,
        text.replace(created.as_str(), "1999-12-31T23:59:59Z"),
    )
    .unwrap();
    let rebuilt = Artifact::open(&moved, KIND).unwrap();
    assert_ne!(rebuilt.manifest_sha256(), first.manifest_sha256());
    assert_eq!(rebuilt.content_sha256(), first.content_sha256());
    let repin = input_artifact(&rebuilt);
    assert!(up_to_date(&downstream, KIND, &params(1), &[repin]).is_some());

    // Other content is another pin.
    let changed = build(&upstream, 8);
    assert_ne!(changed.content_sha256(), first.content_sha256());
    assert!(up_to_date(&downstream, KIND, &params(1), &[input_artifact(&changed)]).is_none());
    assert!(up_to_date(&downstream, KIND, &params(1), &[pin]).is_some());
}

#[test]
fn refuses_to_replace_a_directory_that_is_not_an_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("results");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("precious.txt"), "user data").unwrap();
    let e = ArtifactBuilder::new(&target, KIND, params(1), vec![]).unwrap_err();
    assert!(matches!(e, Error::NotAnArtifactTarget { .. }), "{e}");
    assert!(target.join("precious.txt").exists());
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    build(&empty, 1);
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(ArtifactBuilder::new(&file, KIND, params(1), vec![]).is_err());
}

/// Rewrites the manifest of the artifact at `dir` with `edit`.
fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Manifest)) {
    let path = dir.join(MANIFEST_FILE);
    let mut manifest = Manifest::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, manifest.render().unwrap()).unwrap();
}

#[test]
fn manifest_entries_outside_the_artifact_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // A file outside the artifact whose checksum the hostile manifest states correctly.
    let outside = tmp.path().join("secret.txt");
    std::fs::write(&outside, "hello 1").unwrap();
    let target = tmp.path().join("out");
    let absolute = outside.display().to_string();
    for bad in [
        "../secret.txt",
        absolute.as_str(),
        "",
        "sub/../../secret.txt",
        "./a.txt",
        "sub//b.bin",
        "sub/",
        "..",
    ] {
        build(&target, 1);
        edit_manifest(&target, |m| m.files[0].name = bad.to_string());
        for e in [
            Artifact::open_unverified(&target).unwrap_err(),
            Artifact::open(&target, KIND).unwrap_err(),
        ] {
            assert!(matches!(e, Error::UnsafeFileEntry { .. }), "{bad:?}: {e}");
            let message = e.to_string();
            assert!(message.contains(&format!("'{bad}'")), "{message}");
            assert!(message.contains(&target.display().to_string()), "{message}");
        }
    }

    // A listed file that is a symbolic link leaving the directory (here with the right size and
    // checksum), when opening or when a reader asks for it later.
    build(&target, 1);
    std::fs::remove_file(target.join("a.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, target.join("a.txt")).unwrap();
    let e = Artifact::open(&target, KIND).unwrap_err();
    assert!(matches!(e, Error::UnsafeFileEntry { .. }), "{e}");
    assert!(e.to_string().contains("symbolic link"), "{e}");

    let a = build(&target, 1);
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("b.bin"), [1u8, 2, 3]).unwrap();
    std::fs::remove_dir_all(target.join("sub")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, target.join("sub")).unwrap();
    let e = a.file("sub/b.bin").unwrap_err();
    assert!(matches!(e, Error::UnsafeFileEntry { .. }), "{e}");
    assert!(e.to_string().contains("'sub/b.bin'"), "{e}");
    assert_eq!(a.file("a.txt").unwrap(), target.join("a.txt"));
}

#[test]
fn files_the_manifest_does_not_list_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    build(&target, 1);
    std::fs::write(target.join("sub/extra.bin"), "x").unwrap();
    let e = Artifact::open(&target, KIND).unwrap_err();
    assert!(matches!(e, Error::UnlistedFile { .. }), "{e}");
    assert!(e.to_string().contains("'sub/extra.bin'"), "{e}");
    // Listing by the manifest alone (as a hand-edited one might) is refused too.
    std::fs::remove_file(target.join("sub/extra.bin")).unwrap();
    edit_manifest(&target, |m| m.files.retain(|f| f.name != "a.txt"));
    let e = Artifact::open(&target, KIND).unwrap_err();
    assert!(matches!(e, Error::UnlistedFile { .. }), "{e}");
    assert!(e.to_string().contains("'a.txt'"), "{e}");
}

#[test]
fn known_kinds_are_those_readers_read() {
    for kind in kinds::KNOWN {
        assert_eq!(Kind::known(kind.name), Some(kind));
    }
    assert_eq!(Kind::known("model"), Some(kinds::MODEL));
    assert_eq!(Kind::known("genome"), None);

    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    assert_eq!(build(&target, 1).expect_known_kind().unwrap(), KIND);
    edit_manifest(&target, |m| m.kind = "genome".into());
    let e = Artifact::open_unverified(&target)
        .unwrap()
        .expect_known_kind()
        .unwrap_err();
    assert!(matches!(e, Error::UnknownKind { .. }), "{e}");
    assert!(e.to_string().contains("regions, windows, dataset"), "{e}");
    edit_manifest(&target, |m| {
        m.kind = "regions".into();
        m.schema_version = 999;
    });
    let e = Artifact::open_unverified(&target)
        .unwrap()
        .expect_known_kind()
        .unwrap_err();
    assert!(matches!(e, Error::SchemaVersion { found: 999, .. }), "{e}");
}

#[test]
fn open_known_checks_the_kind_and_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    build(&target, 1);
    let a = Artifact::open_known(&target).unwrap();
    assert_eq!(a.manifest().kind, KIND.name);
    std::fs::write(target.join("a.txt"), "hello 2").unwrap();
    let e = Artifact::open_known(&target).unwrap_err();
    assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}");
    edit_manifest(&target, |m| m.kind = "genome".into());
    let e = Artifact::open_known(&target).unwrap_err();
    assert!(matches!(e, Error::UnknownKind { .. }), "{e}");
}
