"""Page structure. The outer layout is static; the page for a run is built by a callback from
the URL (?run=NAME) so one served process can show several runs and each run is a link."""
from __future__ import annotations

from urllib.parse import quote

from dash import dcc, html

from . import ids, measures, panels
from .data import Run
from .figures import COLOR_MODES
from .series import slider_position

METHOD_LABELS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
GRAPH_CONFIG = {
    "displaylogo": False,
    "scrollZoom": False,  # the page scrolls; zoom with the box tool or in the focus view
    "modeBarButtonsToRemove": ["toImage", "autoScale2d", "resetScale2d"],
    "doubleClick": "reset",
}


def outer_layout() -> html.Div:
    return html.Div([dcc.Location(id=ids.URL, refresh=False), html.Div(id=ids.PAGE, className="page")])


def error_card(problem: str, fix: str, title: str = "This cache cannot be shown") -> html.Div:
    """What is wrong and the exact command that fixes it; never a traceback."""
    return html.Div(className="error-card", children=[
        html.H2(title),
        html.P(problem, className="error-problem"),
        html.P("Fix it with:"),
        html.Pre(html.Code(fix), className="error-fix"),
        html.P("then reload this page.", className="muted"),
    ])


def unknown_run_card(name: str, runs: list[str]) -> html.Div:
    """`?run=` names no run: say so plainly and link the runs there are."""
    links = []
    for i, r in enumerate(runs):
        links += [", "] if i else []
        links.append(dcc.Link(r, href="?run=" + quote(r), className="run-link"))
    return html.Div(className="error-card", children=[
        html.H2("Unknown run"),
        html.P(f"Unknown run {name!r}.", className="error-problem"),
        html.P(["Available runs: ", *links] if links else "No runs are available."),
    ])


def header(run: Run, runs: list[str]) -> html.Header:
    m = run.manifest
    acc = m.get("metrics", {}).get("classifier_test_accuracy")
    facts = [f"{m['samples'].get('n_generated', '?')} generated", f"{m['samples'].get('n_real', '?')} real",
             f"dataset {m.get('dataset', {}).get('name', '?')}"]
    if isinstance(acc, (int, float)) and acc > 0:
        facts.append(f"classifier accuracy {acc:.1%}")
    # always a Dropdown so the run callback has its `value`; disabled when there is nothing to pick
    run_picker = dcc.Dropdown(id=ids.RUN, options=runs, value=run.name, clearable=False, searchable=False,
                              disabled=len(runs) < 2, className="run-select")
    badge = [html.Span("synthetic test data", className="badge badge-warn")] if run.synthetic else []
    return html.Header(className="topbar", children=[
        html.Div(className="brand", children=[html.Span("GAN Layer Atlas", className="brand-name")]),
        html.Div(className="run-box", children=[html.Span("run", className="label"), run_picker, *badge]),
        html.Div(" · ".join(facts), className="facts"),
    ])


def method_options(run: Run, epoch: int | None) -> list[dict]:
    """Every projection of the final maps; those without maps at `epoch` are shown but disabled (the
    epoch note says which exist only for the final weights)."""
    have = run.methods(epoch)
    return [{"label": METHOD_LABELS.get(m, m.upper()), "value": m, "disabled": m not in have}
            for m in run.methods(None)]


def epoch_control(run: Run, view: dict) -> html.Div:
    """The epoch slider: one mark per training epoch plus "final" (all samples, final weights).
    Always in the page (update_view reads it); hidden when the cache has no training series."""
    epochs = run.series.epochs()
    marks = {i: f"{e}" for i, e in enumerate(epochs)}
    marks[len(epochs)] = {"label": "final", "style": {"fontWeight": 600}}
    return html.Div(id=ids.EPOCH_BOX, className="control-group epoch-control", hidden=not epochs, children=[
        html.Span("epoch", className="label", title="training epoch of the weights the maps show"),
        html.Div(className="epoch-slider", children=dcc.Slider(
            id=ids.EPOCH, min=0, max=len(epochs), step=1, marks=marks, value=slider_position(epochs, view["epoch"]),
            allow_direct_input=False, included=False, updatemode="mouseup"))])


def path_control(run: Run) -> html.Div:
    """The latent-path picker, and two class menus that find the precomputed path between them.
    Always in the page (their callback reads them); hidden when the cache has no paths."""
    items, classes = run.latent.items, [{"label": n, "value": c} for c, n in enumerate(run.class_names)]
    return html.Div(id=ids.PATH_BOX, className="control-group path-controls", hidden=not items, children=[
        html.Div(className="control", children=[
            html.Span("latent path", className="label"),
            dcc.Dropdown(id=ids.PATH, value=None, placeholder="none", clearable=True, searchable=False,
                         className="path-select",
                         options=[{"label": panels.path_label(run, it), "value": it["id"]} for it in items])]),
        html.Div(className="control", children=[
            html.Span("or classes", className="label"),
            dcc.Dropdown(id=ids.PATH_FROM, value=None, placeholder="from", clearable=False, searchable=False,
                         options=classes, className="class-select"),
            html.Span("→", className="muted"),
            dcc.Dropdown(id=ids.PATH_TO, value=None, placeholder="to", clearable=False, searchable=False,
                         options=classes, className="class-select")]),
        html.Span(id=ids.PATH_NOTE, className="muted path-note"),
    ])


def controls(run: Run, view: dict) -> html.Div:
    """Two rows: projection, colour and "open large"; then the epoch slider beside the latent-path
    controls (each hidden without its data), the epoch note, and the path strip (compact)."""
    return html.Div(className="controls-block", children=[html.Div(className="controls", children=[
        html.Div(className="control", children=[
            html.Span("projection", className="label"),
            dcc.RadioItems(id=ids.METHOD, value=view["method"], className="segmented", inline=True,
                           options=method_options(run, view["epoch"]))]),
        html.Div(className="control", children=[
            html.Span("colour by", className="label"),
            dcc.RadioItems(id=ids.COLOR, value=view["color"], className="segmented", inline=True,
                           options=[{"label": v, "value": k} for k, v in COLOR_MODES.items()])]),
        html.Div(className="control", children=[
            html.Span("open large", className="label"),
            dcc.Dropdown(id=ids.FOCUS_PICK, value=None, placeholder="choose a map…", className="focus-select",
                         clearable=True, searchable=False,
                         options=[{"label": f"{s.layer} ({s.source}) · {s.label}", "value": key}
                                  for key, s in run.map_specs().items()])]),
    ]), html.Div(className="controls controls-series", hidden=not (run.series.epochs() or run.latent.items),
                 children=[epoch_control(run, view), path_control(run)]),
        html.Div(id=ids.EPOCH_NOTE, className="muted epoch-note", hidden=not run.series.epochs(),
                 children=panels.epoch_note(run, view)),
        html.Div(id=ids.PATH_STRIP, className="path-strip hidden")])


def atlas_card(run: Run, figure: dict) -> html.Div:
    _, notes = run.groups()
    return html.Div(className="maps", children=[
        html.P("Hover a point for its digit · drag a box (or lasso, in the toolbar) to select · click a point to pin "
               "it · double-click a map to clear the selection · click a map's title (⤢) to open it large · legend: "
               "click a class to hide it everywhere, double-click to isolate it."
               + (" The epoch slider shows tracked samples at earlier checkpoints." if run.series.epochs() else "")
               + (" A chosen latent path is drawn on the final maps (●start, ■end, ◆flip)." if run.latent.items else ""),
               className="muted hint"),
        html.Div(className="atlas-card", children=[
            dcc.Graph(id=ids.ATLAS, figure=figure, config=GRAPH_CONFIG, clear_on_unhover=True,
                      className="atlas-graph", style={"height": f"{figure['layout']['height']}px"}),
            dcc.Tooltip(id=ids.ATLAS_TIP, className="digit-tip", direction="right"),
        ]),
        *([html.P("Not mapped: " + " · ".join(notes), className="muted notes")] if notes else []),
    ])


def side_panel() -> html.Aside:
    # the pinned card first: a pin is one small card, and under a full selection grid it was below the fold
    return html.Aside(className="side", children=[
        html.Div(className="card", children=[
            html.Div(className="card-head", children=[html.H3("Pinned sample")]),
            html.Div(id=ids.PIN_PANEL, children=html.P("Click a point to pin it.", className="muted")),
        ]),
        html.Div(className="card", children=[
            html.Div(className="card-head", children=[
                html.H3("Selection"),
                html.Div(className="pager", children=[
                    html.Button("‹", id=ids.GRID_PREV, n_clicks=0, className="icon-btn", title="previous page"),
                    html.Button("›", id=ids.GRID_NEXT, n_clicks=0, className="icon-btn", title="next page")])]),
            html.P(id=ids.SEL_NOTE, className="muted sel-note"),
            html.Div(id=ids.GRID, children=html.P(
                "Box- or lasso-select points in any map; double-click the map to clear.", className="muted")),
        ]),
    ])


def focus_modal() -> html.Div:
    return html.Div(id=ids.FOCUS_MODAL, className="modal hidden", children=[
        html.Div(className="modal-box", children=[
            html.Div(className="modal-head", children=[
                html.H3(id=ids.FOCUS_TITLE),
                html.Button("×", id=ids.FOCUS_CLOSE, n_clicks=0, className="icon-btn", title="close")]),
            html.Div(className="map-body focus-body", children=[
                dcc.Graph(id=ids.FOCUS_GRAPH, config=GRAPH_CONFIG, clear_on_unhover=True,
                          className="atlas-graph focus-graph", style={"height": "72vh"}),
                dcc.Tooltip(id=ids.FOCUS_TIP, className="digit-tip", direction="right")]),
        ]),
    ])


def page(run: Run, runs: list[str], view: dict, figure: dict, meta: dict) -> list:
    return [
        dcc.Store(id=ids.VIEW, data=view),
        dcc.Store(id=ids.META, data=meta),
        dcc.Store(id=ids.SELECTION, data=None),
        dcc.Store(id=ids.PINNED, data=None),
        dcc.Store(id=ids.HOVER, data=None),
        dcc.Store(id=ids.MAP_CLICK, data=None),
        dcc.Store(id=ids.FOCUS, data=None),
        dcc.Store(id=ids.HIDDEN, data=[]),
        dcc.Store(id=ids.GRID_PAGE, data=0),
        dcc.Store(id=ids.PATH_STORE, data=None),
        header(run, runs),
        controls(run, view),
        html.Main(className="content", children=[
            html.Div(className="main-col", children=[measures.panel(run, view), atlas_card(run, figure)]),
            side_panel()]),
        focus_modal(),
    ]
