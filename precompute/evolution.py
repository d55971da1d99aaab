"""How class information and the class mix change over training, from the per-epoch checkpoints.

For each kept checkpoint: record every layer on the same z and the same real images (a small
subsample, so this stays cheap on CPU), then the k-NN class accuracy of each (layer, source) in
its PCA-50 space, and the generated-class histogram (a mode-collapse monitor). Maps per epoch
are not computed here.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from tqdm import tqdm

from gan_core.models import Discriminator, Generator
from precompute.checkpoints import load_weights
from precompute.config import RecordConfig
from precompute.embed import DegenerateInputError, pca_features
from precompute.record import record_all

log = logging.getLogger(__name__)


def checkpoint_epochs(weights_dir: Path) -> dict[int, Path]:
    """epoch -> checkpoint directory holding a generator and a discriminator."""
    out = {}
    for d in sorted((weights_dir / "checkpoints").glob("epoch_*")):
        m = re.fullmatch(r"epoch_(\d+)", d.name)
        if m and (d / "generator.safetensors").is_file() and (d / "discriminator.safetensors").is_file():
            out[int(m.group(1))] = d
    return out


def knn_accuracy(x: np.ndarray, labels: np.ndarray, k: int = 10) -> float | None:
    counts = np.bincount(labels)
    folds = int(min(5, counts[counts > 0].min()))
    if folds < 2 or len(np.unique(labels)) < 2:
        return None
    return float(cross_val_score(KNeighborsClassifier(k), x, labels, cv=folds).mean())


def evolution(data, C, width: int, latent_dim: int, weights_dir: Path, n: int, seed: int,
              device, keep: tuple = (1, 2, 5, 10, 20)) -> dict:
    """metrics.epochs: per kept epoch, k-NN accuracy per (layer, source) and the class histogram."""
    ckpts = checkpoint_epochs(weights_dir)
    epochs = sorted(e for e in ckpts if e in keep or e == max(ckpts, default=0))
    n_classes = len(data.class_names)
    out = {"samples_per_source": n, "k": 10, "space": "PCA-50 features", "epochs": []}
    for epoch in tqdm(epochs, desc="training epochs", unit="epoch"):
        G = load_weights(Generator(latent_dim, width), ckpts[epoch] / "generator.safetensors").to(device)
        D = load_weights(Discriminator(width), ckpts[epoch] / "discriminator.safetensors").to(device)
        rec = record_all(G, D, C, data, RecordConfig(n_generated=n, n_real=n, seed=seed))
        labels, source = rec.samples["label"].astype(np.int64), rec.samples["source"]
        layers = []
        for (layer, src), x in rec.activations.items():
            try:
                acc = knn_accuracy(pca_features(x, 50, seed), labels[rec.rows[src]])
            except DegenerateInputError as exc:
                layers.append({"layer": layer, "source": src, "knn_accuracy": None, "reason": exc.reason})
                continue
            entry = {"layer": layer, "source": src, "knn_accuracy": acc}
            if acc is None:  # e.g. epoch 1's mode collapse: most classes absent or single
                entry["reason"] = "fewer than two classes with two samples each"
            layers.append(entry)
        out["epochs"].append({
            "epoch": epoch,
            "generated_class_histogram": np.bincount(labels[source == 0], minlength=n_classes).tolist(),
            "real_class_histogram": np.bincount(labels[source == 1], minlength=n_classes).tolist(),
            "mean_generated_confidence": float(rec.samples["confidence"][source == 0].mean()),
            "layers": layers,
        })
    if not epochs:
        out["reason"] = f"no per-epoch checkpoints under {weights_dir / 'checkpoints'}"
    return out
