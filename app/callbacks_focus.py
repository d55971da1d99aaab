"""Callbacks of the focus view (one map opened large); the rest are in callbacks.py.

Same rules as there: plain functions that tests call directly, one owner per output, and input from
the browser that is None, unknown or malformed gives no_update, never an exception. `view_run` is
callbacks._view_run, passed in at registration (callbacks.py imports this module).
"""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from . import ids, stores
from .figures import Panel, map_figure
from .figures_metrics import faithfulness_text

_STATE: dict = {}


def _view_run(view):
    return _STATE["view_run"](view)


def open_focus(pick, title_click, close_clicks, view, sep_click=None, mix_click=None):
    """The focus view opens on a map picked in the menu, whose title was clicked, or whose point
    was clicked in a measurements chart; closing also resets the menu."""
    run = _view_run(view)
    if ctx.triggered_id == ids.FOCUS_CLOSE:
        return None, None
    if ctx.triggered_id == ids.ATLAS:
        annotation = title_click.get("annotation") if isinstance(title_click, dict) else None
        pick = annotation.get("name") if isinstance(annotation, dict) else None
    if ctx.triggered_id in (ids.SEP_GRAPH, ids.MIX_GRAPH):
        points = stores.points(sep_click if ctx.triggered_id == ids.SEP_GRAPH else mix_click)
        pick = points[0].get("customdata") if points and isinstance(points[0], dict) else None
    if run is None or not stores.one_of(pick, run.map_specs()):
        return no_update, no_update
    layer, _, source = pick.partition("/")
    return {"layer": layer, "source": source}, no_update


def render_focus(focus, view, selection, pinned, hidden, path=None):
    run = _view_run(view)
    if run is None:
        return no_update, no_update, no_update
    key = stores.map_key(run, focus)
    if key is None:
        return no_update, "", "modal hidden"
    spec, epoch = run.map_specs()[key], view.get("epoch")
    emb = run.view_map(spec.layer, spec.source, view["method"], epoch)
    if emb is None:
        return no_update, no_update, no_update
    xy, rows = emb
    panel = Panel(spec.key, spec.layer, spec.label, xy, rows, run.values("label", rows, epoch),
                  run.color_values(view["color"], rows, epoch))
    fig = map_figure(panel, run.class_names, view["color"], stores.hidden_list(run, hidden),
                     stores.selection_ids(run, selection), stores.pin_point(run, spec.key, view, pinned),
                     uirevision=f"focus|{spec.key}|{view['method']}|{epoch}",
                     path=stores.path_points(run, spec.key, view, path))
    trust = faithfulness_text(run.faithfulness(spec.layer, spec.source, view["method"], epoch))
    at = "" if epoch is None else f" · epoch {epoch}, tracked samples"
    return fig, f"{spec.layer} ({spec.source}) · {spec.label}{at}{trust}", "modal"


def register(app, view_run) -> None:
    _STATE["view_run"] = view_run
    cb = app.callback
    cb(Output(ids.FOCUS, "data"), Output(ids.FOCUS_PICK, "value"), Input(ids.FOCUS_PICK, "value"),
       Input(ids.ATLAS, "clickAnnotationData"), Input(ids.FOCUS_CLOSE, "n_clicks"), State(ids.VIEW, "data"),
       Input(ids.SEP_GRAPH, "clickData"), Input(ids.MIX_GRAPH, "clickData"), prevent_initial_call=True)(open_focus)
    cb(Output(ids.FOCUS_GRAPH, "figure"), Output(ids.FOCUS_TITLE, "children"), Output(ids.FOCUS_MODAL, "className"),
       Input(ids.FOCUS, "data"), Input(ids.VIEW, "data"), Input(ids.SELECTION, "data"), Input(ids.PINNED, "data"),
       Input(ids.HIDDEN, "data"), Input(ids.PATH_STORE, "data"), prevent_initial_call=True)(render_focus)
