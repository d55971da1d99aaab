"""The precompute job: data -> weights -> activations -> embeddings -> cache (written atomically)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import shlex
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
from sklearn.neighbors import KNeighborsClassifier
from tqdm import tqdm

from gan_core.cache import MANIFEST, SCHEMA_VERSION, Cache, CacheError, CacheWriter, embedding_file, path_map_file
from gan_core.data import load_idx_dataset, to_model_range
from gan_core.layers import LAYERS, display_label
from gan_core.models import Classifier, Discriminator, Generator
from precompute.checkpoints import file_sha256, load_weights
from precompute.config import Profile, TrainConfig
from precompute.embed import DegenerateInputError, make_reducer, nearest_neighbors, pca_features
from precompute.evolution import training_series
from precompute.metrics import faithfulness, mixing, separability
from precompute.paths import PATH_KEYS, record_paths
from precompute.record import Recording, record_all
from precompute.train import test_classifier, train_classifier, train_gan

log = logging.getLogger(__name__)
WEIGHT_FILES = ("generator.safetensors", "discriminator.safetensors", "classifier.safetensors")


def library_versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ("torch", "numpy", "scikit-learn", "openTSNE", "umap-learn", "numba", "safetensors"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def load_shipped(weights_dir: Path, n_classes: int, device: torch.device) -> tuple[Generator, Discriminator, Classifier, TrainConfig]:
    """Models from a weights directory (generator/discriminator/classifier safetensors + config.json)."""
    cfg_file = weights_dir / "config.json"
    if not cfg_file.is_file():
        raise FileNotFoundError(f"{cfg_file}: not found; --weights must name a directory of trained weights")
    cfg = TrainConfig(**json.loads(cfg_file.read_text()))
    G = load_weights(Generator(cfg.latent_dim, cfg.width), weights_dir / "generator.safetensors")
    D = load_weights(Discriminator(cfg.width), weights_dir / "discriminator.safetensors")
    C = load_weights(Classifier(cfg.width, n_classes), weights_dir / "classifier.safetensors")
    return G.to(device).eval(), D.to(device).eval(), C.to(device).eval(), cfg


def train_models(profile: Profile, data, train_dir: Path, device: torch.device):
    """Train the classifier and the GAN into train_dir, then write its config.json beside them."""
    C, _ = train_classifier(data, profile.train_cfg, train_dir, device)
    G, D = train_gan(data, profile.train_cfg, train_dir, device)
    last = train_dir / "checkpoints" / f"epoch_{profile.train_cfg.epochs:03d}"
    for name in ("generator.safetensors", "discriminator.safetensors"):
        (train_dir / name).write_bytes((last / name).read_bytes())
    (train_dir / "config.json").write_text(json.dumps(profile.to_json()["train_cfg"], indent=2))
    return G, D, C


def path_activations(path_rec: Recording | None, rec: Recording) -> dict:
    """(layer, source) -> the path points' activations, for every generated and joint set: path
    points are generated images, so a joint (real + generated) map takes them too."""
    if path_rec is None:
        return {}
    return {(layer, source): path_rec.activations[(layer, "generated")]
            for (layer, source) in rec.activations if source in ("generated", "joint")
            and (layer, "generated") in path_rec.activations}


def embed_all(rec: Recording, profile: Profile, writer: CacheWriter, final_epoch: int,
              path_acts: dict | None = None) -> tuple[list, list, list, dict]:
    """Every (layer, source) set: PCA features, k-NN ids, one final map per method, and the latent
    path points placed on each map by the fitted reducer's transform. Resumes from writer."""
    cfg, path_acts = profile.embed, path_acts or {}
    embeddings, features, neighbors, path_maps, layer_labels = [], [], [], [], []
    bar = tqdm(total=len(rec.activations) * len(cfg.methods), desc="embeddings", unit="map")
    for (layer, source), x in rec.activations.items():
        ids, px = rec.rows[source], path_acts.get((layer, source))
        feat_file, nn_file = f"features/{layer}__{source}.npy", f"neighbors/{layer}__{source}.npy"
        knn_file = f"paths/layer_labels/{layer}__{source}.npy"
        wanted = [feat_file] + [embedding_file(layer, source, m) for m in cfg.methods] + \
                 ([path_map_file(layer, source, m) for m in cfg.methods] + [knn_file] if px is not None else [])
        feats, path_feats, feats_reason = None, None, None
        try:
            if all(writer.has(f) for f in wanted):  # resumed: nothing of this set left to fit
                feats = writer.load(feat_file)
            else:
                out = pca_features(x, cfg.pca_dims, cfg.seed, also=px)
                feats, path_feats = out if px is not None else (out, None)
                writer.save(feat_file, feats)
                if px is not None:  # what this layer's own neighbourhood says each path point is
                    writer.save(knn_file, KNeighborsClassifier(cfg.knn_k).fit(
                        feats, rec.samples["label"][ids]).predict(path_feats).astype(np.int16))
            if px is not None and writer.has(knn_file):
                layer_labels.append({"layer": layer, "source": source, "file": knn_file})
            features.append({"layer": layer, "source": source, "file": feat_file, "dims": int(feats.shape[1])})
        except DegenerateInputError as exc:
            feats_reason = exc.reason
            log.debug("%s/%s: no PCA features (%s)", layer, source, exc.reason)
        # Joint sets are twice as large (4x the cost): their neighbours come from the PCA features.
        space = "pca" if source == "joint" and feats is not None else "original activations"
        if not writer.has(nn_file):
            writer.save(nn_file, ids[nearest_neighbors(feats if space == "pca" else x, cfg.knn_k)])
        neighbors.append({"layer": layer, "source": source, "file": nn_file, "k": cfg.knn_k,
                          "space": f"PCA-{feats.shape[1]} of the activations" if space == "pca" else space})
        for method in cfg.methods:
            reducer = make_reducer(method, cfg)
            entry = {"layer": layer, "source": source, "method": method, "epoch": final_epoch, "series": "final",
                     "params": {**reducer.params, "input": "activations" if method == "pca" else f"pca{cfg.pca_dims}"}}
            rel, path_rel = embedding_file(layer, source, method), path_map_file(layer, source, method)
            bar.set_postfix_str(f"{layer}/{source}/{method}")
            t0 = time.time()
            try:
                if not writer.has(rel) or (px is not None and not writer.has(path_rel)):
                    if method != "pca" and feats is None:
                        raise DegenerateInputError(feats_reason)
                    coords = reducer.fit_transform(x if method == "pca" else feats)
                    if px is not None:  # saved before the map, so a resumed run never lacks it
                        _place_paths(writer, reducer, px if method == "pca" else path_feats, path_rel)
                    writer.save(rel, coords)
                entry.update(file=rel, seconds=round(time.time() - t0, 2))
                entry["params"].update(reducer.params)  # what fit actually chose (e.g. the t-SNE gradient)
                if px is not None and writer.has(path_rel):
                    path_maps.append({"layer": layer, "source": source, "method": method, "file": path_rel,
                                      "placement": PLACEMENT[method]})
            except DegenerateInputError as exc:
                entry.update(file=None, reason=exc.reason)
                log.debug("skipped %s map of %s/%s: %s", method, layer, source, exc.reason)
            embeddings.append(entry)
            bar.update()
    bar.close()
    skipped = sorted({f"{e['layer']}/{e['source']} ({e['reason']})" for e in embeddings if not e.get("file")})
    if skipped:  # expected for d_score (one feature); one line after the bar, not one per map inside it
        log.info("no maps for %s; the manifest records why", ", ".join(skipped))
    return embeddings, features, neighbors, {"maps": path_maps, "layer_labels": layer_labels}


PLACEMENT = {"pca": "projected onto the map's two principal components",
             "tsne": "openTSNE transform: placed among their nearest map points, then only they are optimised",
             "umap": "umap-learn transform onto the fitted map"}


def _place_paths(writer: CacheWriter, reducer, x: np.ndarray, rel: str) -> None:
    try:
        writer.save(rel, reducer.transform(x))
    except NotImplementedError as exc:  # scikit-learn's t-SNE: the map stays, without paths
        log.info("latent paths not placed on %s: %s", rel, exc)


def layer_measures(rec: Recording, writer: CacheWriter, embeddings: list, features: list, neighbors: list,
                   n_classes: int, seed: int) -> list:
    """metrics.layers: separability per (layer, source) on its PCA features, each map's faithfulness
    (also written into its embedding entry), and real/generated mixing for joint sets."""
    labels, is_real = rec.samples["label"].astype(np.int64), rec.samples["source"] == 1
    out = []
    for feat in tqdm(features, desc="layer metrics", unit="set"):
        layer, source = feat["layer"], feat["source"]
        x, ids = writer.load(feat["file"]), rec.rows[source]
        entry = {"layer": layer, "source": source, "space": f"PCA-{x.shape[1]} features",
                 **separability(x, labels[ids], n_classes, seed=seed), "maps": {}}
        for emb in embeddings:
            if emb["layer"] == layer and emb["source"] == source and emb.get("file") and emb["series"] == "final":
                emb["faithfulness"] = faithfulness(x, writer.load(emb["file"]), seed=seed)
                entry["maps"][emb["method"]] = emb["faithfulness"]
        if source == "joint":
            nn = next(n for n in neighbors if n["layer"] == layer and n["source"] == source)
            entry["mixing"] = {**mixing(writer.load(nn["file"]), ids, is_real, labels, n_classes),
                               "k": nn["k"], "space": nn["space"]}
        out.append(entry)
    return out


def run(profile: Profile, out_dir: Path, device: torch.device, train_dir: Path | None = None,
        command: str | None = None, force: bool = False) -> Path:
    with tqdm(total=4, desc="precompute", unit="stage") as stages:  # closed (a newline) before any error
        return _run(profile, out_dir, device, train_dir, command, stages, force)


def _up_to_date(out_dir: Path, fingerprint: dict) -> bool:
    """The same configuration AND every file the manifest lists present at its size (a damaged
    cache of the same configuration is rebuilt, not declared up to date)."""
    try:
        cache = Cache(out_dir)
    except CacheError:
        return False
    return cache.manifest.get("fingerprint") == fingerprint


def _run(profile: Profile, out_dir: Path, device: torch.device, train_dir: Path | None, command: str | None,
         stages, force: bool) -> Path:
    t_start = time.time()
    data = load_idx_dataset(profile.data_dir, profile.dataset)
    log.info("dataset %s: %d train, %d test images (digests verified)", data.name, len(data.train_images), len(data.test_images))
    stages.update()
    if profile.train:
        train_dir = train_dir or out_dir.parent / f"{out_dir.name}-training"
        G, D, C = train_models(profile, data, train_dir, device)
        weights_dir, train_cfg = train_dir, profile.train_cfg
    else:
        weights_dir = profile.weights_dir
        G, D, C, train_cfg = load_shipped(weights_dir, len(data.class_names), device)
    weights = {name: file_sha256(weights_dir / name) for name in WEIGHT_FILES}
    test_acc = test_classifier(C, data.test_images, data.test_labels, device)
    log.info("classifier accuracy on the %d test images: %.4f", len(data.test_labels), test_acc)
    stages.update()
    config = {**profile.to_json(), "train_cfg": train_cfg.__dict__, "seed": profile.record.seed}
    fingerprint = json.loads(json.dumps({"config": config, "weights": weights, "dataset": data.digest,
                                         "schema_version": SCHEMA_VERSION}, default=str))
    if not force and _up_to_date(out_dir, fingerprint):
        log.info("%s is up to date with this configuration; nothing to do (--force rebuilds it)", out_dir)
        return out_dir
    if (out_dir / MANIFEST).is_file():
        log.info("%s holds a cache of another configuration (or a damaged one); it is replaced when the new "
                 "one is complete", out_dir)
    rec = record_all(G, D, C, data, profile.record)
    stages.update()
    writer = CacheWriter(out_dir, fingerprint)
    if writer.resumed:
        log.info("resuming an interrupted run from %s", writer.staging)
    for key, arr in rec.samples.items():
        writer.save(f"samples/{key}.npy", arr)
    for source, ids in rec.rows.items():
        writer.save(f"rows/{source}.npy", ids)
    n_classes, final_epoch = len(data.class_names), train_cfg.epochs
    path_rec, path_items, path_notes = record_paths(G, D, C, rec, n_classes, profile.embed.path_pairs,
                                                    profile.embed.path_steps, profile.embed.extra_paths)
    embeddings, features, neighbors, path_placed = embed_all(rec, profile, writer, final_epoch,
                                                           path_activations(path_rec, rec))
    final_maps = {(e["layer"], e["source"], e["method"]): writer.load(e["file"]) for e in embeddings if e.get("file")}
    training, series_maps, over_training = training_series(rec, G, D, C, final_maps, profile.embed, writer,
                                                           weights_dir, final_epoch, n_classes, device)
    embeddings += series_maps
    layer_metrics = layer_measures(rec, writer, embeddings, features, neighbors, n_classes, profile.embed.seed)
    paths = None
    if path_rec is not None:
        paths = {"steps": profile.embed.path_steps, "interpolation": "slerp", "count": len(path_items),
                 "endpoints": "each class's most confidently classified generated sample"
                              + (", and the sample pairs asked for with --path" if profile.embed.extra_paths else ""),
                 "items": path_items, "notes": path_notes, **path_placed,
                 "layer_labels_rule": f"k-NN (k={profile.embed.knn_k}) vote of the cache's samples in the layer's "
                                      "PCA-50 space: the class each layer's neighbourhood gives a path point",
                 "files": {k: writer.save(f"paths/{k}.npy", path_rec.samples[k]) for k in PATH_KEYS}}
    stages.update()
    labels, source = rec.samples["label"], rec.samples["source"]
    manifest = {
        "fingerprint": fingerprint,
        "run": {"name": out_dir.name, "profile": profile.name, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "command": command or "python -m precompute " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
                "argv": sys.argv[1:] if command is None else None, "device": str(device),
                "seconds": round(time.time() - t_start, 1)},
        "config": config,
        "versions": library_versions(),
        "dataset": {"name": data.name, "digest": data.digest, "files": data.digests, "class_names": data.class_names},
        "weights": {"dir": str(weights_dir), "sha256": weights},
        "samples": {"count": int(len(labels)), "n_generated": int((source == 0).sum()), "n_real": int((source == 1).sum()),
                    "latent_dim": int(G.latent_dim), "files": {k: f"samples/{k}.npy" for k in rec.samples}},
        "sources": {s: {"rows": f"rows/{s}.npy", "count": int(len(ids))} for s, ids in rec.rows.items()},
        "layers": [{"name": info.name, "model": info.model, "shape": list(rec.shapes[info.name]),
                    "sources": [s for s in ("generated", "real", "joint") if (info.name, s) in rec.activations],
                    "label": display_label(info.name, rec.shapes[info.name])}
                   for info in LAYERS if info.name in rec.shapes],
        "embeddings": embeddings, "features": features, "neighbors": neighbors,
        "training": training, "paths": paths,
        "metrics": {
            "classifier_test_accuracy": test_acc,
            "layers": layer_metrics,
            "over_training": over_training,
            "generated_class_histogram": np.bincount(labels[source == 0], minlength=n_classes).tolist(),
            "real_class_histogram": np.bincount(labels[source == 1], minlength=n_classes).tolist(),
            "mean_generated_confidence": float(rec.samples["confidence"][source == 0].mean()),
            "mean_d_score": {"generated": float(rec.samples["d_score"][source == 0].mean()),
                             "real": float(rec.samples["d_score"][source == 1].mean())},
        },
    }
    path = writer.commit(manifest)
    log.info("wrote %s in %.0f s", path, time.time() - t_start)
    return path
