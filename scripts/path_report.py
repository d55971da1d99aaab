"""Summarise a cache's latent paths (not a test; numpy only, reads the cache like the app does).

    .venv/bin/python scripts/path_report.py [--cache runs/demo]

Per path the classifier names every step; per layer, `paths.layer_labels` holds what the layer's
own neighbourhood (k-NN over the cache's samples) calls each step. It prints:
  - paths, steps, flips, and the paths that pass through a third class (and which classes);
  - per layer: where along the path (0 = start, 1 = end) the layer settles on the end class, and how
    often its call agrees with the classifier's. A layer that settles at the same point as the image
    already "knows" the class the image will show.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gan_core.cache import Cache  # noqa: E402


def settle_step(labels: np.ndarray, end: int) -> int:
    """First step from which every later step is `end` (len(labels) if the path never settles)."""
    off = np.flatnonzero(labels != end)
    return int(off[-1] + 1) if len(off) else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=Path("runs/demo"))
    args = p.parse_args()
    cache = Cache(args.cache)
    block = cache.paths()
    if block is None:
        sys.exit(f"{args.cache} has no latent paths")
    k, items = block["steps"], block["items"]
    classifier = cache.path_arrays()["label"].reshape(len(items), k)
    detours = Counter(c for it in items for c in set(it["labels"]) - {it["from"]["label"], it["to"]["label"]})
    n_detour = sum(bool(set(it["labels"]) - {it["from"]["label"], it["to"]["label"]}) for it in items)
    print(f"{len(items)} paths x {k} steps; flips per path: median {np.median([len(i['flips']) for i in items]):.0f}, "
          f"max {max(len(i['flips']) for i in items)}; {n_detour} pass through a third class "
          f"(most often: {', '.join(f'{c} ({n})' for c, n in detours.most_common(4))})")
    ends = np.array([it["to"]["label"] for it in items])
    settle = lambda lab: np.mean([settle_step(row, e) for row, e in zip(lab, ends)]) / (k - 1)  # noqa: E731
    print(f"{'layer':>16} | settles on the end class at | agrees with the classifier")
    print(f"{'classifier':>16} | {settle(classifier):>27.2f} | {'':>26}")
    for entry in block.get("layer_labels", []):
        votes = cache.array(entry["file"]).reshape(len(items), k)
        print(f"{entry['layer'] + ' ' + entry['source']:>16} | {settle(votes):>27.2f} | {(votes == classifier).mean():>26.2f}")


if __name__ == "__main__":
    main()
