"""The side panels (the selection grid and the pinned sample) and the texts of the epoch slider and
the latent-path strip. HTML only; images come from the cached PNG routes, so a page of 40 digits
costs 40 cached GETs, not 48 base64 blobs."""
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
    epoch = view.get("epoch") if isinstance(view, dict) else None
    if epoch is not None:  # how that epoch's checkpoint drew and judged it
        then = [run.values(key, np.array([sid]), epoch)[0] for key in ("label", "confidence", "d_score")]
        facts.append((f"at epoch {epoch}", "not tracked" if then[0] < 0 else
                      f"{run.class_names[int(then[0])]} · conf {_fmt(then[1])} · D {_fmt(then[2])}"))
    if not real and np.isfinite(s["z"][sid]).all():
        facts.append(("‖z‖", f"{float(np.linalg.norm(s['z'][sid])):.2f}"))
    out = [html.Div(className="pin-top", children=[
        html.Img(src=_url(run, sid), width=112, height=112, className="pin-img", alt=f"sample {sid}"),
        html.Table(className="facts-table", children=[html.Tr([html.Th(k), html.Td(v)]) for k, v in facts])])]
    out += neighbours_block(run, sid, pinned.get("layer"), pinned.get("source"), epoch)
    out += layers_block(run, sid, view)
    return out


def neighbours_block(run: Run, sid: int, layer, source, epoch: int | None = None) -> list:
    """The k-NN list of the cache's `neighbors/` files: always the final weights' activation space,
    which the title says when the maps show a training epoch."""
    nn = run.neighbors(layer, source) if isinstance(layer, str) and isinstance(source, str) else None
    pos = run.position(source, sid) if nn is not None else None
    title = html.H4(f"Nearest neighbours in {layer} ({source}), original activation space") if epoch is None else \
        html.H4([f"Nearest neighbours (final weights) in {layer} ({source})", html.Span(
            f" · the final weights' activation space, not epoch {epoch}'s", className="muted")])
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
        at = run.point(spec.layer, spec.source, view.get("method"), view.get("epoch"), sid)
        xy = "–" if at is None else f"({at[0]:.1f}, {at[1]:.1f})"
        rows.append(html.Tr([html.Td(spec.layer), html.Td(spec.source), html.Td(agree), html.Td(xy)]))
    return [html.H4("Across layers"),
            html.Table(className="layers-table", children=[
                html.Tr([html.Th("layer"), html.Th("map"),
                         html.Th("neighbours same class" + ("" if view.get("epoch") is None else " (final weights)")),
                         html.Th("x, y")]),
                *rows])]


# --- the epoch slider and latent paths --------------------------------------------------------
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def epoch_note(run: Run, view: dict) -> list:
    """What the maps show at the view's epoch: all samples at the final weights, or the tracked
    samples as a training checkpoint drew and judged them, and how its maps were aligned."""
    series, epoch = run.series, view.get("epoch")
    per = series.per_source()
    tracked = f"{per:,} tracked samples per source" if per else "the tracked samples"
    if epoch is None:
        final = series.final_epoch()
        return [html.Strong("Final weights" + (f" (epoch {final})" if final is not None else "")),
                f", all {run.n:,} samples. Earlier positions show {tracked} (the same z and the same real images "
                "at every epoch) as each checkpoint drew and judged them."]
    method = view.get("method", "")
    align, note = series.alignment(method, epoch), series.note()
    final_only = [METHOD_NAMES.get(m, m) for m in run.methods(None) if m not in run.methods(epoch)]
    return [html.Strong(f"Epoch {epoch}"), f": {tracked} (the same z and the same real images as the final maps), "
            f"coloured by epoch {epoch}'s predictions; hover shows epoch {epoch}'s digit. "
            + (f"{METHOD_NAMES.get(method, method)} maps: {align.rstrip('.')}. " if align else "")
            + (f"{' and '.join(final_only)}: final maps only. " if final_only else ""),
            html.Span(f"Tracked: {note}" if note else "", className="muted")]


def selection_note(run: Run, selection, view: dict) -> str:
    """At a training epoch, how many of the selected samples are tracked (only those are on the maps)."""
    epoch = view.get("epoch")
    chosen = selection.get("ids") if isinstance(selection, dict) else None
    if epoch is None or not isinstance(chosen, list) or not chosen:
        return ""
    tracked = run.series.tracked()
    n = int(np.isin(np.asarray([i for i in chosen if run.valid_id(i)], dtype=np.int64), tracked).sum()) \
        if tracked is not None else 0
    if n == 0:
        return f"None of the {len(chosen):,} selected samples is tracked at epoch {epoch}; the final maps show them all."
    return f"{n:,} of the {len(chosen):,} selected samples are tracked at epoch {epoch} and lit in the maps."


def _path_url(run: Run, index: int) -> str:
    return get_relative_path(f"/path/{run.name}/{int(index)}.png") + f"?v={run.version}"


def path_label(run: Run, item: dict) -> str:
    """'3 → 8 (2 flips)' for a path between class anchors; '#3 → #10 (8 → 6, 1 flip)' for one asked
    for by sample ids (`chosen: "samples"`; caches without `chosen` hold class paths only)."""
    ends = [item.get(end) if isinstance(item.get(end), dict) else {} for end in ("from", "to")]
    names = [run.class_names[c] if type(c) is int and 0 <= c < len(run.class_names) else "?"
             for c in (ends[0].get("label"), ends[1].get("label"))]
    flips = len(item.get("flips") or [])
    classes, flipped = f"{names[0]} → {names[1]}", f"{flips} flip{'' if flips == 1 else 's'}"
    samples = [e.get("sample") for e in ends]
    if item.get("chosen") == "samples" and all(type(s) is int for s in samples):
        return f"#{samples[0]} → #{samples[1]} ({classes}, {flipped})"
    return f"{classes} ({flipped})"


def no_path_text(run: Run, a: int, b: int) -> str:
    pairs = sorted({tuple(sorted(p)) for p in run.latent.pairs() if None not in p})
    listed = ", ".join(f"{run.class_names[x]} ↔ {run.class_names[y]}" for x, y in pairs)
    return (f"No precomputed path between {run.class_names[a]} and {run.class_names[b]}. "
            f"This run has paths between: {listed or 'none'}.")


def path_strip(run: Run, path, view: dict) -> tuple[list, str]:
    """(children, className) of the strip under the controls, one compact row: the chosen path's K
    images in order (each step's predicted class and confidence under it, flips outlined in red),
    then what the path is and how it was placed on the maps."""
    item = run.latent.item(path)
    if item is None:
        return [], "path-strip hidden"
    title = html.Div(className="path-head", children=[
        html.Strong(f"Latent path {path_label(run, item)}"),
        html.Span(f" · {run.latent.block.get('interpolation', 'interpolated')} in z, {run.latent.steps} steps",
                  className="muted")])
    if view.get("epoch") is not None:
        return [html.Div(className="path-text", children=[title, html.P(
            "Latent paths live on the final maps: move the epoch slider to final to see this path drawn through "
            "them.", className="muted path-epoch")])], "path-strip"
    conf, flips = item.get("confidence") or [], set(item.get("flips") or [])
    cells = []
    for step, label in enumerate(item["labels"][:run.latent.steps]):
        name = run.class_names[label] if type(label) is int and 0 <= label < len(run.class_names) else "?"
        c = f" {float(conf[step]):.2f}" if step < len(conf) and isinstance(conf[step], (int, float)) else ""
        flip = step in flips
        cells.append(html.Div(className="path-step" + (" flip" if flip else ""),
                              title=f"step {step}: classifier says {name}{c}" + (" (the prediction flips here)" if flip else ""),
                              children=[html.Img(src=_path_url(run, path * run.latent.steps + step), width=40, height=40,
                                                 alt=f"path {path} step {step}"),
                                        html.Span([html.B(name), c], className="path-caption")]))
    method = view.get("method")
    name = METHOD_NAMES.get(method, method)
    drawn = sum(run.latent.placed(s.layer, s.source, method) is not None for s in run.map_specs().values())
    placement = run.latent.placement(method)
    where = (f"Drawn on {drawn} {name} map{'s' if drawn != 1 else ''} (start ●, end ■, flips ◆ ringed red); hover a "
             "path point for its digit." + (f" Placed by {placement.rstrip('.')}." if placement else "") if drawn else
             f"No {name} map has this path placed; try another projection.")
    endpoints = run.latent.block.get("endpoints")
    return [html.Div(cells, className="path-steps"), html.Div(className="path-text", children=[
        title, html.P([where, f" Endpoints: {endpoints.rstrip('.')}." if isinstance(endpoints, str) else ""],
                      className="muted path-where")])], "path-strip"
