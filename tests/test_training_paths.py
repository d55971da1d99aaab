"""Issue 5, sections 3 and 4 on the precompute side: the training series (per-epoch maps aligned
across epochs) and latent paths (interpolated z, placed on the final maps by transform).

Unit tests check properties on data with a known answer; the smoke-cache tests check the
contract the dashboard reads (gan_core.cache)."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs

from gan_core.cache import Cache
from precompute.embed import PCAReducer, TSNEReducer, UMAPReducer, align, pca_features
from precompute.paths import class_pairs, flips, slerp


# --- unit: interpolation, pairs, flips, alignment, transforms ---------------------------------

def test_slerp_hits_both_ends_and_keeps_gaussian_norms():
    rng = np.random.default_rng(0)
    z0, z1 = rng.normal(size=128), rng.normal(size=128)
    path = slerp(z0, z1, 16)
    assert path.shape == (16, 128) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], z0, atol=1e-5)
    np.testing.assert_allclose(path[-1], z1, atol=1e-5)
    norms = np.linalg.norm(path, axis=1)  # a straight line would dip to ~0.7 of the ends' norm midway
    assert norms.min() >= 0.99 * min(np.linalg.norm(z0), np.linalg.norm(z1))


def test_slerp_parallel_ends_and_bad_steps():
    z = np.ones(8)
    np.testing.assert_allclose(slerp(z, 2 * z, 3)[1], 1.5 * z, atol=1e-6)
    with pytest.raises(ValueError, match="steps must be at least 2"):
        slerp(z, z, 1)


def test_class_pairs():
    assert len(class_pairs(10, "all")) == 45 and all(a < b for a, b in class_pairs(10, "all"))
    assert class_pairs(10, "neighbours")[-1] == (9, 0) and len(class_pairs(10, "neighbours")) == 10
    assert class_pairs(10, "none") == []
    with pytest.raises(ValueError, match="unknown path set"):
        class_pairs(10, "some")


def test_flips_mark_every_change():
    assert flips([3, 3, 5, 5, 8]) == [2, 4]
    assert flips([1, 1, 1]) == []


def test_align_recovers_a_rotated_scaled_shifted_copy():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(200, 2))
    theta = 1.1
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    moved = 3.0 * target @ rot @ np.diag([1, -1]) + [5.0, -2.0]  # rotated, reflected, scaled, shifted
    np.testing.assert_allclose(align(moved, target), target, atol=1e-4)


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(n_samples=500, n_features=30, centers=5, cluster_std=1.0, random_state=0)
    return x.astype(np.float32), y


@pytest.mark.parametrize("reducer", [lambda: PCAReducer(2), lambda: TSNEReducer(perplexity=20),
                                     lambda: UMAPReducer(n_neighbors=10)], ids=["pca", "tsne", "umap"])
def test_transform_places_new_points_in_their_own_cluster(reducer, blobs):
    """New points from a known blob land among that blob's map points (the map is not refitted)."""
    x, y = blobs
    new = np.arange(500) % 5 == 0
    fit = ~new
    r = reducer()
    coords = r.fit_transform(x[fit])
    placed = r.transform(x[new])
    assert placed.shape == (new.sum(), 2) and np.isfinite(placed).all()
    centres = np.stack([coords[y[fit] == c].mean(0) for c in range(5)])
    nearest = np.argmin(((placed[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest == y[new]).mean() >= 0.95


def test_tsne_init_keeps_a_given_layout(blobs):
    """Initialised from a layout, t-SNE stays close to it once aligned (what keeps epochs comparable)."""
    x, _ = blobs
    first = TSNEReducer(perplexity=20, seed=0).fit_transform(x)
    again = TSNEReducer(perplexity=20, seed=1).fit_transform(x + np.random.default_rng(1).normal(0, 0.05, x.shape),
                                                            init=first)
    moved = np.linalg.norm(align(again, first) - first, axis=1) / first.std()
    assert np.median(moved) < 0.3
    with pytest.raises(ValueError, match="init must be a finite"):
        TSNEReducer().fit_transform(x, init=first[:10])


def test_pca_features_projects_extra_rows_into_the_same_space(blobs):
    x, _ = blobs
    feats, extra = pca_features(x[:400], 10, also=x[400:])
    assert feats.shape == (400, 10) and extra.shape == (100, 10)
    np.testing.assert_allclose(pca_features(x[:400], 10, also=x[:5])[1], feats[:5], atol=1e-3)


# --- the smoke cache: the contract the dashboard reads ----------------------------------------

@pytest.fixture(scope="module")
def cache(smoke_cache):
    return Cache(smoke_cache)


def test_training_series_covers_several_epochs_with_aligned_maps(cache):
    block = cache.manifest["training"]
    epochs = cache.training_epochs()
    assert len(epochs) >= 3 and epochs[-1] == block["final_epoch"] == cache.manifest["config"]["train_cfg"]["epochs"]
    n = block["tracked_per_source"]
    tracked = cache.array(block["rows"]["joint"])
    assert set(cache.array(block["rows"]["generated"])) <= set(cache.rows("generated"))
    assert set(cache.array(block["rows"]["real"])) <= set(cache.rows("real")) and len(tracked) == 2 * n
    for epoch in epochs:
        s = cache.training_samples(epoch)
        assert s["images"].shape == (2 * n, 28, 28) and s["label"].shape == (2 * n,)
        np.testing.assert_array_equal(s["ids"], tracked)
        entries = cache.view_entries(epoch)
        assert {e["method"] for e in entries} == set(block["methods"]) == {"pca", "tsne"}
        for e in entries:
            if e.get("file"):
                coords, ids = cache.embedding(e["layer"], e["source"], e["method"], epoch)
                assert coords.shape == (len(ids), 2) and np.isfinite(coords).all() and e["params"]["alignment"]
    final = cache.training_samples(epochs[-1])  # the last epoch IS the final weights: same images and labels
    samples = cache.samples()
    np.testing.assert_array_equal(final["images"], samples["images"][tracked])
    np.testing.assert_array_equal(final["label"], samples["label"][tracked])
    real = np.isin(tracked, cache.rows("real"))
    first = cache.training_samples(epochs[0])
    np.testing.assert_array_equal(first["images"][real], samples["images"][tracked[real]])  # same real images


def test_last_epoch_map_is_the_final_map_and_earlier_ones_stay_close(cache):
    epochs = cache.training_epochs()
    full, full_ids = cache.embedding("d3", "joint", "tsne")
    last, ids = cache.embedding("d3", "joint", "tsne", epochs[-1])
    np.testing.assert_array_equal(last, full[np.searchsorted(full_ids, ids)])
    prev, _ = cache.embedding("d3", "joint", "tsne", epochs[-2])
    spread = last.std()
    assert abs(prev.std() / spread - 1) < 0.5  # aligned: same scale, same place
    assert np.linalg.norm(prev.mean(0) - last.mean(0)) < 0.5 * spread


def test_final_entries_carry_their_epoch(cache):
    final_epoch = cache.manifest["training"]["final_epoch"]
    for e in cache.view_entries(None):
        assert e["series"] == "final" and e["epoch"] == final_epoch


def test_latent_paths_are_recorded_and_placed_on_the_final_maps(cache):
    block = cache.paths()
    k, items = block["steps"], block["items"]
    arrays = cache.path_arrays()
    assert len(items) == block["count"] >= 2 and arrays["images"].shape == (len(items) * k, 28, 28)
    samples = cache.samples()
    for item in items:
        assert item["labels"][0] == item["from"]["label"] and item["labels"][-1] == item["to"]["label"]
        assert item["flips"] == flips(item["labels"]) and item["chosen"] == "classes"
        rows = arrays["path"] == item["id"]
        np.testing.assert_array_equal(arrays["step"][rows], np.arange(k))
        np.testing.assert_allclose(arrays["z"][rows][0], samples["z"][item["from"]["sample"]], atol=1e-5)
        np.testing.assert_array_equal(arrays["label"][rows], item["labels"])
    placed = {(m["layer"], m["source"], m["method"]) for m in block["maps"]}
    assert {("g1", "generated", "tsne"), ("d2", "joint", "umap"), ("g_out", "generated", "pca")} <= placed
    assert not any(source == "real" for _, source, _ in placed)
    for layer, source, method in placed:
        coords = cache.path_map(layer, source, method)
        assert coords.shape == (len(items) * k, 2) and np.isfinite(coords).all()
    # a path starts where its anchor sample sits on the PCA map (a linear projection: exact)
    xy, ids = cache.embedding("g2", "generated", "pca")
    start = cache.path_map("g2", "generated", "pca")[0]
    np.testing.assert_allclose(start, xy[np.searchsorted(ids, items[0]["from"]["sample"])], atol=1e-3)


def test_each_layer_says_what_class_a_path_point_is(cache):
    """paths.layer_labels: per generated/joint set, the k-NN class of every path point in that layer;
    at the image (g_out) it mostly agrees with the classifier, which reads the same image."""
    block = cache.paths()
    entries = {(e["layer"], e["source"]): e for e in block["layer_labels"]}
    assert ("g1", "generated") in entries and ("d3", "joint") in entries
    n = block["count"] * block["steps"]
    labels = cache.path_arrays()["label"]
    for entry in entries.values():
        votes = cache.array(entry["file"])
        assert votes.shape == (n,) and votes.min() >= 0 and votes.max() < 10
    assert (cache.array(entries[("g_out", "generated")]["file"]) == labels).mean() >= 0.6


def test_record_paths_between_chosen_samples_and_missing_classes():
    """With untrained models (few classes generated), absent class pairs are noted, not invented;
    a path between two chosen samples is kept and marked as such; a non-generated id is refused."""
    import torch

    from gan_core.models import Classifier, Discriminator, Generator
    from precompute.paths import record_paths
    from precompute.record import record_inputs

    torch.manual_seed(0)
    G, D, C = Generator(128, 8).eval(), Discriminator(8).eval(), Classifier(8, 10).eval()
    rec = record_inputs(G, D, C, torch.randn(40, 128), np.zeros((5, 28, 28), np.uint8), np.zeros(5))
    path_rec, items, notes = record_paths(G, D, C, rec, 10, "neighbours", 4, sample_pairs=((0, 7),))
    present = set(rec.samples["label"][:40].tolist())
    assert len(items) == sum(a in present and b in present for a, b in class_pairs(10, "neighbours")) + 1
    assert len(notes) == 10 - (len(items) - 1) and all("drew no" in n for n in notes)
    assert items[-1]["chosen"] == "samples" and (items[-1]["from"]["sample"], items[-1]["to"]["sample"]) == (0, 7)
    assert path_rec.samples["images"].shape == (4 * len(items), 28, 28)
    with pytest.raises(ValueError, match="both ends must be generated sample ids"):
        record_paths(G, D, C, rec, 10, "none", 4, sample_pairs=((0, 42),))


def test_over_training_knn_accuracy_known_answers():
    from precompute.metrics import knn_accuracy

    x, y = make_blobs(n_samples=600, n_features=20, centers=6, cluster_std=0.5, random_state=0)
    assert knn_accuracy(x, y) == 1.0
    random_labels = np.random.default_rng(0).integers(0, 10, 600)
    assert abs(knn_accuracy(x, random_labels) - 0.1) < 0.05
    assert knn_accuracy(x, np.zeros(600, np.int64)) is None  # one class: nothing to measure
    collapsed = np.where(np.arange(600) < 3, np.arange(600) % 3 + 7, y)  # three classes drawn once each
    collapsed[:3] = [7, 8, 9]
    assert knn_accuracy(x, collapsed) is not None  # the singletons are left out, not the whole epoch
