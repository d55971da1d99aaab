"""Benchmark the precompute job (not a test): wall time per stage, and map quality against the reference.

    python benchmarks/bench_precompute.py [--n 4096] [--layers g3,d2] [--sources generated,real]

For every (layer, source) map of the demo profile it prints seconds and the 10-NN class
accuracy (5-fold CV) of: the reference's reduction (scikit-learn TSNE, perplexity 40,
300 iterations, after PCA 50), our t-SNE in both implementations, and our UMAP; set
against the same accuracy in the layer's PCA-50 space, the ceiling a faithful map approaches.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.manifold import TSNE
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gan_core.data import load_idx_dataset  # noqa: E402
from precompute.config import PROFILES, RecordConfig  # noqa: E402
from precompute.embed import TSNEReducer, UMAPReducer, nearest_neighbors, pca_features  # noqa: E402
from precompute.pipeline import load_shipped  # noqa: E402
from precompute.record import record_all  # noqa: E402
from precompute.train import pick_device  # noqa: E402


def knn_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    return float(cross_val_score(KNeighborsClassifier(10), x, y, cv=5).mean())


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=4096, help="generated and real samples each (demo: 4096)")
    p.add_argument("--layers", default=None, help="comma-separated layers (default: all with maps)")
    p.add_argument("--sources", default="generated,real,joint")
    p.add_argument("--weights", type=Path, default=None, help="weights directory (default: the shipped models/)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    profile = PROFILES["demo"]
    device = pick_device("auto")
    stages = {}
    data, stages["load + verify MNIST"] = timed(lambda: load_idx_dataset(profile.data_dir))
    (G, D, C, _), stages["load weights"] = timed(lambda: load_shipped(args.weights or profile.weights_dir, 10, device))
    rec, stages["record activations"] = timed(
        lambda: record_all(G, D, C, data, RecordConfig(n_generated=args.n, n_real=args.n)))
    labels = rec.samples["label"]
    want_layers = set(args.layers.split(",")) if args.layers else None
    methods = {
        "reference (sklearn, p40, 300 it)": lambda f: TSNE(perplexity=40, max_iter=300, init="pca",
                                                             random_state=0).fit_transform(f),
        "t-SNE sklearn (p30, 250+250 it)": lambda f: TSNEReducer(30, 500, 250, implementation="sklearn").fit_transform(f),
        "t-SNE openTSNE, ours (p20, 100+200 it)": lambda f: TSNEReducer(20, 300, 100).fit_transform(f),
        "UMAP (15 nn, 200 epochs)": lambda f: UMAPReducer(15, n_epochs=200).fit_transform(f),
    }
    UMAPReducer(15).fit_transform(np.random.default_rng(0).normal(size=(100, 5)))  # numba compile outside timings
    totals = {m: 0.0 for m in methods}
    rows = []
    for (layer, source), x in rec.activations.items():
        if x.shape[1] < 2 or source not in args.sources.split(",") or (want_layers and layer not in want_layers):
            continue
        y = labels[rec.rows[source]]
        feats, t_pca = timed(lambda: pca_features(x))
        _, t_nn = timed(lambda: nearest_neighbors(x, 10))
        ceiling = knn_accuracy(feats, y)
        row = [f"{layer}/{source}", len(x), f"{t_pca:.1f}", f"{t_nn:.1f}", f"{ceiling:.3f}"]
        for name, fn in methods.items():
            emb, secs = timed(lambda: fn(feats))
            totals[name] += secs
            acc = knn_accuracy(emb, y)
            row.append(f"{secs:.1f} s, {acc:.3f} ({acc / ceiling:.0%})")
        rows.append(row)
        print(" | ".join(map(str, row)), flush=True)
    print("\n## Stages")
    for name, secs in stages.items():
        print(f"| {name} | {secs:.1f} s |")
    print("\n## Maps: seconds, 10-NN accuracy of the 2-D map (share of the PCA-50 ceiling)")
    print("| layer/source | n | PCA-50 s | 10-NN s | ceiling | " + " | ".join(methods) + " |")
    print("|" + "---|" * (5 + len(methods)))
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")
    print("| **total seconds** | | | | | " + " | ".join(f"{v:.0f}" for v in totals.values()) + " |")


if __name__ == "__main__":
    main()
