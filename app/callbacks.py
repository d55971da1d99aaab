"""Callbacks: each one connects stores to views in a few lines; the work is in data/figures.

State flows controls -> dcc.Store -> views, and every output has exactly one owner. The
functions stay plain module functions (registered in `register`) so tests can call them
directly; bad input (None, empty, unknown ids) returns `no_update`, never raises.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode

import numpy as np
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, get_relative_path, no_update

from gan_core.cache import CacheError

from . import callbacks_focus, callbacks_series, ids, layout, measures, panels, stores
from .callbacks_focus import open_focus, render_focus  # noqa: F401 - tests call them as callbacks.*
from .data import Atlas, Run, atlas_figure_dict, error_parts
from .figures import COLOR_MODES, class_of_trace, path_trace, pin_trace, selected_positions, selection_state, stride
from .series import slider_epoch

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
    """The run of a view store, or None when the store is missing or malformed (it comes
    back from the browser, so it is input like any other), or names an epoch the run lacks."""
    if not isinstance(view, dict) or not (view.get("epoch") is None or type(view.get("epoch")) is int):
        return None
    if not isinstance(view.get("method"), str) or not stores.one_of(view.get("color"), COLOR_MODES):
        return None
    run = _run(view.get("run"))
    return run if run is not None and (view["epoch"] is None or run.series.valid(view["epoch"])) else None


def default_view(run: Run) -> dict:
    methods = run.methods(None)
    method = next((m for m in PREFERRED_METHODS if m in methods), methods[0] if methods else "pca")
    return {"run": run.name, "method": method, "color": "class", "epoch": None}


def build_atlas(run: Run, view: dict, selection=None, pinned=None, hidden=None, path=None) -> dict:
    """The small multiples: the memoized base figure plus this user's selection, pin and latent path
    (one path trace per panel after the legend traces, empty where the path is not drawn)."""
    epoch = -1 if view.get("epoch") is None else int(view["epoch"])
    hidden_key = ",".join(map(str, stores.hidden_list(run, hidden)))
    fig = atlas_figure_dict(str(_STATE["atlas"].root), run.name, run.version, view["method"], view["color"],
                            epoch, hidden_key)
    data, n, sel = [dict(t) for t in fig["data"]], len(run.class_names), stores.selection_ids(run, selection)
    for p, key in enumerate(run.map_specs()):
        for c in range(n):
            trace = data[p * stride(n) + c]
            trace["selectedpoints"] = selected_positions(trace.get("customdata", []), sel)
        data[p * stride(n) + n] = pin_trace(stores.pin_point(run, key, view, pinned), p)
    data += [path_trace(stores.path_points(run, key, view, path), p, 4, run.class_names) for p, key in enumerate(run.map_specs())]
    return {**fig, "data": data, "layout": {**fig["layout"], **selection_state(sel)}}


def render_page(search):
    atlas: Atlas = _STATE["atlas"]
    name = (parse_qs((search or "").lstrip("?")).get("run") or [None])[0]
    try:
        run = atlas.load(name)
    except KeyError:
        return layout.unknown_run_card(name, atlas.run_names())
    except Exception as exc:  # noqa: BLE001 - the card replaces any failure; details go to the log
        if not isinstance(exc, CacheError):
            log.exception("loading run %r failed", name)
        return layout.error_card(*error_parts(exc))
    view = default_view(run)
    s = run.samples
    meta = {"run": run.name, "v": run.version, "base": get_relative_path(f"/sample/{run.name}/"),
            "class_names": run.class_names, "labels": s["label"].tolist(), "source": s["source"].tolist(),
            "conf": np.round(s["confidence"].astype(float), 3).tolist(),
            "dscore": np.round(s["d_score"].astype(float), 3).tolist(),
            "n_classes": len(run.class_names), "panels": list(run.map_specs()),
            "training": run.series.client_meta(), "paths": run.latent.client_meta(),
            "path_base": get_relative_path(f"/path/{run.name}/")}
    return layout.page(run, atlas.run_names(), view, build_atlas(run, view), meta)


def choose_run(value):
    return "?" + urlencode({"run": value}) if isinstance(value, str) and value else no_update


def update_view(method, color, position, view):
    """Projection, colour and the epoch slider write the view store; the projection control offers
    only the methods that exist at the view's epoch (moving to an epoch without the current method
    switches to one it has), so it is an output here too."""
    run = _view_run(view)
    ok, epoch = slider_epoch(run.series.epochs(), position) if run is not None else (False, None)
    if not ok or not stores.one_of(color, COLOR_MODES):
        return no_update, no_update, no_update
    methods, chosen = run.methods(epoch), view.get("chosen")  # chosen: the projection an epoch made us leave
    if ctx.triggered_id == ids.EPOCH and chosen in methods:
        method, chosen = chosen, None  # back where the user's own choice exists: restore it
    elif method not in methods:
        if ctx.triggered_id != ids.EPOCH or not methods:
            return no_update, no_update, no_update
        method, chosen = next((m for m in PREFERRED_METHODS if m in methods), methods[0]), chosen or method
    elif ctx.triggered_id == ids.METHOD:
        chosen = None
    new = {**{k: v for k, v in view.items() if k != "chosen"}, "method": method, "color": color, "epoch": epoch}
    if isinstance(chosen, str):
        new["chosen"] = chosen
    if new == view:
        return no_update, no_update, no_update
    options = layout.method_options(run, epoch) if epoch != view["epoch"] else no_update
    return new, options, method if method != view["method"] else no_update


def render_atlas(view, selection, pinned, hidden, path=None):
    run = _view_run(view)
    if run is None or view["method"] not in run.methods(view.get("epoch")):
        return no_update
    triggers = {t["prop_id"].split(".")[0] for t in ctx.triggered}
    full = build_atlas(run, view, selection, pinned, hidden, path)
    if ids.VIEW in triggers:
        return full
    # only selection, pin, legend or path changed: send those attributes, not 1 MB of points again
    patch, n, hidden_set = Patch(), len(run.class_names), set(stores.hidden_list(run, hidden))
    for t, trace in enumerate(full["data"]):
        c = class_of_trace(t, n, len(run.map_specs()))
        if c is None:
            patch["data"][t] = trace  # a pin marker or a latent path (small)
            continue
        patch["data"][t]["visible"] = "legendonly" if c in hidden_set else True
        if "selectedpoints" in trace:
            patch["data"][t]["selectedpoints"] = trace["selectedpoints"]
    patch["layout"].update(selection_state(stores.selection_ids(run, selection)))  # the store's set, never plotly's own box
    return patch


def _origin(run: Run, focus, points, graph=None) -> str | None:
    """The "layer/source" key of the map an event came from (`graph`: the graph's id, by default
    the id of the input that fired)."""
    graph = ctx.triggered_id if graph is None else graph
    if graph == ids.FOCUS_GRAPH:
        return f"{focus.get('layer')}/{focus.get('source')}" if isinstance(focus, dict) else None
    keys = list(run.map_specs())
    curve = points[0].get("curveNumber") if points and isinstance(points[0], dict) else None
    if graph == ids.ATLAS and isinstance(curve, int) and 0 <= curve < len(keys) * stride(len(run.class_names)):
        return keys[curve // stride(len(run.class_names))]
    return None


def select(atlas_selected, focus_selected, focus, selection, view):
    run = _view_run(view)
    if run is None or not ctx.triggered or ctx.triggered_id not in (ids.ATLAS, ids.FOCUS_GRAPH):
        return no_update
    value = ctx.triggered[0].get("value")
    if value is None:  # double-click deselect
        return None if selection is not None else no_update
    points = stores.points(value)
    if points is None:
        return no_update
    if not points and not value.get("range") and not value.get("lassoPoints"):
        # Plotly fires a second, empty plotly_selected after a redraw (colour/projection change,
        # the focus view re-rendered with the selection): not a box the user drew, so keep it.
        # A real box or lasso over empty space carries its `range` / `lassoPoints`.
        return no_update
    # sample points only: latent-path points (customdata "path:<i>") are not samples
    samples = [p for p in points if isinstance(p, dict) and run.valid_id(p.get("customdata"))]
    return {"ids": sorted({p["customdata"] for p in samples}), "origin": _origin(run, focus, samples) or "?"}


def _thumb_pin(run: Run, pinned, selection) -> dict | None:
    """Pin the clicked grid/neighbour digit; its neighbours come from the map the current pin
    or selection came from when that map holds it, else from the first map that does."""
    tid, value = ctx.triggered_id, ctx.triggered[0].get("value")
    sample_id = tid.get("sample")
    if not value or not run.valid_id(sample_id):  # n_clicks 0/None: the thumb was just rendered
        return None
    keys = [f"{pinned.get('layer')}/{pinned.get('source')}"] if isinstance(pinned, dict) else []
    keys += [selection["origin"]] if isinstance(selection, dict) and isinstance(selection.get("origin"), str) else []
    keys += list(run.map_specs())
    key = next((k for k in keys if k in run.map_specs() and run.position(k.partition("/")[2], sample_id) is not None),
               None)
    if key is None:
        return None
    layer, _, source = key.partition("/")
    return {"id": sample_id, "layer": layer, "source": source}


def pin(map_click, thumb_clicks, focus, pinned, view, selection=None):
    """Pin a clicked map point or grid/neighbour digit. Map clicks arrive through the MAP_CLICK
    store, `{"graph": id, "points": [...]}`, which assets/atlas.js writes ~0.3 s after a click
    unless the click was the first half of a double-click (which clears the selection instead)."""
    run = _view_run(view)
    if run is not None and isinstance(ctx.triggered_id, dict) and ctx.triggered_id.get("type") == ids.THUMB:
        return _thumb_pin(run, pinned, selection) or no_update
    value = ctx.triggered[0].get("value") if ctx.triggered else None
    graph = value.get("graph") if isinstance(value, dict) else None
    points = stores.points(value)
    if run is None or graph not in (ids.ATLAS, ids.FOCUS_GRAPH) or not points or not isinstance(points[0], dict):
        return no_update
    sample_id, origin = points[0].get("customdata"), _origin(run, focus, points, graph)
    if not run.valid_id(sample_id) or origin is None:
        return no_update
    if isinstance(pinned, dict) and pinned.get("id") == sample_id:
        return None  # clicking the pinned sample again unpins it
    layer, _, source = origin.partition("/")
    return {"id": sample_id, "layer": layer, "source": source}


def legend(atlas_restyle, focus_restyle, hidden, view):
    """Legend clicks (hide) and double-clicks (isolate), in the atlas or the focus view."""
    run = _view_run(view)
    restyle = ctx.triggered[0].get("value") if ctx.triggered else None
    if run is None or not isinstance(restyle, list) or len(restyle) != 2 or not isinstance(restyle[0], dict):
        return no_update
    visible, indices = restyle[0].get("visible"), restyle[1]
    if visible is None or not isinstance(indices, list):
        return no_update
    n_panels = len(run.map_specs()) if ctx.triggered_id == ids.ATLAS else 1
    new = set(stores.hidden_list(run, hidden))
    for k, t in enumerate(indices):
        flag = visible[k % len(visible)] if isinstance(visible, list) and visible else visible
        c = class_of_trace(t, len(run.class_names), n_panels) if isinstance(t, int) else None
        if c is not None:
            (new.discard if flag is True else new.add)(c)
    return sorted(new) if sorted(new) != stores.hidden_list(run, hidden) else no_update


def turn_page(prev_clicks, next_clicks, selection, page):
    page = page if isinstance(page, int) and page >= 0 else 0
    if ctx.triggered_id == ids.GRID_PREV:
        return max(0, page - 1)
    if ctx.triggered_id == ids.GRID_NEXT:
        n = len(selection["ids"]) if isinstance(selection, dict) and isinstance(selection.get("ids"), list) else 0
        return min(max(0, (n - 1) // panels.page_size()), page + 1)
    return 0  # a new selection starts on page one


def render_grid(selection, page, view):
    run = _view_run(view)
    return no_update if run is None else panels.selection_grid(run, selection, page)


def render_pin(pinned, view):
    run = _view_run(view)
    if run is None or (pinned is not None and not (isinstance(pinned, dict) and run.valid_id(pinned.get("id")))):
        return no_update
    return panels.pin_panel(run, pinned, view)


def render_separability(metric, sources, per_class, view):
    """The separability chart for the chosen measure, sources and per-class detail."""
    run = _view_run(view)
    if run is None or not stores.one_of(metric, measures.METRICS) or not isinstance(sources, list):
        return no_update
    return measures.separability(run, metric, [s for s in sources if isinstance(s, str)],
                                 isinstance(per_class, list) and "per_class" in per_class, view["method"])


def render_training(sources, view):
    """The layer × epoch heatmap for the chosen source rows."""
    run = _view_run(view)
    if run is None or not isinstance(sources, list):
        return no_update
    return measures.training_heatmap(run, [s for s in sources if isinstance(s, str)])


def register(app) -> None:
    cb = app.callback
    cb(Output(ids.PAGE, "children"), Input(ids.URL, "search"))(render_page)
    cb(Output(ids.URL, "search"), Input(ids.RUN, "value"), prevent_initial_call=True)(choose_run)
    cb(Output(ids.VIEW, "data"), Output(ids.METHOD, "options"), Output(ids.METHOD, "value"),
       Input(ids.METHOD, "value"), Input(ids.COLOR, "value"), Input(ids.EPOCH, "value"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(update_view)
    cb(Output(ids.ATLAS, "figure"), Input(ids.VIEW, "data"), Input(ids.SELECTION, "data"),
       Input(ids.PINNED, "data"), Input(ids.HIDDEN, "data"), Input(ids.PATH_STORE, "data"),
       prevent_initial_call=True)(render_atlas)
    cb(Output(ids.SELECTION, "data"), Input(ids.ATLAS, "selectedData"), Input(ids.FOCUS_GRAPH, "selectedData"),
       State(ids.FOCUS, "data"), State(ids.SELECTION, "data"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(select)
    # a map click becomes a pin only once it is known not to be half of a double-click (atlas.js)
    app.clientside_callback(ClientsideFunction("atlas", "click"), Output(ids.MAP_CLICK, "data"),
                            Input(ids.ATLAS, "clickData"), Input(ids.FOCUS_GRAPH, "clickData"),
                            prevent_initial_call=True)
    cb(Output(ids.PINNED, "data"), Input(ids.MAP_CLICK, "data"),
       Input({"type": ids.THUMB, "sample": ALL, "where": ALL}, "n_clicks"), State(ids.FOCUS, "data"),
       State(ids.PINNED, "data"), State(ids.VIEW, "data"), State(ids.SELECTION, "data"),
       prevent_initial_call=True)(pin)
    cb(Output(ids.HIDDEN, "data"), Input(ids.ATLAS, "restyleData"), Input(ids.FOCUS_GRAPH, "restyleData"),
       State(ids.HIDDEN, "data"), State(ids.VIEW, "data"), prevent_initial_call=True)(legend)
    cb(Output(ids.GRID_PAGE, "data"), Input(ids.GRID_PREV, "n_clicks"), Input(ids.GRID_NEXT, "n_clicks"),
       Input(ids.SELECTION, "data"), State(ids.GRID_PAGE, "data"), prevent_initial_call=True)(turn_page)
    cb(Output(ids.GRID, "children"), Input(ids.SELECTION, "data"), Input(ids.GRID_PAGE, "data"),
       State(ids.VIEW, "data"), prevent_initial_call=True)(render_grid)
    cb(Output(ids.PIN_PANEL, "children"), Input(ids.PINNED, "data"), Input(ids.VIEW, "data"),
       prevent_initial_call=True)(render_pin)
    cb(Output(ids.SEP_GRAPH, "figure"), Input(ids.SEP_METRIC, "value"), Input(ids.SEP_SOURCES, "value"),
       Input(ids.SEP_PER_CLASS, "value"), Input(ids.VIEW, "data"), prevent_initial_call=True)(render_separability)
    cb(Output(ids.TRAINING_HEATMAP, "figure"), Input(ids.TRAINING_SOURCES, "value"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(render_training)
    callbacks_series.register(app, _view_run)
    callbacks_focus.register(app, _view_run)
    # hover: tooltip and cross-map marker run in the browser (assets/atlas.js), no Python per hover
    for graph, tip in ((ids.ATLAS, ids.ATLAS_TIP), (ids.FOCUS_GRAPH, ids.FOCUS_TIP)):
        app.clientside_callback(ClientsideFunction("atlas", "tooltip"), Output(tip, "show"), Output(tip, "bbox"),
                                Output(tip, "children"), Output(tip, "direction"), Input(graph, "hoverData"), State(ids.META, "data"),
                                State(ids.VIEW, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("atlas", "mark"), Output(ids.HOVER, "data"),
                            Input(ids.ATLAS, "hoverData"), Input(ids.FOCUS_GRAPH, "hoverData"),
                            State(ids.META, "data"), prevent_initial_call=True)
