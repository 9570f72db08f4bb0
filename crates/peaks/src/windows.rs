//! Fixed-width windows: centred on accessible regions or on merged peak summits, kept on their
//! chromosome, out of the blacklist, sorted and deduplicated; and an index to find the windows
//! that hold a position or overlap an interval.

use std::{ops::Range, path::Path};

use serde::{Deserialize, Serialize};
use tfbind_genome::ChromSizes;

use crate::{bed::Region, narrowpeak::PeakFile, params::OffEnd, Error, Result};

/// Where a window will be centred, and what it came from (for errors and names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seed {
    pub chrom: u32,
    pub centre: u64,
    pub name: Option<String>,
    /// Index of the source file in the list given to [`place`], and the line in it.
    pub file: usize,
    pub line: u64,
}

/// A window in BED coordinates on chromosome `chrom` (an index in the genome's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Win {
    pub chrom: u32,
    pub start: u64,
    pub end: u64,
    pub name: Option<String>,
}

/// One seed per region, at its midpoint (rounded down), keeping the region's name.
pub(crate) fn seeds_from_regions(regions: Vec<Region>) -> Vec<Seed> {
    regions
        .into_iter()
        .map(|r| Seed {
            chrom: r.chrom,
            centre: r.start + (r.end - r.start) / 2,
            name: r.name,
            file: 0,
            line: r.line,
        })
        .collect()
}

/// One seed per cluster of summits, pooled over all TFs: sorted summits join the cluster of the
/// first summit of the cluster while at most `merge_distance` past it, and the seed sits at the
/// middle of the cluster's span (so with a span below the width, every summit lies in the window).
/// `files[i]` is the file index recorded in the seeds.
pub(crate) fn seeds_from_peaks(files: &[PeakFile], merge_distance: u64) -> Vec<Seed> {
    let mut summits: Vec<(u32, u64, usize, u64)> = files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.peaks.iter().map(move |p| (p.chrom, p.summit, i, p.line)))
        .collect();
    summits.sort_unstable();
    let mut seeds = Vec::new();
    let mut rest = summits.as_slice();
    while let Some(&(chrom, first, file, line)) = rest.first() {
        let n = rest
            .iter()
            .take_while(|s| s.0 == chrom && s.1 - first <= merge_distance)
            .count();
        let last = rest[n - 1].1;
        seeds.push(Seed {
            chrom,
            centre: first + (last - first) / 2,
            name: None,
            file,
            line,
        });
        rest = &rest[n..];
    }
    seeds
}

/// What placing windows did at chromosome ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndStats {
    pub shifted: u64,
    pub clipped: u64,
    pub dropped: u64,
}

/// Centres a `width` window on every seed and applies `off_end` to those running off their
/// chromosome. `paths[seed.file]` names the source in errors.
pub(crate) fn place(
    seeds: Vec<Seed>,
    sizes: &ChromSizes,
    width: u64,
    off_end: OffEnd,
    paths: &[&Path],
) -> Result<(Vec<Win>, EndStats)> {
    let mut stats = EndStats::default();
    let mut out = Vec::with_capacity(seeds.len());
    for seed in seeds {
        let (chrom_name, len) = sizes
            .entry(seed.chrom as usize)
            .expect("seeds are on the genome's chromosomes");
        // Signed, since a window around a summit near position 0 starts before it.
        let lo = seed.centre as i128 - (width / 2) as i128;
        let hi = lo + width as i128;
        let (start, end) = if lo >= 0 && hi <= len as i128 {
            (lo as u64, hi as u64)
        } else {
            match off_end {
                OffEnd::Shift if width <= len => {
                    stats.shifted += 1;
                    let start = lo.clamp(0, (len - width) as i128) as u64;
                    (start, start + width)
                }
                OffEnd::Shift | OffEnd::Drop => {
                    stats.dropped += 1;
                    continue;
                }
                OffEnd::Clip => {
                    stats.clipped += 1;
                    (lo.max(0) as u64, hi.min(len as i128) as u64)
                }
                OffEnd::Error => {
                    return Err(Error::WindowOffEnd {
                        path: paths[seed.file].to_owned(),
                        line: seed.line,
                        width,
                        window: format!("{chrom_name}:{lo}-{hi}"),
                        chrom: chrom_name.to_owned(),
                        len,
                    })
                }
            }
        };
        out.push(Win {
            chrom: seed.chrom,
            start,
            end,
            name: seed.name,
        });
    }
    Ok((out, stats))
}

/// Removes the windows overlapping any blacklist interval; returns how many.
pub(crate) fn remove_blacklisted(
    windows: &mut Vec<Win>,
    mut blacklist: Vec<(u32, u64, u64)>,
) -> u64 {
    blacklist.sort_unstable();
    // Merged into disjoint intervals, whose ends are then sorted too: one binary search a window.
    let mut merged: Vec<(u32, u64, u64)> = Vec::with_capacity(blacklist.len());
    for (chrom, start, end) in blacklist {
        match merged.last_mut() {
            Some(last) if last.0 == chrom && start <= last.2 => last.2 = last.2.max(end),
            _ => merged.push((chrom, start, end)),
        }
    }
    let before = windows.len();
    windows.retain(|w| {
        let i = merged.partition_point(|b| (b.0, b.2) <= (w.chrom, w.start));
        !merged.get(i).is_some_and(|b| b.0 == w.chrom && b.1 < w.end)
    });
    (before - windows.len()) as u64
}

/// Sorts windows in genome order (chromosome, start, end) and removes repeats of the same
/// coordinates, keeping the first given; returns how many were removed. Genome order makes the
/// artifact independent of input order and lets later stages read the genome sequentially.
pub(crate) fn sort_dedup(windows: &mut Vec<Win>) -> u64 {
    windows.sort_by_key(|w| (w.chrom, w.start, w.end));
    let before = windows.len();
    windows.dedup_by_key(|w| (w.chrom, w.start, w.end));
    (before - windows.len()) as u64
}

/// The windows as the `regions` artifact holds them; unnamed ones are named `chrom:start-end`
/// ([`tfbind_genome::window_name`]).
pub(crate) fn to_dataset(windows: Vec<Win>, sizes: &ChromSizes) -> Vec<tfbind_dataset::Window> {
    windows
        .into_iter()
        .map(|w| {
            let chrom = sizes
                .entry(w.chrom as usize)
                .expect("windows are on the genome's chromosomes")
                .0
                .to_owned();
            let name = w
                .name
                .unwrap_or_else(|| tfbind_genome::window_name(&chrom, w.start, w.end));
            tfbind_dataset::Window {
                chrom,
                start: w.start,
                end: w.end,
                name,
            }
        })
        .collect()
}

/// Finds windows by position. Built over windows sorted by (chromosome, start); since none is
/// longer than `max_len`, the windows that can reach a position start at most `max_len - 1`
/// before it, so a query is two binary searches and a short scan.
#[derive(Debug)]
pub(crate) struct WindowIndex {
    /// Rows of each chromosome's windows, by chromosome id.
    chroms: Vec<Range<usize>>,
    starts: Vec<u64>,
    ends: Vec<u64>,
    max_len: u64,
}

impl WindowIndex {
    pub fn new(windows: &[Win], n_chroms: usize) -> Self {
        let mut chroms = vec![0..0; n_chroms];
        let mut row = 0;
        while row < windows.len() {
            let chrom = windows[row].chrom;
            let n = windows[row..]
                .iter()
                .take_while(|w| w.chrom == chrom)
                .count();
            chroms[chrom as usize] = row..row + n;
            row += n;
        }
        Self {
            chroms,
            starts: windows.iter().map(|w| w.start).collect(),
            ends: windows.iter().map(|w| w.end).collect(),
            max_len: windows.iter().map(|w| w.end - w.start).max().unwrap_or(0),
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// The rows of the windows on chromosome `chrom`.
    pub fn chrom_rows(&self, chrom: u32) -> Range<usize> {
        self.chroms[chrom as usize].clone()
    }

    pub fn start(&self, row: usize) -> u64 {
        self.starts[row]
    }

    pub fn end(&self, row: usize) -> u64 {
        self.ends[row]
    }

    /// Rows of the windows overlapping `start..end` on `chrom`, in order.
    pub fn overlapping(
        &self,
        chrom: u32,
        start: u64,
        end: u64,
    ) -> impl Iterator<Item = usize> + '_ {
        let rows = self.chrom_rows(chrom);
        let starts = &self.starts[rows.clone()];
        let from = starts.partition_point(|&s| s + self.max_len <= start);
        let to = starts.partition_point(|&s| s < end);
        (rows.start + from..rows.start + to.max(from)).filter(move |&r| self.ends[r] > start)
    }

    /// Rows of the windows holding position `pos` of `chrom`, in order.
    pub fn containing(&self, chrom: u32, pos: u64) -> impl Iterator<Item = usize> + '_ {
        self.overlapping(chrom, pos, pos + 1)
    }
}

/// Unnamed windows from `(chrom, start, end)`, for tests.
#[cfg(test)]
pub(crate) fn unnamed(coords: &[(u32, u64, u64)]) -> Vec<Win> {
    coords
        .iter()
        .map(|&(chrom, start, end)| Win {
            chrom,
            start,
            end,
            name: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrowpeak::{Peak, PeakFormat};

    fn sizes() -> ChromSizes {
        ChromSizes::new([("chr1".to_string(), 1000), ("chr2".to_string(), 150)]).unwrap()
    }

    fn seed(chrom: u32, centre: u64) -> Seed {
        Seed {
            chrom,
            centre,
            name: None,
            file: 0,
            line: 3,
        }
    }

    fn coords(w: &[Win]) -> Vec<(u32, u64, u64)> {
        w.iter().map(|w| (w.chrom, w.start, w.end)).collect()
    }

    #[test]
    fn regions_centre_their_windows() {
        let region = |start, end| Region {
            chrom: 0,
            start,
            end,
            name: Some("r".into()),
            line: 1,
        };
        let seeds = seeds_from_regions(vec![region(100, 300), region(100, 301), region(0, 1)]);
        let centres: Vec<_> = seeds.iter().map(|s| s.centre).collect();
        assert_eq!(centres, [200, 200, 0]);
        let (w, _) = place(seeds, &sizes(), 200, OffEnd::Drop, &[Path::new("r.bed")]).unwrap();
        assert_eq!(coords(&w), [(0, 100, 300), (0, 100, 300)]);
    }

    #[test]
    fn off_end_policies() {
        let seeds = || vec![seed(0, 50), seed(0, 950), seed(0, 500), seed(1, 75)];
        let p = |off| place(seeds(), &sizes(), 200, off, &[Path::new("p.bed")]);
        let (w, s) = p(OffEnd::Shift).unwrap();
        assert_eq!(coords(&w), [(0, 0, 200), (0, 800, 1000), (0, 400, 600)]);
        assert_eq!(
            (s.shifted, s.dropped),
            (2, 1),
            "chr2 is shorter than a window"
        );
        let (w, s) = p(OffEnd::Clip).unwrap();
        assert_eq!(
            coords(&w),
            [(0, 0, 150), (0, 850, 1000), (0, 400, 600), (1, 0, 150)]
        );
        assert_eq!(s.clipped, 3);
        let (w, s) = p(OffEnd::Drop).unwrap();
        assert_eq!((coords(&w), s.dropped), (vec![(0, 400, 600)], 3));
        let e = p(OffEnd::Error).unwrap_err().to_string();
        assert!(
            e.starts_with("p.bed:3: ") && e.contains("chr1:-50-150"),
            "{e}"
        );
    }

    #[test]
    fn summits_merge_within_the_distance_across_files() {
        let file = |summits: &[u64]| PeakFile {
            peaks: summits
                .iter()
                .map(|&s| Peak {
                    chrom: 0,
                    start: s,
                    end: s + 1,
                    summit: s,
                    line: 1,
                })
                .collect(),
            skipped_unknown_chrom: 0,
            format: PeakFormat::Bed,
        };
        let seeds = seeds_from_peaks(&[file(&[100, 300, 401]), file(&[150, 300])], 100);
        let centres: Vec<_> = seeds.iter().map(|s| s.centre).collect();
        // {100, 150}, {300, 300}, {401}: 401 is 101 past the cluster's first summit.
        assert_eq!(centres, [125, 300, 401]);
        assert_eq!(seeds_from_peaks(&[file(&[5, 5])], 0).len(), 1);
    }

    #[test]
    fn blacklist_and_duplicates() {
        let mut w = unnamed(&[
            (1, 0, 10),
            (0, 50, 60),
            (0, 0, 10),
            (0, 50, 60),
            (0, 30, 40),
        ]);
        assert_eq!(sort_dedup(&mut w), 1);
        assert_eq!(
            coords(&w),
            [(0, 0, 10), (0, 30, 40), (0, 50, 60), (1, 0, 10)]
        );
        // [10, 20) touches the first window only at its end; [35, 55) covers two.
        let removed = remove_blacklisted(&mut w, vec![(0, 45, 55), (0, 10, 20), (0, 35, 46)]);
        assert_eq!(removed, 2);
        assert_eq!(coords(&w), [(0, 0, 10), (1, 0, 10)]);
    }

    #[test]
    fn index_finds_exactly_the_overlapping_windows() {
        let wins = unnamed(&[
            (0, 0, 200),
            (0, 100, 300),
            (0, 150, 160),
            (0, 400, 600),
            (1, 0, 10),
        ]);
        let index = WindowIndex::new(&wins, 3);
        let brute = |chrom: u32, s: u64, e: u64| -> Vec<usize> {
            (0..wins.len())
                .filter(|&r| wins[r].chrom == chrom && wins[r].start < e && wins[r].end > s)
                .collect()
        };
        for chrom in 0..3 {
            for s in (0..700).step_by(7) {
                for len in [1, 13, 250] {
                    let got: Vec<_> = index.overlapping(chrom, s, s + len).collect();
                    assert_eq!(got, brute(chrom, s, s + len), "{chrom}:{s}+{len}");
                }
            }
        }
        assert_eq!(index.containing(0, 155).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(index.chrom_rows(2), 0..0);
    }
}
