"""The measurements panel: class separability along the network and real/generated mixing,
from the manifest's `metrics.layers` (figures in figures_metrics.py, pure).

The panel and its graphs are always in the page (callbacks that read their clicks need them to
exist) but hidden when the cache has no `metrics.layers` (caches from before issue 5)."""
from __future__ import annotations

from dash import dcc, html

from . import ids
from .data import Run
from .figures_metrics import (METRICS, SOURCES, class_mix_figure, joint_mixing, knn_heatmap_figure, layer_measures,
                              mixing_figure, network_paths, over_training, separability_figure, training_rows,
                              unmeasured)

CHART_CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False}


def sources_of(run: Run) -> list[str]:
    present = {e["source"] for e in layer_measures(run.manifest)}
    return [s for s in SOURCES if s in present]


def separability(run: Run, metric: str = "knn_accuracy", sources=None, per_class: bool = False,
                 method: str | None = None) -> dict:
    return separability_figure(network_paths(run.manifest), metric, sources_of(run) if sources is None else sources,
                               per_class, run.class_names, method)


def headline(run: Run, metric: str = "knn_accuracy") -> str:
    """'generated: g1 0.41 → d3 0.47 · real: input 0.77 → d3 0.73': first and last layer per source."""
    parts = []
    for source in ("generated", "real"):
        seen = [(e["layer"], e[metric]) for _, points in network_paths(run.manifest) for _, col in points
                for s, e in col.items() if s == source and isinstance(e.get(metric), (int, float))]
        if len(seen) >= 2:
            (a, va), (b, vb) = seen[0], seen[-1]
            parts.append(f"{source}: {a} {va:.2f} → {b} {vb:.2f}")
    return f"{METRICS[metric]}, " + " · ".join(parts) if parts else ""


def charts_title(separability: bool, mixing: bool, training: bool) -> str:
    """The folded summary's tooltip: which charts opening the panel shows."""
    parts = [name for have, name in ((separability, "class separability along the network"),
                                     (mixing, "real vs generated in the joint maps"),
                                     (training, "k-NN accuracy and class shares over training")) if have]
    return "Click to show or hide the charts: " + "; ".join(parts) + "."


def training_sources(run: Run) -> list[str]:
    block = over_training(run.manifest)
    present = {source for _, source in training_rows(run.manifest, block)} if block else set()
    return [s for s in SOURCES if s in present]


def training_heatmap(run: Run, sources=None) -> dict:
    block = over_training(run.manifest)
    if block is None:
        return {"data": [], "layout": {}}
    return knn_heatmap_figure(run.manifest, block, training_sources(run) if sources is None else sources)


def training_caption(block: dict) -> str:
    epochs = [e["epoch"] for e in block["epochs"]]
    n = block.get("samples_per_source")
    return (f"Measured on {n if isinstance(n, int) else 'a fixed set of'} samples per source at each kept checkpoint "
            f"({len(epochs)} epochs: {', '.join(map(str, epochs))}), k-NN accuracy (k = {block.get('k', 10)}) in each "
            f"layer's {block.get('space', 'features')}. Right: each class's share of the generated samples (solid) "
            "against its share of the real ones (dashed); a class that takes over or vanishes is mode collapse. "
            "Below it, the classifier's mean confidence on the generated samples." + _collapse_note(block))


def _collapse_note(block: dict) -> str:
    """Where one class holds over half the generated samples, k-NN accuracy mostly measures that share."""
    notes = []
    for e in block["epochs"]:
        hist = [h for h in e.get("generated_class_histogram") or [] if isinstance(h, (int, float))]
        if sum(hist) > 0 and max(hist) / sum(hist) > 0.5:
            notes.append(f"epoch {e['epoch']} ({max(hist) / sum(hist):.0%})")
    if not notes:
        return ""
    return (f" One class holds most generated samples at {', '.join(notes)}: there, a generated layer's k-NN "
            "accuracy is about that share, not a sign of class structure.")


def training_part(run: Run) -> html.Div:
    """The "Over training" part: always in the page (its callback needs the inputs), hidden without data."""
    block = over_training(run.manifest)
    sources = training_sources(run) if block else []
    return html.Div(id=ids.TRAINING, className="training", hidden=block is None, children=[
        html.Div(className="measures-controls", children=[
            html.Span("Over training", className="measures-subtitle"),
            html.Div(className="control", children=[
                html.Span("rows", className="label"),
                dcc.Checklist(id=ids.TRAINING_SOURCES, value=sources, className="segmented small", inline=True,
                              options=[{"label": s, "value": s} for s in sources])])]),
        html.Div(className="measures-body training-body", children=[
            html.Div(className="measure", children=[
                html.H4("k-NN accuracy per layer and epoch"),
                dcc.Graph(id=ids.TRAINING_HEATMAP, figure=training_heatmap(run, sources) if block else
                          {"data": [], "layout": {}}, config=CHART_CONFIG, className="measure-graph")]),
            html.Div(className="measure", children=[
                html.H4("Class shares per epoch, generated vs real (dashed) · mean confidence"),
                dcc.Graph(id=ids.TRAINING_CLASSES, figure=class_mix_figure(block, run.class_names) if block else
                          {"data": [], "layout": {}}, config=CHART_CONFIG, className="measure-graph")])]),
        html.P(training_caption(block) if block else "", className="muted notes"),
    ])


def _radio(component_id: str, options: list[tuple[str, str]], value) -> dcc.RadioItems:
    return dcc.RadioItems(id=component_id, value=value, className="segmented small", inline=True,
                          options=[{"label": label, "value": v} for v, label in options])


def panel(run: Run, view: dict) -> html.Details:
    has = bool(network_paths(run.manifest))
    has_training = over_training(run.manifest) is not None
    mixing = joint_mixing(run.manifest)
    sources = sources_of(run)
    entries = layer_measures(run.manifest)
    first = next((e for e in entries if isinstance(e.get("knn_accuracy"), (int, float))), {})
    space = first.get("space", "layer features")
    detail = (f"Measured in each layer's {space} on this run's samples: k-NN accuracy (k = {first.get('k', 10)}, "
              f"{first.get('cv_folds', 5)}-fold cross-validation), linear probe (held-out "
              f"{first.get('probe_test_share', 0.3):.0%}), silhouette by class. Click a point to open that map. "
              "Map titles carry each map's trustworthiness for the current projection."
              + (" Mixing, in the joint maps: the dashed line is what perfectly mixed real and generated points "
                 "would give; the wider the gap between a class's red and blue dots, the better that layer tells "
                 "generated from real digits of that class." if mixing else ""))
    notes = unmeasured(run.manifest)
    sep_fig = separability(run, method=view.get("method")) if has else {"data": [], "layout": {}}
    mix_fig = mixing_figure(mixing, run.class_names) if mixing else {"data": [], "layout": {}}
    # folded by default so the maps start on the first screen; the summary keeps the headline numbers
    return html.Details(id=ids.MEASURES, open=False, hidden=not (has or has_training), className="measures card", children=[
        html.Summary(className="measures-summary", title=charts_title(has, bool(mixing), has_training), children=[
            html.Span("Where does class information form?", className="measures-title"),
            html.Span(headline(run) if has else "", className="muted measures-headline"),
            html.Span(className="measures-toggle")]),  # "show charts" / "hide charts" (atlas.css)
        html.Div(className="measures-controls", children=[
            html.Div(className="control", children=[
                html.Span("measure", className="label"),
                _radio(ids.SEP_METRIC, list(METRICS.items()), "knn_accuracy")]),
            html.Div(className="control", children=[
                html.Span("lines", className="label"),
                dcc.Checklist(id=ids.SEP_SOURCES, value=sources, className="segmented small", inline=True,
                              options=[{"label": s, "value": s} for s in sources]),
                dcc.Checklist(id=ids.SEP_PER_CLASS, value=[], className="segmented small", inline=True,
                              options=[{"label": "per class", "value": "per_class"}])]),
        ]),
        html.Div(className="measures-body" + ("" if mixing else " single"), children=[
            html.Div(className="measure", children=[
                html.H4("Class separability along the network"),
                dcc.Graph(id=ids.SEP_GRAPH, figure=sep_fig, config=CHART_CONFIG, className="measure-graph")]),
            html.Div(className="measure", hidden=not mixing, children=[
                html.H4("Real vs generated (joint maps): share of neighbours that are real"),
                dcc.Graph(id=ids.MIX_GRAPH, figure=mix_fig, config=CHART_CONFIG, className="measure-graph")]),
        ]),
        html.P(detail + (" Not measured: " + "; ".join(notes) if notes else ""), className="muted notes"),
        training_part(run),
    ])
