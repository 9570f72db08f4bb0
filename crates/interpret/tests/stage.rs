mod fixture;

#[test]
fn fixture_trains() {
    let t = std::time::Instant::now();
    let f = fixture::fixture();
    eprintln!("{:?}", t.elapsed());
    eprintln!(
        "{}",
        std::fs::read_to_string(f.model.join("test_metrics.tsv")).unwrap()
    );
    eprintln!(
        "{}",
        std::fs::read_to_string(f.model.join("epochs.tsv")).unwrap()
    );
}
