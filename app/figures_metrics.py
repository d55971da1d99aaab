"""Pure builders for the measurements panel: manifest dicts in, plotly figure dicts out.

Two charts, both plain SVG `scatter` (never WebGL: the atlas already uses the page's WebGL
contexts):
- the separability chart: class separability of every layer along the network, in two paths,
  generator `g1 → … → image` and discriminator `image → d1 → …`, one line per source;
- the mixing chart: for each joint discriminator layer, the share of a generated point's
  nearest neighbours that are real, against the same for a real point, per class.
Every point's `customdata` is the "layer/source" key of its map, so a click can open it.
Layer order and roles come from the manifest (`layers[*].model`), never from names in code.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from .figures import SOURCE_COLORS, class_color

METRICS = {"knn_accuracy": "k-NN accuracy", "probe_accuracy": "linear probe accuracy", "silhouette": "silhouette"}
SOURCES = ("generated", "real", "joint")
SOURCE_STYLE = {"generated": (SOURCE_COLORS[0], "solid"), "real": (SOURCE_COLORS[1], "solid"),
                "joint": ("#6c5b9b", "dash")}
CLASS_DASH = {"generated": "solid", "real": "dot", "joint": "dash"}
IMAGE = "image"
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
FONT = dict(family="Inter, system-ui, sans-serif", size=11, color="#1f2430")


def layer_measures(manifest: dict) -> list[dict]:
    """`metrics.layers` when the cache has it (older caches do not), else []."""
    entries = (manifest.get("metrics") or {}).get("layers") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("layer"), str)
            and isinstance(e.get("source"), str)]


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def network_paths(manifest: dict) -> list[tuple[str, list[tuple[str, dict[str, dict]]]]]:
    """[(path title, [(x label, {source: entry})])], in network order:
    generator layers ending in the image (the last generator layer), then the image the
    discriminator sees (real: the data layer; generated: the generator's output) and the
    discriminator layers. Layers without any measured entry are left out."""
    entries = layer_measures(manifest)
    by_key = {(e["layer"], e["source"]): e for e in entries}
    layers = [la for la in manifest.get("layers", []) if isinstance(la, dict) and isinstance(la.get("name"), str)]
    gen = [la["name"] for la in layers if la.get("model") == "generator"]
    data = [la["name"] for la in layers if la.get("model") == "data"]
    disc = [la["name"] for la in layers if la.get("model") == "discriminator"]

    def column(names: Iterable[tuple[str, str]]) -> dict[str, dict]:
        return {src: by_key[(name, src)] for name, src in names if (name, src) in by_key}

    gen_path = [(f"{name}<br>({IMAGE})" if i == len(gen) - 1 else name, column((name, s) for s in SOURCES))
                for i, name in enumerate(gen)]
    image = column(([(gen[-1], "generated")] if gen else []) + [(name, "real") for name in data])
    disc_path = [(IMAGE, image)] + [(name, column((name, s) for s in SOURCES)) for name in disc]
    def measured(col: dict[str, dict]) -> bool:  # an entry with only a "reason" is listed, not drawn
        return any(_number(e.get(m)) is not None for e in col.values() for m in METRICS)

    paths = [("Generator", [(x, col) for x, col in gen_path if measured(col)]),
             ("Discriminator", [(x, col) for x, col in disc_path if measured(col)])]
    return [(title, points) for title, points in paths if points]


def unmeasured(manifest: dict) -> list[str]:
    """'layer (source): reason' for entries that could not be measured."""
    return [f"{e['layer']} ({e['source']}): {e['reason']}" for e in layer_measures(manifest)
            if e.get("reason") and _number(e.get("knn_accuracy")) is None]


def _value(entry: dict | None, metric: str, cls: int | None = None) -> float | None:
    if not entry:
        return None
    if cls is None:
        return _number(entry.get(metric))
    values = (entry.get("per_class") or {}).get(metric)
    return _number(values[cls]) if isinstance(values, list) and 0 <= cls < len(values) else None


def _hover(entry: dict | None, metric: str, value: float | None, method: str | None, cls_name: str | None) -> str:
    if not entry or value is None:
        return ""
    who = f"{entry['layer']} · {entry['source']}" + (f" · class {cls_name}" if cls_name is not None else "")
    text = f"<b>{who}</b><br>{METRICS[metric]} {value:.3f}<br>{entry.get('space', '')}"
    fidelity = (entry.get("maps") or {}).get(method) if method else None
    trust = _number(fidelity.get("trustworthiness")) if isinstance(fidelity, dict) else None
    if trust is not None:
        text += f"<br>{METHOD_NAMES.get(method, method)} map: trustworthiness {trust:.2f}"
    return text + "<br><i>click to open this map</i>"


def _line(points: list[tuple[str, dict[str, dict]]], source: str, metric: str, ax: str, method: str | None,
          cls: int | None = None, cls_name: str | None = None) -> dict | None:
    xs, ys, keys, hover = [], [], [], []
    for x, col in points:
        entry = col.get(source)
        value = _value(entry, metric, cls)
        xs.append(x)
        ys.append(value)
        keys.append(f"{entry['layer']}/{entry['source']}" if entry else None)
        hover.append(_hover(entry, metric, value, method, cls_name))
    if all(v is None for v in ys):
        return None
    colour, dash = SOURCE_STYLE[source]
    trace = dict(type="scatter", mode="lines+markers", x=xs, y=ys, customdata=keys, hovertext=hover,
                 hoverinfo="text", xaxis=f"x{ax}", yaxis=f"y{ax}", connectgaps=False, cliponaxis=False)
    if cls is None:
        trace.update(name=source, legendgroup=source, legendrank=1 + SOURCES.index(source),
                     line=dict(color=colour, width=2.5, dash=dash),
                     marker=dict(color=colour, size=9, line=dict(color="#ffffff", width=1)))
    else:
        trace.update(name=cls_name, legendgroup=f"class{cls}", legendrank=10 + cls, opacity=0.75,
                     line=dict(color=class_color(cls), width=1, dash=CLASS_DASH[source]),
                     marker=dict(color=class_color(cls), size=4))
    return trace


NetworkPath = Sequence[tuple[str, dict[str, dict]]]  # [(x label, {source: entry})] along one network path


def separability_figure(paths: Sequence[tuple[str, NetworkPath]], metric: str = "knn_accuracy",
                        sources: Iterable[str] = SOURCES, per_class: bool = False,
                        class_names: Sequence[str] = (), method: str | None = None, height: int = 270) -> dict:
    """One subplot per path, one line per source (and, with `per_class`, one thin line per class
    and source: solid generated, dotted real, dashed joint). Returns a plain figure dict."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(METRICS)}")
    shown = [s for s in SOURCES if s in set(sources)]
    n_paths = max(1, len(paths))
    gap, widths = 0.06, [max(1, len(points)) for _, points in paths]
    usable, x0 = 1 - gap * (n_paths - 1), 0.0
    traces, annotations, layout = [], [], {}
    legend_seen: set[str] = set()
    for p, (title, points) in enumerate(paths):
        ax = "" if p == 0 else str(p + 1)
        x1 = x0 + usable * widths[p] / sum(widths)
        layout[f"xaxis{ax}"] = dict(domain=[x0, x1], anchor=f"y{ax}", type="category", fixedrange=True,
                                    categoryorder="array", categoryarray=[x for x, _ in points],
                                    tickfont=dict(size=11), tickangle=0, showgrid=False,
                                    linecolor="#c9ced6")
        layout[f"yaxis{ax}"] = dict(anchor=f"x{ax}", fixedrange=True, gridcolor="#eceef2", zeroline=False,
                                    showticklabels=p == 0, **(dict(matches="y") if p else {}),
                                    **(dict(range=[0, 1.04]) if metric != "silhouette" else {}),
                                    **(dict(title=dict(text=METRICS[metric], font=dict(size=11))) if p == 0 else {}))
        annotations.append(dict(text=f"<b>{title}</b>", x=x0, y=1.0, xref="paper", yref="paper", xanchor="left",
                                yanchor="bottom", showarrow=False, font=dict(size=11, color="#6b7280")))
        for source in shown:
            if per_class:
                for c, name in enumerate(class_names):
                    trace = _line(points, source, metric, ax, method, c, str(name))
                    if trace:
                        trace["showlegend"] = trace["legendgroup"] not in legend_seen
                        legend_seen.add(trace["legendgroup"])
                        traces.append(trace)
            trace = _line(points, source, metric, ax, method)
            if trace:
                trace["showlegend"] = source not in legend_seen
                legend_seen.add(source)
                traces.append(trace)
        x0 = x1 + gap
    shapes = []
    if metric != "silhouette" and class_names:
        chance = 1 / len(class_names)
        shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=chance, y1=chance,
                           line=dict(color="#9aa0a6", width=1, dash="dot"), layer="below"))
        annotations.append(dict(text=f"chance {chance:.2f}", x=1, y=chance, xref="paper", yref="y", xanchor="right",
                                yanchor="bottom", showarrow=False, font=dict(size=10, color="#9aa0a6")))
    else:
        shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=0, y1=0,
                           line=dict(color="#9aa0a6", width=1, dash="dot"), layer="below"))
    # the legend sits under the axes (the subplot titles take the top): sources, then classes
    layout.update(height=height + (26 if per_class else 0), margin=dict(l=52, r=8, t=22, b=88 if per_class else 62),
                  hovermode="closest", dragmode=False, plot_bgcolor="#ffffff", paper_bgcolor="rgba(0,0,0,0)", font=FONT,
                  annotations=annotations, shapes=shapes, showlegend=True, uirevision="separability",
                  legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left",
                              font=dict(size=10), itemsizing="constant", itemwidth=30, traceorder="grouped"))
    return {"data": traces, "layout": layout}


def joint_mixing(manifest: dict) -> list[dict]:
    """The joint entries that carry a mixing measurement, in manifest (network) order."""
    return [e for e in layer_measures(manifest) if isinstance(e.get("mixing"), dict)
            and _number(e["mixing"].get("expected_if_mixed")) is not None]


def mixing_figure(entries: Sequence[dict], class_names: Sequence[str], height: int = 270) -> dict:
    """One subplot per joint layer; x = all, then each class. Two dots per x: the mean share of a
    generated point's nearest neighbours that are real (red) and the same for a real point (blue),
    joined by a grey bar; the dashed line is what perfect mixing would give."""
    n = max(1, len(entries))
    gap = 0.04
    width = (1 - gap * (n - 1)) / n
    cats = ["all"] + [str(c) for c in class_names]
    traces, annotations, shapes, layout = [], [], [], {}
    for p, entry in enumerate(entries):
        mix, ax, x0 = entry["mixing"], "" if p == 0 else str(p + 1), p * (width + gap)
        key = f"{entry['layer']}/{entry['source']}"
        values = {}
        for source in ("generated", "real"):
            per = mix.get(f"{source}_per_class") if isinstance(mix.get(f"{source}_per_class"), list) else []
            values[source] = [_number(mix.get(source))] + [_number(per[c]) if c < len(per) else None
                                                           for c in range(len(class_names))]
        bars_x, bars_y = [], []
        for x, g, r in zip(cats, values["generated"], values["real"]):
            if g is not None and r is not None:
                bars_x += [x, x, None]
                bars_y += [g, r, None]
        traces.append(dict(type="scatter", mode="lines", x=bars_x, y=bars_y, hoverinfo="skip", showlegend=False,
                           line=dict(color="#c9ced6", width=3), xaxis=f"x{ax}", yaxis=f"y{ax}"))
        for source in ("generated", "real"):
            colour = SOURCE_STYLE[source][0]
            traces.append(dict(
                type="scatter", mode="markers", x=cats, y=values[source], name=f"{source} points",
                legendgroup=source, showlegend=p == 0, customdata=[key] * len(cats), xaxis=f"x{ax}", yaxis=f"y{ax}",
                marker=dict(color=colour, size=8, symbol="circle" if source == "real" else "diamond",
                            line=dict(color="#ffffff", width=1)),
                hovertext=[f"<b>{entry['layer']} · {source} points · {x if x == 'all' else 'class ' + x}</b><br>"
                           f"{v:.2f} of their {mix.get('k', 10)} nearest neighbours are real<br>"
                           f"perfectly mixed: {mix['expected_if_mixed']:.2f}<br><i>click to open this map</i>"
                           if v is not None else "" for x, v in zip(cats, values[source])],
                hoverinfo="text"))
        expected = float(mix["expected_if_mixed"])
        shapes.append(dict(type="line", xref=f"x{ax} domain", yref=f"y{ax}", x0=0, x1=1, y0=expected, y1=expected,
                           line=dict(color="#6b7280", width=1, dash="dash"), layer="below"))
        layout[f"xaxis{ax}"] = dict(domain=[x0, x0 + width], anchor=f"y{ax}", type="category", fixedrange=True,
                                    categoryorder="array", categoryarray=cats, tickfont=dict(size=9), tickangle=0,
                                    showgrid=False, linecolor="#c9ced6")
        layout[f"yaxis{ax}"] = dict(anchor=f"x{ax}", range=[0, 1.04], fixedrange=True, gridcolor="#eceef2",
                                    zeroline=False, showticklabels=p == 0, **(dict(matches="y") if p else {}),
                                    **(dict(title=dict(text="share of neighbours that are real", font=dict(size=11)))
                                       if p == 0 else {}))
        annotations.append(dict(text=f"<b>{entry['layer']}</b> joint", x=x0, y=1.0,
                                xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                                font=dict(size=11, color="#6b7280")))
    layout.update(height=height, margin=dict(l=52, r=8, t=22, b=62), hovermode="closest", dragmode=False,
                  plot_bgcolor="#ffffff", paper_bgcolor="rgba(0,0,0,0)", font=FONT, annotations=annotations,
                  shapes=shapes, showlegend=True, uirevision="mixing",
                  legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left",
                              font=dict(size=10)))
    return {"data": traces, "layout": layout}


def faithfulness_text(fidelity) -> str:
    """' · trust 0.91' for a map title, '' when the cache has no measurement."""
    trust = _number(fidelity.get("trustworthiness")) if isinstance(fidelity, dict) else None
    return "" if trust is None else f" · trust {trust:.2f}"


def faithfulness_hint(fidelity, method: str) -> str:
    """Hover text of a map title: both faithfulness scores and what they compare."""
    trust = _number(fidelity.get("trustworthiness")) if isinstance(fidelity, dict) else None
    if trust is None:
        return ""
    kept = _number(fidelity.get("knn_preservation"))
    k = fidelity.get("k", 10)
    text = f"{METHOD_NAMES.get(method, method)} map: trustworthiness {trust:.2f}"
    if kept is not None:
        text += f", {kept:.0%} of each point's {k} nearest neighbours kept"
    points = fidelity.get("points")
    return text + (f"<br>(against the layer's PCA features, {points} points)" if points else "") + \
        "<br>click to open this map large"


# --- over training: the per-epoch measurements of `metrics.over_training` -------------------

def over_training(manifest: dict) -> dict | None:
    """`metrics.over_training` when it holds at least one epoch (older caches: absent or null), else None."""
    block = (manifest.get("metrics") or {}).get("over_training") if isinstance(manifest, dict) else None
    if not isinstance(block, dict) or not isinstance(block.get("epochs"), list):
        return None
    epochs = [e for e in block["epochs"] if isinstance(e, dict) and isinstance(e.get("epoch"), int)]
    return {**block, "epochs": sorted(epochs, key=lambda e: e["epoch"])} if epochs else None


def _layer_order(manifest: dict) -> list[str]:
    """Layer names in network order: generator, data (the real image), discriminator."""
    layers = [la for la in manifest.get("layers", []) if isinstance(la, dict) and isinstance(la.get("name"), str)]
    rank = {"generator": 0, "data": 1, "discriminator": 2}
    return [la["name"] for la in sorted(layers, key=lambda la: rank.get(la.get("model"), 3))]


def training_rows(manifest: dict, block: dict, sources: Iterable[str] = SOURCES) -> list[tuple[str, str]]:
    """(layer, source) rows of the heatmap: per source, layers in network order; rows without a
    single measured epoch (e.g. d_score, one feature) are left out."""
    measured = {(la["layer"], la["source"]) for e in block["epochs"] for la in e.get("layers") or []
                if isinstance(la, dict) and _number(la.get("knn_accuracy")) is not None}
    order = _layer_order(manifest)
    extra = sorted({layer for layer, _ in measured if layer not in order})
    return [(layer, s) for s in SOURCES if s in set(sources) for layer in order + extra if (layer, s) in measured]


def knn_heatmap_figure(manifest: dict, block: dict, sources: Iterable[str] = SOURCES) -> dict:
    """Layer × epoch heatmap of k-NN accuracy: one row per (layer, source), one column per kept
    checkpoint, each cell annotated; unmeasured cells stay blank."""
    rows = training_rows(manifest, block, sources)
    epochs = [e["epoch"] for e in block["epochs"]]
    values = {(e["epoch"], la["layer"], la["source"]): _number(la.get("knn_accuracy"))
              for e in block["epochs"] for la in e.get("layers") or [] if isinstance(la, dict)}
    labels = [f"{layer} ({source})" for layer, source in rows]
    z = [[values.get((ep, layer, source)) for ep in epochs] for layer, source in rows]
    text = [[f"{v:.2f}" if v is not None else "" for v in row] for row in z]
    x = [str(ep) for ep in epochs]
    trace = dict(type="heatmap", x=x, y=labels, z=z, text=text, texttemplate="%{text}",
                 textfont=dict(size=9 if len(epochs) > 14 else 10), zmin=0, zmax=1, xgap=1, ygap=1,
                 colorscale="Viridis", hoverongaps=False,
                 hovertemplate="<b>%{y}</b>, epoch %{x}<br>k-NN accuracy %{z:.3f}<extra></extra>",
                 colorbar=dict(thickness=10, len=0.9, title=dict(text="k-NN", font=dict(size=10)),
                               tickfont=dict(size=9)))
    layout = dict(height=max(200, 40 + 19 * len(rows) + 40), margin=dict(l=8, r=8, t=8, b=36),
                  xaxis=dict(type="category", title=dict(text="epoch", font=dict(size=11)), tickfont=dict(size=9), ticks="",
                             fixedrange=True, showgrid=False),
                  yaxis=dict(type="category", autorange="reversed", tickfont=dict(size=10), fixedrange=True, ticks="", automargin=True,
                             showgrid=False),
                  dragmode=False, plot_bgcolor="#ffffff", paper_bgcolor="rgba(0,0,0,0)", font=FONT,
                  uirevision="knn-over-training")
    return {"data": [trace], "layout": layout}


def _shares(histogram) -> list[float | None]:
    counts = [_number(c) for c in histogram] if isinstance(histogram, list) else []
    total = sum(c for c in counts if c is not None)
    return [c / total if c is not None and total > 0 else None for c in counts]


def class_mix_figure(block: dict, class_names: Sequence[str], height: int = 300) -> dict:
    """Mode-collapse monitor: each class's share of the generated samples per epoch (solid, class
    colours) against its share of the real ones (dashed, same colour; what a faithful generator
    would give), and below, the classifier's mean confidence on the generated samples."""
    epochs = block["epochs"]
    x = [e["epoch"] for e in epochs]
    gen = [_shares(e.get("generated_class_histogram")) for e in epochs]
    real = [_shares(e.get("real_class_histogram")) for e in epochs]
    n = max([len(s) for s in gen + real] + [len(class_names)])
    names = [str(class_names[c]) if c < len(class_names) else str(c) for c in range(n)]
    traces = []
    for c in range(n):
        colour = class_color(c)
        g = [s[c] if c < len(s) else None for s in gen]
        r = [s[c] if c < len(s) else None for s in real]
        counts = [(e.get("generated_class_histogram") or [None] * n)[c] if c < len(e.get("generated_class_histogram") or [])
                  else None for e in epochs]
        traces.append(dict(type="scatter", mode="lines+markers", x=x, y=g, name=names[c], legendgroup=f"class{c}",
                           line=dict(color=colour, width=1.8), marker=dict(color=colour, size=4),
                           xaxis="x", yaxis="y", customdata=counts,
                           hovertemplate=f"<b>class {names[c]}</b>, epoch %{{x}}<br>generated share %{{y:.1%}} "
                                         "(%{customdata})<extra></extra>"))
        if any(v is not None for v in r):
            traces.append(dict(type="scatter", mode="lines", x=x, y=r, name=f"{names[c]} real", showlegend=False,
                               legendgroup=f"class{c}", line=dict(color=colour, width=1, dash="dash"), opacity=0.7,
                               xaxis="x", yaxis="y",
                               hovertemplate=f"<b>class {names[c]}</b>, epoch %{{x}}<br>real share %{{y:.1%}}"
                                             "<extra></extra>"))
    conf = [_number(e.get("mean_generated_confidence")) for e in epochs]
    traces.append(dict(type="scatter", mode="lines+markers", x=x, y=conf, name="mean confidence", showlegend=False,
                       line=dict(color="#1f2430", width=2), marker=dict(color="#1f2430", size=5),
                       xaxis="x2", yaxis="y2",
                       hovertemplate="epoch %{x}<br>classifier's mean confidence on generated %{y:.2f}"
                                     "<extra></extra>"))
    top = max([v for s in gen + real for v in s if v is not None] + [1 / max(1, n)])
    layout = dict(
        height=height, margin=dict(l=52, r=8, t=8, b=36), hovermode="closest", dragmode=False,
        plot_bgcolor="#ffffff", paper_bgcolor="rgba(0,0,0,0)", font=FONT, uirevision="class-mix",
        xaxis=dict(domain=[0, 1], anchor="y", matches="x2", showticklabels=False, fixedrange=True, showgrid=False,
                   linecolor="#c9ced6"),
        yaxis=dict(domain=[0.36, 1], anchor="x", range=[0, min(1, top * 1.08)], tickformat=".0%", fixedrange=True,
                   gridcolor="#eceef2", zeroline=False, title=dict(text="share of samples", font=dict(size=11))),
        xaxis2=dict(domain=[0, 1], anchor="y2", title=dict(text="epoch", font=dict(size=11)), fixedrange=True,
                    showgrid=False, linecolor="#c9ced6", tickfont=dict(size=9)),
        yaxis2=dict(domain=[0, 0.26], anchor="x2", range=[0, 1.04], fixedrange=True, gridcolor="#eceef2",
                    zeroline=False, title=dict(text="confidence", font=dict(size=10)), tickfont=dict(size=9)),
        legend=dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top", font=dict(size=10),
                    itemsizing="constant", tracegroupgap=0))
    layout["margin"]["r"] = 40
    return {"data": traces, "layout": layout}
