//! Filter influence: how much each task's prediction falls when one first-layer filter's output
//! is zeroed, averaged over the windows that count for the task.

use std::fmt::Write as _;

use tfbind_dataset::Dataset;
use tfbind_model::Model;

use crate::error::Result;
use crate::first_layer::FirstLayer;
use crate::selection::FilterWindows;

/// Influence of every filter on every task.
#[derive(Debug, Clone, PartialEq)]
pub struct Influence {
    pub tasks: Vec<String>,
    /// Per task, the windows averaged over.
    pub windows: Vec<usize>,
    /// `[filter][task]`: mean of p(window) − p(window with the filter off); positive when the
    /// filter raises the prediction. NaN for a task without windows.
    pub values: Vec<Vec<f64>>,
}

impl Influence {
    /// Measures each filter's influence over `windows`: one forward pass per window and filter.
    /// `advance` is told each filter done.
    pub fn measure(
        model: &Model,
        layer: &FirstLayer,
        data: &Dataset,
        windows: &FilterWindows,
        batch_size: usize,
        advance: &dyn Fn(usize),
    ) -> Result<Self> {
        let tasks = data.labels.names().to_vec();
        let n_tasks = tasks.len();
        let predict = || tfbind_train::predict_rows(model, data, &windows.rows, batch_size, false);
        let base = predict()?;
        let counted: Vec<usize> = (0..n_tasks)
            .map(|t| (0..windows.len()).filter(|&i| windows.counts(i, t)).count())
            .collect();
        let mut values = Vec::with_capacity(layer.n_filters());
        for filter in 0..layer.n_filters() {
            let off = layer.with_filter_off(filter, predict)?;
            let mut sums = vec![0.0f64; n_tasks];
            for i in 0..windows.len() {
                for (t, sum) in sums.iter_mut().enumerate() {
                    if windows.counts(i, t) {
                        let k = i * n_tasks + t;
                        *sum += f64::from(base[k]) - f64::from(off[k]);
                    }
                }
            }
            values.push(
                sums.iter()
                    .zip(&counted)
                    .map(|(&s, &n)| if n == 0 { f64::NAN } else { s / n as f64 })
                    .collect(),
            );
            advance(1);
        }
        Ok(Self {
            tasks,
            windows: counted,
            values,
        })
    }

    /// Filters by decreasing absolute influence on `task` (ties by index).
    pub fn ranking(&self, task: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.values.len()).collect();
        let key = |f: usize| {
            let v = self.values[f][task].abs();
            if v.is_nan() {
                0.0
            } else {
                v
            }
        };
        order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        order
    }

    /// `influence.tsv`: `task filter rank influence windows`, one row per task and filter,
    /// each task's filters by rank (1 = most influential).
    pub fn tsv(&self) -> String {
        let mut out = String::from("task\tfilter\trank\tinfluence\twindows\n");
        for (t, task) in self.tasks.iter().enumerate() {
            for (rank, f) in self.ranking(t).into_iter().enumerate() {
                let v = self.values[f][t];
                let v = if v.is_nan() {
                    "NA".to_string()
                } else {
                    format!("{v:.6}")
                };
                let _ = writeln!(out, "{task}\t{f}\t{}\t{v}\t{}", rank + 1, self.windows[t]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;
    use tfbind_dataset::{LabelMatrix, Split, Window};
    use tfbind_model::{Architecture, ModelSpec};

    #[test]
    fn a_dead_filter_has_no_influence_and_a_live_one_has_some() {
        let model = crate::seeded(5, || {
            Model::new(
                &ModelSpec::new(Architecture::ConvNetShallow, 100, 2).unwrap(),
                Device::Cpu,
            )
            .unwrap()
        });
        let t = model.tensors();
        // Filter 3 can never fire: its ReLU input is always negative.
        tch::no_grad(|| {
            let _ = t["c1.weight"].get(3).fill_(0.0);
            let _ = t["bn1.bias"].get(3).fill_(-1.0);
        });
        let n = 6;
        let data = Dataset {
            windows: (0..n)
                .map(|i| Window {
                    chrom: "c".into(),
                    start: i * 100,
                    end: i * 100 + 100,
                    name: format!("w{i}"),
                })
                .collect(),
            labels: LabelMatrix::from_values(vec!["A".into(), "B".into()], vec![1; 2 * n as usize])
                .unwrap(),
            sequences: (0..n * 100).map(|i| ((i * 7 + i / 5) % 4) as u8).collect(),
            seq_len: 100,
            split: vec![Split::Test; n as usize],
        };
        // Task B counts windows 0 and 1 only; task A all six.
        let counts_for = (0..n as usize).flat_map(|i| [true, i < 2]).collect();
        let windows = FilterWindows {
            rows: (0..n as usize).collect(),
            n_tasks: 2,
            counts_for,
        };
        let layer = FirstLayer::of(&model).unwrap();
        let calls = std::cell::Cell::new(0);
        let inf = Influence::measure(&model, &layer, &data, &windows, 4, &|k| {
            calls.set(calls.get() + k)
        })
        .unwrap();
        assert_eq!(calls.get(), 100);
        assert_eq!(inf.windows, [6, 2]);
        assert_eq!(inf.values[3], [0.0, 0.0]);
        assert!(inf.values.iter().any(|v| v[0].abs() > 1e-6));
        // Filter 3 ranks among the filters without influence (others may not fire either).
        let ranking = inf.ranking(0);
        let at = ranking.iter().position(|&f| f == 3).unwrap();
        assert!(ranking[at..].iter().all(|&f| inf.values[f][0] == 0.0));
        assert!(ranking[..at]
            .iter()
            .all(|&f| f < 3 || inf.values[f][0] != 0.0));

        // By hand for filter 0 and task B: the mean over windows 0 and 1.
        let codes = &data.sequences[..200];
        let base = model.predict(codes, false).unwrap();
        let off = layer.with_filter_off(0, || model.predict(codes, false).unwrap());
        let want = ((base[1] - off[1]) + (base[3] - off[3])) as f64 / 2.0;
        assert!((inf.values[0][1] - want).abs() < 1e-6);

        let tsv = inf.tsv();
        assert_eq!(tsv.lines().count(), 1 + 200);
        assert!(tsv.lines().nth(1).unwrap().starts_with("A\t"));
        let row = tsv.lines().find(|l| l.starts_with("A\t3\t")).unwrap();
        assert!(row.ends_with("\t0.000000\t6"), "{row}");
    }
}
