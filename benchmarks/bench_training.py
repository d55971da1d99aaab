"""Benchmark the training series' alignment (not a test): do aligned maps move less than independent ones?

    python benchmarks/bench_training.py [--cache runs/demo] [--sets g3/generated,d2/real,d3/joint]

For each kept epoch e (but the last) and each chosen (layer, source) set, it reads the cache's
aligned t-SNE maps at e and at the next kept epoch, refits an *independent* t-SNE of epoch e
(PCA initialisation, Procrustes-aligned onto the same next map, the best an unaligned series
can do), and prints, in units of the next map's spread:
  - the median distance a tracked point moves between the two epochs, aligned vs independent;
  - the 10-NN preservation of each map against the layer's PCA-50 space (faithfulness must not
    be paid for stability).
It re-records every epoch from the checkpoints, so it needs torch and the weights the cache used.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gan_core.cache import Cache  # noqa: E402
from gan_core.models import Discriminator, Generator  # noqa: E402
from precompute.checkpoints import load_weights  # noqa: E402
from precompute.embed import TSNEReducer, align, pca_features  # noqa: E402
from precompute.evolution import checkpoint_epochs  # noqa: E402
from precompute.pipeline import load_shipped  # noqa: E402
from precompute.record import record_inputs  # noqa: E402


def preservation(x: np.ndarray, y: np.ndarray, k: int = 10) -> float:
    nn = lambda a: NearestNeighbors(n_neighbors=k + 1).fit(a).kneighbors(a, return_distance=False)[:, 1:]  # noqa: E731
    return float(np.mean([len(np.intersect1d(r, s)) / k for r, s in zip(nn(x), nn(y))]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=Path("runs/demo"))
    p.add_argument("--sets", default="g3/generated,d2/real,d3/joint", help="layer/source, comma-separated")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cache = Cache(args.cache)
    block = cache.manifest["training"]
    if not block:
        sys.exit(f"{args.cache} has no training series")
    weights = Path(cache.manifest["weights"]["dir"])
    G, D, C, cfg = load_shipped(weights, len(cache.manifest["dataset"]["class_names"]), torch.device("cpu"))
    ckpts, s = checkpoint_epochs(weights), cache.samples()
    gen, real = cache.array(block["rows"]["generated"]), cache.array(block["rows"]["real"])
    epochs = cache.training_epochs()
    sets = [tuple(x.split("/")) for x in args.sets.split(",")]
    print(f"{'epochs':>9} {'set':>14} | median move / spread: aligned  independent | 10-NN kept: aligned  independent")
    totals = []
    for e, nxt in zip(epochs[:-1], epochs[1:]):
        Ge = load_weights(Generator(cfg.latent_dim, cfg.width), ckpts[e] / "generator.safetensors").eval()
        De = load_weights(Discriminator(cfg.width), ckpts[e] / "discriminator.safetensors").eval()
        rec = record_inputs(Ge, De, C, torch.from_numpy(s["z"][gen]), s["images"][real], s["label"][real])
        for layer, source in sets:
            aligned, _ = cache.embedding(layer, source, "tsne", e)
            later, _ = cache.embedding(layer, source, "tsne", nxt)
            feats = pca_features(rec.activations[(layer, source)])
            t0 = time.perf_counter()
            independent = align(TSNEReducer().fit_transform(feats), later)
            spread = later.std()
            move = [np.median(np.linalg.norm(m - later, axis=1)) / spread for m in (aligned, independent)]
            kept = [preservation(feats, m) for m in (aligned, independent)]
            totals.append(move + kept)
            print(f"{e:>4} -> {nxt:<3} {layer + '/' + source:>14} | {move[0]:>27.2f} {move[1]:>12.2f} | "
                  f"{kept[0]:>19.2f} {kept[1]:>12.2f}   ({time.perf_counter() - t0:.1f} s)")
    t = np.mean(totals, axis=0)
    print(f"{'mean':>24} | {t[0]:>27.2f} {t[1]:>12.2f} | {t[2]:>19.2f} {t[3]:>12.2f}")


if __name__ == "__main__":
    main()
