"""Loading runs through gan_core.cache, and the memoized figure builder.

Two caches, on purpose:
- `_load_run` is an in-process lru_cache of the arrays (a few MB per run), keyed on the path
  and the manifest's mtime so a rebuilt run is picked up without a restart;
- `atlas_figure_dict` is a flask-caching memoize shared by every gunicorn worker. It keys on
  `repr` of its arguments, so it only ever takes strings and ints (numpy arrays would collide).
"""
from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask_caching import Cache as FlaskCache

from gan_core.cache import MANIFEST, Cache, CacheError, CacheMissingError, find_runs, rebuild_command
from gan_core.layers import display_label

from . import figures
from .series import LatentPaths, TrainingSeries
from .figures_metrics import faithfulness_hint, faithfulness_text

log = logging.getLogger(__name__)
flask_cache = FlaskCache()  # bound to the Flask server in create_app
# part of every figure cache key: a shared cache must not serve figures built by older code
CODE_VERSION = hashlib.sha1(b"".join(
    (Path(__file__).parent / name).read_bytes()
    for name in ("figures.py", "figures_metrics.py", "data.py", "series.py"))).hexdigest()[:10]


@dataclass(frozen=True)
class MapSpec:
    layer: str
    source: str
    label: str  # e.g. "discriminator layer 2 · 64×7×7"

    @property
    def key(self) -> str:
        return f"{self.layer}/{self.source}"


GROUP_TITLES = {
    ("generated", "generator"): "Generator: latent z → image",
    ("generated", "discriminator"): "Discriminator on generated images",
    ("real", "discriminator"): "Discriminator on real images",
    ("joint", "discriminator"): "Discriminator on real + generated images together",
}


class Run:
    """One validated run: manifest, per-sample arrays, and the lookups the views need."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.name = cache.name
        self.manifest = cache.manifest
        self.samples = cache.samples()
        self.class_names = [str(c) for c in self.manifest.get("dataset", {}).get("class_names", [])] \
            or [str(c) for c in range(int(self.samples["label"].max()) + 1)]
        created = str(self.manifest.get("run", {}).get("created", ""))
        # changes whenever the run is rebuilt: part of image URLs and figure cache keys
        self.version = hashlib.sha1(f"{self.name}|{created}|{len(self.samples['label'])}".encode()).hexdigest()[:10]
        self.n = len(self.samples["label"])
        self._neighbors: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        self._positions: dict[str, np.ndarray] = {}
        self._embeddings: dict[tuple, tuple[np.ndarray, np.ndarray] | None] = {}
        self._layer_models = {la.get("name"): la.get("model") for la in self.manifest["layers"] if isinstance(la, dict)}
        self._groups = self._build_groups()  # the manifest never changes under a Run
        self.series = TrainingSeries(cache, self.n)
        self.latent = LatentPaths(cache)

    @property
    def synthetic(self) -> bool:
        return "synthetic" in str(self.manifest.get("run", {}).get("profile", ""))

    def methods(self, epoch: int | None = None) -> list[str]:
        """Projection methods with at least one map file in the view of `epoch` (None: the final maps),
        in first-seen manifest order."""
        seen = []
        for e in self.cache.view_entries(epoch):
            if e.get("file") and e.get("method") not in seen:
                seen.append(e["method"])
        return seen

    def groups(self) -> tuple[list[tuple[str, list[MapSpec]]], list[str]]:
        """Maps in network order, grouped into rows; plus notes on layers that have no map."""
        return self._groups

    def _build_groups(self) -> tuple[list[tuple[str, list[MapSpec]]], list[str]]:
        final = self.cache.view_entries(None)
        mapped = {(e["layer"], e["source"]) for e in final if e.get("file")}
        groups: dict[tuple[str, str], list[MapSpec]] = {}
        notes = []
        for source in self.manifest["sources"]:
            for layer in self.manifest["layers"]:
                if source not in layer.get("sources", []):
                    continue
                if (layer["name"], source) not in mapped:
                    reasons = {e.get("reason") for e in final
                               if e["layer"] == layer["name"] and e["source"] == source and e.get("reason")}
                    notes.append(f"{layer['name']} ({source}): " + ("; ".join(sorted(reasons)) or "no map in this cache"))
                    continue
                family = "generator" if layer.get("model") == "generator" else "discriminator"
                label = layer.get("label") or display_label(layer["name"], layer["shape"])
                groups.setdefault((source, family), []).append(MapSpec(layer["name"], source, label))
        titled = [(GROUP_TITLES.get(k, f"{k[1]} on {k[0]}"), v) for k, v in groups.items()]
        return titled, sorted(set(notes))

    def map_specs(self) -> dict[str, MapSpec]:
        return {spec.key: spec for _, specs in self._groups[0] for spec in specs}

    def embedding(self, layer: str, source: str, method: str, epoch: int | None = None):
        """(xy, ids) or None when this map has no such projection (read once, then held)."""
        key = (layer, source, method, epoch)
        if key not in self._embeddings:
            try:
                self._embeddings[key] = self.cache.embedding(layer, source, method, epoch)
            except KeyError:
                self._embeddings[key] = None
        return self._embeddings[key]

    def faithfulness(self, layer: str, source: str, method: str, epoch: int | None = None) -> dict | None:
        """The map's faithfulness entry (trustworthiness, k-NN preservation) or None (older caches, and
        training-series maps measured without it)."""
        entry = next((e for e in self.cache.view_entries(epoch) if e.get("layer") == layer and e.get("source") == source
                      and e.get("method") == method and e.get("file")), None)
        value = entry.get("faithfulness") if entry else None
        return value if isinstance(value, dict) else None

    def point(self, layer: str, source: str, method, epoch: int | None, sample_id) -> tuple[float, float] | None:
        """Map coordinates of `sample_id` in one map of a view, or None where that map lacks it."""
        emb = self.view_map(layer, source, method, epoch) if isinstance(method, str) else None
        if emb is None or not self.valid_id(sample_id):
            return None
        hit = np.flatnonzero(emb[1] == sample_id)
        return (float(emb[0][hit[0], 0]), float(emb[0][hit[0], 1])) if len(hit) else None

    def view_map(self, layer: str, source: str, method: str, epoch: int | None = None):
        """(xy, ids) a view shows for one map: the map of that epoch; at a training epoch, a layer the
        training cannot change (the real input) shows its final map's tracked samples; else None."""
        emb = self.embedding(layer, source, method, epoch)
        if emb is not None or epoch is None or not self.constant(layer):
            return emb
        key = (layer, source, method, "tracked")
        if key not in self._embeddings:
            final, tracked = self.embedding(layer, source, method, None), self.series.tracked()
            keep = None if final is None or tracked is None else np.isin(final[1], tracked)
            self._embeddings[key] = None if keep is None else (final[0][keep], final[1][keep])
        return self._embeddings[key]

    def constant(self, layer: str) -> bool:
        """Whether training cannot change this layer (the real input images)."""
        return self._layer_models.get(layer) == "data"

    def neighbors(self, layer: str, source: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, neighbour ids) of a map's k-NN file, or None when the cache has none."""
        key = f"{layer}/{source}"
        if key not in self._neighbors:
            entry = next((e for e in self.manifest.get("neighbors", [])
                          if e["layer"] == layer and e["source"] == source and e.get("file")), None)
            self._neighbors[key] = None if entry is None else (self.cache.rows(source), self.cache.array(entry["file"]))
        return self._neighbors[key]

    def position(self, source: str, sample_id: int) -> int | None:
        """Row of `sample_id` inside a source's maps (None if the source lacks it)."""
        if source not in self._positions:
            rows = self.cache.rows(source)
            inverse = np.full(self.n, -1, dtype=np.int64)
            inverse[rows] = np.arange(len(rows))
            self._positions[source] = inverse
        pos = int(self._positions[source][sample_id]) if self.valid_id(sample_id) else -1
        return None if pos < 0 else pos

    def values(self, key: str, ids: np.ndarray, epoch: int | None = None) -> np.ndarray:
        """label/confidence/d_score of `ids` as the final models (epoch None) or the checkpoint of a
        training epoch judged them (every id must then be tracked)."""
        return self.samples[key][ids] if epoch is None else self.series.values(key, ids, epoch)

    def color_values(self, color_by: str, ids: np.ndarray, epoch: int | None = None) -> np.ndarray | None:
        if color_by in ("confidence", "d_score"):
            return self.values(color_by, ids, epoch)
        if color_by == "source":
            return self.samples["source"][ids].astype(np.float32)
        return None

    def valid_id(self, sample_id) -> bool:
        return isinstance(sample_id, int) and not isinstance(sample_id, bool) and 0 <= sample_id < self.n


class Atlas:
    """All runs under one root (a run directory, or a folder of them)."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def run_names(self) -> list[str]:
        return list(find_runs(self.root))

    def load(self, name: str | None = None) -> Run:
        """The named run (default: the first); raises CacheError with the fix command."""
        runs = find_runs(self.root)
        if not runs:
            if self.root.is_dir() and any(self.root.iterdir()) and not (self.root / MANIFEST).exists():
                raise CacheMissingError(f"no run with a {MANIFEST} under {self.root}",
                                        rebuild_command(self.root / "demo"))
            raise CacheMissingError(f"no cache at {self.root}", rebuild_command(self.root))
        path = runs.get(name) if name else next(iter(runs.values()))
        if path is None:
            raise KeyError(name)
        stamp = (path / MANIFEST).stat().st_mtime_ns
        return _load_run(str(path), stamp)


@functools.lru_cache(maxsize=4)
def _load_run(path: str, manifest_mtime_ns: int) -> Run:
    log.info("loading run %s", path)
    return Run(Cache(path))


def panels(run: Run, method: str, epoch: int | None, color_by: str) -> list[tuple[str, list[figures.Panel]]]:
    """The figure panels of every map, grouped in network order, for one projection and view (epoch
    None: the final maps; an int: the training series at that epoch, with that epoch's labels)."""
    out = []
    for title, specs in run.groups()[0]:
        row = []
        for spec in specs:
            shape = spec.label.rpartition(" · ")[2]
            at = "" if epoch is None else f" · epoch {epoch}"
            emb, own = run.view_map(spec.layer, spec.source, method, epoch), run.embedding(
                spec.layer, spec.source, method, epoch)
            if emb is None:  # this map has no such projection: an empty panel that says so
                xy, ids, hint = np.zeros((0, 2), np.float32), np.zeros(0, np.int64), ""
                subtitle = f"{shape} · no {method} map" + ("" if epoch is None else f" at epoch {epoch}")
            elif own is None:  # the real input at a training epoch: its final map, tracked samples only
                (xy, ids), subtitle = emb, f"{shape} · same at every epoch"
                hint = "Training does not change the real images: the final map, tracked samples only."
            else:
                # the row title says what the layer is; the trust score says how far to believe the map
                (xy, ids), fidelity = emb, run.faithfulness(spec.layer, spec.source, method, epoch)
                subtitle, hint = shape + at + faithfulness_text(fidelity), faithfulness_hint(fidelity, method)
            row.append(figures.Panel(spec.key, spec.layer, subtitle, xy, ids, run.values("label", ids, epoch),
                                     run.color_values(color_by, ids, epoch), hint))
        out.append((title, row))
    return out


def atlas_figure_dict(root: str, run: str, version: str, method: str, color_by: str, epoch: int,
                      hidden: str) -> dict:
    """The small-multiples figure as a dict, without selection or pin; `epoch` -1 is the final
    model and `hidden` a comma-joined list of hidden classes. Strings and ints only (see above)."""
    return _memoized_atlas(root, run, version, method, color_by, epoch, hidden, CODE_VERSION)


@flask_cache.memoize()
def _memoized_atlas(root, run, version, method, color_by, epoch, hidden, code_version):
    r = Atlas(root).load(run)
    rows = panels(r, method, None if epoch < 0 else epoch, color_by)
    return figures.atlas_figure_dict(rows, r.class_names, color_by, [int(h) for h in hidden.split(",") if h],
                                     uirevision=f"{run}|{method}|{epoch}")


def error_parts(exc: Exception) -> tuple[str, str]:
    """(problem, fix command) for the error card, never a traceback."""
    if isinstance(exc, CacheError):
        return exc.problem, exc.fix
    # anything else is a bug: the details go to the server log, never to the browser
    return "the dashboard hit an internal error reading this run", "see the server log for details"
