//! DeepLIFT/SHAP of given windows through the library, timed: the tfbind side of
//! `scripts/bench-deepshap.sh`, which hands the references this writes to tangermeme.
//!
//! ```sh
//! cargo run --release -p tfbind-interpret --example deepshap -- \
//!     MODEL_DIR CODES.safetensors TASK REFERENCES PAIRS SEED THREADS OUT.safetensors
//! ```
//!
//! `CODES.safetensors` holds `codes`, uint8 `[windows, len]`. `OUT.safetensors` receives `x`
//! (one-hot windows), `references` (`[windows, REFERENCES, 4, len]`, one-hot), `hypothetical`
//! (`[windows, 4, len]`) and `deltas` (`[windows]`). PAIRS window-reference pairs run per batch
//! (the stage's `batch_size`). Prints the seconds of the attribution alone.

use std::path::PathBuf;
use std::time::Instant;

use tch::{Device, Kind, Tensor};
use tfbind_dataset::{Dataset, LabelMatrix, Split, Window};
use tfbind_interpret::attribution::{shuffled_references, Attributions};
use tfbind_interpret::{InterpretParams, Method};
use tfbind_model::{one_hot, ModelArtifact};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_dir, codes_path, task, references, pairs, seed, threads, out] = &args[..] else {
        return Err(
            "usage: deepshap MODEL_DIR CODES.safetensors TASK REFERENCES PAIRS SEED THREADS OUT"
                .into(),
        );
    };
    let (task, n, seed): (usize, usize, u64) = (task.parse()?, references.parse()?, seed.parse()?);
    tfbind_model::set_threads(threads.parse()?);
    let artifact = ModelArtifact::open(PathBuf::from(model_dir))?;
    let tasks = artifact.tasks().to_vec();
    let mut model = artifact.load(Device::Cpu)?;
    model.freeze(&model.spec().architecture.block_names())?;
    let codes = Tensor::read_safetensors(codes_path)?
        .into_iter()
        .find(|(name, _)| name == "codes")
        .ok_or("no `codes` tensor")?
        .1;
    let (windows, len) = (codes.size()[0] as usize, codes.size()[1] as usize);
    let sequences = Vec::<u8>::try_from(codes.reshape([-1]))?;
    let data = Dataset {
        windows: (0..windows)
            .map(|i| Window {
                chrom: "bench".into(),
                start: (i * len) as u64,
                end: ((i + 1) * len) as u64,
                name: format!("w{i}"),
            })
            .collect(),
        labels: LabelMatrix::from_values(tasks.clone(), vec![1; windows * tasks.len()])
            .ok_or("tasks × windows labels")?,
        sequences,
        seq_len: len,
        split: vec![Split::Test; windows],
    };
    let params = InterpretParams {
        methods: vec![Method::DeepLiftShap],
        deeplift_references: n,
        batch_size: pairs.parse()?,
        seed,
        ..InterpretParams::default()
    };
    let rows: Vec<usize> = (0..windows).collect();
    let start = Instant::now();
    let a = Attributions::compute(&model, &data, &rows, task, &params, &|_| {})?;
    let seconds = start.elapsed().as_secs_f64();

    let references: Vec<u8> = rows
        .iter()
        .flat_map(|&r| shuffled_references(data.sequence(r), n, seed, r))
        .collect();
    let shape = [windows as i64, 4, len as i64];
    let x = Tensor::from_slice(&a.ohe).view(shape);
    let references =
        one_hot(&references, len, Device::Cpu)?.view([windows as i64, n as i64, 4, len as i64]);
    let hypothetical = Tensor::from_slice(&a.scores[0].1).view(shape);
    let deltas = Tensor::from_slice(&a.convergence.as_ref().ok_or("no deltas")?.deltas);
    Tensor::write_safetensors(
        &[
            ("x", &x),
            ("references", &references),
            ("hypothetical", &hypothetical.to_kind(Kind::Float)),
            ("deltas", &deltas),
        ],
        out,
    )?;
    println!("{seconds}");
    Ok(())
}
