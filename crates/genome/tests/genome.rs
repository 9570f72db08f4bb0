//! Genome access on small FASTA files written here (plain and bgzip) and on the shared bundle,
//! checked against sequences computed independently of the library's block reader.

use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use noodles::bgzf;
use tfbind_artifact::testing::shared_bundle;
use tfbind_genome::{ChromSizes, Error, Genome, Interval};

/// A deterministic pseudo-random sequence with lowercase, N runs and IUPAC letters.
fn sequence(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (x >> 33) as usize;
            match i % 997 {
                0..=9 => b'N',
                10 => b"RYKMSWBDHV"[r % 10],
                _ => b"ACGTacgt"[r % 8],
            }
        })
        .collect()
}

/// FASTA text with the given line width.
fn fasta_text(records: &[(&str, &[u8])], line_bases: usize, crlf: bool) -> Vec<u8> {
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut text = Vec::new();
    for (name, seq) in records {
        text.extend_from_slice(format!(">{name} some description").as_bytes());
        text.extend_from_slice(eol);
        for line in seq.chunks(line_bases) {
            text.extend_from_slice(line);
            text.extend_from_slice(eol);
        }
    }
    text
}

fn write_bgzf(path: &Path, text: &[u8]) {
    let mut writer = bgzf::io::Writer::new(fs::File::create(path).unwrap());
    writer.write_all(text).unwrap();
    writer.finish().unwrap();
}

/// The codes the library must return, computed from the letters directly.
fn expected_codes(seq: &[u8], start: u64, end: u64) -> Vec<u8> {
    seq[start as usize..end as usize]
        .iter()
        .map(|b| match b.to_ascii_uppercase() {
            b'A' => 0,
            b'C' => 1,
            b'G' => 2,
            b'T' => 3,
            _ => 4,
        })
        .collect()
}

struct Fixture {
    _dir: tempfile::TempDir,
    plain: PathBuf,
    bgzip: PathBuf,
    seqs: Vec<(String, Vec<u8>)>,
}

/// Two chromosomes of ~150 kb and one of 1 kb (several BGZF blocks), 60 bases a line.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let seqs = vec![
        ("chrA".to_string(), sequence(150_001, 1)),
        ("chrB".to_string(), sequence(1_000, 2)),
        ("chrC".to_string(), sequence(149_999, 3)),
    ];
    let records: Vec<(&str, &[u8])> = seqs.iter().map(|(n, s)| (n.as_str(), &s[..])).collect();
    let text = fasta_text(&records, 60, false);
    let plain = dir.path().join("g.fa");
    fs::write(&plain, &text).unwrap();
    let bgzip = dir.path().join("g.fa.gz");
    write_bgzf(&bgzip, &text);
    Fixture {
        _dir: dir,
        plain,
        bgzip,
        seqs,
    }
}

/// Windows at line and block boundaries, chromosome ends, and in unsorted order.
fn windows(seqs: &[(String, Vec<u8>)], len: u64) -> Vec<Interval> {
    let mut out = Vec::new();
    for (name, seq) in seqs {
        let n = seq.len() as u64;
        let mut starts = vec![0, 1, 59, 60, 61, n - len];
        starts.extend((0..n - len).step_by(997));
        // Around the 64 KiB block boundaries of the bgzip file.
        starts.extend((65_000..65_600).step_by(37).filter(|&s| s + len <= n));
        for s in starts.into_iter().rev() {
            out.push(Interval::new(name.clone(), s, s + len));
        }
    }
    out
}

fn check_all(genome: &Genome, seqs: &[(String, Vec<u8>)]) {
    let len = 200;
    let ws = windows(seqs, len);
    let codes = genome.fetch_codes(&ws, len as usize).unwrap();
    for (w, row) in ws.iter().zip(codes.chunks(len as usize)) {
        let seq = &seqs.iter().find(|(n, _)| *n == w.chrom).unwrap().1;
        assert_eq!(row, expected_codes(seq, w.start, w.end), "window {w}");
    }
    // Single fetches of any length, including a whole chromosome.
    for (name, seq) in seqs {
        let whole = Interval::new(name.clone(), 0, seq.len() as u64);
        assert_eq!(
            genome.fetch(&whole).unwrap(),
            expected_codes(seq, 0, seq.len() as u64)
        );
        let one = Interval::new(name.clone(), 60, 61);
        assert_eq!(genome.fetch(&one).unwrap(), expected_codes(seq, 60, 61));
    }
}

#[test]
fn plain_fasta_builds_its_index_and_serves_windows() {
    let f = fixture();
    let genome = Genome::open(&f.plain).unwrap();
    assert!(!genome.is_bgzf());
    let fai = fs::read_to_string(f.plain.with_extension("fa.fai")).unwrap();
    // Offsets computed by hand: chrA's header, 150,001 bases in 2,500 full lines and one of 1
    // base (2,501 line breaks), then chrB's header.
    let header = ">chrA some description\n".len() as u64;
    let chr_b = header + 150_001 + 2_501 + header;
    assert_eq!(
        fai.lines().take(2).collect::<Vec<_>>(),
        [
            format!("chrA\t150001\t{header}\t60\t61"),
            format!("chrB\t1000\t{chr_b}\t60\t61")
        ]
    );
    let names: Vec<&str> = genome.sizes().iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["chrA", "chrB", "chrC"]);
    check_all(&genome, &f.seqs);
    // Reopened from the written index.
    check_all(&Genome::open(&f.plain).unwrap(), &f.seqs);
}

#[test]
fn bgzip_fasta_builds_fai_and_gzi_and_serves_windows() {
    let f = fixture();
    let genome = Genome::open(&f.bgzip).unwrap();
    assert!(genome.is_bgzf());
    let gzi = fs::read(f.bgzip.with_extension("gz.gzi")).unwrap();
    let blocks = u64::from_le_bytes(gzi[..8].try_into().unwrap());
    assert!(
        blocks >= 4,
        "expected a multi-block file, gzi lists {blocks} blocks"
    );
    assert_eq!(gzi.len() as u64, 8 + 16 * blocks);
    check_all(&genome, &f.seqs);
    check_all(&Genome::open(&f.bgzip).unwrap(), &f.seqs);
    // Same index as for the plain file: offsets are in the uncompressed text.
    let plain = Genome::open(&f.plain).unwrap();
    assert_eq!(
        fs::read(f.bgzip.with_extension("gz.fai")).unwrap(),
        fs::read(f.plain.with_extension("fa.fai")).unwrap()
    );
    assert_eq!(plain.sizes(), genome.sizes());
}

#[test]
fn crlf_and_short_lines() {
    let dir = tempfile::tempdir().unwrap();
    let seq = sequence(5_000, 9);
    let text = fasta_text(&[("x", &seq)], 7, true);
    let path = dir.path().join("crlf.fa");
    fs::write(&path, text).unwrap();
    let genome = Genome::open(&path).unwrap();
    let ws: Vec<Interval> = (0..4_950)
        .step_by(13)
        .map(|s| Interval::new("x", s, s + 50))
        .collect();
    let codes = genome.fetch_codes(&ws, 50).unwrap();
    for (w, row) in ws.iter().zip(codes.chunks(50)) {
        assert_eq!(row, expected_codes(&seq, w.start, w.end), "window {w}");
    }
}

#[test]
fn index_is_kept_in_memory_when_it_cannot_be_written() {
    let f = fixture();
    // Root may write in read-only directories, so block the index's temporary file instead.
    let tmp = tfbind_artifact::testing::atomic_file_temporary(&f.plain.with_extension("fa.fai"));
    fs::create_dir(&tmp).unwrap();
    let genome = Genome::open(&f.plain).unwrap();
    assert!(!f.plain.with_extension("fa.fai").exists());
    check_all(&genome, &f.seqs);
}

#[test]
fn plain_gzip_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.fa.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b">x\nACGT\n").unwrap();
    fs::write(&path, gz.finish().unwrap()).unwrap();
    let e = Genome::open(&path).err().unwrap();
    assert!(matches!(e, Error::NotBgzip { .. }), "{e}");
    assert!(e.to_string().contains("bgzip"), "{e}");
    assert!(e.to_string().contains("g.fa.gz"), "{e}");
}

#[test]
fn empty_genomes_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("empty.fa");
    fs::write(&plain, "").unwrap();
    // Only bgzip's end-of-file block: a BGZF file of no block with data.
    let bgzip = dir.path().join("empty.fa.gz");
    write_bgzf(&bgzip, b"");
    for path in [plain, bgzip] {
        let e = Genome::open(&path).err().unwrap();
        assert!(matches!(e, Error::Index { .. }), "{e}");
        assert!(e.to_string().contains("no FASTA record"), "{e}");
    }
}

#[test]
fn truncated_bgzip_is_an_error_naming_the_file() {
    let f = fixture();
    let bytes = fs::read(&f.bgzip).unwrap();
    let cut = f.bgzip.with_file_name("cut.fa.gz");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = Genome::open(&cut).err().unwrap();
    assert!(matches!(e, Error::Bgzf { .. }), "{e}");
    assert!(e.to_string().contains("cut.fa.gz"), "{e}");
}

/// Sets the modification time of `path`.
fn set_mtime(path: &Path, time: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// Makes `fasta` an hour older than its `.fai`, so that only the content can tell that the
/// index is stale.
fn age_before_index(fasta: &Path) {
    let fai = index_path(fasta, "fai");
    let indexed = fs::metadata(&fai).unwrap().modified().unwrap();
    set_mtime(fasta, indexed - Duration::from_secs(3600));
}

fn index_path(fasta: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", fasta.display()))
}

#[test]
fn corrupt_block_is_detected_when_read() {
    let f = fixture();
    Genome::open(&f.bgzip).unwrap();
    let gzi = fs::read(index_path(&f.bgzip, "gzi")).unwrap();
    let second_block = u64::from_le_bytes(gzi[8..16].try_into().unwrap()) as usize;
    let pristine = fs::read(&f.bgzip).unwrap();
    // A byte of the compressed data of the second block, which holds the middle of chrA and
    // which opening does not read: found when a window in it is read.
    let mut bytes = pristine.clone();
    bytes[second_block + 200] ^= 0xff;
    fs::write(&f.bgzip, &bytes).unwrap();
    age_before_index(&f.bgzip);
    let genome = Genome::open(&f.bgzip).unwrap();
    assert!(genome.fetch(&Interval::new("chrA", 0, 100)).is_ok());
    let e = genome
        .fetch(&Interval::new("chrA", 80_000, 80_100))
        .unwrap_err();
    assert!(
        matches!(e, Error::Bgzf { offset, .. } if offset == second_block as u64),
        "{e}"
    );
    // The first block holds chrA's header, which opening checks.
    let mut bytes = pristine;
    bytes[200] ^= 0xff;
    fs::write(&f.bgzip, &bytes).unwrap();
    age_before_index(&f.bgzip);
    let e = Genome::open(&f.bgzip).err().unwrap();
    assert!(matches!(e, Error::Bgzf { offset: 0, .. }), "{e}");
}

/// Asserts that `genome` serves exactly `seqs` (names, lengths and every base).
fn assert_serves(genome: &Genome, seqs: &[(String, Vec<u8>)], what: &str) {
    let sizes: Vec<(&str, u64)> = genome.sizes().iter().collect();
    let want: Vec<(&str, u64)> = seqs
        .iter()
        .map(|(n, s)| (n.as_str(), s.len() as u64))
        .collect();
    assert_eq!(sizes, want, "{what}");
    for (name, seq) in seqs {
        let whole = Interval::new(name.clone(), 0, seq.len() as u64);
        assert!(
            genome.fetch(&whole).unwrap() == expected_codes(seq, 0, seq.len() as u64),
            "{what}: {name} differs"
        );
    }
}

/// Writes `text` as a plain and as a bgzip FASTA in `dir`.
fn write_both(dir: &Path, text: &[u8]) -> [PathBuf; 2] {
    let plain = dir.join("g.fa");
    fs::write(&plain, text).unwrap();
    let bgzip = dir.join("g.fa.gz");
    write_bgzf(&bgzip, text);
    [plain, bgzip]
}

/// The issue this guards against: a FASTA edited by whole lines after indexing keeps every
/// byte where the stale index expects a base, so it served sequence shifted by a line, without
/// an error. Every whole-line edit, of every record, must be seen from the content alone (the
/// FASTA is made older than its index) and the index rebuilt.
#[test]
fn fasta_edited_by_whole_lines_after_indexing_is_reindexed() {
    // Whole lines of 60 bases end the first and last records, so an added line there still
    // ends in a full line.
    let original = vec![
        ("first".to_string(), sequence(6_000, 11)),
        ("mid".to_string(), sequence(1_000, 12)),
        ("last".to_string(), sequence(3_000, 13)),
    ];
    let line = |seq: &[u8], k: usize| seq[k * 60..(k * 60 + 60).min(seq.len())].to_vec();
    for record in 0..original.len() {
        let n_lines = original[record].1.len().div_ceil(60);
        for k in [0, n_lines / 2, n_lines - 1] {
            for add in [false, true] {
                let mut edited = original.clone();
                let seq = &mut edited[record].1;
                let at = k * 60;
                if add {
                    let copy = line(&original[record].1, k);
                    seq.splice(at..at, copy);
                } else {
                    seq.drain(at..(at + 60).min(seq.len()));
                }
                // A last line shorter than 60 stays last: removing a full line before it
                // keeps the wrapping valid.
                let records = |seqs: &[(String, Vec<u8>)]| -> Vec<u8> {
                    let r: Vec<(&str, &[u8])> =
                        seqs.iter().map(|(n, s)| (n.as_str(), &s[..])).collect();
                    fasta_text(&r, 60, false)
                };
                let what = format!(
                    "{} line {k} of {}",
                    if add { "added" } else { "removed" },
                    original[record].0
                );
                let dir = tempfile::tempdir().unwrap();
                for path in write_both(dir.path(), &records(&original)) {
                    let indexed = Genome::open(&path).unwrap();
                    assert_serves(&indexed, &original, "before the edit");
                    let text = records(&edited);
                    if path.extension().unwrap() == "gz" {
                        write_bgzf(&path, &text);
                    } else {
                        fs::write(&path, &text).unwrap();
                    }
                    age_before_index(&path);
                    let genome = Genome::open(&path).unwrap();
                    assert_serves(&genome, &edited, &format!("{what} ({})", path.display()));
                    // The rebuilt index was written: the next open finds it valid.
                    let fai = fs::read_to_string(index_path(&path, "fai")).unwrap();
                    let length = fai.lines().nth(record).unwrap().split('\t').nth(1).unwrap();
                    assert_eq!(length, edited[record].1.len().to_string(), "{what}");
                }
            }
        }
    }
}

#[test]
fn record_appended_after_indexing_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let mut seqs = vec![("a".to_string(), sequence(500, 1))];
    let text = |seqs: &[(String, Vec<u8>)]| {
        let r: Vec<(&str, &[u8])> = seqs.iter().map(|(n, s)| (n.as_str(), &s[..])).collect();
        fasta_text(&r, 60, false)
    };
    for path in write_both(dir.path(), &text(&seqs)) {
        Genome::open(&path).unwrap();
    }
    seqs.push(("b".to_string(), sequence(300, 2)));
    for path in write_both(dir.path(), &text(&seqs)) {
        age_before_index(&path);
        assert_serves(&Genome::open(&path).unwrap(), &seqs, "appended");
    }
}

#[test]
fn fasta_newer_than_its_index_is_reindexed() {
    let f = fixture();
    for path in [&f.plain, &f.bgzip] {
        Genome::open(path).unwrap();
        let fai = index_path(path, "fai");
        let built = fs::read(&fai).unwrap();
        // A blank line at its end leaves the index valid: rewriting it shows it was rebuilt.
        let mut padded = built.clone();
        padded.push(b'\n');
        fs::write(&fai, &padded).unwrap();
        let indexed = fs::metadata(&fai).unwrap().modified().unwrap();
        set_mtime(path, indexed - Duration::from_secs(3600));
        Genome::open(path).unwrap();
        assert_eq!(
            fs::read(&fai).unwrap(),
            padded,
            "an older FASTA keeps its index"
        );
        set_mtime(path, indexed + Duration::from_secs(1));
        check_all(&Genome::open(path).unwrap(), &f.seqs);
        assert_eq!(
            fs::read(&fai).unwrap(),
            built,
            "a newer FASTA rebuilds its index"
        );
    }
}

#[test]
fn stale_index_in_a_read_only_place_is_rebuilt_in_memory() {
    let f = fixture();
    Genome::open(&f.plain).unwrap();
    let fai = index_path(&f.plain, "fai");
    let stale = "chrA\t150001\t3\t60\t61\nchrB\t1000\t152548\t60\t61\n";
    fs::write(&fai, stale).unwrap();
    let dir = fai.parent().unwrap();
    let writable = fs::metadata(dir).unwrap().permissions();
    let mut read_only = writable.clone();
    read_only.set_readonly(true);
    fs::set_permissions(dir, read_only).unwrap();
    // Root writes in read-only directories: there the place is not read-only at all.
    let probe = dir.join("probe");
    let privileged = fs::write(&probe, "").is_ok();
    let _ = fs::remove_file(&probe);
    let opened = Genome::open(&f.plain);
    fs::set_permissions(dir, writable).unwrap();
    if privileged {
        eprintln!("skipped: running as root, which writes in read-only directories");
        return;
    }
    check_all(&opened.unwrap(), &f.seqs);
    assert_eq!(fs::read_to_string(&fai).unwrap(), stale);
}

#[test]
fn index_that_does_not_fit_the_file_is_rebuilt() {
    let f = fixture();
    let fai = index_path(&f.plain, "fai");
    let header = ">chrA some description\n".len();
    for (stale, why) in [
        (
            "chrA\t9000000\t24\t60\t61\n".to_string(),
            "runs past the end",
        ),
        (
            "chrA\t150001\t3\t60\t61\n".to_string(),
            "offset inside the header",
        ),
        (
            format!("chrA\t150001\t{}\t60\t61\n", header + 61),
            "one line late",
        ),
        (
            format!("chrA\t150001\t{header}\t61\t62\n"),
            "wrong line length",
        ),
        (
            format!("chrA\t150061\t{header}\t60\t61\n"),
            "60 bases too long",
        ),
        (
            format!("chrA\t150001\t{header}\t60\t61\n"),
            "records missing",
        ),
        ("chrA\tten\t1\t60\t61\n".to_string(), "malformed"),
    ] {
        fs::write(&fai, &stale).unwrap();
        age_before_index(&f.plain);
        check_all(&Genome::open(&f.plain).unwrap(), &f.seqs);
        assert_ne!(
            fs::read_to_string(&fai).unwrap(),
            stale,
            "{why}: not rebuilt"
        );
    }
}

#[test]
fn corrupt_gzi_is_rewritten() {
    let f = fixture();
    Genome::open(&f.bgzip).unwrap();
    let gzi_path = index_path(&f.bgzip, "gzi");
    let built = fs::read(&gzi_path).unwrap();
    let entries: Vec<(u64, u64)> = built[8..]
        .chunks(16)
        .map(|e| {
            let c = u64::from_le_bytes(e[..8].try_into().unwrap());
            let u = u64::from_le_bytes(e[8..].try_into().unwrap());
            (c, u)
        })
        .collect();
    let encode = |entries: &[(u64, u64)]| {
        let mut bytes = (entries.len() as u64).to_le_bytes().to_vec();
        for (c, u) in entries {
            bytes.extend(c.to_le_bytes());
            bytes.extend(u.to_le_bytes());
        }
        bytes
    };
    // Every block's uncompressed offset shifted by one line: each block's own size still agrees
    // with its neighbours', so only the walk from the file's start tells.
    let shifted: Vec<(u64, u64)> = entries.iter().map(|&(c, u)| (c, u + 61)).collect();
    let mut some_shifted = entries.clone();
    for e in &mut some_shifted[1..3] {
        e.1 += 61;
    }
    let cases = [
        (built[..built.len() - 5].to_vec(), "truncated"),
        (encode(&shifted), "all shifted"),
        (encode(&some_shifted), "two shifted"),
        (encode(&entries[1..]), "a block missing"),
        (encode(&[]), "empty"),
        (b"not a gzi at all".to_vec(), "garbage"),
    ];
    for (gzi, what) in cases {
        fs::write(&gzi_path, &gzi).unwrap();
        let genome = Genome::open(&f.bgzip).unwrap();
        check_all(&genome, &f.seqs);
        assert_eq!(fs::read(&gzi_path).unwrap(), built, "{what}: not rewritten");
    }
}

#[test]
fn bad_windows_are_named() {
    let f = fixture();
    let genome = Genome::open(&f.plain).unwrap();
    let ok = Interval::new("chrB", 0, 200);
    let cases = [
        (Interval::new("chrZ", 0, 200), "unknown chromosome \"chrZ\""),
        (
            Interval::new("chrB", 900, 1100),
            "chrB:900-1100 runs off the end of chrB",
        ),
        (
            Interval::new("chrB", 100, 250),
            "chrB:100-250 is 150 bp long",
        ),
        (Interval::new("chrB", 100, 100), "chrB:100-100 is empty"),
    ];
    for (bad, message) in cases {
        let e = genome.fetch_codes(&[ok.clone(), bad], 200).unwrap_err();
        assert!(e.to_string().contains(message), "{e} lacks {message}");
    }
}

#[test]
fn chrom_sizes_from_fasta_builds_the_index() {
    let f = fixture();
    let sizes = ChromSizes::from_fasta(&f.bgzip).unwrap();
    assert_eq!(sizes.get("chrC"), Some(149_999));
    assert_eq!(sizes.total_length(), 150_001 + 1_000 + 149_999);
}

/// The bundle's FASTA, decompressed whole with flate2 and parsed by hand.
fn bundle_sequences(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(fs::File::open(bundle.join("genome.fa.gz")).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    let mut seqs: Vec<(String, Vec<u8>)> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        if let Some(name) = line.strip_prefix(b">") {
            seqs.push((String::from_utf8(name.to_vec()).unwrap(), Vec::new()));
        } else {
            seqs.last_mut().unwrap().1.extend_from_slice(line);
        }
    }
    seqs
}

fn bundle_windows(bundle: &Path) -> Vec<Interval> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(fs::File::open(bundle.join("regions.bed.gz")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Interval::new(f[0], f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect()
}

#[test]
fn bundle_windows_match_the_whole_decompressed_genome() {
    let Some(bundle) = shared_bundle() else {
        return;
    };
    let seqs = bundle_sequences(&bundle);
    let genome = Genome::open(bundle.join("genome.fa.gz")).unwrap();
    let ws = bundle_windows(&bundle);
    assert_eq!(ws.len(), 144_015);
    let codes = genome.fetch_codes(&ws, 200).unwrap();
    let mut with_n = 0;
    for (w, row) in ws.iter().zip(codes.chunks(200)) {
        let seq = &seqs.iter().find(|(n, _)| *n == w.chrom).unwrap().1;
        assert_eq!(row, expected_codes(seq, w.start, w.end), "window {w}");
        with_n += usize::from(row.contains(&4));
    }
    // The bundle's README: 5 windows hold assembly-gap Ns.
    assert_eq!(with_n, 5);
    // A window outside the DHS windows is all N.
    let gap = genome.fetch(&Interval::new("chr21", 0, 200)).unwrap();
    assert!(gap.iter().all(|&c| c == 4));
}

#[test]
fn indexes_built_here_equal_samtools_ones_for_the_bundle() {
    let Some(bundle) = shared_bundle() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("genome.fa.gz");
    fs::copy(bundle.join("genome.fa.gz"), &copy).unwrap();
    let built = Genome::open(&copy).unwrap();
    for ext in ["fai", "gzi"] {
        assert_eq!(
            fs::read(dir.path().join(format!("genome.fa.gz.{ext}"))).unwrap(),
            fs::read(bundle.join(format!("genome.fa.gz.{ext}"))).unwrap(),
            ".{ext} differs from samtools'"
        );
    }
    let w = Interval::new("chr21", 14_568_635, 14_568_835);
    let shipped = Genome::open(bundle.join("genome.fa.gz")).unwrap();
    assert_eq!(built.fetch(&w).unwrap(), shipped.fetch(&w).unwrap());
}

#[test]
fn last_line_without_line_break() {
    let dir = tempfile::tempdir().unwrap();
    let seq = sequence(1_000, 5);
    let mut text = fasta_text(&[("x", &seq)], 60, false);
    text.pop();
    let plain = dir.path().join("x.fa");
    fs::write(&plain, &text).unwrap();
    let bgzip = dir.path().join("x.fa.gz");
    write_bgzf(&bgzip, &text);
    let tail = Interval::new("x", 900, 1_000);
    for path in [plain, bgzip] {
        let genome = Genome::open(&path).unwrap();
        assert_eq!(
            genome.fetch(&tail).unwrap(),
            expected_codes(&seq, 900, 1_000)
        );
    }
    // A one-line record without a line break has lines as wide as their bases: its index is
    // read back (a second open) and kept.
    let one_line = dir.path().join("y.fa");
    fs::write(&one_line, ">y\nACGTN").unwrap();
    Genome::open(&one_line).unwrap();
    let written = || {
        fs::metadata(index_path(&one_line, "fai"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let first = written();
    age_before_index(&one_line);
    std::thread::sleep(Duration::from_millis(20));
    let genome = Genome::open(&one_line).unwrap();
    assert_eq!(
        genome.fetch(&Interval::new("y", 0, 5)).unwrap(),
        [0, 1, 2, 3, 4]
    );
    assert_eq!(written(), first, "the index was rebuilt");
}
