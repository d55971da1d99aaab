"""Page structure. The outer layout is static; the page for a run is built by a callback from
the URL (?run=NAME) so one served process can show several runs and each run is a link."""
from __future__ import annotations

from urllib.parse import quote

from dash import dcc, html

from . import ids, measures
from .data import Run
from .figures import COLOR_MODES

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


def controls(run: Run, view: dict) -> html.Div:
    methods = run.methods(view["epoch"])
    return html.Div(className="controls", children=[
        html.Div(className="control", children=[
            html.Span("projection", className="label"),
            dcc.RadioItems(id=ids.METHOD, value=view["method"], className="segmented", inline=True,
                           options=[{"label": METHOD_LABELS.get(m, m.upper()), "value": m} for m in methods])]),
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
    ])


def atlas_card(run: Run, figure: dict) -> html.Div:
    _, notes = run.groups()
    return html.Div(className="maps", children=[
        html.P("Hover a point to see its digit; drag a box (or lasso, from the toolbar) to select; click a point "
               "to pin it; double-click to clear the selection; click a map's title (⤢) to open it large; "
               "in the legend, click a class to hide it everywhere, double-click to isolate it.",
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
        header(run, runs),
        controls(run, view),
        html.Main(className="content", children=[
            html.Div(className="main-col", children=[measures.panel(run, view), atlas_card(run, figure)]),
            side_panel()]),
        focus_modal(),
    ]
