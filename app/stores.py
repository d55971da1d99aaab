"""Readers of the stores and events that come back from the browser (selection, pin, focus, hidden
classes, latent path, graph events). They are input like any other: a store can hold anything a
POST to /_dash-update-component sends, so each reader keeps only what is valid for the run and
reads everything else as "nothing" (None or []), never raising. Pure functions of (run, value)."""
from __future__ import annotations

import numpy as np

from .data import Run


def selection_ids(run: Run, selection) -> np.ndarray | None:
    """The selected sample ids: only real ints (not bools) that are sample ids of the run. A store
    that is not {"ids": [...]}, or whose ids are all junk, is no selection (None); {"ids": []} is
    the empty selection (a box over empty space), which dims every map."""
    chosen = selection.get("ids") if isinstance(selection, dict) else None
    if not isinstance(chosen, list):
        return None
    valid = sorted({i for i in chosen if run.valid_id(i)})
    return None if chosen and not valid else np.asarray(valid, dtype=np.int64)


def hidden_list(run: Run, hidden) -> list[int]:
    """The hidden classes: ints (not bools) that are classes of the run, sorted, no repeats."""
    return sorted({h for h in hidden if type(h) is int and 0 <= h < len(run.class_names)}) \
        if isinstance(hidden, list) else []


def map_key(run: Run, value) -> str | None:
    """The "layer/source" key of a focus or pin store, when it names one of the run's maps."""
    if not isinstance(value, dict) or not isinstance(value.get("layer"), str) or not isinstance(value.get("source"), str):
        return None
    key = f"{value['layer']}/{value['source']}"
    return key if key in run.map_specs() else None


def pinned_id(run: Run, pinned) -> int | None:
    """The pinned sample id of a pin store ({"id", "layer", "source"}), or None."""
    return pinned["id"] if isinstance(pinned, dict) and run.valid_id(pinned.get("id")) else None


def pin_point(run: Run, key: str, view: dict, pinned) -> tuple | None:
    """(id, x, y) of the pinned sample in map `key` of the view, or None when that map lacks it."""
    sample_id = pinned_id(run, pinned)
    if sample_id is None:
        return None
    layer, _, source = key.partition("/")
    xy = run.point(layer, source, view["method"], view.get("epoch"), sample_id)
    return None if xy is None else (sample_id, *xy)


def path_points(run: Run, key: str, view: dict, path) -> dict | None:
    """The chosen latent path on map `key`: only on the final maps, where the cache placed it."""
    if view.get("epoch") is not None or run.latent.item(path) is None:
        return None
    layer, _, source = key.partition("/")
    return run.latent.points(path, layer, source, view["method"])


def points(value) -> list | None:
    """The `points` list of a plotly event (click, selection), or None."""
    found = value.get("points") if isinstance(value, dict) else None
    return found if isinstance(found, list) else None


def one_of(value, allowed) -> bool:
    """`value in allowed` for a browser value that may be unhashable (a list or dict in a store)."""
    return isinstance(value, str) and value in allowed
