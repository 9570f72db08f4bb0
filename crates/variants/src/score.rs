//! Scoring records: read, checked and cut into windows a chunk at a time on one thread, predicted
//! by workers ([`tfbind_model::workers`]: one per `--threads` on CPU), and written in input order
//! on this one, so memory stays bounded by a few chunks whatever the size of the input and rows
//! reach the file as chunks finish.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::Progress;
use tfbind_genome::bed::{BedInterval, ChromCheck, UnknownChroms};
use tfbind_genome::{codes, ChromSizes, Genome, Interval};
use tfbind_model::{Model, Predictor};

use crate::error::{Result, VariantsError};
use crate::input::{Variant, VariantReader};
use crate::params::{parse_region, Params};
use crate::vcf_out::AlleleScore;
use crate::windows::{Context, Geometry};

/// Records read, checked and cut into windows at a time, each chunk going to the next
/// prediction worker: small enough that a VCF of a few thousand records keeps two workers busy
/// (2,048 left one of them idle on 2,000 records, 1.7x the time), large enough that batches stay
/// full.
const CHUNK_RECORDS: usize = 512;

/// Probabilities are kept this far from 0 and 1 for the log-odds, which are otherwise infinite
/// where a float32 sigmoid saturates.
const LOGIT_CLAMP: f64 = 1e-7;

/// A loaded model and the column-group name of each of its tasks.
pub struct ScoringModel {
    pub model: Model,
    pub groups: Vec<String>,
}

/// What a run read, wrote and left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Records scored: in --region and in --shard, not skipped.
    pub records: u64,
    /// Rows written: one per record and ALT allele scored.
    pub rows: u64,
    /// ALT alleles left out: symbolic (`<DEL>`), breakends, `*`, and records without an ALT.
    pub symbolic_alleles: u64,
    /// Records skipped because REF differs from the genome (--skip-ref-mismatch).
    pub ref_mismatches: u64,
    /// Records skipped on chromosomes the genome lacks (--skip-unknown-chroms).
    pub unknown_chroms: u64,
    /// Model × row scores left NA: a window would run off the chromosome's end.
    pub near_chrom_end: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.records += o.records;
        self.rows += o.rows;
        self.symbolic_alleles += o.symbolic_alleles;
        self.ref_mismatches += o.ref_mismatches;
        self.unknown_chroms += o.unknown_chroms;
        self.near_chrom_end += o.near_chrom_end;
    }
}

/// Which records of the input a run scores: those in the region, then the shard's part of them.
pub struct Selection {
    region: Option<(String, u64, u64)>,
    /// Indices among the records in the region: `[from, to)`.
    range: (u64, u64),
}

impl Selection {
    /// Counts the records in the region (one pass over the input) to place the shard. A region
    /// on a chromosome `sizes` lacks is a usage error; a file without any record is an error; a
    /// region without any is not (a job array's part of it).
    pub fn new(reader: VariantReader, params: &Params, sizes: &ChromSizes) -> Result<(Self, u64)> {
        let region = params
            .region
            .as_deref()
            .map(parse_region)
            .transpose()
            .map_err(VariantsError::Parameters)?;
        if let (Some((chrom, _, _)), Some(text)) = (&region, &params.region) {
            if sizes.get(chrom).is_none() {
                return Err(VariantsError::Parameters(format!(
                    "--region {text}: the genome has no chromosome {chrom:?}"
                )));
            }
        }
        let mut selection = Selection {
            region,
            range: (0, u64::MAX),
        };
        let mut reader = reader;
        let (mut records, mut total) = (0u64, 0u64);
        while let Some(v) = reader.next_variant()? {
            records += 1;
            total += selection.in_region(&v) as u64;
        }
        if records == 0 {
            return Err(VariantsError::Input {
                path: reader.path().to_owned(),
                message: "no variant records in the file".into(),
            });
        }
        if total == 0 {
            tracing::warn!(region = ?params.region, "no records in the region");
        }
        selection.range = match params.shard {
            Some(shard) => shard.range(total),
            None => (0, total),
        };
        let selected = selection.range.1 - selection.range.0;
        Ok((selection, selected))
    }

    fn in_region(&self, v: &Variant) -> bool {
        match &self.region {
            Some((chrom, start, end)) => v.chrom == *chrom && (*start..=*end).contains(&v.pos),
            None => true,
        }
    }
}

/// An allele's codes: A, C, G, T and N, with IUPAC ambiguity letters (which some VCFs carry in
/// REF) read as N, as the genome's are; `None` for anything else.
fn allele_codes(allele: &str) -> Option<Vec<u8>> {
    const LETTERS: &[u8] = b"ACGTNRYSWKMBDHV";
    let valid = |b: &u8| LETTERS.contains(&b.to_ascii_uppercase());
    if allele.is_empty() || !allele.bytes().all(|b| valid(&b)) {
        return None;
    }
    codes::encode(allele.as_bytes()).ok()
}

/// Symbolic alleles, breakends, the spanning deletion `*` and the missing `.`: not sequence.
fn is_symbolic(alt: &str) -> bool {
    alt.starts_with('<') || alt.contains(['[', ']']) || alt == "*" || alt == "."
}

/// One row to write: a record and one of its ALT alleles.
struct Row {
    variant: usize,
    alt: usize,
}

/// A chunk of records cut into windows for every model.
struct Chunk {
    variants: Vec<Variant>,
    rows: Vec<Row>,
    /// Per model: whether each row is scored (its windows fit on the chromosome) and the windows
    /// of the scored rows, reference then alternate, one per shift each.
    windows: Vec<(Vec<bool>, Vec<u8>)>,
    counts: Counts,
}

/// Scores the selected records of `reader` with every model into `out` (the TSV with its header;
/// the annotated VCF's records, after its header), reporting records done as one `score` step
/// of `progress`.
#[allow(clippy::too_many_arguments)]
pub fn score(
    mut reader: VariantReader,
    selection: &Selection,
    selected: u64,
    genome: &Genome,
    models: &[ScoringModel],
    params: &Params,
    out: Outputs,
    progress: &dyn Progress,
) -> Result<Counts> {
    progress.start("score", selected);
    let geometries: Vec<Geometry> = models
        .iter()
        .map(|m| Geometry {
            window: m.model.spec().window_len,
            shifts: params.shifts,
        })
        .collect();
    let groups: Vec<&str> = models
        .iter()
        .flat_map(|m| m.groups.iter().map(String::as_str))
        .collect();
    let path = reader.path().to_owned();
    let cutter = Cutter {
        genome,
        geometries: &geometries,
        params,
        check: ChromCheck::new(
            &path,
            genome.sizes(),
            match params.skip_unknown_chroms {
                true => UnknownChroms::Skip,
                false => UnknownChroms::Error,
            },
        )
        .skipped_by("--skip-unknown-chroms"),
        index: 0,
    };
    // Chunks until the input ends, then the chromosome check's verdict on the whole of it.
    let mut cutter = Some(cutter);
    let chunks = std::iter::from_fn(move || {
        let c = cutter.as_mut()?;
        match c.next_chunk(&mut reader, selection) {
            Ok(Some(chunk)) => Some(Ok(chunk)),
            Ok(None) => {
                let check = cutter.take().expect("checked above").check;
                check.finish().err().map(|e| Err(e.into()))
            }
            Err(e) => {
                cutter = None;
                Some(Err(e))
            }
        }
    });
    let plain: Vec<&Model> = models.iter().map(|m| &m.model).collect();
    tfbind_model::workers::in_turn(
        &plain,
        chunks,
        |predictors, chunk| {
            let values = predict_chunk(&chunk, predictors, &geometries, params)?;
            // Skipped records count as done: the bar's total is every selected record.
            let c = &chunk.counts;
            progress.advance(c.records + c.ref_mismatches + c.unknown_chroms);
            Ok((chunk, values))
        },
        |scored| write_rows(&groups, scored, out),
    )
}

/// Reads records and cuts them into windows.
struct Cutter<'a> {
    genome: &'a Genome,
    geometries: &'a [Geometry],
    params: &'a Params,
    check: ChromCheck<'a>,
    /// Records in the region read so far.
    index: u64,
}

impl Cutter<'_> {
    /// The next chunk of selected records with their windows; `None` after the last.
    fn next_chunk(
        &mut self,
        reader: &mut VariantReader,
        selection: &Selection,
    ) -> Result<Option<Chunk>> {
        let mut counts = Counts::default();
        let mut candidates = Vec::with_capacity(CHUNK_RECORDS);
        while candidates.len() < CHUNK_RECORDS && self.index < selection.range.1 {
            let Some(v) = reader.next_variant()? else {
                break;
            };
            if !selection.in_region(&v) {
                continue;
            }
            self.index += 1;
            if self.index <= selection.range.0 {
                continue;
            }
            let Some(reference) = allele_codes(&v.reference) else {
                return Err(reader.error_at(
                    v.place,
                    format!(
                        "REF {:?} is not a sequence of bases (A, C, G, T, N)",
                        v.reference
                    ),
                ));
            };
            let iv = BedInterval {
                chrom: &v.chrom,
                start: v.pos - 1,
                end: v.pos - 1 + reference.len() as u64,
            };
            if self.check.resolve(v.place, iv)?.is_none() {
                counts.unknown_chroms += 1;
                continue;
            }
            let mut alts = Vec::with_capacity(v.alts.len());
            for alt in &v.alts {
                if is_symbolic(alt) {
                    alts.push(None);
                    continue;
                }
                let Some(c) = allele_codes(alt) else {
                    return Err(reader.error_at(
                        v.place,
                        format!("ALT {alt:?} is neither a sequence of bases (A, C, G, T, N) nor symbolic"),
                    ));
                };
                alts.push(Some(c));
            }
            candidates.push((v, reference, alts));
        }
        if candidates.is_empty() && counts == Counts::default() {
            return Ok(None);
        }

        let contexts = self.contexts(&candidates)?;
        let mut variants = Vec::with_capacity(candidates.len());
        let mut kept = Vec::with_capacity(candidates.len());
        for ((v, reference, alts), (start, context)) in candidates.into_iter().zip(contexts) {
            let at = (v.pos - 1 - start) as usize;
            let genome_ref = &context[at..at + reference.len()];
            let matches = genome_ref
                .iter()
                .zip(&reference)
                .all(|(&g, &r)| r == codes::N || g == r);
            if !matches {
                if self.params.skip_ref_mismatch {
                    counts.ref_mismatches += 1;
                    continue;
                }
                let letters: String = genome_ref
                    .iter()
                    .map(|&c| char::from(codes::LETTERS[c as usize]))
                    .collect();
                return Err(reader.error_at(
                    v.place,
                    format!(
                        "REF {} differs from the genome's {letters} at {}:{} (a VCF of another \
                         assembly?); --skip-ref-mismatch skips such records",
                        v.reference, v.chrom, v.pos
                    ),
                ));
            }
            counts.records += 1;
            counts.symbolic_alleles += alts.iter().filter(|a| a.is_none()).count() as u64;
            counts.symbolic_alleles += alts.is_empty() as u64;
            variants.push(v);
            kept.push((alts, start, context));
        }

        let rows: Vec<Row> = kept
            .iter()
            .enumerate()
            .flat_map(|(variant, (alts, _, _))| {
                (0..alts.len())
                    .filter(|&alt| alts[alt].is_some())
                    .map(move |alt| Row { variant, alt })
            })
            .collect();
        counts.rows = rows.len() as u64;
        let mut windows = Vec::with_capacity(self.geometries.len());
        for g in self.geometries {
            let mut scored = Vec::with_capacity(rows.len());
            let mut codes = Vec::new();
            for row in &rows {
                let (alts, start, context) = &kept[row.variant];
                let v = &variants[row.variant];
                let context = Context {
                    start: *start,
                    codes: context,
                };
                let alt = alts[row.alt].as_deref().expect("a sequence ALT");
                let fits = g.windows(context, v.pos - 1, v.reference.len(), alt, &mut codes);
                counts.near_chrom_end += !fits as u64;
                scored.push(fits);
            }
            windows.push((scored, codes));
        }
        Ok(Some(Chunk {
            variants,
            rows,
            windows,
            counts,
        }))
    }

    /// Each record's genome context: the union of every model's [`Geometry::span`] (which holds
    /// the REF allele), cut to the chromosome. Records of equal context length (nearly all)
    /// are fetched together.
    fn contexts<T>(&self, records: &[(Variant, Vec<u8>, T)]) -> Result<Vec<(u64, Vec<u8>)>> {
        let before = self.geometries.iter().map(|g| g.window / 2 + g.shifts);
        let after = self
            .geometries
            .iter()
            .map(|g| g.window - g.window / 2 + g.shifts - 1);
        let (before, after) = (before.max().unwrap_or(0), after.max().unwrap_or(0));
        let sizes = self.genome.sizes();
        let intervals: Vec<Interval> = records
            .iter()
            .map(|(v, reference, _)| {
                let pos0 = v.pos - 1;
                let len = sizes.get(&v.chrom).expect("a checked chromosome");
                let end = pos0 + (reference.len() + after) as u64;
                Interval::new(
                    v.chrom.clone(),
                    pos0.saturating_sub(before as u64),
                    end.min(len),
                )
            })
            .collect();
        let mut by_len: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, iv) in intervals.iter().enumerate() {
            by_len.entry(iv.len()).or_default().push(i);
        }
        let mut contexts = vec![(0, Vec::new()); records.len()];
        for (len, members) in by_len {
            let group: Vec<Interval> = members.iter().map(|&i| intervals[i].clone()).collect();
            let codes = self.genome.fetch_codes(&group, len as usize)?;
            for (row, &i) in codes.chunks_exact(len as usize).zip(&members) {
                contexts[i] = (intervals[i].start, row.to_vec());
            }
        }
        Ok(contexts)
    }
}

/// Every row's reference and alternate probability per model and task (NaN where the row is not
/// scored), row-major: `[rows × groups × 2]`.
fn predict_chunk(
    chunk: &Chunk,
    predictors: &[Predictor],
    geometries: &[Geometry],
    params: &Params,
) -> Result<Vec<f32>> {
    let groups: usize = predictors.iter().map(|p| p.spec().n_tasks).sum();
    let mut values = vec![f32::NAN; chunk.rows.len() * groups * 2];
    let mut first_group = 0;
    for ((predictor, g), (scored, codes)) in predictors.iter().zip(geometries).zip(&chunk.windows) {
        let tasks = predictor.spec().n_tasks;
        let snv: Vec<bool> = chunk
            .rows
            .iter()
            .zip(scored)
            .filter(|(_, &s)| s)
            .map(|(row, _)| {
                let v = &chunk.variants[row.variant];
                v.reference.len() == 1 && v.alts[row.alt].len() == 1
            })
            .collect();
        let p = window_probabilities(predictor, &snv, codes, g, tasks, params)?;
        let per = g.per_allele();
        let mut windows = p.chunks_exact(tasks);
        for (row, _) in scored.iter().enumerate().filter(|(_, &s)| s) {
            let mut sums = vec![[0f64; 2]; tasks];
            for allele in 0..2 {
                for _ in 0..per {
                    let w = windows.next().expect("windows for each scored row");
                    for (sum, &v) in sums.iter_mut().zip(w) {
                        sum[allele] += v as f64;
                    }
                }
            }
            for (t, sum) in sums.iter().enumerate() {
                let at = (row * groups + first_group + t) * 2;
                values[at] = (sum[0] / per as f64) as f32;
                values[at + 1] = (sum[1] / per as f64) as f32;
            }
        }
        first_group += tasks;
    }
    Ok(values)
}

/// Every window's probabilities, `[windows × tasks]` in the order of `codes`: the scored rows'
/// windows as [`Geometry::windows`] appends them, `snv` telling which rows are SNVs.
///
/// An SNV's alternate window differs from its reference window in one base, at the index
/// ([`Geometry::snv_index`]) every SNV shares for a shift, so the SNVs' windows are predicted a
/// shift at a time with [`Predictor::predict_substituted`], which derives the alternate windows'
/// activations from the reference windows'; other rows' windows run in full.
fn window_probabilities(
    predictor: &Predictor,
    snv: &[bool],
    codes: &[u8],
    g: &Geometry,
    tasks: usize,
    params: &Params,
) -> Result<Vec<f32>> {
    let (len, per) = (g.window, g.per_allele());
    // A scored row's windows: `per` reference, then `per` alternate.
    let row_windows = |k: usize| &codes[k * 2 * per * len..(k + 1) * 2 * per * len];
    let row_values = 2 * per * tasks;
    let mut p = vec![0f32; codes.len() / len * tasks];
    let (snvs, others): (Vec<usize>, Vec<usize>) = (0..snv.len()).partition(|&k| snv[k]);

    let others_codes: Vec<u8> = others
        .iter()
        .flat_map(|&k| row_windows(k))
        .copied()
        .collect();
    let mut others_p = Vec::with_capacity(others.len() * row_values);
    for part in others_codes.chunks(params.batch_size * len) {
        others_p.extend(predictor.predict(part, params.rc_average)?);
    }
    for (&k, values) in others.iter().zip(others_p.chunks_exact(row_values)) {
        p[k * row_values..(k + 1) * row_values].copy_from_slice(values);
    }

    // Two windows per SNV: as many windows per pass as --batch-size.
    let snvs_per_pass = (params.batch_size / 2).max(1);
    for shift in 0..per {
        let at = g.snv_index(shift);
        for part in snvs.chunks(snvs_per_pass) {
            let mut reference = Vec::with_capacity(part.len() * len);
            let mut bases = Vec::with_capacity(part.len());
            for &k in part {
                let windows = row_windows(k);
                reference.extend_from_slice(&windows[shift * len..(shift + 1) * len]);
                bases.push(windows[(per + shift) * len + at]);
            }
            let (r, a) =
                predictor.predict_substituted(&reference, at, &bases, params.rc_average)?;
            for ((&k, r), a) in part
                .iter()
                .zip(r.chunks_exact(tasks))
                .zip(a.chunks_exact(tasks))
            {
                let row = &mut p[k * row_values..(k + 1) * row_values];
                row[shift * tasks..(shift + 1) * tasks].copy_from_slice(r);
                row[(per + shift) * tasks..(per + shift + 1) * tasks].copy_from_slice(a);
            }
        }
    }
    Ok(p)
}

/// The TSV's column names: the record's, then four per model and task.
pub fn header(groups: &[&str]) -> String {
    let mut header = String::from("chrom\tpos\tid\tref\talt");
    for g in groups {
        for suffix in ["ref", "alt", "diff", "log_odds"] {
            let _ = write!(header, "\t{g}_{suffix}");
        }
    }
    header
}

fn logit(p: f32) -> f64 {
    let p = (p as f64).clamp(LOGIT_CLAMP, 1.0 - LOGIT_CLAMP);
    (p / (1.0 - p)).ln()
}

/// Where rows go: the TSV, and the annotated VCF's records when asked.
pub struct Outputs<'a> {
    pub tsv: &'a mut (dyn Write + Send),
    pub vcf: Option<&'a mut (dyn Write + Send)>,
}

/// Writes the scored chunks, in input order; returns what they held.
fn write_rows(
    groups: &[&str],
    scored: &mut dyn Iterator<Item = Result<(Chunk, Vec<f32>)>>,
    out: Outputs,
) -> Result<Counts> {
    let error = |what| move |source| VariantsError::Write { what, source };
    let Outputs { tsv, mut vcf } = out;
    writeln!(tsv, "{}", header(groups)).map_err(error("the variants TSV"))?;
    let mut text = String::new();
    let mut records = String::new();
    let mut counts = Counts::default();
    let keys = crate::vcf_out::info_keys(groups);
    for done in scored {
        let (chunk, values) = done?;
        counts += chunk.counts;
        text.clear();
        records.clear();
        // Per row and group, `None` where not scored.
        let mut scores: Vec<Vec<Option<AlleleScore>>> = Vec::with_capacity(chunk.rows.len());
        for (row, v) in chunk.rows.iter().zip(values.chunks_exact(groups.len() * 2)) {
            let variant = &chunk.variants[row.variant];
            let _ = write!(
                text,
                "{}\t{}\t{}\t{}\t{}",
                variant.chrom, variant.pos, variant.id, variant.reference, variant.alts[row.alt]
            );
            let mut per_group = Vec::with_capacity(groups.len());
            for pair in v.chunks_exact(2) {
                let (r, a) = (pair[0], pair[1]);
                if r.is_nan() {
                    text.push_str("\tNA\tNA\tNA\tNA");
                    per_group.push(None);
                } else {
                    let diff = (a as f64 - r as f64) as f32;
                    let log_odds = (logit(a) - logit(r)) as f32;
                    let _ = write!(text, "\t{r}\t{a}\t{diff}\t{log_odds}");
                    per_group.push(Some(AlleleScore {
                        reference: r,
                        alternate: a,
                        log_odds,
                    }));
                }
            }
            text.push('\n');
            scores.push(per_group);
        }
        if vcf.is_some() {
            // Rows of one record are consecutive. A record carried over from VCF text keeps all
            // its ALT alleles (its samples' genotypes index them), unscored ones given `.`.
            let mut next_row = 0;
            for (index, v) in chunk.variants.iter().enumerate() {
                let first_row = next_row;
                while chunk.rows.get(next_row).is_some_and(|r| r.variant == index) {
                    next_row += 1;
                }
                let rows = &chunk.rows[first_row..next_row];
                let scores = &scores[first_row..next_row];
                let record = (v.chrom.as_str(), v.pos, v.id.as_str(), v.reference.as_str());
                let line = match &v.rest {
                    Some(rest) => {
                        let alts: Vec<&str> = v.alts.iter().map(String::as_str).collect();
                        // Nothing scored: the record as it was, without the fields.
                        let by_group = (!rows.is_empty()).then(|| {
                            (0..keys.len())
                                .map(|g| {
                                    let mut per_alt = vec![None; v.alts.len()];
                                    for (row, s) in rows.iter().zip(scores) {
                                        per_alt[row.alt] = s[g];
                                    }
                                    per_alt
                                })
                                .collect::<Vec<Vec<Option<AlleleScore>>>>()
                        });
                        let scored = by_group.as_deref();
                        crate::vcf_out::record_line(record, &alts, Some(rest), &keys, scored)
                    }
                    None if rows.is_empty() => continue,
                    None => {
                        let alts: Vec<&str> = rows.iter().map(|r| v.alts[r.alt].as_str()).collect();
                        let by_group: Vec<Vec<Option<AlleleScore>>> = (0..groups.len())
                            .map(|g| scores.iter().map(|s| s[g]).collect())
                            .collect();
                        crate::vcf_out::record_line(record, &alts, None, &keys, Some(&by_group))
                    }
                };
                records.push_str(&line);
            }
        }
        tsv.write_all(text.as_bytes())
            .map_err(error("the variants TSV"))?;
        if let Some(vcf) = vcf.as_mut() {
            vcf.write_all(records.as_bytes())
                .map_err(error("the annotated VCF"))?;
        }
    }
    tsv.flush().map_err(error("the variants TSV"))?;
    Ok(counts)
}
