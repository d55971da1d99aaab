"""Reducers: shapes, finite values, determinism, trustworthiness on blobs, degenerate input, bad parameters."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.manifold import trustworthiness

from precompute.embed import (DegenerateInputError, PCAReducer, TSNEReducer, UMAPReducer, check_activations,
                              nearest_neighbors, pca_features)

REDUCERS = {
    "pca": lambda: PCAReducer(2, seed=0),
    "tsne-sklearn": lambda: TSNEReducer(perplexity=20, n_iter=400, early_iter=250, implementation="sklearn", seed=0),
    "tsne-opentsne": lambda: TSNEReducer(perplexity=20, n_iter=300, early_iter=100, seed=0),
    "umap": lambda: UMAPReducer(n_neighbors=10, seed=0),
}


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(n_samples=400, n_features=30, centers=5, cluster_std=1.0, random_state=0)
    return x.astype(np.float32), y


@pytest.mark.parametrize("name", REDUCERS)
def test_shape_finite_deterministic_trustworthy(name, blobs):
    x, _ = blobs
    a = REDUCERS[name]().fit_transform(x)
    b = REDUCERS[name]().fit_transform(x)
    assert a.shape == (400, 2) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert trustworthiness(x, a, n_neighbors=10) >= 0.9


@pytest.mark.parametrize("name", REDUCERS)
@pytest.mark.parametrize("bad, reason", [
    (np.ones((200, 10), np.float32), "constant"),
    (np.where(np.eye(200, 10) > 0, np.nan, 1.0).astype(np.float32), "NaN or inf"),
    (np.full((200, 10), np.inf, np.float32), "NaN or inf"),
    (np.random.default_rng(0).normal(size=(200, 1)).astype(np.float32), "1 feature"),
    (np.random.default_rng(0).normal(size=(2, 10)).astype(np.float32), "samples"),
])
def test_degenerate_input_gives_a_reason_not_a_crash(name, bad, reason):
    with pytest.raises(DegenerateInputError, match=reason):
        REDUCERS[name]().fit_transform(bad)


def test_too_few_samples_for_perplexity_and_neighbours():
    x = np.random.default_rng(0).normal(size=(40, 10)).astype(np.float32)
    with pytest.raises(DegenerateInputError, match="at least 92"):
        TSNEReducer(perplexity=30).fit_transform(x)
    with pytest.raises(DegenerateInputError, match="samples"):
        UMAPReducer(n_neighbors=50).fit_transform(x)
    assert PCAReducer().fit_transform(x[:5]).shape == (5, 2)


@pytest.mark.parametrize("make, message", [
    (lambda: PCAReducer(0), "n_components must be positive"),
    (lambda: PCAReducer(2.5), "n_components must be an integer"),
    (lambda: TSNEReducer(perplexity=-1), "perplexity must be positive"),
    (lambda: TSNEReducer(implementation="cuda"), "implementation must be one of"),
    (lambda: TSNEReducer(n_iter=200, implementation="sklearn"), "n_iter > 250"),
    (lambda: TSNEReducer(n_iter=100, early_iter=100), "early_iter \\(100\\) must be less"),
    (lambda: UMAPReducer(n_neighbors=1), "n_neighbors must be at least 2"),
    (lambda: UMAPReducer(min_dist=-0.5), "min_dist must be non-negative"),
])
def test_one_readable_error_per_bad_parameter(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_pca_features_and_neighbors(blobs):
    x, y = blobs
    f = pca_features(x, dims=50)
    assert f.shape == (400, 30)  # never more dims than the layer has
    nn = nearest_neighbors(x, k=10)
    assert nn.shape == (400, 10) and not (nn == np.arange(400)[:, None]).any()
    assert (y[nn] == y[:, None]).mean() > 0.99  # blobs: neighbours share the class
    dup = np.repeat(x[:3], 4, axis=0)  # duplicates: self still excluded
    assert not (nearest_neighbors(dup, k=3) == np.arange(12)[:, None]).any()


def test_check_activations_passes_good_input(blobs):
    assert check_activations(blobs[0]).dtype == np.float32
