//! Variants read from VCF, bgzipped VCF, BCF (with noodles) or a plain `chrom pos ref alt [id]`
//! TSV, told apart by content, each record with the line (or BCF record number) it came from.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use noodles_vcf::variant::record::ReferenceBases as _;
use noodles_vcf::{self as vcf, variant::record::AlternateBases as _, variant::record::Ids as _};
use tfbind_genome::text::LineReader;

use crate::error::{Result, VariantsError};

/// One input record: a position, its REF allele and every ALT allele.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub chrom: String,
    /// 1-based, as VCF.
    pub pos: u64,
    /// The record's IDs (`;`-joined), `.` when none.
    pub id: String,
    pub reference: String,
    pub alts: Vec<String>,
    /// Where it came from: the line (VCF, TSV) or record number (BCF).
    pub place: u64,
    /// A VCF text line's columns after ALT (QUAL, FILTER, INFO, then FORMAT and the samples when
    /// present), as read: what the annotated VCF carries over. `None` for BCF and TSV input.
    pub rest: Option<String>,
}

/// What a variant's place counts: lines of text or records of a BCF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Line,
    Record,
}

/// The input formats, told apart by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Vcf,
    Bcf,
    Tsv,
}

/// Reads variants one record at a time.
pub struct VariantReader {
    path: PathBuf,
    source: Source,
    /// Whether VCF text records keep their columns after ALT ([`Variant::rest`]).
    carry: bool,
}

struct Bcf {
    reader: noodles_bcf::io::Reader<noodles_bgzf::io::Reader<File>>,
    header: vcf::Header,
    record: noodles_bcf::Record,
    count: u64,
}

enum Source {
    Vcf(LineReader),
    Bcf(Box<Bcf>),
    Tsv(LineReader),
}

impl VariantReader {
    /// Opens `path`, reading a VCF's or BCF's header.
    pub fn open(path: &Path) -> Result<Self> {
        let source = match sniff(path)? {
            Format::Bcf => {
                let file = File::open(path).map_err(|e| VariantsError::io(path, e))?;
                let mut reader = noodles_bcf::io::Reader::new(file);
                let header = reader.read_header().map_err(|e| VariantsError::Input {
                    path: path.to_owned(),
                    message: format!("not a readable BCF header: {e}"),
                })?;
                Source::Bcf(Box::new(Bcf {
                    reader,
                    header,
                    record: noodles_bcf::Record::default(),
                    count: 0,
                }))
            }
            Format::Vcf => Source::Vcf(LineReader::open(path)?),
            Format::Tsv => Source::Tsv(LineReader::open(path)?),
        };
        Ok(Self {
            path: path.to_owned(),
            source,
            carry: false,
        })
    }

    /// Keeps each VCF text record's columns after ALT ([`Variant::rest`]), which only the
    /// annotated VCF needs: without it no record allocates them.
    pub fn carrying_columns(mut self, carry: bool) -> Self {
        self.carry = carry;
        self
    }

    pub fn format(&self) -> Format {
        match self.source {
            Source::Vcf(_) => Format::Vcf,
            Source::Bcf(_) => Format::Bcf,
            Source::Tsv(_) => Format::Tsv,
        }
    }

    pub fn unit(&self) -> Unit {
        match self.source {
            Source::Bcf(_) => Unit::Record,
            _ => Unit::Line,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An error about the record at `place`.
    pub fn error_at(&self, place: u64, message: impl Into<String>) -> VariantsError {
        VariantsError::At {
            path: self.path.clone(),
            unit: self.unit(),
            place,
            message: message.into(),
        }
    }

    /// The next record; `None` at the end.
    pub fn next_variant(&mut self) -> Result<Option<Variant>> {
        let path = self.path.clone();
        let carry = self.carry;
        let at = |unit, place, message: String| VariantsError::At {
            path: path.clone(),
            unit,
            place,
            message,
        };
        match &mut self.source {
            Source::Vcf(lines) => loop {
                let Some((number, line)) = lines.next_line()? else {
                    return Ok(None);
                };
                if line.starts_with(b"#") || line.is_empty() {
                    continue;
                }
                let bad = |e: io::Error| at(Unit::Line, number, format!("not a VCF record: {e}"));
                let record = vcf::Record::try_from(line).map_err(bad)?;
                let mut variant =
                    to_variant(&record, &vcf::Header::default(), number).map_err(bad)?;
                if carry {
                    variant.rest = line
                        .splitn(6, |&b| b == b'\t')
                        .nth(5)
                        .map(|rest| String::from_utf8_lossy(rest).into_owned());
                }
                return Ok(Some(variant));
            },
            Source::Bcf(bcf) => {
                let Bcf {
                    reader,
                    header,
                    record,
                    count,
                } = &mut **bcf;
                let n = reader.read_record(record).map_err(|e| {
                    at(
                        Unit::Record,
                        *count + 1,
                        format!("cannot read the BCF: {e}"),
                    )
                })?;
                if n == 0 {
                    return Ok(None);
                }
                *count += 1;
                let variant = to_variant(&*record, header, *count)
                    .map_err(|e| at(Unit::Record, *count, format!("a bad BCF record: {e}")))?;
                Ok(Some(variant))
            }
            Source::Tsv(lines) => loop {
                let Some((number, line)) = lines.next_line()? else {
                    return Ok(None);
                };
                if line.starts_with(b"#") || line.trim_ascii().is_empty() {
                    continue;
                }
                match parse_tsv(line, number) {
                    Ok(v) => return Ok(Some(v)),
                    // A header line naming the columns.
                    Err(_) if number == 1 && line.starts_with(b"chrom") => continue,
                    Err(message) => return Err(at(Unit::Line, number, message)),
                }
            },
        }
    }
}

/// The header lines (`##` meta lines and the `#CHROM` line) of a VCF text file, plain or
/// gzipped: what the annotated VCF carries over; `None` for BCF and TSV input.
pub fn vcf_text_header(path: &Path) -> Result<Option<Vec<String>>> {
    if sniff(path)? != Format::Vcf {
        return Ok(None);
    }
    let mut lines = LineReader::open(path)?;
    let mut header = Vec::new();
    while let Some((_, line)) = lines.next_line()? {
        if !line.starts_with(b"#") {
            break;
        }
        header.push(String::from_utf8_lossy(line).into_owned());
    }
    Ok(Some(header))
}

/// VCF by its `##fileformat` line, BCF by its magic inside bgzip, else the TSV.
fn sniff(path: &Path) -> Result<Format> {
    let mut head = Vec::new();
    let file = File::open(path).map_err(|e| VariantsError::io(path, e))?;
    let mut raw = Vec::new();
    (&file)
        .take(2)
        .read_to_end(&mut raw)
        .map_err(|e| VariantsError::io(path, e))?;
    let file = File::open(path).map_err(|e| VariantsError::io(path, e))?;
    if raw == [0x1f, 0x8b] {
        // The first bytes of the decompressed stream; a damaged stream is reported by the reader.
        let _ = flate2::read::MultiGzDecoder::new(file)
            .take(16)
            .read_to_end(&mut head);
    } else {
        let _ = file.take(16).read_to_end(&mut head);
    }
    Ok(if head.starts_with(b"BCF") {
        Format::Bcf
    } else if head.starts_with(b"##fileformat=VCF") {
        Format::Vcf
    } else {
        Format::Tsv
    })
}

fn to_variant(
    record: &dyn vcf::variant::Record,
    header: &vcf::Header,
    place: u64,
) -> io::Result<Variant> {
    let chrom = record.reference_sequence_name(header)?.to_owned();
    let pos = record
        .variant_start()
        .transpose()?
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no position"))?;
    let ids = record.ids();
    let ids: Vec<&str> = ids.iter().collect();
    let reference = record
        .reference_bases()
        .iter()
        .map(|b| b.map(char::from))
        .collect::<io::Result<String>>()?;
    let alts = record
        .alternate_bases()
        .iter()
        .map(|a| a.map(str::to_owned))
        .collect::<io::Result<Vec<_>>>()?;
    Ok(Variant {
        chrom,
        pos: usize::from(pos) as u64,
        id: if ids.is_empty() {
            ".".into()
        } else {
            ids.join(";")
        },
        reference,
        alts,
        place,
        rest: None,
    })
}

/// `chrom pos ref alt [id]`, tab-separated, `pos` 1-based; several ALTs comma-separated.
fn parse_tsv(line: &[u8], number: u64) -> std::result::Result<Variant, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8 text".to_owned())?;
    let fields: Vec<&str> = text.split('\t').collect();
    if !(4..=5).contains(&fields.len()) {
        return Err(format!(
            "{} tab-separated fields; expected `chrom pos ref alt [id]` (or a VCF starting with \
             ##fileformat)",
            fields.len()
        ));
    }
    let pos: u64 = fields[1]
        .parse()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| format!("position {:?} is not a 1-based number", fields[1]))?;
    let id = fields
        .get(4)
        .copied()
        .filter(|s| !s.is_empty())
        .unwrap_or(".");
    Ok(Variant {
        chrom: fields[0].to_owned(),
        pos,
        id: id.to_owned(),
        reference: fields[2].to_owned(),
        alts: fields[3].split(',').map(str::to_owned).collect(),
        place: number,
        rest: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &Path) -> Result<Vec<Variant>> {
        let mut reader = VariantReader::open(path)?.carrying_columns(true);
        let mut out = Vec::new();
        while let Some(v) = reader.next_variant()? {
            out.push(v);
        }
        Ok(out)
    }

    const VCF: &str = "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n\
        #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n\
        chr1\t10\trs1\tA\tG\t.\tPASS\t.\n\
        chr1\t20\t.\tAC\tA,ACC\t50\t.\tDP=3\n";

    #[test]
    fn vcf_plain_and_gzip_and_tsv_give_the_same_records() {
        let dir = tempfile::tempdir().unwrap();
        let vcf = dir.path().join("v.vcf");
        std::fs::write(&vcf, VCF).unwrap();
        let variants = read_all(&vcf).unwrap();
        assert_eq!(variants.len(), 2);
        assert_eq!(
            variants[1],
            Variant {
                chrom: "chr1".into(),
                pos: 20,
                id: ".".into(),
                reference: "AC".into(),
                alts: vec!["A".into(), "ACC".into()],
                place: 5,
                rest: Some("50\t.\tDP=3".into()),
            }
        );
        assert_eq!(variants[0].id, "rs1");
        let mut without = VariantReader::open(&vcf).unwrap();
        let first = without.next_variant().unwrap().unwrap();
        assert_eq!((first.pos, first.rest), (10, None));

        let gz = dir.path().join("v.vcf.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, VCF.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert_eq!(read_all(&gz).unwrap(), variants);

        let tsv = dir.path().join("v.tsv");
        std::fs::write(
            &tsv,
            "chrom\tpos\tref\talt\tid\nchr1\t10\tA\tG\trs1\nchr1\t20\tAC\tA,ACC\n",
        )
        .unwrap();
        let from_tsv = read_all(&tsv).unwrap();
        assert_eq!(from_tsv.len(), 2);
        assert_eq!(
            (&from_tsv[0].id, &from_tsv[1].alts, from_tsv[1].place),
            (&variants[0].id, &variants[1].alts, 3)
        );
    }

    #[test]
    fn bad_records_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let vcf = dir.path().join("bad.vcf");
        std::fs::write(&vcf, format!("{VCF}chr1\tx\t.\tA\tG\t.\t.\t.\n")).unwrap();
        let err = read_all(&vcf).unwrap_err().to_string();
        assert!(
            err.contains("bad.vcf:6:") && err.contains("not a VCF record"),
            "{err}"
        );
        let tsv = dir.path().join("bad.tsv");
        std::fs::write(&tsv, "chr1\t10\tA\tG\nchr1\t0\tA\tG\n").unwrap();
        let err = read_all(&tsv).unwrap_err().to_string();
        assert!(
            err.contains("bad.tsv:2:") && err.contains("1-based"),
            "{err}"
        );
        std::fs::write(&tsv, "chr1 10 A G\n").unwrap();
        let err = read_all(&tsv).unwrap_err().to_string();
        assert!(
            err.contains("bad.tsv:1:") && err.contains("1 tab-separated"),
            "{err}"
        );
    }
}
