"""Metrics on data with a known answer."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs

from precompute.metrics import faithfulness, mixing, separability


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(n_samples=600, n_features=20, centers=6, cluster_std=0.5, center_box=(-50, 50), random_state=0)
    return x.astype(np.float32), y


def test_separable_blobs_score_one(blobs):
    x, y = blobs
    s = separability(x, y, 6)
    assert s["knn_accuracy"] == 1.0 and s["probe_accuracy"] == 1.0 and s["silhouette"] > 0.8
    assert s["per_class"]["knn_accuracy"] == [1.0] * 6


def test_random_labels_score_chance(blobs):
    x, _ = blobs
    y = np.random.default_rng(0).integers(0, 6, len(x))
    s = separability(x, y, 6)
    assert abs(s["knn_accuracy"] - 1 / 6) < 0.07 and abs(s["probe_accuracy"] - 1 / 6) < 0.1
    assert s["silhouette"] < 0.05


def test_identity_map_is_perfectly_faithful(blobs):
    x, _ = blobs
    f = faithfulness(x[:, :2], x[:, :2].copy())
    assert f["trustworthiness"] > 0.999 and f["knn_preservation"] == 1.0
    shuffled = faithfulness(x, np.random.default_rng(0).normal(size=(len(x), 2)))
    assert shuffled["knn_preservation"] < 0.1


def test_mixing_separated_and_mixed():
    n = 200
    is_real = np.repeat([False, True], n)
    labels = np.zeros(2 * n, int)
    ids = np.arange(2 * n)
    same_source = np.array([np.where(is_real == is_real[i])[0][:10] for i in ids])
    sep = mixing(same_source, ids, is_real, labels, 1)
    assert sep["generated"] == 0.0 and sep["real"] == 1.0
    rng = np.random.default_rng(0)
    random_nn = rng.integers(0, 2 * n, (2 * n, 10))
    mixed = mixing(random_nn, ids, is_real, labels, 1)
    assert abs(mixed["generated"] - 0.5) < 0.05 and abs(mixed["real"] - 0.5) < 0.05


def test_too_few_samples_gives_reason():
    assert "reason" in separability(np.zeros((5, 3)), np.array([0, 0, 0, 0, 1]), 2)
