//! Where a variant's reference and alternate windows lie, for a model of one window length.
//!
//! With `p` the 0-based start of the REF allele, `r` and `a` the REF and ALT lengths, `L` the
//! window length, `h = L / 2` and `s` a shift in `-K..=K`:
//! - the reference window starts at `p + r/2 - h + s`: the REF allele is centred (an SNV sits at
//!   index `h`, the window's centre base, when `s = 0`);
//! - the alternate window is cut from the genome's left flank, the ALT allele and the genome's
//!   right flank (after the REF allele), starting `a/2 - h + s` bases before the allele, so the
//!   ALT allele is centred the same way. An insertion thus pushes flank out of both ends of the
//!   window, a deletion pulls more flank in: both windows keep length `L`, and an allele longer
//!   than the window is cut to its middle `L` bases.
//!
//! Both alleles are at least one base (VCF pads indels with the base before them), so everything
//! either window reads lies in `[p - h - K, p + r + L - h + K - 1)` ([`Geometry::span`]).

/// A model's window length and the shifts averaged over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub window: usize,
    /// Windows are scored at shifts `-shifts..=shifts`.
    pub shifts: usize,
}

/// Genome codes of `[start, start + codes.len())` on one chromosome.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub start: u64,
    pub codes: &'a [u8],
}

impl Geometry {
    /// Windows per allele: one per shift.
    pub fn per_allele(&self) -> usize {
        2 * self.shifts + 1
    }

    /// Where an SNV (REF and ALT one base each) sits in its windows of shift index `shift`
    /// (`0..per_allele()`, shift `shift - K`): both windows start `h + K - shift` bases before
    /// it, as [`Self::windows`] cuts them, and differ only there.
    pub fn snv_index(&self, shift: usize) -> usize {
        self.window / 2 + self.shifts - shift
    }

    /// The genome interval the windows of a REF allele at `pos0` of `ref_len` (≥ 1) bases read;
    /// `None` when it starts before the chromosome.
    pub fn span(&self, pos0: u64, ref_len: usize) -> Option<(u64, u64)> {
        let (h, k, l) = (
            self.window as u64 / 2,
            self.shifts as u64,
            self.window as u64,
        );
        let start = pos0.checked_sub(h + k)?;
        Some((start, pos0 + ref_len as u64 + l - h + k - 1))
    }

    /// Appends the reference windows, then the alternate windows (one per shift each, in shift
    /// order) of the variant at `pos0` to `out`. `alt` holds the ALT allele's codes (≥ 1). False
    /// (and nothing appended) when `context` does not hold [`Self::span`].
    pub fn windows(
        &self,
        context: Context,
        pos0: u64,
        ref_len: usize,
        alt: &[u8],
        out: &mut Vec<u8>,
    ) -> bool {
        let Some((lo, hi)) = self.span(pos0, ref_len) else {
            return false;
        };
        let end = context.start + context.codes.len() as u64;
        if lo < context.start || hi > end {
            return false;
        }
        let span = &context.codes[(lo - context.start) as usize..(hi - context.start) as usize];
        let (l, h, k) = (self.window, self.window / 2, self.shifts);
        // `span` starts h + K bases before the allele.
        for s in 0..self.per_allele() {
            let offset = ref_len / 2 + s;
            out.extend_from_slice(&span[offset..offset + l]);
        }
        let (left, rest) = span.split_at(h + k);
        let right = &rest[ref_len..];
        let alt_seq: Vec<u8> = [left, alt, right].concat();
        for s in 0..self.per_allele() {
            let offset = alt.len() / 2 + s;
            out.extend_from_slice(&alt_seq[offset..offset + l]);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A genome whose code at i is i % 4, read from `start`.
    fn genome(start: u64, len: usize) -> Vec<u8> {
        (0..len).map(|i| ((start as usize + i) % 4) as u8).collect()
    }

    #[test]
    fn an_snv_sits_at_the_centre_of_both_windows() {
        let g = Geometry {
            window: 10,
            shifts: 0,
        };
        let codes = genome(100, 40);
        let ctx = Context {
            start: 100,
            codes: &codes,
        };
        let mut out = Vec::new();
        assert!(g.windows(ctx, 120, 1, &[9], &mut out));
        let (reference, alternate) = out.split_at(10);
        // Window [115, 125): the SNV at index 5 = L/2.
        assert_eq!(reference, &genome(115, 10)[..]);
        let mut expected = genome(115, 10);
        expected[5] = 9;
        assert_eq!(alternate, &expected[..]);
    }

    #[test]
    fn indels_are_centred_and_keep_the_window_length() {
        let g = Geometry {
            window: 10,
            shifts: 0,
        };
        let codes = genome(0, 100);
        let ctx = Context {
            start: 0,
            codes: &codes,
        };
        // A deletion of 4 bases [50, 54) → ALT of 1 base (the VCF padding base).
        let mut out = Vec::new();
        assert!(g.windows(ctx, 50, 4, &[7], &mut out));
        let (reference, alternate) = out.split_at(10);
        // REF centred: starts at 50 + 2 - 5 = 47.
        assert_eq!(reference, &genome(47, 10)[..]);
        // ALT: 5 bases of left flank [45, 50), the allele, then [54, 58).
        let expected: Vec<u8> = [genome(45, 5), vec![7], genome(54, 4)].concat();
        assert_eq!(alternate, &expected[..]);
        // An insertion of 6 bases at 50 (REF 1 base): 5 - 3 = 2 bases of left flank.
        out.clear();
        assert!(g.windows(ctx, 50, 1, &[7; 6], &mut out));
        let expected: Vec<u8> = [genome(48, 2), vec![7; 6], genome(51, 2)].concat();
        assert_eq!(&out[10..], &expected[..]);
        // An allele longer than the window is cut to its middle.
        out.clear();
        let long: Vec<u8> = (0..30).map(|i| 10 + i).collect();
        assert!(g.windows(ctx, 50, 1, &long, &mut out));
        assert_eq!(&out[10..], &long[10..20]);
    }

    #[test]
    fn shifts_move_both_windows_together() {
        let g = Geometry {
            window: 10,
            shifts: 2,
        };
        let codes = genome(0, 100);
        let ctx = Context {
            start: 0,
            codes: &codes,
        };
        let mut out = Vec::new();
        assert!(g.windows(ctx, 50, 1, &[9], &mut out));
        assert_eq!(out.len(), 2 * 5 * 10);
        for s in 0..5 {
            let start = 45 - 2 + s as u64;
            assert_eq!(
                &out[s * 10..(s + 1) * 10],
                &genome(start, 10)[..],
                "shift {s}"
            );
            let alt = &out[50 + s * 10..50 + (s + 1) * 10];
            // The allele sits at index h - shift.
            assert_eq!(alt[5 + 2 - s], 9, "shift {s}");
        }
    }

    #[test]
    fn snv_windows_differ_only_at_the_snv_index() {
        for (window, shifts) in [(10, 0), (10, 2), (11, 3), (200, 1)] {
            let g = Geometry { window, shifts };
            let codes = genome(0, 500);
            let ctx = Context {
                start: 0,
                codes: &codes,
            };
            let mut out = Vec::new();
            // The ALT differs from the genome's base (250 % 4 = 2).
            assert!(g.windows(ctx, 250, 1, &[0], &mut out));
            let per = g.per_allele();
            for s in 0..per {
                let reference = &out[s * window..(s + 1) * window];
                let alternate = &out[(per + s) * window..(per + s + 1) * window];
                let differ: Vec<usize> = (0..window)
                    .filter(|&i| reference[i] != alternate[i])
                    .collect();
                assert_eq!(
                    differ,
                    [g.snv_index(s)],
                    "L {window}, K {shifts}, shift {s}"
                );
            }
        }
    }

    #[test]
    fn windows_beyond_the_context_are_refused() {
        let g = Geometry {
            window: 10,
            shifts: 1,
        };
        assert_eq!(g.span(5, 1), None);
        assert_eq!(g.span(6, 1), Some((0, 12)));
        let codes = genome(0, 12);
        let ctx = Context {
            start: 0,
            codes: &codes,
        };
        let mut out = Vec::new();
        assert!(g.windows(ctx, 6, 1, &[1], &mut out));
        out.clear();
        assert!(!g.windows(ctx, 7, 1, &[1], &mut out));
        assert!(out.is_empty());
    }
}
