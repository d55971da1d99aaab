"""Shared pytest fixtures. Sections are owned by different parts of the project."""
from __future__ import annotations

# ============================================================================================
# app fixtures (dashboard; owner: app/). Keep additions for other parts outside this section.
# ============================================================================================
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `pytest` (not `python -m pytest`) must still import app/ and gan_core/
    sys.path.insert(0, str(REPO))
SMOKE_BUILD_TIMEOUT_S = int(os.environ.get("GAN_ATLAS_SMOKE_TIMEOUT", "400"))  # 2 slow CI cores; numba compiles umap


def add_layer_measures(run_dir: Path) -> Path:
    """Give a synthetic run the per-layer measurements precompute writes (issue 5): `metrics.layers`
    and each map's `faithfulness`, with made-up but distinct values (and one unmeasurable entry)."""
    import json

    path = run_dir / "manifest.json"
    m = json.loads(path.read_text())
    n_classes, entries = len(m["dataset"]["class_names"]), []
    for i, feat in enumerate(m["features"]):
        layer, source = feat["layer"], feat["source"]
        # the source offset keeps the lines apart on the chart (the browser test clicks one point)
        base = round(0.2 + 0.03 * i + {"real": 0.1, "joint": 0.2}.get(source, 0.0), 4)
        per = {name: [None if c == 9 and source == "joint" else round(base + off + 0.01 * c, 4)
                      for c in range(n_classes)]
               for name, off in (("knn_accuracy", 0.0), ("probe_accuracy", 0.05), ("silhouette", -0.2))}
        maps = {}
        for e in m["embeddings"]:
            if e["layer"] == layer and e["source"] == source and e.get("file") and e.get("series", "final") == "final":
                e["faithfulness"] = {"trustworthiness": round(0.7 + 0.01 * i + 0.05 * len(maps), 4),
                                     "knn_preservation": 0.3, "k": 10, "points": 100}
                maps[e["method"]] = e["faithfulness"]
        entry = {"layer": layer, "source": source, "space": "PCA-2 features", "knn_accuracy": base,
                 "probe_accuracy": base + 0.05, "silhouette": base - 0.2, "per_class": per, "k": 10, "cv_folds": 5,
                 "probe_test_share": 0.3, "maps": maps}
        if source == "joint":
            entry["mixing"] = {"expected_if_mixed": 0.5, "generated": base, "real": 1 - base,
                               "generated_per_class": [round(base + 0.01 * c, 4) for c in range(n_classes)],
                               "real_per_class": [None] + [round(0.9 - 0.01 * c, 4) for c in range(1, n_classes)],
                               "k": 10, "space": "original activations"}
        entries.append(entry)
    entries.append({"layer": "d_score", "source": "generated", "reason": "1 feature; nothing to separate"})
    m["metrics"]["layers"] = entries
    # metrics.over_training: three kept checkpoints; epoch 1 has an unmeasured (null) generated g1 cell
    epochs = []
    for j, epoch in enumerate((1, 5, 10)):
        gen_hist = [40 - 30 * (j == 0) if c == 3 else 5 + j for c in range(n_classes)]
        rows = [{"layer": f["layer"], "source": f["source"],
                 "knn_accuracy": None if (epoch == 1 and f["layer"] == "g1") else round(0.1 + 0.02 * i + 0.1 * j, 4)}
                for i, f in enumerate(m["features"])]
        rows.append({"layer": "d_score", "source": "real", "knn_accuracy": None, "reason": "1 feature; nothing to do"})
        epochs.append({"epoch": epoch, "generated_class_histogram": gen_hist,
                       "real_class_histogram": [12] * n_classes, "mean_generated_confidence": 0.6 + 0.1 * j,
                       "layers": rows})
    m["metrics"]["over_training"] = {"samples_per_source": 64, "k": 10, "space": "PCA-2 features", "epochs": epochs}
    path.write_text(json.dumps(m, indent=1))
    return run_dir


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    """A folder with two small synthetic runs, for app unit tests: "synth" with the per-layer
    measurements (metrics.layers, faithfulness), a training series (epochs 1, 3 and the final 5; no
    per-epoch faithfulness) and 3 latent paths of 8 steps, and "synth2" without any of them, like an
    older cache."""
    from tests.synthetic_cache import write_synthetic_cache

    root = tmp_path_factory.mktemp("app-runs")
    add_layer_measures(write_synthetic_cache(root / "synth", n_generated=120, n_real=120, seed=0,
                                             training_epochs=(1, 3), paths=(3, 8)))
    write_synthetic_cache(root / "synth2", n_generated=60, n_real=60, seed=1)
    return root


@pytest.fixture(scope="session")
def smoke_cache(tmp_path_factory) -> Path:
    """A real cache for the browser test, in order of preference:
    $GAN_ATLAS_SMOKE_CACHE; a fresh `python -m precompute --profile smoke` build; runs/smoke;
    and only then a synthetic cache (with a warning, since that proves less).
    With CI=true the build is mandatory: a failed or timed-out build fails the session."""
    if os.environ.get("GAN_ATLAS_SMOKE_CACHE"):
        return Path(os.environ["GAN_ATLAS_SMOKE_CACHE"])
    out = tmp_path_factory.mktemp("smoke") / "smoke"
    cmd = [sys.executable, "-m", "precompute", "--profile", "smoke", "--out", str(out)]
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=SMOKE_BUILD_TIMEOUT_S)
        if proc.returncode == 0 and (out / "manifest.json").is_file():
            return out
        lines = (proc.stderr + proc.stdout).strip().splitlines()
        reason = [ln for ln in lines if ln.lower().startswith("error")][-1:] or lines[-1:] or ["no output"]
    except subprocess.TimeoutExpired:
        reason = [f"took over {SMOKE_BUILD_TIMEOUT_S} s"]
    shutil.rmtree(out, ignore_errors=True)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: `python {' '.join(cmd[1:])}` failed: {reason[0]}", pytrace=False)
    if (REPO / "runs" / "smoke" / "manifest.json").is_file():
        warnings.warn(f"precompute smoke build failed ({reason[0]}); using runs/smoke", stacklevel=1)
        return REPO / "runs" / "smoke"
    from tests.synthetic_cache import write_synthetic_cache

    warnings.warn(f"precompute smoke build failed ({reason[0]}) and runs/smoke is absent; "
                  "the browser test runs on a SYNTHETIC cache", stacklevel=1)
    return add_layer_measures(write_synthetic_cache(out, 300, 300, training_epochs=(1, 3), paths=(3, 8)))


@pytest.fixture()
def app_and_client(synthetic_root, tmp_path):
    """A fresh app on the synthetic runs, with its own figure cache directory."""
    from app import create_app
    from app.settings import Settings

    app = create_app(settings=Settings(cache_root=synthetic_root, cache_dir=tmp_path / "fc"))
    return app, app.server.test_client()


@pytest.fixture()
def env(app_and_client):
    """(the synthetic run "synth", its default view) inside a request context, for callback tests."""
    from app import callbacks

    app, _ = app_and_client
    with app.server.test_request_context("/"):
        run = callbacks._run("synth")
        yield run, callbacks.default_view(run)

# ======================================= end app fixtures ===================================
