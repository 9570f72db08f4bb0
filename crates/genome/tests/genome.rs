//! Genome access on small FASTA files written here (plain and bgzip) and on the shared bundle,
//! checked against sequences computed independently of the library's block reader.

use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
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
fn truncated_bgzip_is_an_error_naming_the_file() {
    let f = fixture();
    let bytes = fs::read(&f.bgzip).unwrap();
    let cut = f.bgzip.with_file_name("cut.fa.gz");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = Genome::open(&cut).err().unwrap();
    assert!(matches!(e, Error::Bgzf { .. }), "{e}");
    assert!(e.to_string().contains("cut.fa.gz"), "{e}");
}

#[test]
fn corrupt_block_is_detected_when_read() {
    let f = fixture();
    Genome::open(&f.bgzip).unwrap();
    let mut bytes = fs::read(&f.bgzip).unwrap();
    // Flip a byte in the middle of the compressed data of the first block; keep the indexes.
    bytes[200] ^= 0xff;
    fs::write(&f.bgzip, &bytes).unwrap();
    let genome = Genome::open(&f.bgzip).unwrap();
    let e = genome.fetch(&Interval::new("chrA", 0, 100)).unwrap_err();
    assert!(matches!(e, Error::Bgzf { offset: 0, .. }), "{e}");
}

#[test]
fn stale_index_is_refused() {
    let f = fixture();
    let fai = f.plain.with_extension("fa.fai");
    fs::write(&fai, "chrA\t9000000\t24\t60\t61\n").unwrap();
    let e = Genome::open(&f.plain).err().unwrap();
    assert!(matches!(e, Error::InvalidIndex { .. }), "{e}");
    // An index whose offsets are off lands on line breaks and description text.
    fs::write(&fai, "chrA\t150001\t3\t60\t61\n").unwrap();
    let genome = Genome::open(&f.plain).unwrap();
    let e = genome.fetch(&Interval::new("chrA", 0, 100)).unwrap_err();
    assert!(matches!(e, Error::BadSequence { .. }), "{e}");
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
}
