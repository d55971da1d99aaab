"""The side panels: the selection grid and the pinned sample. HTML only; images come from
the cached PNG route, so a page of 40 digits costs 40 cached GETs, not 48 base64 blobs."""
from __future__ import annotations

import numpy as np
from dash import get_relative_path, html

from . import ids
from .data import Run
from .figures import class_color

_CONFIG = {"page_size": 40}


def configure(page_size: int) -> None:
    _CONFIG["page_size"] = max(1, int(page_size))


def page_size() -> int:
    return _CONFIG["page_size"]


def _url(run: Run, sample_id: int) -> str:
    return get_relative_path(f"/sample/{run.name}/{int(sample_id)}.png") + f"?v={run.version}"


def thumb(run: Run, sample_id: int, where: str, size: int = 56) -> html.Button:
    """A clickable digit: clicking pins that sample (ids.thumb_id, one per place it is shown)."""
    label = run.class_names[int(run.samples["label"][sample_id])]
    kind = "real" if run.samples["source"][sample_id] == 1 else "gen"
    return html.Button(id=ids.thumb_id(int(sample_id), where), n_clicks=0, className="thumb",
                       title=f"#{sample_id} · {kind} · class {label} (click to pin)", children=[
                           html.Img(src=_url(run, sample_id), width=size, height=size, alt=f"sample {sample_id}"),
                           html.Span(label, className="thumb-caption")])


def histogram(run: Run, sample_ids: np.ndarray) -> html.Div:
    counts = np.bincount(run.samples["label"][sample_ids].astype(np.int64), minlength=len(run.class_names))
    top = max(1, int(counts.max()))
    return html.Div(className="hist", children=[
        html.Div(className="hist-col", title=f"class {name}: {int(c)}", children=[
            html.Span(str(int(c)) if c else "", className="hist-n"),
            html.Div(className="hist-bar", style={"height": f"{max(2, 56 * c / top):.0f}px",
                                                    "background": class_color(i)}),
            html.Span(name, className="hist-label")])
        for i, (name, c) in enumerate(zip(run.class_names, counts[:len(run.class_names)]))])


def selection_grid(run: Run, selection, page) -> list | html.P:
    if selection is None:
        return html.P("Box- or lasso-select points in any map; double-click the map to clear.", className="muted")
    chosen = [i for i in selection.get("ids", []) if run.valid_id(i)] if isinstance(selection, dict) else []
    if not chosen:
        return html.P("No samples in that selection: draw the box or lasso over some points.",
                      className="muted empty-selection")
    ids = np.asarray(chosen)
    size = page_size()
    pages = max(1, -(-len(ids) // size))
    page = min(max(0, page if isinstance(page, int) else 0), pages - 1)
    shown = ids[page * size:(page + 1) * size]
    n_real = int((run.samples["source"][ids] == 1).sum())
    return [
        html.Div(className="sel-summary", children=[
            html.Strong(f"{len(ids):,} selected", className="sel-count"),
            html.Span(f" · {len(ids) - n_real:,} generated · {n_real:,} real · from {selection.get('origin', '?')}",
                      className="muted")]),
        histogram(run, ids),
        html.Div([thumb(run, i, "grid") for i in shown], className="thumb-grid"),
        html.P(f"page {page + 1} of {pages}", className="muted pager-text"),
    ]


def _fmt(x) -> str:
    return f"{float(x):.3f}"


def pin_panel(run: Run, pinned, view: dict) -> list | html.P:
    if not isinstance(pinned, dict):
        return html.P("Click a point to pin it; click it again to unpin.", className="muted")
    sid, s = pinned["id"], run.samples
    label = run.class_names[int(s["label"][sid])]
    real = bool(s["source"][sid] == 1)
    facts = [("sample", f"#{sid}"), ("source", "real" if real else "generated"),
             ("true label" if real else "classifier says", label),
             ("classifier confidence", _fmt(s["confidence"][sid])), ("D score (P real)", _fmt(s["d_score"][sid]))]
    if not real and np.isfinite(s["z"][sid]).all():
        facts.append(("‖z‖", f"{float(np.linalg.norm(s['z'][sid])):.2f}"))
    out = [html.Div(className="pin-top", children=[
        html.Img(src=_url(run, sid), width=112, height=112, className="pin-img", alt=f"sample {sid}"),
        html.Table(className="facts-table", children=[html.Tr([html.Th(k), html.Td(v)]) for k, v in facts])])]
    out += neighbours_block(run, sid, pinned.get("layer"), pinned.get("source"))
    out += layers_block(run, sid, view)
    return out


def neighbours_block(run: Run, sid: int, layer, source) -> list:
    nn = run.neighbors(layer, source) if isinstance(layer, str) and isinstance(source, str) else None
    pos = run.position(source, sid) if nn is not None else None
    title = html.H4(f"Nearest neighbours in {layer} ({source}), original activation space")
    if nn is None or pos is None:
        return [title, html.P("This cache has no neighbour list for that map.", className="muted")]
    return [title, html.Div([thumb(run, int(j), "nn", 48) for j in nn[1][pos] if run.valid_id(int(j))],
                            className="thumb-grid nn-grid")]


def layers_block(run: Run, sid: int, view: dict) -> list:
    """Where the sample sits in each layer: how many of its k neighbours share its class
    (a cluster that agrees) and its map coordinates in the current projection."""
    own = int(run.samples["label"][sid])
    rows = []
    for spec in run.map_specs().values():
        pos = run.position(spec.source, sid)
        if pos is None:
            continue
        nn = run.neighbors(spec.layer, spec.source)
        agree = "–" if nn is None else f"{int((run.samples['label'][nn[1][pos]] == own).sum())}/{nn[1].shape[1]}"
        emb = run.embedding(spec.layer, spec.source, view.get("method"), view.get("epoch"))
        xy = "–" if emb is None else f"({emb[0][pos, 0]:.1f}, {emb[0][pos, 1]:.1f})"
        rows.append(html.Tr([html.Td(spec.layer), html.Td(spec.source), html.Td(agree), html.Td(xy)]))
    return [html.H4("Across layers"),
            html.Table(className="layers-table", children=[
                html.Tr([html.Th("layer"), html.Th("map"), html.Th("neighbours same class"), html.Th("x, y")]),
                *rows])]
