"""2-D maps of layer activations: PCA, PCA-50 + t-SNE, PCA-50 + UMAP.

Reducers follow the openTSNE / umap-learn convention: the constructor stores and
validates parameters (one ValueError per bad parameter), `fit_transform` computes.
Degenerate input (NaN/inf, constant activations, too few samples or features)
raises `DegenerateInputError` with a reason; the pipeline records the reason in the
manifest and goes on. Checking *before* calling the libraries matters: scikit-learn's
TSNE with PCA init can segfault on constant input, which no try/except survives.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

N_JOBS = max(1, min(os.cpu_count() or 1, 8))


class DegenerateInputError(ValueError):
    """The activations cannot give a meaningful map; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_activations(x: np.ndarray, min_samples: int = 3, min_features: int = 2) -> np.ndarray:
    """Return x as float32 (n, d) or raise DegenerateInputError naming the problem."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise DegenerateInputError(f"expected a 2-D (samples, features) array, got shape {x.shape}")
    n, d = x.shape
    if n < min_samples:
        raise DegenerateInputError(f"{n} samples; this map needs at least {min_samples}")
    if d < min_features:
        raise DegenerateInputError(f"{d} feature; a 2-D map needs at least {min_features}")
    bad = ~np.isfinite(x)
    if bad.any():
        raise DegenerateInputError(f"{int(bad.any(axis=1).sum())} of {n} samples have NaN or inf activations")
    if float(x.std(axis=0).max()) < 1e-12:
        raise DegenerateInputError("constant activations (zero variance in every feature)")
    return x


def _check_positive(name: str, value, integer: bool = True) -> None:
    if integer and (not isinstance(value, (int, np.integer)) or isinstance(value, bool)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


class PCAReducer:
    """Linear projection to `n_components` dims (deterministic under `seed`)."""

    method = "pca"

    def __init__(self, n_components: int = 2, seed: int = 0):
        _check_positive("n_components", n_components)
        self.n_components, self.seed = n_components, seed

    @property
    def params(self) -> dict:
        return {"n_components": self.n_components, "seed": self.seed}

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        x = check_activations(x, min_samples=max(3, self.n_components), min_features=2)
        k = min(self.n_components, x.shape[0] - 1, x.shape[1])
        solver = "randomized" if min(x.shape) > 200 and k < 0.8 * min(x.shape) else "full"
        self.model_ = PCA(n_components=k, svd_solver=solver, random_state=self.seed).fit(x)
        return self.transform(x)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """New rows projected onto the fitted components (call fit_transform first)."""
        out = self.model_.transform(np.asarray(x, dtype=np.float32))
        if out.shape[1] < self.n_components:  # fewer usable dims than asked: pad so shapes stay fixed
            out = np.pad(out, ((0, 0), (0, self.n_components - out.shape[1])))
        return out.astype(np.float32)


class TSNEReducer:
    """t-SNE on (already PCA-reduced) input with PCA initialisation.

    `implementation` is "opentsne" (default, chosen by measurement: as good as scikit-learn's
    and faster on this project's layers, and its embeddings can place new points later) or
    "sklearn" (Barnes-Hut; scikit-learn fixes early exaggeration at 250 iterations).
    `n_iter` counts all iterations, the first `early_iter` with early exaggeration. openTSNE
    uses FFT gradients from `FFT_FROM` points on and Barnes-Hut below, where FFT's fixed cost dominates.
    """

    method = "tsne"
    implementations = ("opentsne", "sklearn")
    FFT_FROM = 2000

    def __init__(self, perplexity: float = 20.0, n_iter: int = 300, early_iter: int = 100,
                 implementation: str = "opentsne", seed: int = 0, n_jobs: int = N_JOBS):
        _check_positive("perplexity", perplexity, integer=False)
        _check_positive("n_iter", n_iter)
        _check_positive("early_iter", early_iter)
        _check_positive("n_jobs", n_jobs)
        if implementation not in self.implementations:
            raise ValueError(f"implementation must be one of {self.implementations}, got {implementation!r}")
        if implementation == "sklearn" and (early_iter != 250 or n_iter < 251):
            raise ValueError("scikit-learn's t-SNE fixes early_iter at 250 and needs n_iter > 250, "
                             f"got early_iter={early_iter}, n_iter={n_iter}")
        if early_iter >= n_iter:
            raise ValueError(f"early_iter ({early_iter}) must be less than n_iter ({n_iter})")
        self.perplexity, self.n_iter, self.early_iter = float(perplexity), n_iter, early_iter
        self.implementation, self.seed, self.n_jobs = implementation, seed, n_jobs
        self.gradient = "barnes_hut" if implementation == "sklearn" else None  # openTSNE: set by fit
        self.initialization = "pca"  # fit with `init`: "a given layout"

    @property
    def params(self) -> dict:
        return {"implementation": self.implementation, "perplexity": self.perplexity, "n_iter": self.n_iter,
                "early_exaggeration_iter": self.early_iter if self.initialization == "pca" else 0,
                "initialization": self.initialization,
                "gradient": self.gradient or f"fft from {self.FFT_FROM} points, else barnes_hut", "seed": self.seed}

    def fit_transform(self, x: np.ndarray, init: np.ndarray | None = None) -> np.ndarray:
        """The map of x; `init` (n, 2), e.g. a neighbouring epoch's map of the same samples, replaces
        the PCA initialisation (rescaled to openTSNE's recommended spread, so only its layout counts)
        and all `n_iter` iterations run without early exaggeration."""
        x = check_activations(x, min_samples=int(3 * self.perplexity) + 2)
        if init is not None and (np.shape(init) != (len(x), 2) or not np.isfinite(init).all()):
            raise ValueError(f"init must be a finite ({len(x)}, 2) array, got shape {np.shape(init)}")
        if self.implementation == "sklearn":
            if init is not None:
                raise ValueError("initialisation from a given map needs implementation='opentsne'")
            from sklearn.manifold import TSNE

            model = TSNE(perplexity=self.perplexity, max_iter=self.n_iter, init="pca", random_state=self.seed,
                         n_jobs=self.n_jobs)
            return model.fit_transform(x).astype(np.float32)
        from openTSNE import TSNE
        from openTSNE.initialization import rescale

        self.gradient = "fft" if len(x) >= self.FFT_FROM else "barnes_hut"
        self.initialization = "pca" if init is None else "a given layout"
        # From a given layout the clusters already exist: early exaggeration would tear it up again
        # (measured: it doubles how far points move between epochs for no gain in faithfulness).
        model = TSNE(perplexity=self.perplexity, early_exaggeration_iter=self.early_iter if init is None else 0,
                     n_iter=self.n_iter - self.early_iter if init is None else self.n_iter,
                     initialization="pca" if init is None else rescale(np.asarray(init, np.float64)),
                     negative_gradient_method="fft" if self.gradient == "fft" else "bh",
                     random_state=self.seed, n_jobs=self.n_jobs, verbose=False)
        self.embedding_ = model.fit(x)
        return np.asarray(self.embedding_, dtype=np.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """New rows placed on the fitted map without moving it (openTSNE's transform: each new point
        starts at the median of its reference neighbours, then only the new points are optimised)."""
        if self.implementation != "opentsne":
            raise NotImplementedError("scikit-learn's t-SNE cannot place new points on a fitted map")
        x = np.asarray(x, dtype=np.float32)
        return np.asarray(self.embedding_.transform(x), dtype=np.float32)


class UMAPReducer:
    """umap-learn on (already PCA-reduced) input. A fixed seed makes it single-threaded and repeatable;
    PCA initialisation because spectral init is not repeatable on a disconnected k-NN graph."""

    method = "umap"

    def __init__(self, n_neighbors: int = 15, min_dist: float = 0.1, n_epochs: int | None = None, seed: int = 0):
        _check_positive("n_neighbors", n_neighbors)
        if n_neighbors < 2:
            raise ValueError(f"n_neighbors must be at least 2, got {n_neighbors}")
        if not 0.0 <= min_dist:
            raise ValueError(f"min_dist must be non-negative, got {min_dist}")
        if n_epochs is not None:
            _check_positive("n_epochs", n_epochs)
        self.n_neighbors, self.min_dist, self.n_epochs, self.seed = n_neighbors, float(min_dist), n_epochs, seed

    @property
    def params(self) -> dict:
        return {"implementation": "umap-learn", "n_neighbors": self.n_neighbors, "min_dist": self.min_dist,
                "n_epochs": self.n_epochs, "init": "pca", "seed": self.seed}

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        import umap  # imported late: numba compiles on first import

        x = check_activations(x, min_samples=self.n_neighbors + 2)
        self.model_ = umap.UMAP(n_neighbors=self.n_neighbors, min_dist=self.min_dist, n_epochs=self.n_epochs,
                                random_state=self.seed, n_components=2, init="pca", n_jobs=1)  # seed: 1 thread
        return np.asarray(self.model_.fit_transform(x), dtype=np.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """New rows placed on the fitted map (umap-learn's transform; the map itself does not move)."""
        return np.asarray(self.model_.transform(np.asarray(x, dtype=np.float32)), dtype=np.float32)


def pca_features(x: np.ndarray, dims: int = 50, seed: int = 0, also: np.ndarray | None = None):
    """The PCA-`dims` space that t-SNE and UMAP start from (fewer dims if the layer has fewer).
    With `also` (more rows, e.g. latent-path activations), returns (features, also projected)."""
    x = check_activations(x)
    k = min(dims, x.shape[0] - 1, x.shape[1])
    if k >= x.shape[1]:
        mean = x.mean(axis=0)
        project = lambda a: (np.asarray(a, np.float32) - mean).astype(np.float32)  # noqa: E731
    else:
        project = PCA(n_components=k, svd_solver="randomized", random_state=seed).fit(x).transform
    feats = np.asarray(project(x), dtype=np.float32)
    return feats if also is None else (feats, np.asarray(project(np.asarray(also, np.float32)), dtype=np.float32))


def align(coords: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`coords` moved onto `target` (same samples, same order) by the rotation, reflection, uniform
    scale and shift that fit best in least squares (Procrustes): the layout itself is unchanged."""
    a, b = np.asarray(coords, np.float64), np.asarray(target, np.float64)
    ca, cb = a - a.mean(0), b - b.mean(0)
    u, s, vt = np.linalg.svd(ca.T @ cb)
    norm = (ca ** 2).sum()
    scale = s.sum() / norm if norm > 0 else 1.0
    return (scale * ca @ (u @ vt) + b.mean(0)).astype(np.float32)


def nearest_neighbors(x: np.ndarray, k: int = 10) -> np.ndarray:
    """Indices (n, k) of each row's k nearest other rows (Euclidean, exact), self excluded."""
    x = np.asarray(x, dtype=np.float32)
    k = min(k, len(x) - 1)
    if k < 1 or not np.isfinite(x).all():
        return np.zeros((len(x), 0), np.int32)
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", n_jobs=N_JOBS).fit(x)
    idx = nn.kneighbors(x, return_distance=False)
    # Drop self; with duplicate points self may not come first, so remove it where it is.
    out = np.empty((len(x), k), np.int32)
    for i, row in enumerate(idx):
        row = row[row != i]
        out[i] = row[:k]
    return out


def make_reducer(method: str, cfg) -> PCAReducer | TSNEReducer | UMAPReducer:
    """The reducer for `method` under an EmbedConfig."""
    if method == "pca":
        return PCAReducer(2, seed=cfg.seed)
    if method == "tsne":
        return TSNEReducer(cfg.tsne_perplexity, cfg.tsne_iter, cfg.tsne_early_iter, cfg.tsne_implementation,
                           seed=cfg.seed)
    if method == "umap":
        return UMAPReducer(cfg.umap_neighbors, cfg.umap_min_dist, cfg.umap_epochs, seed=cfg.seed)
    raise ValueError(f"unknown method {method!r}; valid: pca, tsne, umap")
