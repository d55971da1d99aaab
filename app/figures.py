"""Pure figure builders: numpy arrays in, plotly figures out. No I/O, no Dash, no globals.

All small multiples live in ONE figure, one subplot per map: every WebGL graph costs the page
two WebGL contexts and browsers allow about 16, so fourteen separate WebGL graphs lose their
oldest maps. One figure also gives one legend whose groups hide/isolate a class in every map.

Trace order (the callbacks and assets/atlas.js rely on it), with n = number of classes:
- per panel p: n class traces (index p*(n+1) + c, even when a class has no points there, so
  trace index -> class is arithmetic), then the panel's pinned-sample marker (p*(n+1) + n);
- after all panels: n legend-only traces, one per class (colours stay class colours whatever
  the colour mode, and their legendgroup switches the class in every panel at once);
- then one latent-path trace per panel (`path_trace`, empty unless a path is shown there; the
  callbacks add them to the memoized figure, like the pin markers). Their `customdata` are
  strings "path:<point index>", never ints, so selection and pin code, which keep int sample ids
  only, ignore path points, and the tooltip knows to show a path image.
Every point's `customdata` is its global sample id as a plain int list: Plotly 6+ sends numpy
arrays base64-encoded and such data has been seen to drop out of hover/selection events.
Never use pointNumber as an id: it is only a position inside one class trace.
"""
from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

# Tableau 10: distinguishable, colour-blind-friendlier than plotly's default cycle
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
SOURCE_COLORS = ("#d1495b", "#2e86ab")  # generated, real
COLOR_MODES = {"class": "class", "confidence": "classifier confidence",
               "d_score": "D score (P real)", "source": "real vs generated"}
SCALES = {"confidence": "Viridis", "d_score": "RdBu", "source": [
    [0.0, SOURCE_COLORS[0]], [0.5, SOURCE_COLORS[0]], [0.5, SOURCE_COLORS[1]], [1.0, SOURCE_COLORS[1]]]}
# when colour shows the source, the marker shape shows the class (one symbol per class)
CLASS_SYMBOLS = ("circle", "square", "diamond", "cross", "x", "triangle-up", "triangle-down", "star", "hexagon",
                 "pentagon")
DIM_OPACITY = 0.12
PIN_NAME = "pinned"
PATH_NAME = "latent path"
PATH_PREFIX = "path:"
PATH_COLOR = "#111827"
FLIP_COLOR = "#e11d48"
HEADER_PX, TITLE_PX, PANEL_PX, GAP_PX = 26, 22, 210, 14


@dataclass(frozen=True)
class Panel:
    """One map: xy (n, 2) and per-point ids/labels/values aligned with its rows."""
    key: str
    title: str
    subtitle: str
    xy: np.ndarray
    ids: np.ndarray
    labels: np.ndarray
    values: np.ndarray | None = None
    hint: str = ""  # hover text of the map's title (e.g. its faithfulness scores)


def class_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def class_symbol(index: int) -> str:
    return CLASS_SYMBOLS[index % len(CLASS_SYMBOLS)]


def stride(n_classes: int) -> int:
    return n_classes + 1


def class_of_trace(t: int, n_classes: int, n_panels: int) -> int | None:
    """The class a trace index draws (None for a pin marker or an unknown index)."""
    if t < 0:
        return None
    if t >= n_panels * stride(n_classes):
        c = t - n_panels * stride(n_classes)
        return c if c < n_classes else None
    c = t % stride(n_classes)
    return c if c < n_classes else None


def selected_positions(trace_ids: Sequence[int], selected: np.ndarray | None) -> list[int] | None:
    """Positions inside one trace whose sample id is in `selected` (None: no selection)."""
    if selected is None:
        return None
    if len(trace_ids) == 0:
        return []
    return np.flatnonzero(np.isin(np.asarray(trace_ids), selected)).tolist()


def selection_state(selected: np.ndarray | None) -> dict:
    """Layout keys that make `selected` (the server's selection) the only selection plotly shows.
    After a box or lasso, plotly.js keeps the drawn shape in `layout.selections` and, on every
    redraw, re-selects the points inside it in that subplot, overriding the `selectedpoints` sent
    here (on dense maps a few edge points differ). So the shape is dropped (`selections: []`), and
    `selectionrevision` changes with the selected set: plotly then takes both `selections` and every
    trace's `selectedpoints` from the figure instead of restoring its own (uirevision rules)."""
    if selected is None:
        return {"selections": [], "selectionrevision": "sel-none"}
    ids = np.unique(np.asarray(selected, dtype="<i8"))
    return {"selections": [], "selectionrevision": f"sel-{len(ids)}-{zlib.crc32(ids.tobytes()):08x}"}


def b64(values) -> dict:
    """A float32 array as plotly.js's typed-array spec: compact, and what plotly.py itself sends
    for numpy arrays. Only for coordinates and colours; ids stay plain lists (module doc)."""
    arr = np.ascontiguousarray(values, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}


def _axis(p: int) -> str:
    return "" if p == 0 else str(p + 1)


def panel_traces(panel: Panel, p: int, class_names: Sequence[str], color_by: str, hidden: set[int],
                 selected: np.ndarray | None, pinned: tuple[int, float, float] | None, size: int) -> list:
    if color_by not in COLOR_MODES:
        raise ValueError(f"unknown colour mode {color_by!r}; valid: {', '.join(COLOR_MODES)}")
    if color_by != "class" and (panel.values is None or len(panel.values) != len(panel.ids)):
        raise ValueError(f"colour mode {color_by!r} needs one value per point")
    xy, ax = np.asarray(panel.xy, dtype=np.float32), _axis(p)
    traces = []
    for c, name in enumerate(class_names):
        mask = panel.labels == c
        trace_ids = panel.ids[mask].tolist()
        marker = (dict(color=class_color(c), size=size) if color_by == "class" else
                  dict(color=b64(panel.values[mask]), coloraxis="coloraxis", size=size))
        if color_by == "source":
            marker.update(symbol=class_symbol(c), size=size + 2)
        traces.append(dict(
            type="scattergl", x=b64(xy[mask, 0]), y=b64(xy[mask, 1]), customdata=trace_ids, name=str(name),
            legendgroup=f"class{c}", showlegend=False, mode="markers", marker=marker, hoverinfo="none",
            xaxis=f"x{ax}", yaxis=f"y{ax}", visible="legendonly" if c in hidden else True,
            selectedpoints=selected_positions(trace_ids, selected),
            selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=DIM_OPACITY))))
    traces.append(pin_trace(pinned, p, size))
    return traces


def pin_trace(pinned: tuple[int, float, float] | None, p: int = 0, size: int = 4) -> dict:
    """The marker for the pinned sample in panel p: (id, x, y), or an empty trace."""
    ax = _axis(p)
    return dict(
        type="scattergl", x=[] if pinned is None else [pinned[1]], y=[] if pinned is None else [pinned[2]],
        customdata=[] if pinned is None else [int(pinned[0])], name=PIN_NAME, mode="markers", hoverinfo="skip",
        showlegend=False, xaxis=f"x{ax}", yaxis=f"y{ax}",
        marker=dict(symbol="star", size=size * 3 + 6, color="#111111", line=dict(color="#ffffff", width=1.5)))


def path_trace(points: dict | None, p: int = 0, size: int = 4, class_names: Sequence[str] = ()) -> dict:
    """A latent path drawn through panel p: a dark line through its K steps, each marker in the colour
    of the class predicted at that step; the start a large circle, the end a large square, steps where
    the prediction flips a large diamond ringed in red. `points` is {"xy": (K, 2), "labels": [K],
    "flips": [steps], "index": [K global point indices]}, or None for an empty trace."""
    ax = _axis(p)
    base = dict(type="scattergl", name=PATH_NAME, showlegend=False, hoverinfo="none", xaxis=f"x{ax}", yaxis=f"y{ax}")
    if points is None or len(points["xy"]) == 0:
        return {**base, "x": [], "y": [], "customdata": [], "mode": "markers"}
    xy, labels, k = np.asarray(points["xy"], dtype=float), list(points["labels"]), len(points["xy"])
    flips = {f for f in points.get("flips", []) if 0 < f < k}
    symbols = ["diamond" if i in flips else "circle" for i in range(k)]
    symbols[0], symbols[-1] = "circle", "square"
    sizes = [size * 2 + 8 if i in flips or i in (0, k - 1) else size * 2 + 3 for i in range(k)]
    names = [str(class_names[c]) if 0 <= c < len(class_names) else str(c) for c in labels]
    text = [""] * k
    text[0], text[-1] = f"start {names[0]}", f"end {names[-1]}"
    return {**base, "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(),
            "customdata": [f"{PATH_PREFIX}{int(i)}" for i in points["index"]], "mode": "lines+markers+text",
            "text": text, "textposition": "top center", "textfont": dict(size=11, color=PATH_COLOR),
            "line": dict(color=PATH_COLOR, width=2),
            "marker": dict(color=[class_color(c) for c in labels], size=sizes, symbol=symbols, opacity=1.0,
                           line=dict(color=[FLIP_COLOR if i in flips else PATH_COLOR for i in range(k)], width=2))}


def legend_traces(class_names: Sequence[str], hidden: set[int], color_by: str = "class") -> list:
    shape = color_by == "source"  # then the class is the marker's shape, and the legend shows it
    # for a continuous colour (confidence, D score) the class colours would be a false key: the
    # legend keeps its entries (they still hide/isolate classes) but in neutral grey
    neutral = color_by != "class"
    return [dict(type="scattergl", x=[None], y=[None], name=str(name), legendgroup=f"class{c}", mode="markers",
                 marker=dict(color="#4b5563" if neutral else class_color(c), size=9,
                             **(dict(symbol=class_symbol(c)) if shape else {})), hoverinfo="skip",
                         visible="legendonly" if c in hidden else True)
            for c, name in enumerate(class_names)]


def _layout(color_by: str, uirevision: str | None) -> dict:
    layout = dict(
        uirevision=uirevision, dragmode="select", hovermode="closest", showlegend=True,
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)", font=dict(family="Inter, system-ui, sans-serif"),
        modebar=dict(bgcolor="rgba(255,255,255,0.85)", color="#9aa0a6", activecolor="#2f5d9e"),
        legend=dict(orientation="h", x=0, xanchor="left", y=1, yanchor="bottom", itemsizing="constant",
                    title=dict(text="class  " if color_by in ("class", "source") else "class (colour: see bar)  "),
                    font=dict(size=12)))
    if color_by != "class":
        layout["coloraxis"] = dict(
            colorscale=SCALES[color_by], cmin=0.0, cmax=1.0,
            colorbar=dict(title=dict(text=COLOR_MODES[color_by], side="right"), thickness=10, lenmode="pixels",
                          len=220, y=1, yanchor="top", x=1.0, xanchor="left",
                          **(dict(tickvals=[0.25, 0.75], ticktext=["generated", "real"]) if color_by == "source" else {})))
    return layout


def _figure(spec: dict) -> go.Figure:
    # the dicts are built to plotly's schema (the tests validate them); skipping plotly's
    # per-element validation of ~100k customdata values is what keeps a view change fast
    return go.Figure(spec, _validate=False)


def atlas_figure_dict(rows: Sequence[tuple[str, Sequence[Panel]]], class_names: Sequence[str],
                      color_by: str = "class", hidden: Iterable[int] = (), selected: Iterable[int] | None = None,
                      pinned: dict | None = None, uirevision: str | None = None, cols: int = 4) -> dict:
    """Every map as a small multiple: one subplot per panel, one row per group (network order).
    `pinned` maps panel key -> (id, x, y). Returns the figure as a plain dict."""
    hidden, pinned = {int(h) for h in hidden}, pinned or {}
    sel = None if selected is None else np.fromiter(selected, dtype=np.int64)
    n_points = max((len(pn.ids) for _, panels in rows for pn in panels), default=0)
    size = 3 if n_points > 3000 else 4
    legend_px = 34
    height = legend_px + sum(HEADER_PX + -(-len(panels) // cols) * (TITLE_PX + PANEL_PX + GAP_PX) for _, panels in rows)
    traces, layout, annotations, shapes = [], _layout(color_by, uirevision), [], []
    y_px, p = legend_px, 0
    col_w, col_gap = (1 - 0.015 * (cols - 1)) / cols, 0.015
    for row_title, panels in rows:
        annotations.append(dict(text=f"<b>{row_title.upper()}</b>", x=0, y=1 - y_px / height, xref="paper",
                                yref="paper", xanchor="left", yanchor="top", showarrow=False,
                                font=dict(size=11, color="#6b7280")))
        y_px += HEADER_PX
        for i, panel in enumerate(panels):
            r, c = divmod(i, cols)
            top = y_px + r * (TITLE_PX + PANEL_PX + GAP_PX) + TITLE_PX
            x0 = c * (col_w + col_gap)
            dom_y = [1 - (top + PANEL_PX) / height, 1 - top / height]
            ax = _axis(p)
            layout[f"xaxis{ax}"] = dict(domain=[x0, x0 + col_w], anchor=f"y{ax}", visible=False)
            layout[f"yaxis{ax}"] = dict(domain=dom_y, anchor=f"x{ax}", visible=False)
            # the title is clickable (captureevents): a click opens this map in the focus view
            annotations.append(dict(text=f"<b>{panel.title}</b>  <span style='color:#6b7280'>{panel.subtitle}</span>"
                                         "  <span style='color:#2f5d9e'>⤢</span>",
                                    x=x0, y=dom_y[1], xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                                    showarrow=False, font=dict(size=12, color="#1f2430"), name=panel.key,
                                    captureevents=True, **(dict(hovertext=panel.hint) if panel.hint else {})))
            shapes.append(dict(type="rect", xref="paper", yref="paper", x0=x0, x1=x0 + col_w, y0=dom_y[0],
                               y1=dom_y[1], line=dict(color="#e3e6eb", width=1), fillcolor="#ffffff", layer="below"))
            traces += panel_traces(panel, p, class_names, color_by, hidden, sel, pinned.get(panel.key), size)
            p += 1
        y_px += -(-len(panels) // cols) * (TITLE_PX + PANEL_PX + GAP_PX)
    traces += legend_traces(class_names, hidden, color_by)
    # the legend sits in the band reserved for it at the top (above the plot area it would add a top margin)
    layout["legend"].update(yanchor="top")
    layout.update(selection_state(sel), height=height, margin=dict(l=0, r=70 if color_by != "class" else 0, t=0, b=0),
                  annotations=annotations, shapes=shapes)
    return {"data": traces, "layout": layout}


def atlas_figure(*args, **kwargs) -> go.Figure:
    """atlas_figure_dict as a plotly Figure."""
    return _figure(atlas_figure_dict(*args, **kwargs))


def map_figure(panel: Panel, class_names: Sequence[str], color_by: str = "class", hidden: Iterable[int] = (),
               selected: Iterable[int] | None = None, pinned: tuple[int, float, float] | None = None,
               uirevision: str | None = None, path: dict | None = None) -> go.Figure:
    """One map, large (the focus view): the trace layout of a one-panel atlas (path trace last)."""
    sel, hidden = None if selected is None else np.fromiter(selected, dtype=np.int64), {int(h) for h in hidden}
    traces = panel_traces(panel, 0, class_names, color_by, hidden, sel, pinned, 6) + \
        legend_traces(class_names, hidden, color_by) + [path_trace(path, 0, 6, class_names)]
    layout = _layout(color_by, uirevision)
    layout.update(selection_state(sel), margin=dict(l=4, r=4, t=40, b=4), xaxis=dict(visible=False),
                  yaxis=dict(visible=False), plot_bgcolor="#ffffff")
    return _figure({"data": traces, "layout": layout})


def message_figure(text: str) -> go.Figure:
    """An empty figure that explains itself (e.g. no map for this projection)."""
    fig = go.Figure()
    fig.update_layout(margin=dict(l=4, r=4, t=4, b=4), xaxis=dict(visible=False), yaxis=dict(visible=False),
                      plot_bgcolor="#fafafa", paper_bgcolor="rgba(0,0,0,0)",
                      annotations=[dict(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                                        font=dict(size=13, color="#666"))])
    return fig
