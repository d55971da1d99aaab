"""Callbacks of the epoch slider and the latent paths (the rest are in callbacks.py).

Same rules: plain functions that tests call directly, a few lines each connecting stores to views,
one owner per output; input from the browser that is None, unknown or out of range gives no_update
(or a message), never an exception. `view_run` is callbacks._view_run (passed in at registration
so this module does not import callbacks.py, which imports it).
"""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from . import ids, panels
from .series import slider_position

_STATE: dict = {}


def _view_run(view):
    return _STATE["view_run"](view)


def _class(run, value) -> int | None:
    return value if type(value) is int and 0 <= value < len(run.class_names) else None


def choose_path(path, a, b, view):
    """The path picker, or two classes resolved to the precomputed path between them (either way
    round), write the path store; the picker and the two class menus follow, and the note says
    when no such path was precomputed. Two menus that name no pair (one empty, or the same class
    twice) clear the path, so the drawn path never contradicts them. Outputs: store, picker, from, to,
    note."""
    run, keep = _view_run(view), (no_update,) * 5
    if run is None or not run.latent.items:
        return keep
    if ctx.triggered_id == ids.PATH:
        if path is None:
            return None, no_update, None, None, ""
        item = run.latent.item(path)
        if item is None:
            return keep
        ends = [_class(run, (item.get(end) or {}).get("label")) for end in ("from", "to")]
        return path, no_update, *ends, ""
    if ctx.triggered_id not in (ids.PATH_FROM, ids.PATH_TO):
        return keep
    a, b = _class(run, a), _class(run, b)
    # the drawn path must never contradict the menus: without a valid pair, no path is shown
    if a is None or b is None:
        return None, None, no_update, no_update, "Pick both classes."
    if a == b:
        return None, None, no_update, no_update, "Pick two different classes."
    found = run.latent.find(a, b)
    if found is None:
        return None, None, no_update, no_update, panels.no_path_text(run, a, b)
    item = run.latent.item(found)
    start, end = ((item.get(e) or {}).get("label") for e in ("from", "to"))
    if (start, end) == (b, a):  # precomputed the other way round: the menus follow the drawn path
        return found, found, start, end, f"Drawn {start} → {end}: the precomputed path runs this way."
    return found, found, no_update, no_update, ""


def render_path_strip(path, view):
    """The chosen path's images in order, with each step's prediction; hidden with no path."""
    run = _view_run(view)
    if run is None:
        return no_update, no_update
    return panels.path_strip(run, path, view)


def render_epoch_note(view):
    run = _view_run(view)
    return no_update if run is None else panels.epoch_note(run, view)


def render_selection_note(selection, view):
    run = _view_run(view)
    return no_update if run is None else panels.selection_note(run, selection, view)


def epoch_from_heatmap(click, view):
    """A click on an epoch column of the over-training heatmap moves the slider there, when the
    cache has maps of that epoch."""
    run = _view_run(view)
    points = click.get("points") if isinstance(click, dict) else None
    x = points[0].get("x") if isinstance(points, list) and points and isinstance(points[0], dict) else None
    try:
        epoch = int(x)
    except (TypeError, ValueError):
        return no_update
    if run is None or not run.series.valid(epoch):
        return no_update
    return slider_position(run.series.epochs(), epoch)


def register(app, view_run) -> None:
    _STATE["view_run"] = view_run
    cb = app.callback
    cb(Output(ids.PATH_STORE, "data"), Output(ids.PATH, "value"), Output(ids.PATH_FROM, "value"),
       Output(ids.PATH_TO, "value"), Output(ids.PATH_NOTE, "children"),
       Input(ids.PATH, "value"), Input(ids.PATH_FROM, "value"), Input(ids.PATH_TO, "value"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(choose_path)
    cb(Output(ids.PATH_STRIP, "children"), Output(ids.PATH_STRIP, "className"), Input(ids.PATH_STORE, "data"),
       Input(ids.VIEW, "data"), prevent_initial_call=True)(render_path_strip)
    cb(Output(ids.EPOCH_NOTE, "children"), Input(ids.VIEW, "data"), prevent_initial_call=True)(render_epoch_note)
    cb(Output(ids.SEL_NOTE, "children"), Input(ids.SELECTION, "data"), Input(ids.VIEW, "data"),
       prevent_initial_call=True)(render_selection_note)
    cb(Output(ids.EPOCH, "value"), Input(ids.TRAINING_HEATMAP, "clickData"), State(ids.VIEW, "data"),
       prevent_initial_call=True)(epoch_from_heatmap)
