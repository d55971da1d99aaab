"""The cache contract between precompute (writer) and app (reader). numpy only, no torch.

Layout of one run directory (row i of every per-sample array is the same sample):
    manifest.json                      written last; see README "Cache layout"
    samples/images.npy     (N, 28, 28) uint8
    samples/source.npy     (N,) uint8   0 generated, 1 real
    samples/label.npy      (N,) int16   true label (real) or classifier prediction (generated)
    samples/confidence.npy (N,) float32 classifier's softmax probability of `label`
    samples/d_score.npy    (N,) float32 discriminator's P(real)
    samples/z.npy          (N, latent) float32, NaN on real rows
    rows/<source>.npy      (n_source,) int32 sample ids of a source set: generated, real, joint
    embeddings/<layer>__<source>__<method>.npy  (n_source, 2) float32, row j is sample rows[j]
    embeddings/<layer>__<source>__<method>__eNNN.npy  (n_tracked, 2) a training-series map at epoch NNN,
                                       row j is sample training/rows/<source>.npy[j]
    features/<layer>__<source>.npy  (n_source, <=50) float32 PCA features of the layer
    neighbors/<layer>__<source>.npy (n_source, k) int32 sample ids of the k nearest
                                       neighbours in the layer's original activation space
    training/rows/<source>.npy  (n_tracked,) int32 the tracked sample ids (a subset of rows/<source>)
    training/eNNN/<key>.npy   images/label/confidence/d_score of the tracked samples (training/rows/joint
                                       order) as the checkpoint of epoch NNN made and judged them
    paths/<key>.npy           latent paths: images, label, confidence, d_score, z, path, step; point i is
                                       step i % steps of path i // steps
    paths/maps/<layer>__<source>__<method>.npy  (n_points, 2) path points placed on a final map
Embedding entries: `epoch` is the training epoch of the weights; `series` is "final" (every sample of
the source, the final weights) or "training" (the tracked samples at `epoch`, rows in `rows`).
Nothing is pickled: every array is read with allow_pickle=False.
"""
from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: per-epoch training series, latent paths, `epoch` on every map
MANIFEST = "manifest.json"
SOURCE_CODES = {"generated": 0, "real": 1}
SAMPLE_ARRAYS = ("images", "source", "label", "confidence", "d_score", "z")


def rebuild_command(cache_dir: Path | str, profile: str = "demo", argv: list | None = None) -> str:
    """The command that rebuilds `cache_dir`: the run's own flags when the manifest recorded them
    (a run made with --path or --methods rebuilds as itself), with --out pointing here and --force,
    since the same configuration would otherwise count as up to date."""
    args = ["--profile", profile]
    if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
        args, skip = [], False
        for a in argv:
            if skip:
                skip = False
            elif a == "--out":
                skip = True
            elif not (a.startswith("--out=") or a == "--force"):
                args.append(a)
    return " ".join(["python -m precompute", *(shlex.quote(a) for a in args), "--out", shlex.quote(str(cache_dir)),
                     "--force"])


class CacheError(Exception):
    """A cache that cannot be served; `fix` is the command that rebuilds it."""

    def __init__(self, message: str, fix: str):
        super().__init__(f"{message}. Rebuild it with: {fix}")
        self.problem, self.fix = message, fix


class CacheMissingError(CacheError):
    pass


class CacheStaleError(CacheError):
    pass


class CacheCorruptError(CacheError):
    pass


def embedding_file(layer: str, source: str, method: str, epoch: int | None = None) -> str:
    """A final map (epoch None) or a training-series map at `epoch`."""
    suffix = "" if epoch is None else f"__e{epoch:03d}"
    return f"embeddings/{layer}__{source}__{method}{suffix}.npy"


def training_file(epoch: int, key: str) -> str:
    return f"training/e{epoch:03d}/{key}.npy"


def path_map_file(layer: str, source: str, method: str) -> str:
    return f"paths/maps/{layer}__{source}__{method}.npy"


def _atomic_save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)
    os.replace(tmp, path)


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class CacheWriter:
    """Writes into a hidden staging directory beside `out_dir`; `commit` writes the manifest
    last and renames the staging directory into place, so a reader never sees half a cache.

    An interrupted run leaves the staging directory; a rerun with the same `fingerprint`
    (the config) reuses the arrays already there, a rerun with another starts clean.
    """

    def __init__(self, out_dir: Path | str, fingerprint: dict):
        self.out_dir = Path(out_dir)
        self.staging = self.out_dir.parent / f".{self.out_dir.name}.partial"
        stamp = json.dumps(fingerprint, sort_keys=True, default=str)
        stamp_file = self.staging / "fingerprint.json"
        if self.staging.exists() and not (stamp_file.is_file() and stamp_file.read_text() == stamp):
            log.info("discarding staging directory %s (other config)", self.staging)
            shutil.rmtree(self.staging)
        self.resumed = self.staging.exists()
        self.staging.mkdir(parents=True, exist_ok=True)
        _atomic_text(stamp_file, stamp)

    def has(self, relpath: str) -> bool:
        path = self.staging / relpath
        if not path.is_file():
            return False
        try:
            np.load(path, allow_pickle=False, mmap_mode="r")
            return True
        except (ValueError, OSError):
            return False

    def load(self, relpath: str) -> np.ndarray:
        return np.load(self.staging / relpath, allow_pickle=False)

    def save(self, relpath: str, array: np.ndarray) -> str:
        _atomic_save(self.staging / relpath, np.asarray(array))
        return relpath

    def commit(self, manifest: dict) -> Path:
        files = {}
        for path in sorted(self.staging.rglob("*.npy")):
            rel = path.relative_to(self.staging).as_posix()
            arr = np.load(path, allow_pickle=False, mmap_mode="r")
            files[rel] = {"shape": list(arr.shape), "dtype": str(arr.dtype), "bytes": path.stat().st_size}
        manifest = {"schema_version": SCHEMA_VERSION, **manifest, "files": files}
        (self.staging / "fingerprint.json").unlink(missing_ok=True)
        _atomic_text(self.staging / MANIFEST, json.dumps(manifest, indent=1, default=_json_default))
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.out_dir.exists():
            old = self.out_dir.parent / f".{self.out_dir.name}.old"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.out_dir, old)
            os.replace(self.staging, self.out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.staging, self.out_dir)
        return self.out_dir


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


class Cache:
    """A validated, read-only view of one run directory."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.fix = rebuild_command(self.path)
        manifest_path = self.path / MANIFEST
        if not self.path.is_dir():
            raise CacheMissingError(f"no cache at {self.path}", self.fix)
        if not manifest_path.is_file():
            raise CacheMissingError(f"{manifest_path} is missing (an unfinished or foreign directory)", self.fix)
        try:
            self.manifest = json.loads(manifest_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CacheCorruptError(f"{manifest_path} is not valid JSON ({exc})", self.fix) from exc
        if not isinstance(self.manifest, dict):
            raise CacheCorruptError(f"{manifest_path} is not a JSON object", self.fix)
        run = self.manifest.get("run") if isinstance(self.manifest.get("run"), dict) else {}
        if run.get("profile") in ("smoke", "demo", "full"):  # rebuild what it was, not always the demo
            self.fix = rebuild_command(self.path, run["profile"], run.get("argv"))
        version = self.manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise CacheStaleError(f"{self.path} has cache schema version {version}, this app reads version "
                                  f"{SCHEMA_VERSION}", self.fix)
        for key in ("config", "samples", "sources", "layers", "embeddings", "metrics", "files"):
            if key not in self.manifest:
                raise CacheCorruptError(f"{manifest_path} lacks the key {key!r}", self.fix)
        for rel, meta in self.manifest["files"].items():
            file = self.path / rel
            if not file.is_file():
                raise CacheCorruptError(f"{file} is missing", self.fix)
            if file.stat().st_size != meta["bytes"]:
                raise CacheCorruptError(f"{file} has {file.stat().st_size} bytes, the manifest says "
                                        f"{meta['bytes']} (truncated or altered)", self.fix)

    @property
    def name(self) -> str:
        return self.path.name

    def array(self, relpath: str, mmap: bool = False) -> np.ndarray:
        meta = self.manifest["files"].get(relpath)
        if meta is None:
            raise CacheCorruptError(f"{self.path / relpath} is not listed in the manifest", self.fix)
        try:
            arr = np.load(self.path / relpath, allow_pickle=False, mmap_mode="r" if mmap else None)
        except (ValueError, OSError, EOFError) as exc:
            raise CacheCorruptError(f"{self.path / relpath} cannot be read ({exc})", self.fix) from exc
        if list(arr.shape) != meta["shape"] or str(arr.dtype) != meta["dtype"]:
            raise CacheCorruptError(f"{self.path / relpath} is {arr.dtype}{list(arr.shape)}, the manifest says "
                                    f"{meta['dtype']}{meta['shape']}", self.fix)
        return arr

    def samples(self) -> dict[str, np.ndarray]:
        return {key: self.array(f"samples/{key}.npy") for key in SAMPLE_ARRAYS}

    def rows(self, source: str) -> np.ndarray:
        if source not in self.manifest["sources"]:
            raise KeyError(f"unknown source {source!r}; this cache has {', '.join(self.manifest['sources'])}")
        return self.array(self.manifest["sources"][source]["rows"])

    def embedding_entries(self, **match) -> list[dict]:
        """Manifest entries whose keys equal `match` (e.g. layer="d2", method="tsne")."""
        return [e for e in self.manifest["embeddings"] if all(e.get(k) == v for k, v in match.items())]

    def view_entries(self, epoch: int | None = None) -> list[dict]:
        """The entries of one view: the final maps (epoch None) or the training series at `epoch`."""
        if epoch is None:
            return [e for e in self.manifest["embeddings"] if e.get("series", "final") == "final"]
        return [e for e in self.manifest["embeddings"] if e.get("series") == "training" and e.get("epoch") == epoch]

    def embedding(self, layer: str, source: str, method: str, epoch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(coords (n, 2) float32, sample ids (n,) int32) of one map: the final map (epoch None) or the
        training-series map at `epoch`. KeyError if absent or skipped."""
        for entry in self.view_entries(epoch):
            if (entry.get("layer"), entry.get("source"), entry.get("method")) == (layer, source, method) \
                    and entry.get("file"):
                ids = self.array(entry["rows"]) if entry.get("rows") else self.rows(source)
                return self.array(entry["file"]), ids
        raise KeyError(f"no {method} map for {layer}/{source}" + ("" if epoch is None else f" at epoch {epoch}"))

    # --- training series -------------------------------------------------------------------
    def training_epochs(self) -> list[int]:
        """Epochs with training-series maps (empty when the cache has none)."""
        block = self.manifest.get("training")
        return sorted(int(e) for e in block["epochs"]) if isinstance(block, dict) else []

    def training_samples(self, epoch: int) -> dict[str, np.ndarray]:
        """The tracked samples at `epoch`: ids (n_tracked,) plus images, label, confidence, d_score in the
        same order, as that epoch's generator drew them and the classifier and discriminator judged them."""
        block = self.manifest.get("training")
        if not isinstance(block, dict) or str(epoch) not in block.get("samples", {}):
            raise KeyError(f"no training samples at epoch {epoch}")
        out = {key: self.array(rel) for key, rel in block["samples"][str(epoch)].items()}
        out["ids"] = self.array(block["rows"]["joint"])
        return out

    # --- latent paths ----------------------------------------------------------------------
    def paths(self) -> dict | None:
        """The manifest's `paths` block (items, steps, files, maps) or None."""
        block = self.manifest.get("paths")
        return block if isinstance(block, dict) and block.get("items") else None

    def path_arrays(self) -> dict[str, np.ndarray]:
        block = self.paths()
        if block is None:
            raise KeyError("this cache has no latent paths")
        return {key: self.array(rel) for key, rel in block["files"].items()}

    def path_map(self, layer: str, source: str, method: str) -> np.ndarray:
        """(n_points, 2) path points placed on the final map of (layer, source, method)."""
        for entry in (self.paths() or {}).get("maps", []):
            if (entry["layer"], entry["source"], entry["method"]) == (layer, source, method) and entry.get("file"):
                return self.array(entry["file"])
        raise KeyError(f"no latent paths on the {method} map of {layer}/{source}")


def find_runs(root: Path | str) -> dict[str, Path]:
    """Run directories under `root`: root itself if it holds a manifest, else its sub-directories
    that do (sorted by name). Hidden staging directories are skipped."""
    root = Path(root)
    if (root / MANIFEST).is_file():
        return {root.name: root}
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir())
            if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()}
