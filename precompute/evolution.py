"""The training series: the same samples through the per-epoch checkpoints, measured and mapped.

A tracked subset of the cache's samples (the first `evolution_samples` generated ones, i.e. the
same z, and the first as many real ones, the same images) goes through the generator and the
discriminator of each kept checkpoint. Per epoch it gives:
  - what that epoch's generator drew and how the classifier and discriminator judged it;
  - `metrics.over_training`: k-NN class accuracy per (layer, source), the class histogram;
  - aligned maps (`series: "training"`): PCA and t-SNE of every layer.

Alignment runs backwards from the final maps, which anchor the series: the last epoch's map IS
the final map restricted to the tracked samples; each earlier epoch's t-SNE starts from the next
epoch's map (openTSNE, initialisation from a given layout) and every map, PCA included, is then
rotated/scaled onto the next one (Procrustes), so a point moves only as its neighbourhood changes.
UMAP maps are not made per epoch (umap-learn's AlignedUMAP would be the way; not built yet, to
keep the demo build short); the final maps keep UMAP.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from gan_core.cache import CacheWriter, embedding_file, training_file
from gan_core.models import Discriminator, Generator
from precompute.checkpoints import load_weights
from precompute.embed import DegenerateInputError, align, make_reducer, pca_features
from precompute.metrics import faithfulness, knn_accuracy
from precompute.record import Recording, record_inputs

log = logging.getLogger(__name__)
MAPPED_METHODS = ("pca", "tsne")  # per-epoch maps; UMAP only on the final maps (see above)
UNMAPPED_LAYERS = ("input", "d_score")  # the input does not change with training; d_score is 1-D
ALIGNMENT = {
    "tsne": "openTSNE initialised from the next kept epoch's map (the last epoch is the final map), "
            "without early exaggeration, then rotated and scaled onto it (Procrustes)",
    "pca": "the first two principal components of this epoch's activations, rotated, reflected and scaled "
           "onto the next kept epoch's map (Procrustes)",
}
SAMPLE_KEYS = ("images", "label", "confidence", "d_score")


def checkpoint_epochs(weights_dir: Path) -> dict[int, Path]:
    """epoch -> checkpoint directory holding a generator and a discriminator."""
    out = {}
    for d in sorted((weights_dir / "checkpoints").glob("epoch_*")):
        m = re.fullmatch(r"epoch_(\d+)", d.name)
        if m and (d / "generator.safetensors").is_file() and (d / "discriminator.safetensors").is_file():
            out[int(m.group(1))] = d
    return out


def tracked_rows(rec: Recording, n: int) -> dict[str, np.ndarray]:
    """The tracked sample ids per source: the first n generated and the first n real rows."""
    gen, real = rec.rows["generated"][:n], rec.rows["real"][:n]
    return {"generated": gen, "real": real, "joint": np.concatenate([gen, real]).astype(np.int32)}


def _epoch_measures(epoch: int, rec: Recording, feats: dict, n_classes: int, k: int) -> dict:
    labels, source = rec.samples["label"].astype(np.int64), rec.samples["source"]
    layers = []
    for (layer, src) in rec.activations:
        entry = {"layer": layer, "source": src}
        if isinstance(feats[(layer, src)], str):
            entry.update(knn_accuracy=None, reason=feats[(layer, src)])
        else:
            entry["knn_accuracy"] = knn_accuracy(feats[(layer, src)], labels[rec.rows[src]], k)
            if entry["knn_accuracy"] is None:
                entry["reason"] = "fewer than two classes with two or more samples"
        layers.append(entry)
    return {"epoch": epoch,
            "generated_class_histogram": np.bincount(labels[source == 0], minlength=n_classes).tolist(),
            "real_class_histogram": np.bincount(labels[source == 1], minlength=n_classes).tolist(),
            "mean_generated_confidence": float(rec.samples["confidence"][source == 0].mean()),
            "layers": layers}


def _features(rec: Recording, seed: int) -> dict:
    """(layer, source) -> PCA-50 features, or the reason there are none."""
    out = {}
    for key, x in rec.activations.items():
        try:
            out[key] = pca_features(x, 50, seed)
        except DegenerateInputError as exc:
            out[key] = exc.reason
    return out


class TrainingSeries:
    """Builds the series into a CacheWriter. `run` returns (manifest["training"], embedding entries,
    metrics.over_training); maps already in the writer's staging directory are reused (resume)."""

    def __init__(self, rec: Recording, final_maps: dict, cfg, writer: CacheWriter, classifier, n_classes: int,
                 keep: tuple = (1, 2, 5, 10, 20)):
        self.rec, self.final_maps, self.cfg, self.writer = rec, final_maps, cfg, writer
        self.classifier = classifier
        self.n_classes, self.keep = n_classes, keep
        self.rows = tracked_rows(rec, cfg.evolution_samples)
        n = min(len(self.rows["generated"]), len(self.rows["real"]))
        if n < cfg.evolution_samples:
            log.warning("training series: %d samples per source asked, the run has %d generated and %d real; "
                        "tracking those", cfg.evolution_samples, len(self.rows["generated"]), len(self.rows["real"]))
        if n < 3 * cfg.tsne_perplexity + 2:
            log.warning("training series: %d tracked samples per source is too few for t-SNE (perplexity %g needs "
                        "%d); its per-epoch maps are skipped", n, cfg.tsne_perplexity, int(3 * cfg.tsne_perplexity) + 2)
        self.methods = [m for m in MAPPED_METHODS if m in cfg.methods]

    def epochs(self, ckpts: dict, final_epoch: int) -> list[int]:
        return sorted({e for e in ckpts if e in self.keep and e < final_epoch} | {final_epoch})

    def run(self, models: dict, final_epoch: int) -> tuple[dict, list, dict]:
        """`models`: epoch -> (G, D) loader callable; the final epoch uses the recording's own models."""
        for source, ids in self.rows.items():
            self.writer.save(f"training/rows/{source}.npy", ids)
        epochs = sorted(models)
        entries, measures, samples, later = [], [], {}, {}
        for epoch in tqdm(epochs[::-1], desc="training epochs", unit="epoch"):
            rec = self._record(*models[epoch]())
            samples[str(epoch)] = self._save_samples(epoch, rec)
            feats = _features(rec, self.cfg.seed)
            measures.append(_epoch_measures(epoch, rec, feats, self.n_classes, self.cfg.knn_k))
            for (layer, source), f in feats.items():
                if layer in UNMAPPED_LAYERS or isinstance(f, str):
                    continue
                for method in self.methods:
                    key = (layer, source, method)
                    if key not in self.final_maps:  # no final map (skipped): nothing to anchor on
                        continue
                    coords, entry = self._map(epoch, epoch == final_epoch, key, f, later.get(key))
                    if coords is not None:
                        later[key] = coords
                    entries.append(entry)
        block = {"epochs": epochs, "final_epoch": final_epoch, "tracked_per_source": int(len(self.rows["generated"])),
                 "methods": self.methods, "alignment": {m: ALIGNMENT[m] for m in self.methods},
                 "rows": {s: f"training/rows/{s}.npy" for s in self.rows}, "samples": samples,
                 "note": f"the first {len(self.rows['generated'])} generated samples (same z) and the first "
                         f"{len(self.rows['real'])} real images, through each kept checkpoint"}
        over_training = {"samples_per_source": int(len(self.rows["generated"])), "k": self.cfg.knn_k,
                         "space": "PCA-50 features",
                         "epochs": sorted(measures, key=lambda m: m["epoch"])}
        return block, entries, over_training

    def _record(self, G, D) -> Recording:
        s, gen, real = self.rec.samples, self.rows["generated"], self.rows["real"]
        return record_inputs(G, D, self.classifier, torch.from_numpy(s["z"][gen]), s["images"][real], s["label"][real])

    def _save_samples(self, epoch: int, rec: Recording) -> dict:
        return {key: self.writer.save(training_file(epoch, key), rec.samples[key]) for key in SAMPLE_KEYS}

    def _map(self, epoch: int, is_final: bool, key: tuple, feats: np.ndarray, later):
        layer, source, method = key
        rel = embedding_file(layer, source, method, epoch)
        entry = {"layer": layer, "source": source, "method": method, "epoch": epoch, "series": "training",
                 "rows": f"training/rows/{source}.npy", "file": rel}
        try:
            if is_final:  # the anchor: the final map itself, restricted to the tracked samples
                coords = self.final_maps[key][np.searchsorted(self.rec.rows[source], self.rows[source])]
                entry["params"] = {"alignment": "the final map, restricted to the tracked samples"}
                self.writer.save(rel, coords)
            elif self.writer.has(rel):  # resumed
                coords = self.writer.load(rel)
                entry["params"] = {"alignment": ALIGNMENT[method]}
            else:
                if method == "tsne":
                    reducer = make_reducer(method, self.cfg)
                    coords, params = reducer.fit_transform(feats, init=later), reducer.params
                else:  # PCA-50's first two components are the PCA-2 map: no second fit
                    coords, params = feats[:, :2].copy(), {"n_components": 2, "input": "pca50 features"}
                if later is not None:
                    coords = align(coords, later)
                entry["params"] = {**params, "alignment": ALIGNMENT[method]}
                self.writer.save(rel, coords)
            entry["faithfulness"] = faithfulness(feats, coords, seed=self.cfg.seed)
            return coords, entry
        except DegenerateInputError as exc:
            entry.update(file=None, reason=exc.reason)
            return None, entry


def training_series(rec: Recording, G, D, C, final_maps: dict, cfg, writer: CacheWriter, weights_dir: Path,
                    final_epoch: int, n_classes: int, device) -> tuple[dict | None, list, dict | None]:
    """(manifest["training"], training-series embedding entries, metrics.over_training)."""
    if not cfg.evolution_samples:
        return None, [], None
    ckpts = checkpoint_epochs(weights_dir)
    series = TrainingSeries(rec, final_maps, cfg, writer, C, n_classes, keep=tuple(cfg.training_epochs))
    width, latent = G.width, G.latent_dim

    def loader(path: Path):
        return lambda: (load_weights(Generator(latent, width), path / "generator.safetensors").to(device).eval(),
                        load_weights(Discriminator(width), path / "discriminator.safetensors").to(device).eval())

    models = {e: loader(ckpts[e]) for e in series.epochs(ckpts, final_epoch) if e != final_epoch}
    models[final_epoch] = lambda: (G, D)
    if len(models) == 1:
        log.info("no kept per-epoch checkpoints under %s: the training series has the final epoch only",
                 weights_dir / "checkpoints")
    return series.run(models, final_epoch)
