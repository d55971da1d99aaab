"""Every component id in one place, so layout and callbacks cannot drift apart.

Per-map components use pattern-matching dict ids keyed by layer and source, so the set of
maps comes from the manifest and the callbacks never list layers by name.
"""
from __future__ import annotations

URL = "url"
PAGE = "page"
RUN = "run-select"
METHOD = "method-select"
COLOR = "color-select"
CLASSES = "class-select"
VIEW = "view-store"            # {"run", "method", "color", "epoch", "classes"}
META = "meta-store"            # per-sample label/confidence/D score for client-side tooltips
SELECTION = "selection-store"  # None (nothing selected) or {"ids": [...], "origin": "layer/source"}
PINNED = "pinned-store"        # None or {"id": int, "layer": str, "source": str}
HOVER = "hover-store"          # last hovered sample id (written client-side)
FOCUS = "focus-store"          # None or {"layer", "source"}
GRID = "selection-grid"
GRID_PAGE = "grid-page"
GRID_PREV = "grid-prev"
GRID_NEXT = "grid-next"
PIN_PANEL = "pin-panel"
FOCUS_MODAL = "focus-modal"
FOCUS_GRAPH = "focus-graph"
FOCUS_TITLE = "focus-title"
FOCUS_TIP = "focus-tip"
FOCUS_CLOSE = "focus-close"
STATUS = "status-line"

MAP = "map"
TIP = "map-tip"
EXPAND = "map-expand"


def map_id(layer: str, source: str) -> dict:
    return {"type": MAP, "layer": layer, "source": source}


def tip_id(layer: str, source: str) -> dict:
    return {"type": TIP, "layer": layer, "source": source}


def expand_id(layer: str, source: str) -> dict:
    return {"type": EXPAND, "layer": layer, "source": source}
