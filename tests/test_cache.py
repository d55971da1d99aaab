"""Cache contract: round trip, atomic commit, resume, schema mismatch, truncated or corrupt files."""
import json

import numpy as np
import pytest

from gan_core.cache import (SCHEMA_VERSION, Cache, CacheCorruptError, CacheMissingError, CacheStaleError,
                            CacheWriter, find_runs)


def _minimal(out, n=6):
    w = CacheWriter(out, {"seed": 0})
    w.save("samples/images.npy", np.zeros((n, 28, 28), np.uint8))
    for key, arr in {"source": np.zeros(n, np.uint8), "label": np.arange(n, dtype=np.int16),
                     "confidence": np.ones(n, np.float32), "d_score": np.ones(n, np.float32),
                     "z": np.zeros((n, 4), np.float32)}.items():
        w.save(f"samples/{key}.npy", arr)
    w.save("rows/generated.npy", np.arange(n, dtype=np.int32))
    w.save("embeddings/g1__generated__pca.npy", np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32))
    return w, {"config": {"seed": 0}, "samples": {"count": n}, "sources": {"generated": {"rows": "rows/generated.npy", "count": n}},
               "layers": [], "metrics": {}, "embeddings": [{"layer": "g1", "source": "generated", "method": "pca",
                                                             "epoch": None, "file": "embeddings/g1__generated__pca.npy"}]}


def _committed(tmp_path, **manifest_extra):
    """A committed minimal run; returns its directory."""
    w, m = _minimal(tmp_path / "run")
    w.commit({**m, **manifest_extra})
    return tmp_path / "run"


def _edit_manifest(run, **changes):
    path = run / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_round_trip(tmp_path):
    w, manifest = _minimal(tmp_path / "run")
    assert not (tmp_path / "run").exists()  # nothing visible before commit
    w.commit(manifest)
    cache = Cache(tmp_path / "run")
    assert cache.manifest["schema_version"] == SCHEMA_VERSION
    coords, ids = cache.embedding("g1", "generated", "pca")
    assert coords.shape == (6, 2) and ids.tolist() == list(range(6))
    assert cache.samples()["label"].tolist() == list(range(6))
    assert not list(tmp_path.glob(".*"))  # staging directory gone
    assert find_runs(tmp_path) == {"run": tmp_path / "run"}
    assert find_runs(tmp_path / "run") == {"run": tmp_path / "run"}
    with pytest.raises(KeyError):
        cache.embedding("g1", "generated", "umap")


def test_recommit_replaces_atomically(tmp_path):
    w, m = _minimal(tmp_path / "run")
    w.commit(m)
    w, m = _minimal(tmp_path / "run", n=8)
    w.commit(m)
    assert Cache(tmp_path / "run").manifest["samples"]["count"] == 8


def test_resume_keeps_arrays_with_same_fingerprint(tmp_path):
    w, _ = _minimal(tmp_path / "run")
    w2 = CacheWriter(tmp_path / "run", {"seed": 0})
    assert w2.resumed and w2.has("embeddings/g1__generated__pca.npy")
    w3 = CacheWriter(tmp_path / "run", {"seed": 1})
    assert not w3.resumed and not w3.has("embeddings/g1__generated__pca.npy")


def test_missing(tmp_path):
    with pytest.raises(CacheMissingError, match="python -m precompute"):
        Cache(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CacheMissingError, match="manifest.json is missing"):
        Cache(tmp_path / "empty")


def test_schema_mismatch_is_stale(tmp_path):
    _edit_manifest(_committed(tmp_path), schema_version=SCHEMA_VERSION - 1)
    with pytest.raises(CacheStaleError, match=f"version {SCHEMA_VERSION - 1}.*--profile demo --out"):
        Cache(tmp_path / "run")


def test_fix_command_keeps_the_runs_profile(tmp_path):
    _edit_manifest(_committed(tmp_path, run={"profile": "smoke"}), schema_version=0)
    with pytest.raises(CacheStaleError, match="--profile smoke --out"):
        Cache(tmp_path / "run")


def test_fix_command_replays_the_runs_own_flags(tmp_path):
    run = _committed(tmp_path, run={"profile": "smoke", "argv": ["--profile", "smoke", "--out", "elsewhere",
                                                                 "--path", "3:10", "--force", "--paths=none"]})
    assert Cache(run).fix == f"python -m precompute --profile smoke --path 3:10 --paths=none --out {run} --force"


def test_a_damaged_cache_is_not_up_to_date(tmp_path):
    from precompute.pipeline import _up_to_date

    run = _committed(tmp_path, fingerprint={"config": 1})
    assert _up_to_date(run, {"config": 1}) and not _up_to_date(run, {"config": 2})
    emb = run / "embeddings" / "g1__generated__pca.npy"
    emb.write_bytes(emb.read_bytes()[:-8])  # truncated: the same command must rebuild, not say "up to date"
    assert not _up_to_date(run, {"config": 1})


def test_truncated_array(tmp_path):
    _committed(tmp_path)
    f = tmp_path / "run" / "embeddings" / "g1__generated__pca.npy"
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(CacheCorruptError, match="truncated"):
        Cache(tmp_path / "run")


def test_corrupt_array_same_size(tmp_path):
    _committed(tmp_path)
    f = tmp_path / "run" / "embeddings" / "g1__generated__pca.npy"
    f.write_bytes(b"x" * f.stat().st_size)
    cache = Cache(tmp_path / "run")
    with pytest.raises(CacheCorruptError, match="cannot be read"):
        cache.embedding("g1", "generated", "pca")


def test_corrupt_manifest(tmp_path):
    _committed(tmp_path)
    (tmp_path / "run" / "manifest.json").write_text("{not json")
    with pytest.raises(CacheCorruptError, match="not valid JSON"):
        Cache(tmp_path / "run")


def test_pickled_array_is_refused(tmp_path):
    _committed(tmp_path)
    f = tmp_path / "run" / "embeddings" / "g1__generated__pca.npy"
    np.save(f, np.array([{"a": 1}] * 6, dtype=object), allow_pickle=True)
    m2 = json.loads((tmp_path / "run" / "manifest.json").read_text())
    m2["files"]["embeddings/g1__generated__pca.npy"]["bytes"] = f.stat().st_size
    (tmp_path / "run" / "manifest.json").write_text(json.dumps(m2))
    with pytest.raises(CacheCorruptError, match="cannot be read"):
        Cache(tmp_path / "run").embedding("g1", "generated", "pca")
