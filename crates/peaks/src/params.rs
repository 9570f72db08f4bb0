//! The rules of `tfbind-peaks build`: the `[peaks]` section of a pipeline config, overridden by
//! flags, and recorded in the manifest of the `regions` artifact.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Which windows a peak makes bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assign {
    /// Every window its summit lies in.
    Summit,
    /// The one window, among those its summit lies in, whose centre is nearest the summit; ties
    /// go to the larger overlap with the peak, then to the first window in genome order.
    Best,
    /// Every window the peak covers by at least `min_overlap` of the window's length.
    Overlap,
}

/// What to do with a window that runs off either end of its chromosome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffEnd {
    /// Move it inside, keeping its width (dropped if the chromosome is shorter than a window).
    Shift,
    /// Cut it at the chromosome end (the window is then shorter than the others).
    Clip,
    /// Leave it out.
    Drop,
    /// Stop with an error naming the line it came from.
    Error,
}

/// The largest span of summits whose window, centred on the span's midpoint (rounded down),
/// holds them all: the last summit is `ceil(d / 2)` past the centre and the window ends
/// `ceil(width / 2)` past it.
fn max_merge_distance(width: u64) -> u64 {
    (2 * width.div_ceil(2)).saturating_sub(2)
}

/// The `[peaks]` section: the inputs and rules of `build` (of which `import` takes the genome).
/// Defaults: 200 bp windows, bound = a summit in the window, windows off a chromosome end shifted
/// inside, unknown chromosomes an error, and no NA. The input paths are not parameters: the
/// manifest pins the files themselves, and records the resolved rules and the TF names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BuildParams {
    /// Peak files, or directories of them.
    #[serde(skip_serializing)]
    pub peaks: Vec<PathBuf>,
    /// A TSV of `TF<TAB>peak file` lines, adding to `peaks`.
    #[serde(skip_serializing)]
    pub peak_list: Option<PathBuf>,
    /// Genome FASTA (or its `.fai`), for chromosome names and lengths.
    #[serde(skip_serializing)]
    pub genome: Option<PathBuf>,
    /// Accessible regions (BED3+): one window per region. Without them, windows come from peaks.
    #[serde(skip_serializing)]
    pub regions: Option<PathBuf>,
    /// Windows overlapping these intervals (BED3+) are left out.
    #[serde(skip_serializing)]
    pub blacklist: Option<PathBuf>,
    /// Window width in bp.
    pub width: u64,
    pub assign: Assign,
    /// `overlap` rule: the fraction of a window a peak must cover, in (0, 1].
    pub min_overlap: f64,
    /// Windows from peaks (no regions given): summits at most this far apart, across all TFs,
    /// share one window. Default: width / 2, so every summit lies within width / 4 of its
    /// window's centre.
    pub merge_distance: Option<u64>,
    pub off_end: OffEnd,
    /// Skip (and count) peak, region and blacklist lines on chromosomes the genome lacks,
    /// instead of failing.
    pub skip_unknown_chroms: bool,
    /// A window that overlaps a peak of the TF without being bound by the rule is NA, not 0.
    pub na_overlap: bool,
    /// A TF's windows on chromosomes where it has no peak at all are NA, not 0.
    pub na_chroms_without_peaks: bool,
}

impl Default for BuildParams {
    fn default() -> Self {
        Self {
            peaks: Vec::new(),
            peak_list: None,
            genome: None,
            regions: None,
            blacklist: None,
            width: 200,
            assign: Assign::Summit,
            min_overlap: 0.5,
            merge_distance: None,
            off_end: OffEnd::Shift,
            skip_unknown_chroms: false,
            na_overlap: false,
            na_chroms_without_peaks: false,
        }
    }
}

impl BuildParams {
    /// Checks the parameters on their own, before any data is read; the message is for a user who
    /// gave them on the command line or in a config.
    pub fn validate(&self) -> Result<(), String> {
        if self.width == 0 {
            return Err("the window width must be at least 1 bp".into());
        }
        if !(self.min_overlap > 0.0 && self.min_overlap <= 1.0) {
            return Err(format!(
                "min_overlap {} must be in (0, 1]",
                self.min_overlap
            ));
        }
        let max = max_merge_distance(self.width);
        if self.merge_distance() > max {
            return Err(format!(
                "merge_distance {} is too large for {} bp windows: summits that far apart \
                 cannot all lie in one window (at most {max})",
                self.merge_distance(),
                self.width
            ));
        }
        Ok(())
    }

    pub fn merge_distance(&self) -> u64 {
        self.merge_distance
            .unwrap_or_else(|| (self.width / 2).min(max_merge_distance(self.width)))
    }

    /// The parameters as the manifest records them, with defaults resolved and without those the
    /// run does not use, so changing an unused one does not make an artifact look stale.
    pub(crate) fn recorded(&self, windows_from_regions: bool, tfs: &[String]) -> Recorded {
        Recorded {
            command: "build",
            windows_from: if windows_from_regions {
                "regions"
            } else {
                "peaks"
            },
            width: self.width,
            assign: self.assign,
            min_overlap: (self.assign == Assign::Overlap).then_some(self.min_overlap),
            merge_distance: (!windows_from_regions).then(|| self.merge_distance()),
            off_end: self.off_end,
            skip_unknown_chroms: self.skip_unknown_chroms,
            na_overlap: self.na_overlap,
            na_chroms_without_peaks: self.na_chroms_without_peaks,
            tfs: tfs.to_vec(),
        }
    }
}

/// What a `build` manifest records: the resolved rules and the TF names (renaming a TF changes
/// the artifact even though the peak files are the same).
#[derive(Debug, Serialize)]
pub(crate) struct Recorded {
    command: &'static str,
    windows_from: &'static str,
    width: u64,
    assign: Assign,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_overlap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merge_distance: Option<u64>,
    off_end: OffEnd,
    skip_unknown_chroms: bool,
    na_overlap: bool,
    na_chroms_without_peaks: bool,
    tfs: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_take_their_serde_names() {
        let p: BuildParams = toml::from_str("assign = \"best\"\noff_end = \"clip\"\n").unwrap();
        assert_eq!((p.assign, p.off_end), (Assign::Best, OffEnd::Clip));
        assert_eq!(
            toml::Value::try_from(Assign::Overlap).unwrap().as_str(),
            Some("overlap")
        );
        assert!(toml::from_str::<BuildParams>("assign = \"nearest\"\n").is_err());
    }

    #[test]
    fn validation_catches_impossible_rules() {
        assert!(BuildParams::default().validate().is_ok());
        let p = |f: fn(&mut BuildParams)| {
            let mut p = BuildParams::default();
            f(&mut p);
            p.validate()
        };
        assert!(p(|p| p.width = 0).is_err());
        assert!(p(|p| p.min_overlap = 0.0).is_err());
        assert!(p(|p| p.min_overlap = f64::NAN).is_err());
        assert!(p(|p| p.merge_distance = Some(199)).is_err());
        assert!(p(|p| p.merge_distance = Some(198)).is_ok());
        assert!(p(|p| p.width = 2).is_ok());
        assert_eq!(max_merge_distance(201), 200);
        assert_eq!(max_merge_distance(1), 0);
    }

    #[test]
    fn unused_parameters_are_not_recorded() {
        let p = BuildParams {
            min_overlap: 0.9,
            ..Default::default()
        };
        let table = toml::Table::try_from(p.recorded(true, &["A".into()])).unwrap();
        assert!(!table.contains_key("min_overlap") && !table.contains_key("merge_distance"));
        assert_eq!(table["windows_from"].as_str(), Some("regions"));
        let table = toml::Table::try_from(p.recorded(false, &[])).unwrap();
        assert_eq!(table["merge_distance"].as_integer(), Some(100));
    }
}
