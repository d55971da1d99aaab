"""The precompute command line: bad input fails with one clear line and writes nothing; smoke end to end."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_core.cache import Cache

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "precompute", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (["--profile", "huge"], "invalid choice: 'huge'"),
    (["--n-real", "0"], "must be at least 1"),
    (["--n-generated", "many"], "'many' is not an integer"),
    (["--methods", "pca,isomap"], "unknown method"),
    (["--bogus"], "unrecognized arguments"),
    (["--device", "tpu"], "choose auto, cpu, cuda"),
    (["--path", "3-8"], "write two generated sample ids as A:B"),
    (["--paths", "some"], "invalid choice: 'some'"),
    (["--path", "4:4"], "a path needs two different samples"),
    (["--seed", "-1"], "must be 0 or more"),
    (["--training-samples", "-1"], "must be 0 or more"),
])
def test_bad_flags_exit_2_with_one_line(args, message, tmp_path):
    proc = run_cli(*args, "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # one line, no usage block
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra, message", [
    (["--data", "/no/such/dir"], "dataset directory not found"),
    (["--weights", "/no/such/weights"], "config.json: not found"),
    (["--n-real", "20000"], "n_real is at most 10000"),
    (["--train-only"], "--train-only needs --profile full"),
    (["--device", "cuda:7"], "CUDA is not available"),
    (["--out", "/proc/x"], "cannot write in /proc"),
    (["--path", "0:300"], "generated sample ids run from 0 to 299"),
])
def test_bad_paths_and_values_exit_1_and_write_nothing(extra, message, tmp_path):
    if "cuda" in extra[-1]:
        pytest.importorskip("torch").cuda.is_available() and pytest.skip("a GPU is present")
    out = tmp_path / "out"
    proc = run_cli("--profile", "smoke", "--out", str(out), *extra)
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.partial"))


def test_refuses_to_overwrite_a_non_cache_directory(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    proc = run_cli("--profile", "smoke", "--out", str(tmp_path / "mine"))
    assert proc.returncode == 1 and "is not a cache directory" in proc.stderr
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_help_documents_every_flag():
    out = run_cli("--help").stdout
    for flag in ("--profile", "--out", "--device", "--weights", "--data", "--dataset", "--train-dir", "--epochs",
                 "--train-only", "--n-generated", "--n-real", "--methods", "--seed", "--log-level", "--paths", "--path",
                 "--training-samples"):
        assert flag in out


def test_smoke_run_writes_a_complete_real_cache(smoke_cache):
    cache = Cache(smoke_cache)
    m = cache.manifest
    assert m["run"]["profile"] == "smoke", "the smoke cache must come from the real precompute run"
    assert m["dataset"]["name"] == "mnist" and len(m["dataset"]["digest"]) == 64
    assert m["metrics"]["classifier_test_accuracy"] >= 0.99
    assert sum(m["metrics"]["generated_class_histogram"]) == m["samples"]["n_generated"]
    assert set(m["weights"]["sha256"]) == {"generator.safetensors", "discriminator.safetensors", "classifier.safetensors"}
    assert {"torch", "scikit-learn", "umap-learn"} <= set(m["versions"])
    assert m["config"]["seed"] == 0
    names = [layer["name"] for layer in m["layers"]]
    assert names == ["g1", "g2", "g3", "g_out", "input", "d1", "d2", "d3", "d_score"]
    assert next(layer for layer in m["layers"] if layer["name"] == "d2")["sources"] == ["generated", "real", "joint"]
    samples = cache.samples()
    n = m["samples"]["count"]
    assert samples["images"].shape == (n, 28, 28) and samples["images"].dtype == np.uint8
    assert np.isnan(samples["z"][samples["source"] == 1]).all() and not np.isnan(samples["z"][samples["source"] == 0]).any()
    assert ((samples["d_score"] >= 0) & (samples["d_score"] <= 1)).all()
    methods = {e["method"] for e in m["embeddings"]}
    assert methods == {"pca", "tsne", "umap"}
    for entry in m["embeddings"]:
        if entry["layer"] == "d_score":
            assert entry["file"] is None and "feature" in entry["reason"]
            continue
        epoch = None if entry["series"] == "final" else entry["epoch"]
        assert isinstance(entry["epoch"], int)
        coords, ids = cache.embedding(entry["layer"], entry["source"], entry["method"], epoch)
        assert coords.shape == (len(ids), 2) and coords.dtype == np.float32 and np.isfinite(coords).all()
        assert entry["params"]
    evo = m["metrics"]["over_training"]
    assert len(evo["epochs"]) >= 2 and [e["epoch"] for e in evo["epochs"]] == sorted(e["epoch"] for e in evo["epochs"])
    for e in evo["epochs"]:
        assert sum(e["generated_class_histogram"]) == evo["samples_per_source"]
        assert {(x["layer"], x["source"]) for x in e["layers"]} >= {("g1", "generated"), ("d3", "real"), ("d3", "joint")}
        assert all(x["knn_accuracy"] is None or 0 <= x["knn_accuracy"] <= 1 for x in e["layers"])
    joint = cache.rows("joint")
    assert len(joint) == m["samples"]["n_generated"] + m["samples"]["n_real"]
    for entry in m["neighbors"]:
        nn = cache.array(entry["file"])
        assert nn.shape[0] == m["sources"][entry["source"]]["count"]
        assert nn.size == 0 or set(np.unique(nn)) <= set(cache.rows(entry["source"]).tolist())


def test_same_command_on_a_finished_cache_is_a_no_op(smoke_cache):
    before = (smoke_cache / "manifest.json").stat().st_mtime_ns
    proc = run_cli("--profile", "smoke", "--out", str(smoke_cache))
    assert proc.returncode == 0 and "up to date" in proc.stderr
    assert (smoke_cache / "manifest.json").stat().st_mtime_ns == before


def test_a_damaged_cache_can_be_rebuilt_in_place(tmp_path):
    out = tmp_path / "run"
    (out / "embeddings").mkdir(parents=True)  # a cache whose manifest was lost
    from precompute.__main__ import check_out_dir
    check_out_dir(out)  # accepted: nothing but cache folders in it
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a cache directory"):
        check_out_dir(out)
