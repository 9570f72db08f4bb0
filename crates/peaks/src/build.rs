//! `build`: peak files, a genome, optional accessible regions and blacklist → windows and labels.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tfbind_artifact::stage::Progress;
use tfbind_dataset::Regions;
use tfbind_genome::{bed::UnknownChroms, ChromSizes};

use crate::{
    bed, labels,
    narrowpeak::{self, PeakFile},
    params::BuildParams,
    summary::{BuildStats, Summary},
    tfs::{self, PeakSource},
    windows::{self, WindowIndex},
    Error, Result,
};

/// The input files of `build`.
#[derive(Debug, Clone)]
pub struct BuildInputs {
    /// One peak file per TF, in the order of the label columns.
    pub peaks: Vec<PeakSource>,
    /// Genome FASTA (or its `.fai`), for chromosome names and lengths.
    pub genome: PathBuf,
    /// Accessible regions (BED3+): one window per region. Without them, windows come from peaks.
    pub regions: Option<PathBuf>,
    /// Windows overlapping these intervals (BED3+) are left out.
    pub blacklist: Option<PathBuf>,
}

/// Builds windows and labels in memory. Peak files are read in parallel on the current rayon
/// pool, one step of `progress` each; the first failing file (in input order) is the error.
pub fn build(
    inputs: &BuildInputs,
    sizes: &ChromSizes,
    params: &BuildParams,
    progress: &dyn Progress,
) -> Result<(Regions, Summary)> {
    tfs::check_unique(&inputs.peaks)?;
    progress.start("peak files", inputs.peaks.len() as u64);
    let unknown = if params.skip_unknown_chroms {
        UnknownChroms::Skip
    } else {
        UnknownChroms::Error
    };
    let files: Vec<Result<PeakFile>> = inputs
        .peaks
        .par_iter()
        .map(|s| {
            let file = narrowpeak::read_peaks(&s.path, sizes, unknown);
            progress.advance(1);
            file
        })
        .collect();
    let files = files.into_iter().collect::<Result<Vec<_>>>()?;
    let mut stats = BuildStats::default();
    for (source, file) in inputs.peaks.iter().zip(&files) {
        stats.peaks += file.peaks.len() as u64;
        stats.peaks_skipped_unknown_chrom += file.skipped_unknown_chrom;
        if file.peaks.is_empty() {
            tracing::warn!(tf = %source.tf, path = %source.path.display(), "no peaks: its windows are all unbound (or NA)");
            stats.tfs_without_peaks.push(source.tf.clone());
        }
    }

    let (seeds, seed_paths): (_, Vec<&Path>) = match &inputs.regions {
        Some(path) => {
            let regions = bed::read_regions(path, sizes, unknown)?;
            stats.regions = Some(regions.regions.len() as u64);
            stats.regions_skipped_unknown_chrom = regions.skipped_unknown_chrom;
            (windows::seeds_from_regions(regions.regions), vec![path])
        }
        None => {
            if stats.peaks == 0 {
                return Err(Error::NoWindows {
                    reason: "no regions were given and no peak file holds a peak".into(),
                });
            }
            let paths = inputs.peaks.iter().map(|s| s.path.as_path()).collect();
            (
                windows::seeds_from_peaks(&files, params.merge_distance()),
                paths,
            )
        }
    };
    let (mut wins, off_end) =
        windows::place(seeds, sizes, params.width, params.off_end, &seed_paths)?;
    stats.off_end = off_end;
    if let Some(path) = &inputs.blacklist {
        stats.blacklisted =
            windows::remove_blacklisted(&mut wins, bed::read_blacklist(path, sizes, unknown)?);
    }
    stats.duplicates = windows::sort_dedup(&mut wins);
    if wins.is_empty() {
        return Err(Error::NoWindows {
            reason: format!(
                "{} dropped at chromosome ends, {} blacklisted",
                stats.off_end.dropped, stats.blacklisted
            ),
        });
    }
    if u32::try_from(wins.len()).is_err() {
        return Err(Error::NoWindows {
            reason: format!("{} windows are more than 2^32 - 1", wins.len()),
        });
    }
    tracing::info!(windows = wins.len(), tfs = files.len(), "labelling");

    let index = WindowIndex::new(&wins, sizes.len());
    let columns: Vec<labels::Column> = files
        .par_iter()
        .map(|f| labels::column(&f.peaks, &index, params, sizes.len()))
        .collect();
    stats.peaks_without_window = columns.iter().map(|c| c.peaks_without_window).sum();
    let peak_counts: Vec<(u64, u64)> = files
        .iter()
        .zip(&columns)
        .map(|(f, c)| (f.peaks.len() as u64, c.peaks_without_window))
        .collect();
    let names = inputs.peaks.iter().map(|s| s.tf.clone()).collect();
    let labels = labels::matrix(names, &columns, index.len());
    let summary = Summary::new(&labels, Some((stats, peak_counts)));
    let regions = Regions {
        windows: windows::to_dataset(wins, sizes),
        labels,
    };
    Ok((regions, summary))
}
