"""The tfbind networks in PyTorch, with the authors' module names (Novakovsky et al. 2021,
`models.py`), sized for any window length.

A tfbind `model` artifact loads into them by name:

    import sys; sys.path.insert(0, "crates/model/python")
    import tomllib
    from safetensors.torch import load_file
    from tfbind_models import build, one_hot

    spec = tomllib.load(open("runs/pretrain/architecture.toml", "rb"))
    model = build(spec["architecture"], spec["window_len"], spec["n_tasks"])
    model.load_state_dict(load_file("runs/pretrain/model.safetensors"), strict=False)
    model.eval()  # then model(one_hot(codes)) gives the logits tfbind computes

`strict=False` because tfbind does not store BatchNorm's `num_batches_tracked` counters. The
tfbind tests use this module as the oracle for the Rust networks, and scripts/bench-train.sh as
the PyTorch baseline.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


def _length(n, stages):
    """Positions left after valid convolutions ("c", kernel) and poolings ("p", size)."""
    for kind, k in stages:
        n = n - k + 1 if kind == "c" else n // k
    return n


class ConvNetDeep(nn.Module):
    def __init__(self, n_tasks, window_len=200):
        super().__init__()
        self.c1, self.bn1 = nn.Conv1d(4, 100, 19), nn.BatchNorm1d(100)
        self.c2, self.bn2 = nn.Conv1d(100, 200, 7), nn.BatchNorm1d(200)
        self.c3, self.bn3 = nn.Conv1d(200, 200, 4), nn.BatchNorm1d(200)
        steps = _length(window_len, [("c", 19), ("p", 3), ("c", 7), ("p", 3), ("c", 4), ("p", 3)])
        self.d4, self.bn4 = nn.Linear(200 * steps, 1000), nn.BatchNorm1d(1000, 1e-05, 0.1, True)
        self.d5, self.bn5 = nn.Linear(1000, 1000), nn.BatchNorm1d(1000, 1e-05, 0.1, True)
        self.d6 = nn.Linear(1000, n_tasks)
        self.mp, self.dr = nn.MaxPool1d(3, 3), nn.Dropout(0.3)

    def forward(self, x):
        x = self.mp(F.relu(self.bn1(self.c1(x))))
        x = self.mp(F.relu(self.bn2(self.c2(x))))
        x = self.mp(F.relu(self.bn3(self.c3(x))))
        x = torch.flatten(x, 1)
        x = self.dr(F.relu(self.bn4(self.d4(x))))
        x = self.dr(F.relu(self.bn5(self.d5(x))))
        return self.d6(x)


class ConvNetShallow(nn.Module):
    def __init__(self, n_tasks, window_len=200):
        super().__init__()
        self.c1, self.bn1 = nn.Conv1d(4, 100, 19), nn.BatchNorm1d(100)
        self.c2, self.bn2 = nn.Conv1d(100, 200, 5), nn.BatchNorm1d(200)
        steps = _length(window_len, [("c", 19), ("p", 10), ("c", 5), ("p", 4)])
        self.d3, self.bn3 = nn.Linear(200 * steps, 600), nn.BatchNorm1d(600, 1e-05, 0.1, True)
        self.d4 = nn.Linear(600, n_tasks)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.bn1(self.c1(x))), 10, 10)
        x = F.max_pool1d(F.relu(self.bn2(self.c2(x))), 4, 4)
        x = F.dropout(F.relu(self.bn3(self.d3(torch.flatten(x, 1)))), 0.3, self.training)
        return self.d4(x)


class DanQ(nn.Module):
    def __init__(self, n_tasks, window_len=200):
        super().__init__()
        self.steps = _length(window_len, [("c", 26), ("p", 13)])
        self.Conv1 = nn.Conv1d(4, 320, 26)
        self.Maxpool, self.Drop1 = nn.MaxPool1d(13, 13), nn.Dropout(0.2)
        self.BiLSTM = nn.LSTM(320, 320, num_layers=2, batch_first=True, dropout=0.5,
                              bidirectional=True)
        self.Linear1, self.Linear2 = nn.Linear(self.steps * 640, 925), nn.Linear(925, n_tasks)

    def forward(self, x):
        x = self.Drop1(self.Maxpool(F.relu(self.Conv1(x))))
        x, _ = self.BiLSTM(torch.transpose(x, 1, 2))
        x = x.contiguous().view(-1, self.steps * 640)
        return self.Linear2(F.relu(self.Linear1(x)))


ARCHITECTURES = {"convnet-deep": ConvNetDeep, "convnet-shallow": ConvNetShallow, "danq": DanQ}


def build(architecture, window_len, n_tasks):
    """The network named as in architecture.toml."""
    return ARCHITECTURES[architecture](n_tasks, window_len)


def sequential(model, architecture):
    """A ConvNet's evaluation-mode layers as an nn.Sequential of modules, the same function as
    `model`: attribution libraries that rewrite nn.ReLU / nn.MaxPool1d modules (tangermeme's
    deep_lift_shap) would otherwise treat the functional calls in `forward` as linear."""
    m = model
    if architecture == "convnet-deep":
        layers = [m.c1, m.bn1, nn.ReLU(), nn.MaxPool1d(3, 3), m.c2, m.bn2, nn.ReLU(),
                  nn.MaxPool1d(3, 3), m.c3, m.bn3, nn.ReLU(), nn.MaxPool1d(3, 3), nn.Flatten(),
                  m.d4, m.bn4, nn.ReLU(), m.d5, m.bn5, nn.ReLU(), m.d6]
    elif architecture == "convnet-shallow":
        layers = [m.c1, m.bn1, nn.ReLU(), nn.MaxPool1d(10, 10), m.c2, m.bn2, nn.ReLU(),
                  nn.MaxPool1d(4, 4), nn.Flatten(), m.d3, m.bn3, nn.ReLU(), m.d4]
    else:
        raise ValueError(f"no sequential form of {architecture}")
    return nn.Sequential(*layers).eval()


def one_hot(codes):
    """uint8/int codes [batch, len] (A C G T N = 0..4) -> float [batch, 4, len], N = 0.25 each."""
    table = torch.cat([torch.eye(4), torch.full((1, 4), 0.25)])
    return table[torch.as_tensor(codes).long()].permute(0, 2, 1).contiguous()
