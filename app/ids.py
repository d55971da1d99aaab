"""Every component id in one place, so layout and callbacks cannot drift apart.

The maps are subplots of a single figure (see figures.py for why), addressed by their
"layer/source" key; the set of maps comes from the manifest, never from names in code.
"""
from __future__ import annotations

URL = "url"
PAGE = "page"
RUN = "run-select"
METHOD = "method-select"
COLOR = "color-select"
VIEW = "view-store"            # {"run", "method", "color", "epoch"}; epoch None = the final maps, an int = that
                               # epoch of the training series (one of the manifest's training epochs)
HIDDEN = "hidden-store"        # classes switched off in the legend, [int]
META = "meta-store"            # per-sample label/confidence/D score for client-side tooltips
SELECTION = "selection-store"  # None (nothing selected) or {"ids": [...], "origin": "layer/source"}
PINNED = "pinned-store"        # None or {"id": int, "layer": str, "source": str}
MAP_CLICK = "map-click-store"  # a single click on a map point, written client-side once it is not a double-click
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

ATLAS = "atlas-graph"         # every map, as subplots of one WebGL figure
ATLAS_TIP = "atlas-tip"
FOCUS_PICK = "focus-select"    # which map to open large
MEASURES = "measures-panel"    # the measurements panel (hidden when the cache has no metrics.layers)
SEP_GRAPH = "separability-graph"
SEP_METRIC = "separability-metric"
SEP_SOURCES = "separability-sources"
SEP_PER_CLASS = "separability-per-class"
MIX_GRAPH = "mixing-graph"
THUMB = "thumb"                # a clickable digit in the selection grid or neighbour list


def thumb_id(sample_id: int, where: str) -> dict:
    return {"type": THUMB, "sample": sample_id, "where": where}
TRAINING = "over-training"            # the "Over training" part of the measurements panel
TRAINING_SOURCES = "over-training-sources"
TRAINING_HEATMAP = "over-training-knn"
TRAINING_CLASSES = "over-training-classes"
EPOCH = "epoch-slider"                # slider positions 0..len(epochs)-1 are the training epochs, len(epochs) is final
EPOCH_BOX = "epoch-box"               # the slider's control (hidden when the cache has no training series)
EPOCH_NOTE = "epoch-note"             # what the current epoch view shows
SEL_NOTE = "selection-note"           # how much of the selection is tracked at the current epoch
PATH_STORE = "path-store"             # None or the id of the latent path shown
PATH = "path-select"                  # the path picker (options from manifest paths.items)
PATH_FROM = "path-from"               # ... or two classes, resolved to a precomputed path either way round
PATH_TO = "path-to"
PATH_NOTE = "path-note"               # e.g. "no precomputed path between 2 and 5"
PATH_BOX = "path-box"                 # the path controls (hidden when the cache has no paths)
PATH_STRIP = "path-strip"             # the K images of the chosen path, with predictions and flips
