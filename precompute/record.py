"""Generate samples and record every layer on generated and real images.

Returns a `Recording`: per-sample metadata in one global id space (generated ids
0..G-1, then real ids G..G+R-1) and activations per (layer, source).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.capture import eval_mode, record
from gan_core.data import Dataset, to_model_range, to_uint8_image
from gan_core.models import Classifier, Discriminator, Generator
from precompute.config import RecordConfig

log = logging.getLogger(__name__)


@dataclass
class Recording:
    samples: dict  # images, source, label, confidence, d_score, z: one row per sample id
    rows: dict  # source -> sample ids (int32)
    activations: dict  # (layer, source) -> (n_source, features) float32
    shapes: dict  # layer -> per-sample shape (tuple)


@torch.no_grad()
def classify(model: Classifier, x: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Softmax probabilities (n, classes), eval mode."""
    device = next(model.parameters()).device
    with eval_mode(model):
        return torch.cat([torch.softmax(model(x[i:i + batch_size].to(device)), 1).cpu()
                          for i in range(0, len(x), batch_size)]).numpy()


def real_subset(data: Dataset, n: int, seed: int) -> np.ndarray:
    """A seeded, class-stratified-by-chance subset of test-set indices (sorted for locality)."""
    return np.sort(np.random.default_rng(seed).permutation(len(data.test_labels))[:n])


def record_all(G: Generator, D: Discriminator, C: Classifier, data: Dataset, cfg: RecordConfig) -> Recording:
    """`n_generated` samples from seeded z and `n_real` seeded test images, every layer recorded."""
    z = torch.randn(cfg.n_generated, G.latent_dim, generator=torch.Generator().manual_seed(cfg.seed))
    real_idx = real_subset(data, cfg.n_real, cfg.seed)
    return record_inputs(G, D, C, z, data.test_images[real_idx], data.test_labels[real_idx], cfg.batch_size)


def record_inputs(G: Generator, D: Discriminator, C: Classifier, z: torch.Tensor, real_images: np.ndarray,
                  real_labels: np.ndarray, batch_size: int = 512) -> Recording:
    """Every layer on the images G makes from `z` and on `real_images` (uint8, (n, 28, 28)); the same
    inputs through another checkpoint give rows that are the same samples. No real images: generated only."""
    n_gen, n_real = len(z), len(real_images)
    gen = record(G, z, batch_size=batch_size, flatten=False)  # g1, g2, g3, g_out
    fake = torch.from_numpy(gen["g_out"])  # (n_gen, 1, 32, 32) in [-1, 1]
    d_gen = record(D, fake, batch_size=batch_size, flatten=False)
    x_real = torch.from_numpy(to_model_range(real_images))
    d_real = record(D, x_real, batch_size=batch_size, flatten=False) if n_real else {}

    p_gen = classify(C, fake)
    gen_label = p_gen.argmax(1)
    real_label = np.asarray(real_labels).astype(np.int64)
    real_conf = classify(C, x_real)[np.arange(n_real), real_label] if n_real else np.zeros(0)
    sigmoid = lambda a: 1.0 / (1.0 + np.exp(-a.reshape(-1).astype(np.float64)))  # noqa: E731
    z_all = np.full((n_gen + n_real, G.latent_dim), np.nan, np.float32)
    z_all[:n_gen] = z.numpy()
    samples = {
        "images": np.concatenate([to_uint8_image(gen["g_out"]), real_images]).astype(np.uint8),
        "source": np.repeat(np.array([0, 1], np.uint8), [n_gen, n_real]),
        "label": np.concatenate([gen_label, real_label]).astype(np.int16),
        "confidence": np.concatenate([p_gen[np.arange(n_gen), gen_label], real_conf]).astype(np.float32),
        "d_score": np.concatenate([sigmoid(d_gen["d_score"]),
                                   sigmoid(d_real["d_score"]) if n_real else np.zeros(0)]).astype(np.float32),
        "z": z_all,
    }
    rows = {"generated": np.arange(n_gen, dtype=np.int32),
            "real": np.arange(n_gen, n_gen + n_real, dtype=np.int32)}
    rows["joint"] = np.concatenate([rows["generated"], rows["real"]])
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    acts, shapes = {}, {}
    for name, arr in gen.items():
        acts[(name, "generated")], shapes[name] = flat(arr), arr.shape[1:]
    if n_real:
        acts[("input", "real")], shapes["input"] = flat(x_real.numpy()), tuple(x_real.shape[1:])
    for name in d_gen:
        acts[(name, "generated")] = flat(d_gen[name])
        shapes[name] = d_gen[name].shape[1:]
        if n_real:
            acts[(name, "real")] = flat(d_real[name])
            if name != "d_score":
                acts[(name, "joint")] = np.concatenate([flat(d_gen[name]), flat(d_real[name])])
    log.debug("recorded %d generated + %d real samples over %d (layer, source) sets", n_gen, n_real, len(acts))
    return Recording(samples, rows, acts, {k: tuple(int(s) for s in v) for k, v in shapes.items()})
