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


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    """A folder with two small synthetic runs ("synth" and "synth2"), for app unit tests."""
    from tests.synthetic_cache import write_synthetic_cache

    root = tmp_path_factory.mktemp("app-runs")
    write_synthetic_cache(root / "synth", n_generated=120, n_real=120, seed=0)
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
    return write_synthetic_cache(out, 300, 300)


@pytest.fixture()
def app_and_client(synthetic_root, tmp_path):
    """A fresh app on the synthetic runs, with its own figure cache directory."""
    from app import create_app
    from app.settings import Settings

    app = create_app(settings=Settings(cache_root=synthetic_root, cache_dir=tmp_path / "fc"))
    return app, app.server.test_client()

# ======================================= end app fixtures ===================================
