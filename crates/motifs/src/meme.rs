//! The MEME motif format (minimal and the text output of MEME-suite tools), DNA only.
//!
//! The reader takes what the format's writers produce: JASPAR's MEME files, memelite's
//! `write_meme`, and MEME-suite outputs such as `meme.txt` and `streme.txt`, whose extra sections
//! (site lists, log-odds matrices, summaries) are skipped. What it needs is a `MEME version` line
//! before the first motif, a DNA alphabet, and for every `MOTIF` a `letter-probability matrix`.

use std::{
    fmt::Write as _,
    fs::File,
    io::{self, BufRead, BufReader, BufWriter, Write},
    path::Path,
};

use crate::{motif::ROW_SUM_TOLERANCE, Background, Error, Motif, Result};

/// Which strands a MEME file says its motifs were found on (its `strands:` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strands {
    /// `strands: + -`, the default when the line is missing.
    #[default]
    Both,
    /// `strands: +`
    Forward,
}

/// The contents of a MEME file: its header and its motifs, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct MemeFile {
    /// The version on the `MEME version` line, e.g. `4` or `5.5.4`.
    pub version: String,
    pub strands: Strands,
    pub background: Background,
    pub motifs: Vec<Motif>,
}

impl MemeFile {
    /// A version 4 file holding `motifs`, both strands, uniform background.
    pub fn new(motifs: Vec<Motif>) -> Self {
        MemeFile {
            version: "4".to_string(),
            strands: Strands::Both,
            background: Background::UNIFORM,
            motifs,
        }
    }

    /// Reads a MEME file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(BufReader::new(file), path)
    }

    /// Parses MEME text from `reader`; `path` names the source in errors.
    ///
    /// ```
    /// let text = "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF M1 Foo\n\
    ///             letter-probability matrix: alength= 4 w= 2 nsites= 10 E= 0\n\
    ///             1 0 0 0\n0 0.5 0.5 0\n";
    /// let file = tfbind_motifs::MemeFile::parse(text.as_bytes(), "inline.meme").unwrap();
    /// assert_eq!(file.motifs[0].alt(), Some("Foo"));
    /// assert_eq!(file.motifs[0].nsites(), 10.0);
    /// ```
    pub fn parse(reader: impl BufRead, path: impl AsRef<Path>) -> Result<Self> {
        Parser::new(reader, path.as_ref()).run()
    }

    /// Writes the file to `path` (created or truncated).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io_err)?);
        self.write_to(&mut out).map_err(io_err)?;
        out.flush().map_err(io_err)
    }

    /// Writes the file as MEME minimal format. Numbers are written in their shortest exact form,
    /// so reading the output gives back the same values.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut text = String::new();
        let strands = match self.strands {
            Strands::Both => "+ -",
            Strands::Forward => "+",
        };
        let bg = self.background.frequencies();
        // Writing into a String cannot fail.
        let _ = write!(
            text,
            "MEME version {}\n\nALPHABET= ACGT\n\nstrands: {strands}\n\n\
             Background letter frequencies\nA {} C {} G {} T {}\n\n",
            self.version,
            number(bg[0]),
            number(bg[1]),
            number(bg[2]),
            number(bg[3])
        );
        for m in &self.motifs {
            let _ = match m.alt() {
                Some(alt) => writeln!(text, "MOTIF {} {alt}", m.id()),
                None => writeln!(text, "MOTIF {}", m.id()),
            };
            let _ = writeln!(
                text,
                "letter-probability matrix: alength= 4 w= {} nsites= {} E= {}",
                m.width(),
                number(m.nsites()),
                number(m.e_value())
            );
            for row in m.probabilities() {
                let _ = writeln!(
                    text,
                    " {} {} {} {}",
                    number(row[0]),
                    number(row[1]),
                    number(row[2]),
                    number(row[3])
                );
            }
            text.push('\n');
        }
        out.write_all(text.as_bytes())
    }
}

/// Reads the motifs of a MEME file.
pub fn read_meme(path: impl AsRef<Path>) -> Result<Vec<Motif>> {
    Ok(MemeFile::read(path)?.motifs)
}

/// Writes `motifs` as a MEME minimal-format file (version 4, both strands, uniform background).
pub fn write_meme(path: impl AsRef<Path>, motifs: &[Motif]) -> Result<()> {
    MemeFile::new(motifs.to_vec()).write(path)
}

/// A number in the shortest form that parses back to the same value. Rust's `{}` never uses an
/// exponent, which would spell 1e-300 with 300 zeros, so small and huge values use `{:e}`; MEME
/// and Python read both.
fn number(x: f64) -> String {
    if x == 0.0 || (1e-4..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

struct Parser<'a, R> {
    lines: io::Lines<R>,
    path: &'a Path,
    line_no: u64,
    /// A line read ahead and not yet consumed, with its number.
    pending: Option<(String, u64)>,
}

/// The fields of a `letter-probability matrix:` line.
struct MatrixHeader {
    width: Option<usize>,
    nsites: Option<f64>,
    e_value: Option<f64>,
}

impl<'a, R: BufRead> Parser<'a, R> {
    fn new(reader: R, path: &'a Path) -> Self {
        Parser {
            lines: reader.lines(),
            path,
            line_no: 0,
            pending: None,
        }
    }

    fn next_line(&mut self) -> Result<Option<String>> {
        if let Some((line, no)) = self.pending.take() {
            self.line_no = no;
            return Ok(Some(line));
        }
        match self.lines.next() {
            None => Ok(None),
            Some(Ok(line)) => {
                self.line_no += 1;
                Ok(Some(line))
            }
            Some(Err(source)) => Err(Error::Io {
                path: self.path.to_path_buf(),
                source,
            }),
        }
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.to_path_buf(),
            line: self.line_no,
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<MemeFile> {
        let mut version = None;
        let mut strands = Strands::Both;
        let mut background = Background::UNIFORM;
        let mut motifs = Vec::new();

        while let Some(line) = self.next_line()? {
            let trimmed = line.trim();
            if let Some(rest) = line.strip_prefix("MOTIF") {
                if version.is_none() {
                    return Err(self.error("MOTIF before the `MEME version` line: not a MEME file"));
                }
                motifs.push(self.motif(rest)?);
            } else if !motifs.is_empty() {
                // Between motifs: URLs, summaries and site lists of MEME-suite outputs.
                continue;
            } else if let Some(rest) = trimmed.strip_prefix("MEME version") {
                let v = rest.split_whitespace().next().unwrap_or("");
                if v.is_empty() {
                    return Err(self.error("`MEME version` without a version number"));
                }
                version = Some(v.to_string());
            } else if let Some(rest) = trimmed.strip_prefix("ALPHABET=") {
                if rest.trim() != "ACGT" {
                    return Err(self.error(format!(
                        "alphabet {:?}: only DNA motifs (ACGT) are supported",
                        rest.trim()
                    )));
                }
            } else if trimmed.starts_with("ALPHABET") {
                self.alphabet_block(trimmed)?;
            } else if let Some(rest) = trimmed.strip_prefix("strands:") {
                strands = match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                    ["+", "-"] | ["-", "+"] => Strands::Both,
                    ["+"] => Strands::Forward,
                    other => {
                        return Err(self.error(format!("strands {other:?}: expected `+ -` or `+`")))
                    }
                };
            } else if trimmed.starts_with("Background letter frequencies") {
                background = self.background()?;
            }
        }

        let version = version.ok_or_else(|| Error::Format {
            path: self.path.to_path_buf(),
            message: "no `MEME version` line: not a MEME file".to_string(),
        })?;
        Ok(MemeFile {
            version,
            strands,
            background,
            motifs,
        })
    }

    /// A MEME 5 alphabet definition: `ALPHABET "name" [DNA-LIKE]`, one line per core letter
    /// (`A "Adenine" CC0000 ~ T "Thymine" 008000`), aliases with `=`, then `END ALPHABET`.
    fn alphabet_block(&mut self, header: &str) -> Result<()> {
        let start = self.line_no;
        let mut letters = Vec::new();
        loop {
            let Some(line) = self.next_line()? else {
                return Err(Error::Parse {
                    path: self.path.to_path_buf(),
                    line: start,
                    message: format!("`{header}` without `END ALPHABET`"),
                });
            };
            let line = line.trim();
            if line.starts_with("END ALPHABET") {
                break;
            }
            if line.is_empty() || line.contains('=') {
                continue;
            }
            for part in line.split('~') {
                if let Some(sym) = part.split_whitespace().next() {
                    letters.extend(sym.chars().map(|c| c.to_ascii_uppercase()));
                }
            }
        }
        letters.sort_unstable();
        if letters != ['A', 'C', 'G', 'T'] {
            return Err(Error::Parse {
                path: self.path.to_path_buf(),
                line: start,
                message: format!(
                    "alphabet with core letters {:?}: only DNA motifs (ACGT) are supported",
                    letters.iter().collect::<String>()
                ),
            });
        }
        Ok(())
    }

    /// The four `letter frequency` pairs after `Background letter frequencies`, which MEME-suite
    /// tools may spread over several lines.
    fn background(&mut self) -> Result<Background> {
        let mut freqs = [f64::NAN; 4];
        let mut seen = 0;
        while seen < 4 {
            let Some(line) = self.next_line()? else {
                return Err(self.error("file ends inside the background frequencies"));
            };
            let tokens: Vec<&str> = line.split_whitespace().collect();
            if !tokens.len().is_multiple_of(2) {
                return Err(self.error(format!(
                    "background line {line:?}: expected letter-frequency pairs"
                )));
            }
            for pair in tokens.chunks(2) {
                let k = match pair[0] {
                    "A" | "a" => 0,
                    "C" | "c" => 1,
                    "G" | "g" => 2,
                    "T" | "t" => 3,
                    other => {
                        return Err(
                            self.error(format!("background letter {other:?} is not A, C, G or T"))
                        )
                    }
                };
                let f: f64 = pair[1].parse().map_err(|_| {
                    self.error(format!(
                        "background frequency {:?} is not a number",
                        pair[1]
                    ))
                })?;
                if !freqs[k].is_nan() {
                    return Err(self.error(format!("background letter {} given twice", pair[0])));
                }
                freqs[k] = f;
                seen += 1;
            }
        }
        Background::new(freqs).map_err(|e| self.error(e.to_string()))
    }

    /// One motif, from the rest of its `MOTIF` line to the last row of its probability matrix.
    fn motif(&mut self, names: &str) -> Result<Motif> {
        let motif_line = self.line_no;
        let mut words = names.split_whitespace();
        let id = words
            .next()
            .ok_or_else(|| self.error("MOTIF without an identifier"))?
            .to_string();
        // MEME's own output follows the alternate name with `width = ...` statistics.
        let alt = words
            .next()
            .filter(|w| !w.contains('='))
            .map(str::to_string);

        let header = loop {
            match self.next_line()? {
                None => {
                    return Err(Error::Parse {
                        path: self.path.to_path_buf(),
                        line: motif_line,
                        message: format!("motif {id} has no letter-probability matrix"),
                    })
                }
                Some(line) if line.starts_with("MOTIF") => {
                    return Err(Error::Parse {
                        path: self.path.to_path_buf(),
                        line: motif_line,
                        message: format!("motif {id} has no letter-probability matrix"),
                    })
                }
                Some(line) => {
                    if let Some(rest) = line.trim_start().strip_prefix("letter-probability matrix:")
                    {
                        break self.matrix_header(rest)?;
                    }
                }
            }
        };

        let mut rows = Vec::new();
        loop {
            if header.width == Some(rows.len()) {
                break;
            }
            let Some(line) = self.next_line()? else {
                if header.width.is_none() && !rows.is_empty() {
                    break;
                }
                return Err(self.error(format!(
                    "file ends after {} of the {} rows of motif {id}",
                    rows.len(),
                    header
                        .width
                        .map_or("expected".to_string(), |w| w.to_string())
                )));
            };
            let trimmed = line.trim();
            if trimmed.is_empty() && rows.is_empty() {
                continue;
            }
            let values: Vec<&str> = trimmed.split_whitespace().collect();
            let parsed: Option<Vec<f64>> = values.iter().map(|v| v.parse().ok()).collect();
            match (parsed, header.width) {
                (Some(v), _) if v.len() == 4 => {
                    let row = [v[0], v[1], v[2], v[3]];
                    check_probabilities(&row)
                        .map_err(|m| self.error(format!("motif {id}: {m}")))?;
                    rows.push(row);
                }
                // Without `w=`, the matrix ends at the first line that is not a row.
                (_, None) if !rows.is_empty() => {
                    self.pending = Some((line, self.line_no));
                    break;
                }
                (Some(v), _) if !v.is_empty() => {
                    return Err(self.error(format!(
                        "motif {id}: a row needs 4 probabilities (A C G T), found {}",
                        v.len()
                    )))
                }
                _ => {
                    let expected = header.width.map_or(String::new(), |w| format!(" of {w}"));
                    return Err(self.error(format!(
                        "motif {id}: expected row {}{expected} of the probability matrix, found {trimmed:?}",
                        rows.len() + 1
                    )));
                }
            }
        }

        let mut motif = Motif::from_probabilities(id, rows).map_err(|e| Error::Parse {
            path: self.path.to_path_buf(),
            line: motif_line,
            message: e.to_string(),
        })?;
        if let Some(alt) = alt {
            motif = motif.with_alt(alt);
        }
        if let Some(n) = header.nsites {
            motif = motif.with_nsites(n);
        }
        if let Some(e) = header.e_value {
            motif = motif.with_e_value(e);
        }
        Ok(motif)
    }

    /// `alength= 4 w= 9 nsites= 2000 E= 0`, each field optional; `key=value` may also be written
    /// without the space.
    fn matrix_header(&self, rest: &str) -> Result<MatrixHeader> {
        let mut fields = Vec::new();
        let mut tokens = rest.split_whitespace().peekable();
        while let Some(tok) = tokens.next() {
            let Some((key, value)) = tok.split_once('=') else {
                return Err(self.error(format!("matrix header field {tok:?} is not key= value")));
            };
            let value = if value.is_empty() {
                tokens
                    .next()
                    .ok_or_else(|| self.error(format!("matrix header field {key}= has no value")))?
            } else {
                value
            };
            fields.push((key, value));
        }
        let mut header = MatrixHeader {
            width: None,
            nsites: None,
            e_value: None,
        };
        for (key, value) in fields {
            let bad = || {
                self.error(format!(
                    "matrix header: {key}= {value:?} is not a valid number"
                ))
            };
            match key {
                "alength" if value != "4" => {
                    return Err(self.error(format!(
                        "alength= {value}: only DNA motifs (4 letters) are supported"
                    )));
                }
                "w" => {
                    let w: usize = value.parse().map_err(|_| bad())?;
                    if w == 0 {
                        return Err(self.error("w= 0: a motif needs at least one position"));
                    }
                    header.width = Some(w);
                }
                "nsites" => header.nsites = Some(value.parse().map_err(|_| bad())?),
                "E" => header.e_value = Some(value.parse().map_err(|_| bad())?),
                // Other fields (MEME writes none today) carry nothing the motif needs.
                _ => {}
            }
        }
        Ok(header)
    }
}

/// Why `row` is not a row of probabilities, if it is not.
fn check_probabilities(row: &[f64; 4]) -> std::result::Result<(), String> {
    if row.iter().any(|&v| !v.is_finite() || v < 0.0) {
        return Err(format!(
            "probabilities must be finite and non-negative, got {row:?}"
        ));
    }
    let sum: f64 = row.iter().sum();
    if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
        return Err(format!("row sums to {sum}, not 1"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MemeFile> {
        MemeFile::parse(text.as_bytes(), "test.meme")
    }

    fn parse_error(text: &str) -> (u64, String) {
        match parse(text) {
            Err(Error::Parse { line, message, .. }) => (line, message),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    const JASPAR_STYLE: &str = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n\
        Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n\
        MOTIF MA0004.1 Arnt\nletter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0\n\
        \x20 0.200000 0.800000 0.000000 0.000000\n  0.950000 0.000000 0.050000 0.000000\n\
        URL http://jaspar.genereg.net/matrix/MA0004.1\n\n\
        MOTIF MA0006.1 Ahr::Arnt\nletter-probability matrix: alength= 4 w= 1 nsites= 24 E= 0\n\
        \x20 0.125000 0.333333 0.083333 0.458333\n";

    #[test]
    fn reads_jaspar_style() {
        let f = parse(JASPAR_STYLE).unwrap();
        assert_eq!(f.version, "4");
        assert_eq!(f.motifs.len(), 2);
        assert_eq!(f.motifs[0].id(), "MA0004.1");
        assert_eq!(f.motifs[0].alt(), Some("Arnt"));
        assert_eq!(f.motifs[0].probabilities()[1], [0.95, 0.0, 0.05, 0.0]);
        assert_eq!(f.motifs[1].nsites(), 24.0);
    }

    #[test]
    fn reads_meme_suite_output() {
        // Trimmed from the layout of meme.txt (MEME 5): a custom alphabet block, background
        // frequencies on the next line, statistics after the motif name, sections to skip.
        let text = "********************\nMEME - Motif discovery tool\n\
            MEME version 5.5.4 (Release date: Fri Jun 16 12:19:08 2023 -0700)\n\
            ALPHABET \"DNA\" DNA-LIKE\nA \"Adenine\" CC0000 ~ T \"Thymine\" 008000\n\
            C \"Cytosine\" 0000CC ~ G \"Guanine\" FFB300\nN \"Any base\" = ACGT\nEND ALPHABET\n\
            strands: + -\nBackground letter frequencies (from file `x.fa`):\n\
            A 0.3 C 0.2\nG 0.2 T 0.3\n\
            MOTIF CACGTG MEME-1\twidth =   2  sites =  20  llr = 187  E-value = 2.5e-012\n\
            \tMotif CACGTG MEME-1 position-specific scoring matrix\n\
            log-odds matrix: alength= 4 w= 2 n= 100 bayes= 1 E= 2.5e-012\n -1 2 -3 -4\n 1 1 1 1\n\
            \tMotif CACGTG MEME-1 position-specific probability matrix\n\
            letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 2.5e-012\n\
            \x200.000000  1.000000  0.000000  0.000000 \n\x201.000000  0.000000  0.000000  0.000000 \n\
            ------------\nTime 0.1 secs.\n";
        let f = parse(text).unwrap();
        assert_eq!(f.version, "5.5.4");
        assert_eq!(f.background.frequencies(), [0.3, 0.2, 0.2, 0.3]);
        let m = &f.motifs[0];
        assert_eq!((m.id(), m.alt()), ("CACGTG", Some("MEME-1")));
        assert_eq!(m.consensus(), "CA");
        assert_eq!(m.e_value(), 2.5e-12);
    }

    #[test]
    fn reads_memelite_output_without_alt_and_with_url_lines() {
        let text = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n\
            Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n\
            MOTIF 0\nletter-probability matrix: alength= 4 w= 1 nsites= 1 E= 0\n\
            0.1 0.2 0.3 0.4\nURL BLANK\n\n\
            MOTIF 1\nletter-probability matrix: alength=4 w=1\n0.25 0.25 0.25 0.25\nURL BLANK\n";
        let f = parse(text).unwrap();
        assert_eq!(f.motifs.len(), 2);
        assert_eq!(f.motifs[0].alt(), None);
        assert_eq!(
            f.motifs[1].nsites(),
            20.0,
            "MEME's default when nsites= is missing"
        );
    }

    #[test]
    fn matrix_without_width_ends_at_first_non_row() {
        let text = "MEME version 4\nMOTIF A\nletter-probability matrix:\n1 0 0 0\n0 1 0 0\n\n\
            MOTIF B\nletter-probability matrix:\n0 0 0 1\n";
        let f = parse(text).unwrap();
        assert_eq!(f.motifs[0].width(), 2);
        assert_eq!(f.motifs[1].consensus(), "T");
    }

    #[test]
    fn errors_name_the_line() {
        let header = "MEME version 4\nALPHABET= ACGT\n";
        let (line, msg) = parse_error(&format!(
            "{header}MOTIF X\nletter-probability matrix: alength= 4 w= 2\n1 0 0 0\n0.5 0.5 0\n"
        ));
        assert_eq!(line, 6);
        assert!(msg.contains("4 probabilities"), "{msg}");

        let (line, msg) = parse_error(&format!(
            "{header}MOTIF X\nletter-probability matrix: w= 2\n1 0 0 0\nMOTIF Y\n"
        ));
        assert_eq!(line, 6);
        assert!(msg.contains("row 2 of 2"), "{msg}");

        let (line, msg) = parse_error(&format!(
            "{header}MOTIF X\nletter-probability matrix: w= 1\n0.9 0.9 0 0\n"
        ));
        assert_eq!(line, 5);
        assert!(msg.contains("sums to"), "{msg}");

        let (line, _) = parse_error(&format!("{header}MOTIF X\nURL none\nMOTIF Y\n"));
        assert_eq!(
            line, 3,
            "a motif without a matrix is reported at its MOTIF line"
        );

        let (line, msg) = parse_error("MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n");
        assert_eq!(line, 2);
        assert!(msg.contains("DNA"), "{msg}");

        let (line, _) = parse_error(&format!(
            "{header}MOTIF X\nletter-probability matrix: alength= 20 w= 1\n"
        ));
        assert_eq!(line, 4);
        assert!(matches!(
            parse("MOTIF X\n"),
            Err(Error::Parse { line: 1, .. })
        ));
        assert!(matches!(parse("hello\n"), Err(Error::Format { .. })));
    }

    #[test]
    fn write_then_read_gives_back_the_same_file() {
        let motifs = vec![
            Motif::from_counts("M1", &[[1.0, 2.0, 3.0, 4.0], [3.0, 0.0, 0.0, 0.0]])
                .unwrap()
                .with_alt("first"),
            Motif::from_probabilities("M2", vec![[1e-7, 0.5, 0.5 - 1e-7, 0.0]])
                .unwrap()
                .with_nsites(7.5)
                .with_e_value(3.2e-40),
        ];
        let file = MemeFile {
            version: "4".to_string(),
            strands: Strands::Forward,
            background: Background::new([0.3, 0.2, 0.2, 0.3]).unwrap(),
            motifs,
        };
        let mut bytes = Vec::new();
        file.write_to(&mut bytes).unwrap();
        let back = MemeFile::parse(bytes.as_slice(), "round-trip.meme").unwrap();
        assert_eq!(back, file);
    }
}
