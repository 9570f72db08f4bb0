//! A network with its weights: forward passes, prediction, freezing and weights by name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use safetensors::tensor::TensorView;
use tch::{nn, Device, Kind, Tensor};
use tfbind_artifact::AtomicFile;
use tfbind_dataset::write_safetensors;

use crate::encode::{self, check_codes, reverse_complement_into};
use crate::error::{ModelError, Result};
use crate::net::{Folded, Layer, Net};
use crate::spec::ModelSpec;

/// Named tensors, sorted by name: a model's weights or a copy of them.
pub type Weights = BTreeMap<String, Tensor>;

/// A network of a [`ModelSpec`] with its variables on one device.
pub struct Model {
    spec: ModelSpec,
    vs: nn::VarStore,
    net: Net,
    one_hot_table: Tensor,
    frozen: BTreeSet<&'static str>,
}

/// What [`Model::load_weights_except`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Tensors copied from the file.
    pub loaded: Vec<String>,
    /// Tensors of the excluded blocks, left as initialised.
    pub kept: Vec<String>,
}

impl Model {
    /// Builds the network with fresh weights drawn from libtorch's global generator: seed it with
    /// `tch::manual_seed` first for reproducible weights.
    pub fn new(spec: &ModelSpec, device: Device) -> Result<Self> {
        spec.validate()?;
        let shapes = spec.shapes()?;
        let vs = nn::VarStore::new(device);
        let net = Net::new(&vs.root(), spec, shapes);
        Ok(Self {
            spec: spec.clone(),
            vs,
            net,
            one_hot_table: encode::table(device),
            frozen: BTreeSet::new(),
        })
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// An independent copy with the same weights and frozen blocks, on the same device: libtorch
    /// tensors are not shared between threads, so each thread predicting in parallel takes one.
    /// Like [`Model::new`] it draws initial weights (then overwritten) from libtorch's global
    /// generator, so seed after copying, not before, where later draws must be reproducible.
    pub fn try_clone(&self) -> Result<Self> {
        let mut copy = Model::new(&self.spec, self.device())?;
        copy.vs
            .copy(&self.vs)
            .map_err(ModelError::torch("copying the weights"))?;
        copy.frozen = self.frozen.clone();
        Ok(copy)
    }

    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// Logits `[batch, tasks]` of uint8 sequence codes `[batch, window_len]` (on any device).
    /// `train` selects training behaviour: dropout on, batch norm on batch statistics (except in
    /// frozen blocks). Codes must be in 0..=4 (see [`check_codes`]).
    pub fn forward_t(&self, codes: &Tensor, train: bool) -> Result<Tensor> {
        let size = codes.size();
        if codes.kind() != Kind::Uint8 || size.len() != 2 || size[1] != self.spec.window_len as i64
        {
            return Err(ModelError::InputShape {
                window_len: self.spec.window_len,
                found: size,
            });
        }
        Ok(self.forward_one_hot_t(&self.one_hot(codes), train))
    }

    /// Checked codes `[batch, window_len]` (on any device) → one-hot input on the model's device.
    fn one_hot(&self, codes: &Tensor) -> Tensor {
        encode::lookup(&self.one_hot_table, &codes.to_device(self.device()))
    }

    /// Logits of an already one-hot input `[batch, 4, window_len]` on the model's device (for
    /// attribution methods that need gradients with respect to the input).
    pub fn forward_one_hot_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.net
            .forward(x, train, &|block| self.frozen.contains(block))
    }

    /// The first block's activations in evaluation mode, before pooling, of one-hot input
    /// `[batch, 4, len]` on the model's device: `[batch, filters, len − width + 1]`, position `p`
    /// covering bases `p..p + width`. Its filters are what motif interpretation reads.
    pub fn first_layer(&self, x: &Tensor) -> Tensor {
        self.net.first_layer(x, false)
    }

    /// Probabilities (sigmoid of the logits) in evaluation mode for windows given as consecutive
    /// codes, row-major `[windows, tasks]`. With `rc_average`, each is the mean of the window's
    /// and its reverse complement's probability. This prepares the network each call: for many
    /// batches, make one [`Predictor`].
    pub fn predict(&self, codes: &[u8], rc_average: bool) -> Result<Vec<f32>> {
        self.predictor().predict(codes, rc_average)
    }

    /// The network prepared for prediction with the current weights (batch norm folded into
    /// the layers before it).
    pub fn predictor(&self) -> Predictor<'_> {
        Predictor {
            model: self,
            folded: self.net.folded(),
        }
    }

    /// The network in evaluation mode as a sequence of layers, each batch norm folded into the
    /// layer before it (copies of the current weights), for methods that explain the network
    /// layer by layer; `None` for DanQ, whose LSTM is not such a layer.
    pub fn layers(&self) -> Option<Vec<Layer>> {
        self.net.folded().map(Folded::into_layers)
    }

    /// Keeps the named blocks' parameters fixed (no gradients) and their batch norm statistics as
    /// they are. Block names come from [`Architecture::blocks`](crate::Architecture::blocks).
    pub fn freeze<S: AsRef<str>>(&mut self, blocks: &[S]) -> Result<()> {
        let architecture = self.spec.architecture;
        let blocks = blocks
            .iter()
            .map(|b| architecture.block(b.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        for (name, tensor) in self.vs.variables() {
            if blocks.iter().any(|b| b.contains(&name)) && tensor.requires_grad() {
                let _ = tensor.set_requires_grad(false);
            }
        }
        self.frozen.extend(blocks.iter().map(|b| b.name));
        Ok(())
    }

    /// The frozen blocks, in name order.
    pub fn frozen_blocks(&self) -> Vec<&'static str> {
        self.frozen.iter().copied().collect()
    }

    /// Every tensor of the model (parameters and batch norm running statistics), sharing storage
    /// with the model.
    pub fn tensors(&self) -> Weights {
        self.vs.variables().into_iter().collect()
    }

    /// The parameters the optimiser updates: those not frozen.
    pub fn trainable_parameters(&self) -> Weights {
        self.vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect()
    }

    /// A copy of every tensor, independent of further training.
    pub fn snapshot(&self) -> Weights {
        tch::no_grad(|| {
            self.tensors()
                .into_iter()
                .map(|(name, t)| (name, t.detach().copy()))
                .collect()
        })
    }

    /// Sets every tensor from `weights`, which must name exactly this model's tensors with the
    /// same shapes; `source` names where they came from in errors.
    pub fn set_weights(&mut self, weights: &Weights, source: &Path) -> Result<()> {
        self.copy_matching(weights, source, &[]).map(|_| ())
    }

    /// Writes every tensor to a safetensors file, by name, as float32 on the host.
    pub fn save_weights(&self, path: &Path) -> Result<()> {
        write_weights(&self.tensors(), path)
    }

    /// Loads every tensor by name from a safetensors file written by [`save_weights`](Self::save_weights)
    /// (or by PyTorch from the same architecture); the file must hold exactly this model's tensors.
    pub fn load_weights(&mut self, path: &Path) -> Result<()> {
        let weights = read_weights(path)?;
        self.set_weights(&weights, path)
    }

    /// Loads every tensor by name except those of the named blocks, which keep their current
    /// (initial) values: fine-tuning loads a parent model this way with `&[HEAD]`, because its
    /// output layer has another number of tasks. The file's tensors of the excluded blocks are
    /// ignored whatever their shape; any other difference in names or shapes is an error.
    pub fn load_weights_except<S: AsRef<str>>(
        &mut self,
        path: &Path,
        blocks: &[S],
    ) -> Result<LoadReport> {
        let architecture = self.spec.architecture;
        let blocks = blocks
            .iter()
            .map(|b| architecture.block(b.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let weights = read_weights(path)?;
        self.copy_matching(&weights, path, &blocks)
    }

    fn copy_matching(
        &mut self,
        weights: &Weights,
        source: &Path,
        excluded: &[&crate::Block],
    ) -> Result<LoadReport> {
        let is_excluded = |name: &str| excluded.iter().any(|b| b.contains(name));
        let ours = self.tensors();
        if let Some(name) = weights
            .keys()
            .find(|n| !ours.contains_key(*n) && !is_excluded(n))
        {
            return Err(ModelError::UnexpectedWeight {
                path: source.to_path_buf(),
                name: name.clone(),
                architecture: self.spec.architecture,
            });
        }
        let mut report = LoadReport {
            loaded: Vec::new(),
            kept: Vec::new(),
        };
        for (name, tensor) in &ours {
            if is_excluded(name) {
                report.kept.push(name.clone());
                continue;
            }
            let src = weights.get(name).ok_or_else(|| ModelError::MissingWeight {
                path: source.to_path_buf(),
                name: name.clone(),
            })?;
            if src.size() != tensor.size() {
                return Err(ModelError::WeightShape {
                    path: source.to_path_buf(),
                    name: name.clone(),
                    expected: tensor.size(),
                    found: src.size(),
                });
            }
            let mut dst = tensor.shallow_clone();
            tch::no_grad(|| dst.f_copy_(src))
                .map_err(ModelError::torch(format!("loading '{name}'")))?;
            report.loaded.push(name.clone());
        }
        Ok(report)
    }
}

/// A model prepared for predicting many batches (see [`Model::predictor`]). It holds a folded
/// copy of the weights as they were when it was made: make a new one after training further.
pub struct Predictor<'a> {
    model: &'a Model,
    folded: Option<Folded>,
}

impl Predictor<'_> {
    /// The network's shape: window length and tasks.
    pub fn spec(&self) -> &ModelSpec {
        &self.model.spec
    }

    /// Refuses codes that are not a whole number of windows.
    fn check_whole_windows(&self, codes: &[u8]) -> Result<()> {
        let window_len = self.model.spec.window_len;
        if codes.len().is_multiple_of(window_len) {
            Ok(())
        } else {
            Err(ModelError::RaggedInput {
                len: codes.len(),
                window_len,
            })
        }
    }

    /// Probabilities in evaluation mode, as [`Model::predict`].
    pub fn predict(&self, codes: &[u8], rc_average: bool) -> Result<Vec<f32>> {
        let model = self.model;
        let len = model.spec.window_len;
        self.check_whole_windows(codes)?;
        check_codes(codes)?;
        let n = (codes.len() / len) as i64;
        let _no_grad = tch::no_grad_guard();
        let probabilities = |codes: &[u8]| -> Result<Tensor> {
            let codes = Tensor::from_slice(codes).view([n, len as i64]);
            let logits = match &self.folded {
                Some(folded) => folded.forward(&model.one_hot(&codes)),
                None => model.forward_t(&codes, false)?,
            };
            Ok(logits.sigmoid())
        };
        let mut p = probabilities(codes)?;
        if rc_average {
            let mut rc = vec![0u8; codes.len()];
            for (window, out) in codes.chunks_exact(len).zip(rc.chunks_exact_mut(len)) {
                reverse_complement_into(window, out);
            }
            p = (p + probabilities(&rc)?) / 2.0;
        }
        Vec::<f32>::try_from(p.to_device(Device::Cpu).reshape([-1]))
            .map_err(ModelError::torch("copying predictions to the host"))
    }

    /// Probabilities in evaluation mode of windows and of the same windows with the base at
    /// position `at` replaced by `bases[i]` in window `i` (an SNV centred the same way in every
    /// window): `(reference, substituted)`, each as [`Model::predict`] would give them. With
    /// `rc_average` the reverse complements are averaged in, their substitution mirrored to
    /// `window_len - 1 - at`.
    ///
    /// The convolutional networks compute the substituted windows from the reference windows'
    /// activations, recomputing only what the substitution reaches (for 200-bp ConvNetDeep windows
    /// substituted at the centre, about 43% of the multiply-adds of a full pass), and run a
    /// reference window that comes more than once (the ALT alleles of one site, in one record or
    /// in several) once; DanQ, whose LSTM reaches everywhere, runs both in full.
    pub fn predict_substituted(
        &self,
        codes: &[u8],
        at: usize,
        bases: &[u8],
        rc_average: bool,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let model = self.model;
        let len = model.spec.window_len;
        self.check_whole_windows(codes)?;
        let n = codes.len() / len;
        if at >= len || bases.len() != n {
            return Err(ModelError::Substitution {
                at,
                window_len: len,
                bases: bases.len(),
                windows: n,
            });
        }
        check_codes(codes)?;
        check_codes(bases)?;
        let Some(folded) = &self.folded else {
            let mut both = [codes, codes].concat();
            for (window, &base) in both[codes.len()..].chunks_exact_mut(len).zip(bases) {
                window[at] = base;
            }
            let mut p = self.predict(&both, rc_average)?;
            let substituted = p.split_off(p.len() / 2);
            return Ok((p, substituted));
        };
        // Both strands in one pass: the range from the substitution to its mirror image (where
        // the reverse complements change) is its own mirror image, so it holds every window's
        // change; the unchanged bases in it are recomputed too, at the same values.
        let mirror = len - 1 - at;
        let (lo, hi) = match rc_average {
            true => (at.min(mirror), at.max(mirror) + 1),
            false => (at, at + 1),
        };
        let width = hi - lo;
        // Each window's reference window among the distinct ones, run once each.
        let mut first_seen: HashMap<&[u8], i64> = HashMap::new();
        let mut windows = Vec::with_capacity(codes.len());
        let of: Vec<i64> = codes
            .chunks_exact(len)
            .map(|window| {
                let distinct = first_seen.len() as i64;
                *first_seen.entry(window).or_insert_with(|| {
                    windows.extend_from_slice(window);
                    distinct
                })
            })
            .collect();
        let distinct = first_seen.len();
        let mut changed = Vec::with_capacity(2 * n * width);
        for (window, &base) in codes.chunks_exact(len).zip(bases) {
            changed.extend_from_slice(&window[lo..hi]);
            let end = changed.len();
            changed[end - width + at - lo] = base;
        }
        let mut reference_of = of.clone();
        if rc_average {
            let forward_len = windows.len();
            windows.resize(2 * forward_len, 0);
            let (forward, rc) = windows.split_at_mut(forward_len);
            for (window, out) in forward.chunks_exact(len).zip(rc.chunks_exact_mut(len)) {
                reverse_complement_into(window, out);
            }
            changed.resize(2 * n * width, 0);
            let (forward, rc) = changed.split_at_mut(n * width);
            for (slice, out) in forward.chunks_exact(width).zip(rc.chunks_exact_mut(width)) {
                reverse_complement_into(slice, out);
            }
            reference_of.extend(of.iter().map(|&i| i + distinct as i64));
        }
        let _no_grad = tch::no_grad_guard();
        let device = model.vs.device();
        // `None` when every window is distinct: the substituted windows line up with them.
        let of = (distinct < n).then(|| Tensor::from_slice(&of).to_device(device));
        let reference_of =
            (distinct < n).then(|| Tensor::from_slice(&reference_of).to_device(device));
        let x = model.one_hot(&Tensor::from_slice(&windows).view([-1, len as i64]));
        let values = model.one_hot(&Tensor::from_slice(&changed).view([-1, width as i64]));
        let (reference, substituted) =
            folded.forward_substituted(&x, lo as i64, &values, reference_of.as_ref());
        let host = |logits: Tensor, of: Option<&Tensor>| {
            let mut p = logits.sigmoid();
            if rc_average {
                let half = p.size()[0] / 2;
                p = (p.narrow(0, 0, half) + p.narrow(0, half, half)) / 2.0;
            }
            if let Some(of) = of {
                p = p.index_select(0, of);
            }
            Vec::<f32>::try_from(p.to_device(Device::Cpu).reshape([-1]))
                .map_err(ModelError::torch("copying predictions to the host"))
        };
        Ok((host(reference, of.as_ref())?, host(substituted, None)?))
    }
}

/// Reads named tensors from a safetensors file (on the host).
pub fn read_weights(path: &Path) -> Result<Weights> {
    let named = Tensor::read_safetensors(path)
        .map_err(ModelError::torch(format!("reading {}", path.display())))?;
    Ok(named.into_iter().collect())
}

/// Writes named tensors to a safetensors file, as float32 on the host, atomically
/// ([`AtomicFile`]): a failed write (a full disk) leaves no partial file, and its error names the
/// file in plain words.
pub fn write_weights(weights: &Weights, path: &Path) -> Result<()> {
    let host: Vec<(&str, Vec<usize>, Vec<u8>)> = weights
        .iter()
        .map(|(name, t)| {
            let t = t
                .detach()
                .to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .contiguous();
            let numel = t.numel();
            let mut bytes = vec![0u8; numel * std::mem::size_of::<f32>()];
            t.f_copy_data_u8(&mut bytes, numel)
                .map_err(ModelError::torch(format!(
                    "copying weight '{name}' to the host"
                )))?;
            let shape = t.size().iter().map(|&d| d as usize).collect();
            Ok((name.as_str(), shape, bytes))
        })
        .collect::<Result<_>>()?;
    let invalid = |e: safetensors::SafeTensorError| ModelError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let views = host
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes).map(|v| (*name, v))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let mut file = AtomicFile::create(path)?;
    write_safetensors(&mut file.writer, &views).map_err(|e| match e {
        safetensors::SafeTensorError::IoError(source) => ModelError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => invalid(other),
    })?;
    Ok(file.commit()?)
}
