//! ISM and gradient × input on a trained model: they should single out the same bases of
//! strong positives (the planted motif), with the same sign.

mod fixture;

use tfbind_artifact::Artifact;
use tfbind_dataset::{Dataset, Split, DATASET};
use tfbind_interpret::attribution::Attributions;
use tfbind_interpret::{InterpretParams, Method};
use tfbind_model::ModelArtifact;

/// Positions by decreasing absolute value.
fn top(values: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()));
    order.truncate(k);
    order
}

#[test]
fn ism_and_gradient_x_input_agree_on_strong_positives() {
    let f = fixture::fixture();
    let data = Dataset::read(&Artifact::open(&f.dataset, DATASET).unwrap()).unwrap();
    let mut model = ModelArtifact::open(&f.model)
        .unwrap()
        .load(tch::Device::Cpu)
        .unwrap();
    model
        .freeze(&model.spec().architecture.block_names())
        .unwrap();

    // The 10 test windows bound by CTCF (task 0) with the highest predicted probability.
    let test: Vec<usize> = data
        .indices(Split::Test)
        .into_iter()
        .filter(|&r| data.labels.get(r, 0) == 1)
        .collect();
    let codes: Vec<u8> = test
        .iter()
        .flat_map(|&r| data.sequence(r).to_vec())
        .collect();
    let p = model.predict(&codes, false).unwrap();
    let mut strong: Vec<(usize, f32)> = test
        .iter()
        .zip(p.iter().step_by(2))
        .map(|(&r, &p)| (r, p))
        .collect();
    strong.sort_by(|a, b| b.1.total_cmp(&a.1));
    let rows: Vec<usize> = strong.iter().take(10).map(|s| s.0).collect();
    assert!(
        strong[9].1 > 0.9,
        "the model is not confident: {:?}",
        &strong[..10]
    );

    let params = InterpretParams {
        methods: vec![Method::Ism, Method::GradientXInput],
        ..InterpretParams::default()
    };
    let a = Attributions::compute(&model, &data, &rows, 0, &params, &|_| {}).unwrap();
    let k = 10;
    let (mut shared, mut same_sign) = (0, 0);
    for w in 0..rows.len() {
        let ism = a.contributions(0, w);
        let gxi = a.contributions(1, w);
        let (ti, tg) = (top(&ism, k), top(&gxi, k));
        let common: Vec<usize> = ti.iter().copied().filter(|i| tg.contains(i)).collect();
        shared += common.len();
        same_sign += common
            .iter()
            .filter(|&&i| (ism[i] > 0.0) == (gxi[i] > 0.0))
            .count();
        // The top positions form the planted site: within one motif's length of each other.
        let span = ti.iter().max().unwrap() - ti.iter().min().unwrap();
        assert!(span < 40, "window {w}: ISM top positions {ti:?}");
    }
    let total = k * rows.len();
    assert!(
        shared * 2 >= total,
        "{shared} of {total} top positions shared"
    );
    assert!(
        same_sign * 10 >= shared * 9,
        "{same_sign} of {shared} shared positions agree in sign"
    );
}
