"""A SYNTHETIC cache for app tests and development: Gaussian blobs, not a trained GAN.

It follows the manifest contract precompute writes (gan_core.cache, schema 2), so the app can be
developed and tested without torch or a training run. Every manifest it writes says
"synthetic" in run.name / run.profile / dataset.name so nobody mistakes it for real data.

Schema 2 parts, all SYNTHETIC too: every embedding entry has `series` and `epoch`; with
`training_epochs` the run also has a training series (a tracked subset of samples per source, maps
for `training_methods` at each epoch, per-epoch images/labels where early generated digits are
noisier and some predictions differ), and with `paths=(count, steps)` latent paths between pairs of
generated samples of different classes, placed on the final maps by interpolating their endpoints.
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
                          k: int = 10, seed: int = 0, methods=METHODS, final_epoch: int = 5,
                          training_epochs=(), tracked: int = 48, training_methods=("pca", "tsne"),
                          paths: tuple[int, int] | None = None) -> Path:
    """Write a complete synthetic run to `out_dir` and return its path. `training_epochs` (e.g. (1, 3);
    the final epoch is added) adds a training series of `tracked` samples per source; `paths`
    (count, steps) adds latent paths. The defaults write neither, like a cache without them."""
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
    final_maps: dict[tuple[str, str, str], np.ndarray] = {}
    for li, (name, model, shape, sources) in enumerate(LAYER_SPECS):
        layers.append({"name": name, "model": model, "shape": shape, "sources": sources,
                       "label": display_label(name, shape)})
        for src in sources:
            ids = rows[src]
            feats = (centres[label[ids]] * (0.5 + li / 8) + rng.normal(0, 1.5, (len(ids), 2))).astype(np.float32)
            if name == "d_score":
                for method in methods:
                    embeddings.append({"layer": name, "source": src, "method": method, "epoch": final_epoch,
                                       "series": "final", "file": None, "reason": "1 feature; a 2-D map needs at least 2"})
                continue
            for mi, method in enumerate(methods):
                rel = embedding_file(name, src, method)
                writer.save(rel, feats * (1 + 0.2 * mi))
                final_maps[(name, src, method)] = feats * (1 + 0.2 * mi)
                embeddings.append({"layer": name, "source": src, "method": method, "epoch": final_epoch,
                                   "series": "final", "params": {"synthetic": True}, "file": rel, "seconds": 0.0})
            dist = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(-1)
            np.fill_diagonal(dist, np.inf)
            nn = ids[np.argsort(dist, axis=1)[:, :k]].astype(np.int32)
            neighbors.append({"layer": name, "source": src, "file": writer.save(f"neighbors/{name}__{src}.npy", nn),
                              "k": k, "space": "original activations"})
            features.append({"layer": name, "source": src, "dims": 2,
                             "file": writer.save(f"features/{name}__{src}.npy", feats)})

    if training_epochs:
        training = _training_series(writer, rng, rows, final_maps, label, confidence, d_score, images, tracked,
                                    [*sorted(set(training_epochs) - {final_epoch}), final_epoch], training_methods)
        embeddings += training.pop("entries")
    if paths:
        path_block = _paths(writer, rng, rows, final_maps, label, z, images, *paths)
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
        "training": training if training_epochs else None,
        "paths": path_block if paths else None,
    }
    return writer.commit(manifest)


def _training_series(writer, rng, rows, final_maps, label, confidence, d_score, images, tracked, epochs,
                     methods) -> dict:
    """The tracked samples at each epoch (images, labels, scores) and their maps (except `input`, the
    same at every epoch, and `d_score`). Early epochs: noisier digits, some generated labels wrong."""
    tracked_rows = {s: np.sort(rng.choice(rows[s], min(tracked, len(rows[s])), replace=False)).astype(np.int32)
                    for s in ("generated", "real")}
    tracked_rows["joint"] = np.concatenate([tracked_rows["generated"], tracked_rows["real"]])
    block = {"epochs": epochs, "final_epoch": epochs[-1], "tracked_per_source": int(len(tracked_rows["generated"])),
             "methods": list(methods), "rows": {}, "samples": {}, "entries": [],
             "alignment": {m: f"SYNTHETIC: each epoch's {m} map is the final map plus noise" for m in methods},
             "note": "SYNTHETIC training series: noise added to the final maps and images, not real checkpoints"}
    for src, ids in tracked_rows.items():
        block["rows"][src] = writer.save(f"training/rows/{src}.npy", ids)
    joint, gen = tracked_rows["joint"], np.arange(len(tracked_rows["joint"])) < len(tracked_rows["generated"])
    for epoch in epochs:
        late = epoch / epochs[-1]  # 1.0 at the final epoch: the final samples exactly
        lab = label[joint].copy()
        wrong = gen & (rng.random(len(joint)) > late)
        lab[wrong] = (lab[wrong] + 1) % 10
        noise = rng.normal(0, 60 * (1 - late), images[joint].shape)
        arrays = {"images": np.clip(images[joint] + np.where(gen[:, None, None], noise, 0), 0, 255).astype(np.uint8),
                  "label": lab.astype(np.int16), "confidence": (confidence[joint] * (0.5 + late / 2)).astype(np.float32),
                  "d_score": (d_score[joint] * late).astype(np.float32)}
        block["samples"][str(epoch)] = {key: writer.save(f"training/e{epoch:03d}/{key}.npy", arr)
                                        for key, arr in arrays.items()}
        for (layer, src, method), xy in final_maps.items():
            if layer == "input" or method not in methods:
                continue
            pos = np.searchsorted(rows[src], tracked_rows[src])
            coords = (xy[pos] + rng.normal(0, 3 * (1 - late), (len(pos), 2))).astype(np.float32)
            rel = writer.save(embedding_file(layer, src, method, epoch), coords)
            block["entries"].append({"layer": layer, "source": src, "method": method, "epoch": epoch,
                                     "series": "training", "rows": block["rows"][src], "file": rel, "seconds": 0.0,
                                     "params": {"synthetic": True, "alignment": block["alignment"][method]}})
    return block


def _paths(writer, rng, rows, final_maps, label, z, images, count, steps) -> dict:
    """`count` paths of `steps` points between generated samples of different classes; the label flips
    once halfway (and path 0 flips back and forth once more); maps interpolate the endpoints. The last
    path is marked `chosen: "samples"` (asked for by sample ids, as precompute --path A:B), the others
    `"classes"`."""
    gen = rows["generated"]
    pairs = []
    for a in gen:
        b = next((int(j) for j in gen if label[j] != label[a] and all(j != q for _, q in pairs)), None)
        if b is not None and all(a != p for p, _ in pairs):
            pairs.append((int(a), b))
        if len(pairs) == count:
            break
    t = np.linspace(0, 1, steps)
    arrays = {key: [] for key in ("images", "label", "confidence", "d_score", "z", "path", "step")}
    items = []
    for p, (a, b) in enumerate(pairs):
        lab = np.where(t < 0.5, label[a], label[b]).astype(np.int16)
        if p == 0 and steps > 3:
            lab[1] = (label[a] + 1) % 10  # an extra flip there and back
        conf = (0.5 + 0.5 * np.abs(t - 0.5) * 2).astype(np.float32)
        flips = [i for i in range(1, steps) if lab[i] != lab[i - 1]]
        # the last path stands for one asked for by sample ids (precompute --path A:B), the rest join class anchors
        chosen = "samples" if p == len(pairs) - 1 and p > 0 else "classes"
        items.append({"id": p, "chosen": chosen, "from": {"sample": a, "label": int(label[a])},
                      "to": {"sample": b, "label": int(label[b])},
                      "labels": lab.tolist(), "confidence": np.round(conf.astype(float), 4).tolist(), "flips": flips})
        arrays["images"].append(((1 - t)[:, None, None] * images[a] + t[:, None, None] * images[b]).astype(np.uint8))
        arrays["label"].append(lab)
        arrays["confidence"].append(conf)
        arrays["d_score"].append(rng.uniform(0, 1, steps).astype(np.float32))
        arrays["z"].append(((1 - t)[:, None] * z[a] + t[:, None] * z[b]).astype(np.float32))
        arrays["path"].append(np.full(steps, p, np.int16))
        arrays["step"].append(np.arange(steps, dtype=np.int16))
    files = {key: writer.save(f"paths/{key}.npy", np.concatenate(parts)) for key, parts in arrays.items()}
    maps = []
    for (layer, src, method), xy in final_maps.items():
        if src not in ("generated", "joint") or (layer == "g1" and method == "umap"):  # one map left unplaced
            continue
        pos = np.searchsorted(rows[src], np.array(pairs))
        placed = np.concatenate([(1 - t)[:, None] * xy[i] + t[:, None] * xy[j] for i, j in pos]).astype(np.float32)
        rel = writer.save(f"paths/maps/{layer}__{src}__{method}.npy", placed)
        maps.append({"layer": layer, "source": src, "method": method, "file": rel,
                     "placement": "SYNTHETIC: linear interpolation between the endpoints' map positions"})
    return {"steps": steps, "interpolation": "linear (SYNTHETIC)", "count": len(pairs), "items": items,
            "endpoints": "SYNTHETIC: pairs of generated samples of different classes", "files": files, "maps": maps}


if __name__ == "__main__":  # python -m tests.synthetic_cache OUT_DIR [N_PER_SOURCE]: with a training series and paths
    import sys
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    print(write_synthetic_cache(sys.argv[1], per, per, training_epochs=(1, 3), paths=(3, 8)))
