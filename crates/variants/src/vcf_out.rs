//! The annotated VCF: the scored records again, with every model task's probabilities and log
//! odds ratio as INFO fields, bgzip-compressed and tabix-indexed.
//!
//! From VCF text input (plain or gzipped) every record read and kept is carried over as it was
//! (its ALT alleles, QUAL, FILTER, INFO, FORMAT and samples, and the input's header lines), with
//! the fields below added to its INFO (replacing fields of the same name, as from an earlier
//! run); a record with no allele scored is carried over without them (fields of the same name
//! from an earlier run removed, as they would be stale). From BCF and TSV input the
//! records are written from the scores: CHROM, POS, ID and REF as read, ALT the sequence alleles
//! scored, QUAL and FILTER `.` (`bcftools annotate -a variants.vcf.gz -c INFO` adds these fields
//! to the original BCF). Per task `<g>` (the TSV's column group, with characters other than
//! letters, digits, `_` and `.` replaced by `_`): `TFBIND_<g>_REF` (Number=1),
//! `TFBIND_<g>_ALT` and `TFBIND_<g>_LOR` (Number=A, one value per ALT allele), `.` where not
//! scored (a symbolic allele, a window off the chromosome's end).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use noodles_bgzf as bgzf;
use tfbind_genome::ChromSizes;

/// The annotated VCF and its index, in an artifact.
pub const VCF_GZ: &str = "variants.vcf.gz";
pub const TBI: &str = "variants.vcf.gz.tbi";

/// One model task's scores of one ALT allele.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlleleScore {
    pub reference: f32,
    pub alternate: f32,
    pub log_odds: f32,
}

/// An INFO key made of a column group.
pub fn info_key(group: &str, what: &str) -> String {
    let clean: String = group
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                true => c,
                false => '_',
            },
        )
        .collect();
    format!("TFBIND_{clean}_{what}")
}

/// What each task adds to a record's INFO.
const FIELDS: [(&str, &str, &str); 3] = [
    ("REF", "1", "probability of binding with the REF allele"),
    ("ALT", "A", "probability of binding with each ALT allele"),
    ("LOR", "A", "log odds ratio, logit(ALT) - logit(REF)"),
];

/// Each group's INFO keys (REF, ALT, LOR), made once for all of a run's records.
pub fn info_keys(groups: &[&str]) -> Vec<[String; 3]> {
    groups
        .iter()
        .map(|g| FIELDS.map(|(what, _, _)| info_key(g, what)))
        .collect()
}

/// Whether `key` is one of `keys`.
fn is_ours(keys: &[[String; 3]], key: &str) -> bool {
    keys.iter().flatten().any(|k| k == key)
}

/// The VCF header: the input's lines when it is VCF text (`input`, without the definitions of
/// the INFO fields added here), else a minimal one; the genome's contigs when the input names
/// none; one INFO line per field added.
pub fn header(groups: &[&str], sizes: &ChromSizes, input: Option<&[String]>) -> String {
    let ours = info_keys(groups);
    let defines_ours = |line: &str| {
        line.strip_prefix("##INFO=<ID=")
            .and_then(|rest| rest.split([',', '>']).next())
            .is_some_and(|id| is_ours(&ours, id))
    };
    let meta: Vec<&str> = input
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("##") && !defines_ours(l))
        .collect();
    let mut h = String::new();
    if !meta.first().is_some_and(|l| l.starts_with("##fileformat=")) {
        h.push_str("##fileformat=VCFv4.2\n");
    }
    for line in &meta {
        h.push_str(line);
        h.push('\n');
    }
    let _ = writeln!(
        h,
        "##source=tfbind-variants {}",
        tfbind_artifact::TFBIND_VERSION
    );
    if !meta.iter().any(|l| l.starts_with("##contig=")) {
        for (chrom, len) in sizes.iter() {
            let _ = writeln!(h, "##contig=<ID={chrom},length={len}>");
        }
    }
    for g in groups {
        for (what, number, description) in FIELDS {
            let _ = writeln!(
                h,
                "##INFO=<ID={},Number={number},Type=Float,Description=\"tfbind {g}: {description}\">",
                info_key(g, what)
            );
        }
    }
    match input.and_then(|lines| lines.iter().find(|l| l.starts_with("#CHROM"))) {
        Some(columns) => {
            h.push_str(columns);
            h.push('\n');
        }
        None => h.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"),
    }
    h
}

/// One record's line: `alts` with, per group (its [`info_keys`]), the REF probability and each
/// ALT's probability and log odds (`None` where not scored; `scores` is `None` for a record with
/// no allele scored, which gets no fields). `rest` is the input line's columns after ALT (VCF
/// text input), whose INFO gets the fields in place of any of the same names; without it QUAL,
/// FILTER are `.` and INFO the fields.
pub fn record_line(
    record: (&str, u64, &str, &str),
    alts: &[&str],
    rest: Option<&str>,
    keys: &[[String; 3]],
    scores: Option<&[Vec<Option<AlleleScore>>]>,
) -> String {
    let (chrom, pos, id, reference) = record;
    let alts = if alts.is_empty() {
        ".".to_owned()
    } else {
        alts.join(",")
    };
    let mut fields = String::new();
    let value = |v: Option<f32>| v.map_or(".".to_owned(), |v| v.to_string());
    for (g, ([ref_key, alt_key, lor_key], per_alt)) in
        keys.iter().zip(scores.into_iter().flatten()).enumerate()
    {
        if g > 0 {
            fields.push(';');
        }
        let reference = per_alt.iter().flatten().next().map(|s| s.reference);
        let list = |f: fn(&AlleleScore) -> f32| -> String {
            let v: Vec<String> = per_alt.iter().map(|s| value(s.as_ref().map(f))).collect();
            v.join(",")
        };
        let _ = write!(
            fields,
            "{ref_key}={};{alt_key}={};{lor_key}={}",
            value(reference),
            list(|s| s.alternate),
            list(|s| s.log_odds)
        );
    }
    let mut line = format!("{chrom}\t{pos}\t{id}\t{reference}\t{alts}\t");
    match rest {
        Some(rest) => {
            // QUAL, FILTER, INFO, then FORMAT and samples untouched.
            let mut columns = rest.splitn(4, '\t');
            let (qual, filter) = (columns.next().unwrap_or("."), columns.next().unwrap_or("."));
            let info = columns.next().unwrap_or(".");
            let kept: Vec<&str> = info
                .split(';')
                .filter(|entry| {
                    let key = entry.split('=').next().unwrap_or("");
                    !entry.is_empty() && *entry != "." && !is_ours(keys, key)
                })
                .collect();
            let _ = write!(line, "{qual}\t{filter}\t");
            match (kept.is_empty(), fields.is_empty()) {
                (true, true) => line.push('.'),
                (true, false) => line.push_str(&fields),
                (false, true) => line.push_str(&kept.join(";")),
                (false, false) => {
                    let _ = write!(line, "{};{fields}", kept.join(";"));
                }
            }
            if let Some(samples) = columns.next() {
                line.push('\t');
                line.push_str(samples);
            }
        }
        None => {
            line.push_str(".\t.\t");
            line.push_str(if fields.is_empty() { "." } else { &fields });
        }
    }
    line.push('\n');
    line
}

/// A bgzip writer of the annotated VCF.
pub fn create(path: &Path) -> io::Result<bgzf::io::Writer<File>> {
    Ok(bgzf::io::Writer::new(File::create(path)?))
}

/// Writes the tabix index of the finished `vcf_gz` to `tbi`. Fails when the records are not
/// sorted by position within each chromosome and the chromosomes contiguous, and for a
/// chromosome longer than tabix can index (2^29 bases).
pub fn index(vcf_gz: &Path, tbi: &Path) -> io::Result<()> {
    match noodles_vcf::fs::index(vcf_gz)? {
        noodles_vcf::Index::Tabix(index) => noodles_tabix::fs::write(tbi, &index),
        noodles_vcf::Index::Csi(_) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a chromosome is longer than tabix indexes (2^29 bases)",
        )),
    }
}

/// Finishes a bgzip writer (the EOF block).
pub fn finish(writer: bgzf::io::Writer<File>) -> io::Result<()> {
    let mut file = writer.finish()?;
    file.flush()
}

/// Joins the annotated VCFs of a run's shards, in order, keeping the first one's header.
pub fn concatenate(parts: &[std::path::PathBuf], out: &Path) -> io::Result<()> {
    use std::io::BufRead;
    let mut writer = create(out)?;
    for (i, part) in parts.iter().enumerate() {
        let reader = io::BufReader::new(flate2::read::MultiGzDecoder::new(File::open(part)?));
        for line in reader.split(b'\n') {
            let line = line?;
            if i > 0 && line.starts_with(b"#") {
                continue;
            }
            writer.write_all(&line)?;
            writer.write_all(b"\n")?;
        }
    }
    finish(writer)
}

/// Indexes `vcf_gz` as [`TBI`] beside it, or says why not (records out of order) with a warning.
pub fn index_or_warn(vcf_gz: &Path, tbi: &Path) -> bool {
    match index(vcf_gz, tbi) {
        Ok(()) => true,
        Err(e) => {
            let _ = std::fs::remove_file(tbi);
            tracing::warn!(
                "no tabix index for the annotated VCF: {e} (tabix needs records sorted by \
                 position; sort the input, e.g. with bcftools sort)"
            );
            false
        }
    }
}
