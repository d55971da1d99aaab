"""A SYNTHETIC cache for app tests and development: Gaussian blobs, not a trained GAN.

It follows the manifest contract precompute writes (gan_core.cache), so the app can be
developed and tested without torch or a training run. Every manifest it writes says
"synthetic" in run.name / run.profile / dataset.name so nobody mistakes it for real data.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from gan_core.cache import CacheWriter, embedding_file
from gan_core.layers import display_label

CLASS_NAMES = [str(d) for d in range(10)]
# (name, model, shape, sources) in network order, as precompute lists them
LAYER_SPECS = [
    ("g1", "generator", [128, 4, 4], ["generated"]),
    ("g2", "generator", [64, 8, 8], ["generated"]),
    ("g3", "generator", [32, 16, 16], ["generated"]),
    ("g_out", "generator", [1, 28, 28], ["generated"]),
    ("input", "data", [1, 28, 28], ["real"]),
    ("d1", "discriminator", [32, 14, 14], ["generated", "real", "joint"]),
    ("d2", "discriminator", [64, 7, 7], ["generated", "real", "joint"]),
    ("d3", "discriminator", [128, 4, 4], ["generated", "real", "joint"]),
    ("d_score", "discriminator", [1], ["generated", "real"]),
]
METHODS = ("pca", "tsne", "umap")


def _digit_image(label: int, rng: np.random.Generator) -> np.ndarray:
    """A blocky 28x28 glyph: a ring whose gap and bar position depend on the class."""
    yy, xx = np.mgrid[0:28, 0:28]
    r = np.hypot(yy - 14 + rng.normal(0, 1), xx - 14 + rng.normal(0, 1))
    img = ((r > 6) & (r < 10)).astype(np.float32)
    angle = np.arctan2(yy - 14, xx - 14)
    gap = (angle > -np.pi + label * 0.6) & (angle < -np.pi + label * 0.6 + 1.2)
    img[gap] = 0
    img[4 + 2 * label:6 + 2 * label, 6:22] = 1
    img = img * 220 + rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_synthetic_cache(out_dir: Path | str, n_generated: int = 240, n_real: int = 240,
                          k: int = 10, seed: int = 0, methods=METHODS) -> Path:
    """Write a complete synthetic run to `out_dir` and return its path."""
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    n = n_generated + n_real
    writer = CacheWriter(out_dir, {"synthetic": True, "seed": seed, "n": n})
    source = np.r_[np.zeros(n_generated, np.uint8), np.ones(n_real, np.uint8)]
    label = rng.integers(0, 10, n).astype(np.int16)
    confidence = rng.uniform(0.4, 1.0, n).astype(np.float32)
    d_score = np.where(source == 1, rng.uniform(0.5, 1, n), rng.uniform(0, 0.6, n)).astype(np.float32)
    z = rng.normal(size=(n, 128)).astype(np.float32)
    z[source == 1] = np.nan
    images = np.stack([_digit_image(int(c), rng) for c in label])
    for key, arr in (("images", images), ("source", source), ("label", label),
                     ("confidence", confidence), ("d_score", d_score), ("z", z)):
        writer.save(f"samples/{key}.npy", arr)
    rows = {"generated": np.arange(n_generated, dtype=np.int32),
            "real": np.arange(n_generated, n, dtype=np.int32),
            "joint": np.arange(n, dtype=np.int32)}
    for name, ids in rows.items():
        writer.save(f"rows/{name}.npy", ids)

    centres = rng.normal(0, 6, size=(10, 2))
    layers, embeddings, neighbors, features = [], [], [], []
    for li, (name, model, shape, sources) in enumerate(LAYER_SPECS):
        layers.append({"name": name, "model": model, "shape": shape, "sources": sources,
                       "label": display_label(name, shape)})
        for src in sources:
            ids = rows[src]
            feats = (centres[label[ids]] * (0.5 + li / 8) + rng.normal(0, 1.5, (len(ids), 2))).astype(np.float32)
            if name == "d_score":
                for method in methods:
                    embeddings.append({"layer": name, "source": src, "method": method, "epoch": None,
                                       "file": None, "reason": "1 feature; a 2-D map needs at least 2"})
                continue
            for mi, method in enumerate(methods):
                rel = embedding_file(name, src, method)
                writer.save(rel, feats * (1 + 0.2 * mi))
                embeddings.append({"layer": name, "source": src, "method": method, "epoch": None,
                                   "params": {"synthetic": True}, "file": rel, "seconds": 0.0})
            dist = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(-1)
            np.fill_diagonal(dist, np.inf)
            nn = ids[np.argsort(dist, axis=1)[:, :k]].astype(np.int32)
            neighbors.append({"layer": name, "source": src, "file": writer.save(f"neighbors/{name}__{src}.npy", nn),
                              "k": k, "space": "original activations"})
            features.append({"layer": name, "source": src, "dims": 2,
                             "file": writer.save(f"features/{name}__{src}.npy", feats)})

    manifest = {
        "run": {"name": "synthetic", "created": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                "profile": "synthetic", "command": "tests/synthetic_cache.py (synthetic blobs, not a GAN)"},
        "config": {"profile": "synthetic", "seed": seed},
        "versions": {"numpy": np.__version__},
        "dataset": {"name": "synthetic blobs", "digest": "synthetic", "class_names": CLASS_NAMES},
        "weights": {},
        "samples": {"count": n, "n_generated": n_generated, "n_real": n_real, "latent_dim": 128},
        "sources": {s: {"rows": f"rows/{s}.npy", "count": int(len(r))} for s, r in rows.items()},
        "layers": layers,
        "embeddings": embeddings,
        "neighbors": neighbors,
        "features": features,
        "metrics": {"classifier_test_accuracy": 0.0,
                    "generated_class_histogram": np.bincount(label[:n_generated], minlength=10).tolist(),
                    "real_class_histogram": np.bincount(label[n_generated:], minlength=10).tolist(),
                    "mean_generated_confidence": float(confidence[:n_generated].mean())},
    }
    return writer.commit(manifest)


if __name__ == "__main__":  # python -m tests.synthetic_cache OUT_DIR [N_PER_SOURCE]
    import sys
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    print(write_synthetic_cache(sys.argv[1], per, per))
