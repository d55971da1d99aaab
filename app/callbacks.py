"""Callbacks: each one connects stores to views in a few lines; the work is in data/figures.

State flows controls -> dcc.Store -> views, and every output has exactly one owner. The
functions stay plain module functions (registered in `register`) so tests can call them
directly; bad input (None, empty, unknown ids) returns `no_update`, never raises.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode

import numpy as np
from dash import ALL, MATCH, ClientsideFunction, Input, Output, Patch, State, ctx, get_relative_path, no_update

from gan_core.cache import CacheError

from . import ids, layout, panels
from .data import Atlas, Run, error_parts, map_figure_dict
from .figures import COLOR_MODES, map_figure, pin_trace, selected_positions

log = logging.getLogger(__name__)
_STATE: dict = {}
PREFERRED_METHODS = ("umap", "tsne", "pca")


def init(atlas: Atlas) -> None:
    _STATE["atlas"] = atlas


def _run(name) -> Run | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return _STATE["atlas"].load(name)
    except (CacheError, KeyError, OSError):
        log.warning("run %r cannot be loaded", name, exc_info=True)
        return None


def _view_run(view) -> Run | None:
    return _run(view.get("run")) if isinstance(view, dict) else None


def _selection_ids(selection) -> np.ndarray | None:
    if not isinstance(selection, dict) or not isinstance(selection.get("ids"), list):
        return None
    return np.asarray(selection["ids"], dtype=np.int64)


def _epoch(view) -> int:
    return -1 if view.get("epoch") is None else int(view["epoch"])


def _hidden(run: Run, classes) -> str:
    shown = set(classes or [])
    return ",".join(str(c) for c in range(len(run.class_names)) if c not in shown)


def default_view(run: Run) -> dict:
    methods = run.methods(None)
    method = next((m for m in PREFERRED_METHODS if m in methods), methods[0] if methods else "pca")
    return {"run": run.name, "method": method, "color": "class", "epoch": None,
            "classes": list(range(len(run.class_names)))}


def _pin_point(run: Run, layer: str, source: str, view: dict, pinned) -> tuple | None:
    if not isinstance(pinned, dict) or not run.valid_id(pinned.get("id")):
        return None
    pos = run.position(source, pinned["id"])
    emb = run.embedding(layer, source, view["method"], view.get("epoch"))
    if pos is None or emb is None:
        return None
    return pinned["id"], float(emb[0][pos, 0]), float(emb[0][pos, 1])


def build_map(run: Run, layer: str, source: str, view: dict, selection=None, pinned=None) -> dict:
    """A small-multiple figure: the memoized base plus this user's selection and pin."""
    fig = map_figure_dict(str(_STATE["atlas"].root), run.name, run.version, layer, source, view["method"],
                          view["color"], _epoch(view), _hidden(run, view.get("classes")))
    data = [dict(trace) for trace in fig.get("data", [])]
    sel = _selection_ids(selection)
    for trace in data[:len(run.class_names)]:
        trace["selectedpoints"] = selected_positions(trace.get("customdata", []), sel)
    if len(data) > len(run.class_names):
        data[-1] = pin_trace(_pin_point(run, layer, source, view, pinned)).to_plotly_json()
    return {**fig, "data": data}


def render_page(search):
    atlas: Atlas = _STATE["atlas"]
    name = (parse_qs((search or "").lstrip("?")).get("run") or [None])[0]
    try:
        run = atlas.load(name)
    except KeyError:
        runs = atlas.run_names()
        return layout.error_card(f"there is no run called {name!r} under {atlas.root}",
                                 "open " + " or ".join(f"?run={r}" for r in runs), title="Unknown run")
    except Exception as exc:  # noqa: BLE001 - the card must replace any failure, details go to the log
        if not isinstance(exc, CacheError):
            log.exception("loading run %r failed", name)
        return layout.error_card(*error_parts(exc))
    view = default_view(run)
    figs = {spec.key: build_map(run, spec.layer, spec.source, view) for spec in run.map_specs().values()}
    s = run.samples
    meta = {"run": run.name, "v": run.version, "base": get_relative_path(f"/sample/{run.name}/"),
            "class_names": run.class_names, "labels": s["label"].tolist(), "source": s["source"].tolist(),
            "conf": np.round(s["confidence"].astype(float), 3).tolist(),
            "dscore": np.round(s["d_score"].astype(float), 3).tolist()}
    return layout.page(run, atlas.run_names(), view, figs, meta)


def choose_run(value):
    return "?" + urlencode({"run": value}) if isinstance(value, str) and value else no_update


def update_view(method, color, classes, view):
    run = _view_run(view)
    if run is None or method not in run.methods(view.get("epoch")) or color not in COLOR_MODES:
        return no_update
    if not isinstance(classes, list) or not all(isinstance(c, int) and 0 <= c < len(run.class_names) for c in classes):
        return no_update
    new = {**view, "method": method, "color": color, "classes": sorted(set(classes))}
    return new if new != view else no_update


def render_maps(view, selection, pinned):
    run = _view_run(view)
    outputs = ctx.outputs_list
    if run is None or not isinstance(outputs, list) or not outputs:
        return no_update
    specs = [(o["id"]["layer"], o["id"]["source"]) for o in outputs]
    if ids.VIEW in {t["prop_id"].split(".")[0] for t in ctx.triggered}:
        return [build_map(run, layer, source, view, selection, pinned) for layer, source in specs]
    return [_patch_map(run, layer, source, view, selection, pinned) for layer, source in specs]


def _patch_map(run: Run, layer: str, source: str, view: dict, selection, pinned) -> Patch:
    """Only the selection and the pin change: send indices, not the whole figure again."""
    full = build_map(run, layer, source, view, selection, pinned)
    patch = Patch()
    for i, trace in enumerate(full["data"][:len(run.class_names)]):
        patch["data"][i]["selectedpoints"] = trace["selectedpoints"]
    if len(full["data"]) > len(run.class_names):
        patch["data"][len(run.class_names)] = full["data"][-1]
    origin = selection.get("origin") if isinstance(selection, dict) else None
    if origin != f"{layer}/{source}":
        patch["layout"]["selections"] = []  # drop a stale box drawn in another map
    return patch


def _trigger_origin(focus) -> tuple[str, str] | None:
    tid = ctx.triggered_id
    if isinstance(tid, dict) and tid.get("type") == ids.MAP:
        return tid.get("layer"), tid.get("source")
    if tid == ids.FOCUS_GRAPH and isinstance(focus, dict):
        return focus.get("layer"), focus.get("source")
    return None


def select(map_selected, focus_selected, focus, selection, view):
    run, origin = _view_run(view), _trigger_origin(focus)
    if run is None or origin is None or not ctx.triggered:
        return no_update
    value = ctx.triggered[0].get("value")
    if value is None:  # double-click deselect
        return None if selection is not None else no_update
    points = value.get("points") if isinstance(value, dict) else None
    if not isinstance(points, list):
        return no_update
    chosen = sorted({p["customdata"] for p in points if isinstance(p, dict) and run.valid_id(p.get("customdata"))})
    return {"ids": chosen, "origin": f"{origin[0]}/{origin[1]}"}


def pin(map_clicks, focus_click, focus, pinned, view):
    run, origin = _view_run(view), _trigger_origin(focus)
    value = ctx.triggered[0].get("value") if ctx.triggered else None
    points = value.get("points") if isinstance(value, dict) else None
    if run is None or origin is None or not points or not isinstance(points[0], dict):
        return no_update
    sample_id = points[0].get("customdata")
    if not run.valid_id(sample_id):
        return no_update
    if isinstance(pinned, dict) and pinned.get("id") == sample_id:
        return None  # clicking the pinned sample again unpins it
    return {"id": sample_id, "layer": origin[0], "source": origin[1]}


def legend_to_classes(restyle, classes, view):
    """The focus view's legend (click hides, double-click isolates) drives the class filter."""
    run = _view_run(view)
    if run is None or not isinstance(restyle, list) or len(restyle) != 2 or not isinstance(restyle[0], dict):
        return no_update
    visible, indices = restyle[0].get("visible"), restyle[1]
    if visible is None or not isinstance(indices, list):
        return no_update
    shown = set(classes or [])
    for k, idx in enumerate(indices):
        flag = visible[k % len(visible)] if isinstance(visible, list) else visible
        if isinstance(idx, int) and 0 <= idx < len(run.class_names):
            (shown.add if flag is True else shown.discard)(idx)
    return sorted(shown) if sorted(shown) != sorted(classes or []) else no_update


def turn_page(prev_clicks, next_clicks, selection, page):
    page = page if isinstance(page, int) and page >= 0 else 0
    if ctx.triggered_id == ids.GRID_PREV:
        return max(0, page - 1)
    if ctx.triggered_id == ids.GRID_NEXT:
        n = len(selection["ids"]) if isinstance(selection, dict) and isinstance(selection.get("ids"), list) else 0
        last = max(0, (n - 1) // panels.page_size())
        return min(last, page + 1)
    return 0  # a new selection starts on page one


def render_grid(selection, page, view):
    run = _view_run(view)
    return no_update if run is None else panels.selection_grid(run, selection, page)


def render_pin(pinned, view):
    run = _view_run(view)
    if run is None:
        return no_update
    if pinned is not None and not (isinstance(pinned, dict) and run.valid_id(pinned.get("id"))):
        return no_update
    return panels.pin_panel(run, pinned, view)


def open_focus(expand_clicks, close_clicks):
    tid = ctx.triggered_id
    if tid == ids.FOCUS_CLOSE:
        return None
    value = ctx.triggered[0].get("value") if ctx.triggered else None
    if isinstance(tid, dict) and tid.get("type") == ids.EXPAND and value:
        return {"layer": tid["layer"], "source": tid["source"]}
    return no_update


def render_focus(focus, view, selection, pinned):
    run = _view_run(view)
    if run is None:
        return no_update, no_update, no_update
    spec = run.map_specs().get(f"{focus.get('layer')}/{focus.get('source')}") if isinstance(focus, dict) else None
    if spec is None:
        return no_update, "", "modal hidden"
    emb = run.embedding(spec.layer, spec.source, view["method"], view.get("epoch"))
    if emb is None:
        return no_update, no_update, no_update
    xy, rows = emb
    hidden = [int(h) for h in _hidden(run, view.get("classes")).split(",") if h]
    fig = map_figure(xy, rows, run.samples["label"][rows], run.class_names, view["color"],
                     run.color_values(view["color"], rows), hidden, _selection_ids(selection),
                     _pin_point(run, spec.layer, spec.source, view, pinned),
                     uirevision=f"focus|{spec.key}|{view['method']}", large=True)
    return fig, f"{spec.layer} ({spec.source}) · {spec.label}", "modal"


def register(app) -> None:
    cb, maps = app.callback, {"type": ids.MAP, "layer": ALL, "source": ALL}
    cb(Output(ids.PAGE, "children"), Input(ids.URL, "search"))(render_page)
    cb(Output(ids.URL, "search"), Input(ids.RUN, "value"), prevent_initial_call=True)(choose_run)
    cb(Output(ids.VIEW, "data"), Input(ids.METHOD, "value"), Input(ids.COLOR, "value"),
       Input(ids.CLASSES, "value"), State(ids.VIEW, "data"), prevent_initial_call=True)(update_view)
    cb(Output(maps, "figure"), Input(ids.VIEW, "data"), Input(ids.SELECTION, "data"), Input(ids.PINNED, "data"),
       prevent_initial_call=True)(render_maps)
    cb(Output(ids.SELECTION, "data"), Input(maps, "selectedData"), Input(ids.FOCUS_GRAPH, "selectedData"),
       State(ids.FOCUS, "data"), State(ids.SELECTION, "data"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(select)
    cb(Output(ids.PINNED, "data"), Input(maps, "clickData"), Input(ids.FOCUS_GRAPH, "clickData"),
       State(ids.FOCUS, "data"), State(ids.PINNED, "data"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(pin)
    cb(Output(ids.CLASSES, "value"), Input(ids.FOCUS_GRAPH, "restyleData"), State(ids.CLASSES, "value"),
       State(ids.VIEW, "data"), prevent_initial_call=True)(legend_to_classes)
    cb(Output(ids.GRID_PAGE, "data"), Input(ids.GRID_PREV, "n_clicks"), Input(ids.GRID_NEXT, "n_clicks"),
       Input(ids.SELECTION, "data"), State(ids.GRID_PAGE, "data"), prevent_initial_call=True)(turn_page)
    cb(Output(ids.GRID, "children"), Input(ids.SELECTION, "data"), Input(ids.GRID_PAGE, "data"),
       State(ids.VIEW, "data"), prevent_initial_call=True)(render_grid)
    cb(Output(ids.PIN_PANEL, "children"), Input(ids.PINNED, "data"), Input(ids.VIEW, "data"),
       prevent_initial_call=True)(render_pin)
    cb(Output(ids.FOCUS, "data"), Input({"type": ids.EXPAND, "layer": ALL, "source": ALL}, "n_clicks"),
       Input(ids.FOCUS_CLOSE, "n_clicks"), prevent_initial_call=True)(open_focus)
    cb(Output(ids.FOCUS_GRAPH, "figure"), Output(ids.FOCUS_TITLE, "children"), Output(ids.FOCUS_MODAL, "className"),
       Input(ids.FOCUS, "data"), Input(ids.VIEW, "data"), Input(ids.SELECTION, "data"), Input(ids.PINNED, "data"),
       prevent_initial_call=True)(render_focus)
    # hover: tooltip and cross-map marker run in the browser (assets/atlas.js), no Python per hover
    app.clientside_callback(
        ClientsideFunction("atlas", "tooltip"),
        Output({"type": ids.TIP, "layer": MATCH, "source": MATCH}, "show"),
        Output({"type": ids.TIP, "layer": MATCH, "source": MATCH}, "bbox"),
        Output({"type": ids.TIP, "layer": MATCH, "source": MATCH}, "children"),
        Input({"type": ids.MAP, "layer": MATCH, "source": MATCH}, "hoverData"), State(ids.META, "data"),
        prevent_initial_call=True)
    app.clientside_callback(
        ClientsideFunction("atlas", "tooltip"), Output(ids.FOCUS_TIP, "show"), Output(ids.FOCUS_TIP, "bbox"),
        Output(ids.FOCUS_TIP, "children"), Input(ids.FOCUS_GRAPH, "hoverData"), State(ids.META, "data"),
        prevent_initial_call=True)
    app.clientside_callback(
        ClientsideFunction("atlas", "mark"), Output(ids.HOVER, "data"), Input(maps, "hoverData"),
        Input(ids.FOCUS_GRAPH, "hoverData"), prevent_initial_call=True)
