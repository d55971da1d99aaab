"""Pure figure builders: numpy arrays in, plotly figures out. No I/O, no Dash, no globals.

Conventions the callbacks and the browser code rely on:
- one WebGL trace per class, in class order, even when a class has no points in this map,
  so trace index == class index (the focus view's legend events map back to classes);
- every point's `customdata` is its global sample id as a plain Python int list (Plotly 6+
  base64-encodes numpy arrays, and such data has been seen to drop out of hover/selection
  events); never use pointNumber as an id, it is only a position inside one class trace;
- the last trace is the pinned-sample marker (empty when nothing is pinned).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

# Tableau 10: distinguishable, colour-blind-friendlier than plotly's default cycle
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
SOURCE_COLORS = ("#d1495b", "#2e86ab")  # generated, real
COLOR_MODES = {
    "class": "class",
    "confidence": "classifier confidence",
    "d_score": "D score (P real)",
    "source": "real vs generated",
}
CONTINUOUS_SCALES = {"confidence": "Viridis", "d_score": "RdBu", "source": [
    [0.0, SOURCE_COLORS[0]], [0.5, SOURCE_COLORS[0]], [0.5, SOURCE_COLORS[1]], [1.0, SOURCE_COLORS[1]]]}
DIM_OPACITY = 0.07
PIN_TRACE_NAME = "pinned"


def class_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def selected_positions(trace_ids: Sequence[int], selected: np.ndarray | None) -> list[int] | None:
    """Positions inside one trace whose sample id is in `selected` (None: no selection)."""
    if selected is None:
        return None
    if len(trace_ids) == 0:
        return []
    return np.flatnonzero(np.isin(np.asarray(trace_ids), selected)).tolist()


def map_figure(xy: np.ndarray, ids: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
               color_by: str = "class", values: np.ndarray | None = None, hidden: Iterable[int] = (),
               selected: Iterable[int] | None = None, pinned: tuple[int, float, float] | None = None,
               uirevision: str | None = None, large: bool = False) -> go.Figure:
    """One layer's 2-D map. xy (n, 2), ids/labels/values (n,) aligned with xy rows;
    `values` are the per-point colour values for the continuous colour modes."""
    if color_by not in COLOR_MODES:
        raise ValueError(f"unknown colour mode {color_by!r}; valid: {', '.join(COLOR_MODES)}")
    if color_by != "class" and (values is None or len(values) != len(ids)):
        raise ValueError(f"colour mode {color_by!r} needs one value per point")
    hidden = set(int(h) for h in hidden)
    sel = None if selected is None else np.fromiter(selected, dtype=np.int64)
    xy = np.asarray(xy, dtype=np.float32)
    size = 6 if large else (3 if len(ids) > 3000 else 4)
    traces = []
    for c, name in enumerate(class_names):
        mask = labels == c
        trace_ids = ids[mask].tolist()
        if color_by == "class":
            marker = dict(color=class_color(c), size=size)
        else:
            marker = dict(color=np.asarray(values[mask], dtype=np.float32), coloraxis="coloraxis", size=size)
        traces.append(go.Scattergl(
            x=xy[mask, 0], y=xy[mask, 1], customdata=trace_ids, name=str(name), mode="markers",
            marker=marker, hoverinfo="none", visible="legendonly" if c in hidden else True,
            selectedpoints=selected_positions(trace_ids, sel),
            selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=DIM_OPACITY))))
    traces.append(pin_trace(pinned, large))
    fig = go.Figure(traces)
    fig.update_layout(
        uirevision=uirevision, dragmode="select", hovermode="closest", showlegend=large and color_by == "class",
        margin=dict(l=4, r=4, t=4, b=4), plot_bgcolor="#ffffff", paper_bgcolor="rgba(0,0,0,0)",
        xaxis=dict(visible=False), yaxis=dict(visible=False), font=dict(family="Inter, system-ui, sans-serif"),
        legend=dict(title=dict(text="class"), itemsizing="constant"),
    )
    if color_by != "class":
        fig.update_layout(coloraxis=dict(
            colorscale=CONTINUOUS_SCALES[color_by], cmin=0.0, cmax=1.0, showscale=large,
            colorbar=dict(title=dict(text=COLOR_MODES[color_by]), thickness=12, len=0.6,
                          tickvals=[0.25, 0.75] if color_by == "source" else None,
                          ticktext=["generated", "real"] if color_by == "source" else None)))
    return fig


def pin_trace(pinned: tuple[int, float, float] | None, large: bool = False) -> go.Scattergl:
    """The marker for the pinned sample: (id, x, y), or an empty trace."""
    sid, x, y = pinned if pinned is not None else (None, None, None)
    return go.Scattergl(
        x=[] if sid is None else [x], y=[] if sid is None else [y], customdata=[] if sid is None else [int(sid)],
        name=PIN_TRACE_NAME, mode="markers", hoverinfo="skip", showlegend=False,
        marker=dict(symbol="star", size=18 if large else 13, color="#111111", line=dict(color="#ffffff", width=1.5)))


def message_figure(text: str) -> go.Figure:
    """An empty map that explains itself (skipped map, missing projection)."""
    fig = go.Figure()
    fig.update_layout(
        margin=dict(l=4, r=4, t=4, b=4), xaxis=dict(visible=False), yaxis=dict(visible=False),
        plot_bgcolor="#fafafa", paper_bgcolor="rgba(0,0,0,0)",
        annotations=[dict(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                          font=dict(size=12, color="#666"))])
    return fig
