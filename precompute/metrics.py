"""How much class information a layer holds, and how faithful a 2-D map is to its layer.

All layer measures run on the layer's PCA-50 features (the space t-SNE and UMAP start from),
for speed; the manifest says so. Every function is pure: arrays in, plain dict out.
"""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import trustworthiness
from sklearn.metrics import silhouette_samples
from sklearn.model_selection import cross_val_predict, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import StandardScaler

MAX_FAITHFULNESS_POINTS = 2000  # trustworthiness is O(n^2): a seeded subsample keeps it cheap


def _per_class(correct: np.ndarray, labels: np.ndarray, n_classes: int) -> list:
    return [float(correct[labels == c].mean()) if (labels == c).any() else None for c in range(n_classes)]


def separability(x: np.ndarray, labels: np.ndarray, n_classes: int, k: int = 10, seed: int = 0) -> dict:
    """k-NN accuracy (5-fold CV), linear-probe accuracy (held-out 30%), silhouette; overall and per class."""
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=n_classes)
    present = counts[counts > 0]
    if len(present) < 2 or present.min() < 2 or len(x) < 10:
        return {"reason": "fewer than two classes present, a class with a single sample, or under 10 samples"}
    folds = int(min(5, present.min()))
    knn_pred = cross_val_predict(KNeighborsClassifier(min(k, len(x) - len(x) // folds - 1)), x, labels, cv=folds)
    knn_ok = knn_pred == labels
    xs = StandardScaler().fit_transform(x)
    stratify = labels if present.min() >= 4 else None
    tr, te = train_test_split(np.arange(len(x)), test_size=0.3, random_state=seed, stratify=stratify)
    probe = LogisticRegression(max_iter=300).fit(xs[tr], labels[tr])
    probe_ok = probe.predict(xs[te]) == labels[te]
    sil = silhouette_samples(x, labels)
    return {
        "knn_accuracy": float(knn_ok.mean()), "probe_accuracy": float(probe_ok.mean()), "silhouette": float(sil.mean()),
        "per_class": {"knn_accuracy": _per_class(knn_ok, labels, n_classes),
                      "probe_accuracy": _per_class(probe_ok, labels[te], n_classes),
                      "silhouette": _per_class(sil, labels, n_classes)},
        "k": k, "cv_folds": folds, "probe_test_share": 0.3,
    }


def knn_accuracy(x: np.ndarray, labels: np.ndarray, k: int = 10) -> float | None:
    """k-NN class accuracy alone (cross-validated; the cheap part of `separability`, for every
    training epoch), over the classes with at least two samples: a class drawn once (common in a
    collapsed early epoch) cannot be cross-validated and is left out. None when fewer than two
    such classes remain."""
    labels = np.asarray(labels)
    counts = np.bincount(labels)
    if (counts >= 2).sum() < 2:
        return None
    keep = counts[labels] >= 2
    folds = int(min(5, counts[counts >= 2].min()))
    k = min(k, keep.sum() - keep.sum() // folds - 1)
    return float(cross_val_score(KNeighborsClassifier(k), x[keep], labels[keep], cv=folds).mean())


def _neighbours(x: np.ndarray, k: int) -> np.ndarray:
    return NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x, return_distance=False)[:, 1:]


def faithfulness(x: np.ndarray, coords: np.ndarray, k: int = 10, seed: int = 0) -> dict:
    """Trustworthiness of the map and the share of each point's k nearest neighbours it keeps."""
    idx = np.arange(len(x))
    if len(x) > MAX_FAITHFULNESS_POINTS:
        idx = np.sort(np.random.default_rng(seed).choice(len(x), MAX_FAITHFULNESS_POINTS, replace=False))
    xs, cs = x[idx], coords[idx]
    k = min(k, len(xs) // 2 - 1)
    if k < 1:
        return {"reason": "too few points"}
    a, b = _neighbours(xs, k), _neighbours(cs, k)
    kept = np.mean([len(np.intersect1d(r, s, assume_unique=True)) / k for r, s in zip(a, b)])
    return {"trustworthiness": float(trustworthiness(xs, cs, n_neighbors=k)), "knn_preservation": float(kept),
            "k": k, "points": int(len(idx))}


def mixing(neighbour_ids: np.ndarray, ids: np.ndarray, is_real: np.ndarray, labels: np.ndarray, n_classes: int) -> dict:
    """Real/generated mixing in a joint layer: for generated and for real points, the mean share of
    their nearest neighbours that are real; per class too. Perfect mixing gives the real share of
    the set for both; a discriminator that separates them gives ~0 for generated and ~1 for real."""
    real_share = is_real[neighbour_ids].mean(axis=1)  # neighbour_ids are sample ids; is_real indexed by id
    own_real, own_labels = is_real[ids], labels[ids]
    out = {"expected_if_mixed": float(own_real.mean())}
    for name, mask in (("generated", ~own_real), ("real", own_real)):
        out[name] = float(real_share[mask].mean()) if mask.any() else None
        out[f"{name}_per_class"] = _per_class(real_share[mask], own_labels[mask], n_classes)
    return out
