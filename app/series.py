"""Readers for the two schema-2 extras of a run, through gan_core.cache: the training series (a
tracked subset of samples mapped at several epochs) and the latent paths (interpolations between
two generated samples, placed on the final maps). Arrays are read once and held, like the maps.

Both tolerate a cache without them (every accessor then says "nothing": [], None) and a malformed
block (treated as absent, with one log line), so a view never fails because of them.
"""
from __future__ import annotations

import logging

import numpy as np

from gan_core.cache import Cache, CacheError

log = logging.getLogger(__name__)
_MISSING = (KeyError, TypeError, ValueError, AttributeError, IndexError, CacheError)


class TrainingSeries:
    """manifest["training"]: per-epoch maps of the tracked samples and how each epoch judged them."""

    def __init__(self, cache: Cache, n_samples: int):
        self.cache, self.n = cache, n_samples
        block = cache.manifest.get("training")
        self.block = block if isinstance(block, dict) else None
        try:
            listed = set(cache.training_epochs())
            self._epochs = sorted(e for e in listed if str(e) in (self.block or {}).get("samples", {}))
        except _MISSING:
            log.warning("%s: unreadable training block, ignored", cache.path)
            self.block, self._epochs = None, []
        self._samples: dict[int, dict | None] = {}
        self._tracked: np.ndarray | None = None

    def epochs(self) -> list[int]:
        """Epochs with training maps and samples, ascending ([] when the cache has none)."""
        return list(self._epochs)

    def valid(self, epoch) -> bool:
        return type(epoch) is int and epoch in self._epochs

    def final_epoch(self) -> int | None:
        value = (self.block or {}).get("final_epoch")
        return value if type(value) is int else (self._epochs[-1] if self._epochs else None)

    def tracked(self) -> np.ndarray | None:
        """The tracked sample ids (all sources), or None."""
        if self._tracked is None and self.block is not None:
            try:
                self._tracked = np.asarray(self.cache.array(self.block["rows"]["joint"]), dtype=np.int64)
            except _MISSING:
                return None
        return self._tracked

    def per_source(self) -> int | None:
        value = (self.block or {}).get("tracked_per_source")
        return value if type(value) is int else None

    def alignment(self, method: str, epoch: int | None = None) -> str:
        """How the maps of `method` were aligned across epochs; at `epoch`, the maps' own sentence
        (`params.alignment`) when they all agree (e.g. the last epoch: "the final map, restricted ...")."""
        if epoch is not None:
            own = {(e.get("params") or {}).get("alignment") for e in self.cache.view_entries(epoch)
                   if e.get("method") == method and e.get("file")}
            if len(own) == 1 and isinstance(next(iter(own)), str):
                return next(iter(own))
        value = ((self.block or {}).get("alignment") or {}).get(method)
        return value if isinstance(value, str) else ""

    def note(self) -> str:
        value = (self.block or {}).get("note")
        return value if isinstance(value, str) else ""

    def samples(self, epoch: int) -> dict | None:
        """ids, images, label, confidence, d_score at `epoch`, plus `row`: sample id -> row (-1: untracked)."""
        if not self.valid(epoch):
            return None
        if epoch not in self._samples:
            try:
                arrays = self.cache.training_samples(epoch)
                row = np.full(self.n, -1, dtype=np.int64)
                ids = np.asarray(arrays["ids"], dtype=np.int64)
                row[ids[(ids >= 0) & (ids < self.n)]] = np.flatnonzero((ids >= 0) & (ids < self.n))
                self._samples[epoch] = {**arrays, "row": row}
            except _MISSING:
                log.warning("%s: training samples of epoch %s unreadable", self.cache.path, epoch, exc_info=True)
                self._samples[epoch] = None
        return self._samples[epoch]

    def values(self, key: str, ids: np.ndarray, epoch: int) -> np.ndarray:
        """label/confidence/d_score of `ids` at `epoch`; untracked ids get -1 (label) or NaN."""
        s = self.samples(epoch)
        ids = np.asarray(ids, dtype=np.int64)
        if s is None or key not in s:
            return np.full(len(ids), -1 if key == "label" else np.nan)
        rows = s["row"][ids]
        out = s[key][np.maximum(rows, 0)]
        return np.where(rows >= 0, out, -1 if key == "label" else np.nan)

    def image(self, epoch: int, sample_id: int) -> np.ndarray | None:
        s = self.samples(epoch)
        if s is None or not (0 <= sample_id < self.n) or s["row"][sample_id] < 0:
            return None
        return s["images"][s["row"][sample_id]]

    def client_meta(self) -> dict | None:
        """What the browser's tooltip needs at each epoch: the tracked ids and, per epoch, their label,
        confidence and D score in the same order."""
        if not self._epochs:
            return None
        out = {"epochs": self.epochs(), "ids": None, "labels": {}, "conf": {}, "dscore": {}}
        for epoch in self._epochs:
            s = self.samples(epoch)
            if s is None:
                continue
            out["ids"] = s["ids"].tolist()
            out["labels"][str(epoch)] = s["label"].tolist()
            out["conf"][str(epoch)] = np.round(s["confidence"].astype(float), 3).tolist()
            out["dscore"][str(epoch)] = np.round(s["d_score"].astype(float), 3).tolist()
        return out if out["ids"] is not None else None


class LatentPaths:
    """manifest["paths"]: P paths of K steps; point i is step i % K of path i // K."""

    def __init__(self, cache: Cache):
        self.cache = cache
        block = cache.paths()
        steps = block.get("steps") if block else None
        items = block.get("items") if block else None
        ok = type(steps) is int and steps > 0 and isinstance(items, list)
        self.block = block if ok else None
        self.steps = steps if ok else 0
        self.items = [it for it in (items if ok else []) if isinstance(it, dict) and type(it.get("id")) is int
                      and it["id"] >= 0 and isinstance(it.get("labels"), list)]
        self._arrays: dict | None = None
        self._placed: dict[tuple, np.ndarray | None] = {}

    def item(self, path_id) -> dict | None:
        return next((it for it in self.items if it["id"] == path_id), None) if type(path_id) is int else None

    def arrays(self) -> dict | None:
        if self._arrays is None and self.block is not None:
            try:
                self._arrays = self.cache.path_arrays()
            except _MISSING:
                log.warning("%s: latent path arrays unreadable", self.cache.path, exc_info=True)
                self._arrays = {}
        return self._arrays or None

    def count(self) -> int:
        """Number of path points (P * K) in the arrays."""
        arrays = self.arrays()
        return len(arrays["label"]) if arrays and "label" in arrays else 0

    def image(self, index) -> np.ndarray | None:
        arrays = self.arrays()
        if not arrays or "images" not in arrays or type(index) is not int or not 0 <= index < len(arrays["images"]):
            return None
        return arrays["images"][index]

    def placed(self, layer: str, source: str, method: str) -> np.ndarray | None:
        """(P*K, 2) points on the final map of (layer, source, method), or None where not placed."""
        key = (layer, source, method)
        if key not in self._placed:
            try:
                self._placed[key] = self.cache.path_map(layer, source, method) if self.block else None
            except _MISSING:
                self._placed[key] = None
        return self._placed[key]

    def points(self, path_id, layer: str, source: str, method: str) -> dict | None:
        """One path on one map: xy (K, 2), labels, flips and the global point indices, or None."""
        item, xy = self.item(path_id), self.placed(layer, source, method)
        if item is None or xy is None:
            return None
        index = np.arange(path_id * self.steps, (path_id + 1) * self.steps)
        if index[-1] >= len(xy):
            return None
        return {"xy": xy[index], "labels": [int(v) for v in item["labels"]][:self.steps], "index": index.tolist(),
                "flips": [f for f in item.get("flips", []) if type(f) is int]}

    def find(self, a, b) -> int | None:
        """The path between classes a and b, either direction (None: not precomputed); a path between
        class anchors before one asked for by sample ids (`chosen: "samples"`) that joins them too."""
        for it in sorted(self.items, key=lambda it: it.get("chosen") == "samples"):
            ends = ((it.get("from") or {}).get("label"), (it.get("to") or {}).get("label"))
            if ends in ((a, b), (b, a)):
                return it["id"]
        return None

    def placement(self, method: str) -> str:
        """How the path points were placed on the final maps of `method` (the first map's sentence)."""
        for entry in (self.block or {}).get("maps", []):
            if isinstance(entry, dict) and entry.get("method") == method and isinstance(entry.get("placement"), str):
                return entry["placement"]
        return ""

    def pairs(self) -> list[tuple[int, int]]:
        return [((it.get("from") or {}).get("label"), (it.get("to") or {}).get("label")) for it in self.items]

    def client_meta(self) -> dict | None:
        """The tooltip's data for path points: label, confidence and D score per point, and K."""
        arrays = self.arrays()
        if not arrays or not {"label", "confidence", "d_score"} <= set(arrays):
            return None
        return {"steps": self.steps, "labels": arrays["label"].tolist(),
                "conf": np.round(arrays["confidence"].astype(float), 3).tolist(),
                "dscore": np.round(arrays["d_score"].astype(float), 3).tolist()}


def slider_position(epochs: list[int], epoch: int | None) -> int:
    """The epoch slider's position of a view: index of a training epoch, len(epochs) for final."""
    return epochs.index(epoch) if epoch in epochs else len(epochs)


def slider_epoch(epochs: list[int], position) -> tuple[bool, int | None]:
    """(valid, epoch) of a slider position from the browser: a training epoch, or None (final)."""
    if type(position) is not int or not 0 <= position <= len(epochs):
        return False, None
    return True, epochs[position] if position < len(epochs) else None
