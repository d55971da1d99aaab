"""Latent paths: walk the latent space from one generated digit to another and watch every layer.

Each class gets an anchor: its most confidently classified generated sample. A path between two
classes interpolates `steps` latent points between the anchors' z (spherical interpolation: z is
Gaussian, so a straight line would pass through low-norm points the generator never saw), draws
them, records every layer and lets the classifier name each image. The pipeline then places the
path points on the existing final maps (transform, not refit: see embed_all).
"""
from __future__ import annotations

import logging
from itertools import combinations

import numpy as np
import torch

from precompute.record import Recording, record_inputs

log = logging.getLogger(__name__)
PATH_KEYS = ("images", "label", "confidence", "d_score", "z", "path", "step")


def slerp(z0: np.ndarray, z1: np.ndarray, steps: int) -> np.ndarray:
    """`steps` points from z0 to z1 (both included) along the great circle, norms interpolated
    linearly; falls back to a straight line when the two are (anti)parallel."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}")
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    u0, u1 = z0 / n0, z1 / n1
    omega = np.arccos(np.clip(u0 @ u1, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return ((1 - t) * z0 + t * z1).astype(np.float32)
    direction = (np.sin((1 - t) * omega) * u0 + np.sin(t * omega) * u1) / np.sin(omega)
    return (direction * ((1 - t) * n0 + t * n1)).astype(np.float32)


def class_anchors(rec: Recording) -> dict[int, int]:
    """class -> sample id of its most confident generated sample (classes never generated are absent)."""
    ids = rec.rows["generated"]
    labels, conf = rec.samples["label"][ids], rec.samples["confidence"][ids]
    return {int(c): int(ids[labels == c][np.argmax(conf[labels == c])]) for c in np.unique(labels)}


def class_pairs(n_classes: int, mode: str) -> list[tuple[int, int]]:
    """"all": every unordered pair a < b; "neighbours": (0, 1), (1, 2), ..., (n-1, 0); "none": []."""
    if mode == "all":
        return list(combinations(range(n_classes), 2))
    if mode == "neighbours":
        return [(c, (c + 1) % n_classes) for c in range(n_classes)]
    if mode == "none":
        return []
    raise ValueError(f"unknown path set {mode!r}; valid: all, neighbours, none")


def flips(labels) -> list[int]:
    """Steps where the predicted class differs from the step before."""
    return [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]


def record_paths(G, D, C, rec: Recording, n_classes: int, mode: str, steps: int,
                 sample_pairs: tuple = ()) -> tuple[Recording | None, list[dict], list[str]]:
    """(recording of every path point, the manifest's path items, notes on pairs left out).
    `sample_pairs`: extra (id, id) pairs of generated sample ids chosen by the user; each item says
    whether it joins two class anchors (`chosen: "classes"`) or two samples asked for ("samples")."""
    anchors, notes = class_anchors(rec), []
    ends, chosen = [], []
    for a, b in class_pairs(n_classes, mode):
        if a in anchors and b in anchors:
            ends.append((anchors[a], anchors[b]))
            chosen.append("classes")
        else:
            notes.append(f"no path {a} to {b}: the generator drew no {a if a not in anchors else b} in this run")
    generated = set(rec.rows["generated"].tolist())
    for a, b in sample_pairs:
        if a not in generated or b not in generated:
            raise ValueError(f"path {a}:{b}: both ends must be generated sample ids "
                             f"({min(generated)}..{max(generated)})")
        ends.append((int(a), int(b)))
        chosen.append("samples")
    if not ends:
        return None, [], notes
    z = rec.samples["z"]
    zs = np.concatenate([slerp(z[a], z[b], steps) for a, b in ends])
    path_rec = record_inputs(G, D, C, torch.from_numpy(zs), np.zeros((0, 28, 28), np.uint8), np.zeros(0))
    labels, conf = path_rec.samples["label"], path_rec.samples["confidence"]
    path_rec.samples["path"] = np.repeat(np.arange(len(ends), dtype=np.int16), steps)
    path_rec.samples["step"] = np.tile(np.arange(steps, dtype=np.int16), len(ends))
    items = []
    for p, (a, b) in enumerate(ends):
        lab = labels[p * steps:(p + 1) * steps].tolist()
        items.append({"id": p, "chosen": chosen[p], "from": {"sample": a, "label": int(rec.samples["label"][a])},
                      "to": {"sample": b, "label": int(rec.samples["label"][b])},
                      "labels": lab, "confidence": [round(float(c), 4) for c in conf[p * steps:(p + 1) * steps]],
                      "flips": flips(lab)})
    log.info("recorded %d latent paths of %d steps", len(ends), steps)
    return path_rec, items, notes
