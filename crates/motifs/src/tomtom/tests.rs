use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// A motif with one dominant letter per column, the rest random: like real motifs, and every
/// pair of them distinct.
fn random_motif(rng: &mut ChaCha8Rng, id: usize, width: usize) -> Motif {
    let rows = (0..width)
        .map(|_| {
            let mut r: [f64; 4] = std::array::from_fn(|_| rng.gen::<f64>());
            r[rng.gen_range(0..4)] += 3.0 * rng.gen::<f64>();
            let sum: f64 = r.iter().sum();
            r.map(|v| v / sum)
        })
        .collect();
    Motif::from_probabilities(format!("R{id}"), rows).unwrap()
}

fn database(seed: u64, n: usize) -> Vec<Motif> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let w = rng.gen_range(5..16);
            random_motif(&mut rng, i, w)
        })
        .collect()
}

fn all() -> Options {
    Options {
        threshold: Threshold::All,
        ..Options::default()
    }
}

fn best(matches: &[Match], query: usize) -> &Match {
    matches.iter().find(|m| m.query == query).unwrap()
}

#[test]
fn a_motif_matches_itself_best_at_offset_zero() {
    let db = database(1, 60);
    for distance in [Distance::Pearson, Distance::Euclidean] {
        for target_bins in [Some(100), None] {
            let options = Options {
                distance,
                target_bins,
                ..all()
            };
            let matches = tomtom(&db[..20], &db, &options).unwrap();
            for (q, motif) in db[..20].iter().enumerate() {
                let m = best(&matches, q);
                assert_eq!(m.target, q, "{distance:?} {target_bins:?}: query {q}");
                assert_eq!((m.offset, m.overlap), (0, motif.width()));
                assert_eq!(m.orientation, Orientation::Forward);
                let others = matches.iter().filter(|o| o.query == q && o.target != q);
                assert!(others.clone().all(|o| o.p_value > m.p_value));
                assert!(m.p_value < 1e-6, "self p-value {}", m.p_value);
            }
        }
    }
}

#[test]
fn a_reverse_complement_matches_on_the_minus_strand() {
    let db = database(2, 40);
    let queries: Vec<Motif> = db[..10].iter().map(Motif::reverse_complement).collect();
    let matches = tomtom(&queries, &db, &all()).unwrap();
    for q in 0..10 {
        let m = best(&matches, q);
        assert_eq!(
            (m.target, m.offset, m.orientation),
            (q, 0, Orientation::Reverse)
        );
    }
    let forward_only = Options {
        reverse_complement: false,
        ..all()
    };
    let matches = tomtom(&queries, &db, &forward_only).unwrap();
    assert!(matches
        .iter()
        .all(|m| m.orientation == Orientation::Forward));
    let found = (0..10).filter(|&q| best(&matches, q).target == q).count();
    assert!(
        found < 3,
        "without reverse complements {found} of 10 still found their source"
    );
}

#[test]
fn a_piece_of_a_target_is_found_at_its_offset() {
    let db = database(3, 40);
    let wide = (0..db.len()).find(|&j| db[j].width() >= 12).unwrap();
    let piece =
        Motif::from_probabilities("piece", db[wide].probabilities()[3..9].to_vec()).unwrap();
    let matches = tomtom(std::slice::from_ref(&piece), &db, &all()).unwrap();
    let m = best(&matches, 0);
    assert_eq!((m.target, m.offset, m.overlap), (wide, 3, 6));

    // A query hanging off the target's start: columns -2..8 of the target, two of them noise.
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut rows = random_motif(&mut rng, 0, 2).probabilities().to_vec();
    rows.extend_from_slice(&db[wide].probabilities()[..8]);
    let overhang = Motif::from_probabilities("overhang", rows).unwrap();
    let matches = tomtom(&[overhang], &db, &all()).unwrap();
    let m = best(&matches, 0);
    assert_eq!((m.target, m.offset, m.overlap), (wide, -2, 8));

    // Requiring more overlap than the piece has hides that alignment.
    let strict = Options {
        min_overlap: 5,
        ..all()
    };
    let matches = tomtom(&[piece], &db, &strict).unwrap();
    assert!(matches
        .iter()
        .all(|m| m.overlap >= 5.min(db[m.target].width())));
}

#[test]
fn e_and_q_values_follow_from_p_values() {
    let db = database(4, 50);
    let matches = tomtom(&db[..5], &db, &all()).unwrap();
    assert_eq!(matches.len(), 5 * 50);
    for q in 0..5 {
        let mine: Vec<&Match> = matches.iter().filter(|m| m.query == q).collect();
        for pair in mine.windows(2) {
            assert!(pair[0].p_value <= pair[1].p_value);
            assert!(pair[0].q_value <= pair[1].q_value);
        }
        for m in &mine {
            assert_eq!(m.e_value, m.p_value * 50.0);
            assert!(m.q_value >= m.p_value && m.q_value <= 1.0);
        }
        // The largest p-value's q-value is itself: p · n / n.
        assert_eq!(mine[49].q_value, mine[49].p_value);
    }
    let strict = Options {
        threshold: Threshold::EValue(0.01),
        ..Options::default()
    };
    let kept = tomtom(&db[..5], &db, &strict).unwrap();
    assert!(kept.len() >= 5 && kept.len() < 50, "{} kept", kept.len());
    assert!(kept.iter().all(|m| m.e_value <= 0.01));

    // A q-value threshold keeps exactly the pairs whose q-value over all targets passes, with
    // those q-values (it ranks only the candidates with p ≤ t).
    for t in [0.05, 0.5] {
        let options = Options {
            threshold: Threshold::QValue(t),
            ..Options::default()
        };
        let kept = tomtom(&db[..5], &db, &options).unwrap();
        let want: Vec<&Match> = matches.iter().filter(|m| m.q_value <= t).collect();
        assert!(!want.is_empty() && want.len() < matches.len());
        assert_eq!(kept.iter().collect::<Vec<_>>(), want, "threshold {t}");
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let db = database(5, 30);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| tomtom(&db, &db, &all()).unwrap())
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn every_kernel_gives_the_same_bits() {
    // Forty queries, so some widths fill a batch of 16 and spill into a second.
    let db = database(8, 40);
    let kernels = Kernel::available();
    assert_eq!(kernels[0], Kernel::Portable);
    for distance in [Distance::Pearson, Distance::Euclidean] {
        let options = Options { distance, ..all() };
        let want = tomtom_with(Kernel::Portable, &db, &db, &options).unwrap();
        assert_eq!(want.len(), db.len() * db.len());
        for &kernel in &kernels[1..] {
            let got = tomtom_with(kernel, &db, &db, &options).unwrap();
            assert_eq!(got, want, "{kernel:?}, {distance:?}");
        }
    }
    assert!(kernels.contains(&Kernel::detect()));
}

#[test]
fn bad_input_is_an_error() {
    let db = database(6, 3);
    assert!(matches!(tomtom(&db, &[], &all()), Err(Error::NoTargets)));
    let bad = Options {
        min_overlap: 0,
        ..all()
    };
    assert!(matches!(
        tomtom(&db, &db, &bad),
        Err(Error::BadOption {
            name: "min_overlap",
            ..
        })
    ));
    assert!(tomtom(&[], &db, &all()).unwrap().is_empty());
}

#[test]
fn transpose16_transposes() {
    let m: [[u8; 16]; 16] = std::array::from_fn(|r| std::array::from_fn(|c| (r * 16 + c) as u8));
    let t = super::transpose16(&m);
    for r in 0..16 {
        for c in 0..16 {
            assert_eq!(t[c][r], m[r][c], "row {r} column {c}");
        }
    }
}

#[test]
fn i16_and_i32_alignment_sums_agree() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (nq, n_classes) = (9, 40);
    let gamma: Vec<[u8; LANES]> = (0..n_classes * nq)
        .map(|_| std::array::from_fn(|_| rng.gen_range(0..=100)))
        .collect();
    let offsets: [i32; LANES] = std::array::from_fn(|_| rng.gen_range(0..=100));
    for t in [3, 9, 14] {
        let classes: Vec<u32> = (0..t).map(|_| rng.gen_range(0..n_classes as u32)).collect();
        for m0 in [1, 3] {
            let narrow = best_alignments::<i16>(&classes, &gamma, nq, offsets, m0, &mut Vec::new());
            let wide = best_alignments::<i32>(&classes, &gamma, nq, offsets, m0, &mut Vec::new());
            for (a, b) in narrow.iter().zip(&wide) {
                assert_eq!(
                    (a.score, a.position, a.overlap),
                    (b.score, b.position, b.overlap)
                );
            }
        }
    }
}

#[test]
fn a_query_too_wide_for_i16_sums_finds_the_motif_inside_it() {
    let db = database(6, 40);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // 400 columns × 100 bins overflow i16 sums, so this query takes the i32 path.
    let filler = random_motif(&mut rng, 99, 400);
    let mut rows = filler.probabilities().to_vec();
    rows.splice(
        200..200 + db[3].width(),
        db[3].probabilities().iter().copied(),
    );
    let query = Motif::from_probabilities("wide", rows).unwrap();
    let options = Options {
        distance: Distance::Euclidean,
        ..all()
    };
    let matches = tomtom(&[query], &db, &options).unwrap();
    let m = best(&matches, 0);
    assert_eq!((m.target, m.offset, m.overlap), (3, -200, db[3].width()));
    assert_eq!(m.orientation, Orientation::Forward);
}
