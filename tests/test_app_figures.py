"""The pure figure builders: trace layout, colours, and customdata == sample ids."""
import numpy as np
import pytest

from app import figures
from app.figures import Panel, atlas_figure, class_of_trace, map_figure, selected_positions

NAMES = [str(i) for i in range(10)]


def _panel(key="g1/generated", n=200, seed=0, offset=0):
    rng = np.random.default_rng(seed)
    ids = np.arange(offset, offset + n)
    return Panel(key, key.split("/")[0], "64×8×8", rng.normal(size=(n, 2)), ids,
                 rng.integers(0, 10, n), rng.random(n).astype(np.float32))


def test_map_figure_one_webgl_trace_per_class_plus_pin_plus_legend_plus_path():
    fig = map_figure(_panel(), NAMES)
    assert len(fig.data) == 2 * len(NAMES) + 2
    assert all(t.type == "scattergl" for t in fig.data)
    assert fig.data[len(NAMES)].name == figures.PIN_NAME
    assert [t.name for t in fig.data[-len(NAMES) - 1:-1]] == NAMES and class_of_trace(len(NAMES) + 3, 10, 1) == 2
    assert fig.data[-1].name == figures.PATH_NAME and not fig.data[-1].x  # no path: an empty trace
    assert class_of_trace(2 * len(NAMES) + 1, 10, 1) is None


def test_customdata_is_plain_list_of_row_ids_split_by_class():
    panel = _panel()
    fig = map_figure(panel, NAMES)
    for c, trace in enumerate(fig.data[:10]):
        assert isinstance(trace.customdata, tuple | list)
        assert all(type(v) is int for v in trace.customdata)
        assert list(trace.customdata) == panel.ids[panel.labels == c].tolist()
    got = sorted(v for t in fig.data[:10] for v in t.customdata)
    assert all(not t.customdata for t in fig.data[10:])
    assert got == panel.ids.tolist()
    # serialised: plain JSON list, not a base64 typed array
    js = fig.to_plotly_json()["data"][0]["customdata"]
    assert isinstance(js, list | tuple)


def test_class_colours_and_continuous_colours():
    fig = map_figure(_panel(), NAMES, "class")
    assert [t.marker.color for t in fig.data[:10]] == list(figures.PALETTE)
    fig = map_figure(_panel(), NAMES, "d_score")
    assert fig.data[0].marker.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax == 1


def test_bad_colour_mode_and_missing_values_raise():
    with pytest.raises(ValueError):
        map_figure(_panel(), NAMES, "rainbow")
    p = _panel()
    with pytest.raises(ValueError):
        map_figure(Panel(p.key, p.title, p.subtitle, p.xy, p.ids, p.labels, None), NAMES, "confidence")


def test_hidden_classes_are_legendonly_and_selection_positions():
    panel = _panel()
    chosen = panel.ids[:30].tolist()
    fig = map_figure(panel, NAMES, hidden=[3], selected=chosen)
    assert fig.data[3].visible == "legendonly" and fig.data[2].visible is True
    picked = [t.customdata[i] for t in fig.data[:10] for i in (t.selectedpoints or [])]
    assert sorted(picked) == sorted(chosen)
    assert selected_positions([], np.array([1])) == []
    assert selected_positions([5, 6], None) is None
    # the focus view shows the server's set, never plotly's own box (see figures.selection_state)
    assert fig.layout.selections == () and fig.layout.selectionrevision.startswith(f"sel-{len(chosen)}-")
    assert map_figure(panel, NAMES).layout.selectionrevision == "sel-none"


def test_atlas_figure_layout_and_trace_arithmetic():
    rows = [("Generator", [_panel("g1/generated"), _panel("g2/generated", seed=1)]),
            ("Real", [_panel("input/real", seed=2, offset=200)])]
    fig = atlas_figure(rows, NAMES, pinned={"g2/generated": (5, 0.1, 0.2)})
    n = len(NAMES)
    assert len(fig.data) == 3 * (n + 1) + n  # panels + legend traces
    # panel p trace c lives on axis p; customdata are ids of that panel's class c
    for p, (_, panel) in enumerate([(0, rows[0][1][0]), (1, rows[0][1][1]), (2, rows[1][1][0])]):
        for c in range(n):
            t = fig.data[p * (n + 1) + c]
            assert t.xaxis == ("x" if p == 0 else f"x{p + 1}")
            assert list(t.customdata) == panel.ids[panel.labels == c].tolist()
            assert class_of_trace(p * (n + 1) + c, n, 3) == c
        assert class_of_trace(p * (n + 1) + n, n, 3) is None
    assert list(fig.data[2 * (n + 1) - 1].customdata) == [5]  # g2's pin marker
    assert class_of_trace(3 * (n + 1) + 4, n, 3) == 4  # legend trace of class 4
    assert [t.showlegend for t in fig.data[-n:]] == [None] * n or all(t.showlegend is not False for t in fig.data[-n:])
    assert fig.layout.height > 0 and fig.layout.xaxis3.domain is not None
    titles = [a.text for a in fig.layout.annotations]
    assert any("g2" in t for t in titles) and any("GENERATOR" in t for t in titles)


def test_message_figure_has_text():
    fig = figures.message_figure("no umap map")
    assert fig.layout.annotations[0].text == "no umap map"


def test_dict_builders_pass_plotly_validation():
    """The fast path skips plotly's validation, so check the schema here once."""
    import base64 as b64mod

    import plotly.graph_objects as go

    rows = [("Generator", [_panel("g1/generated"), _panel("g2/generated", seed=1)])]
    for mode in figures.COLOR_MODES:
        spec = figures.atlas_figure_dict(rows, NAMES, mode, hidden=[1], selected=[1, 2, 3],
                                         pinned={"g1/generated": (1, 0.0, 0.0)})
        go.Figure(spec)  # raises on any invalid property
    enc = figures.b64(np.array([1.5, -2.0]))
    assert enc["dtype"] == "f4" and np.frombuffer(b64mod.b64decode(enc["bdata"]), "<f4").tolist() == [1.5, -2.0]


def test_legend_has_no_class_colours_for_continuous_colour():
    from app.figures import class_color, legend_traces

    names = [str(i) for i in range(10)]
    assert [t["marker"]["color"] for t in legend_traces(names, set(), "class")] == [class_color(c) for c in range(10)]
    for mode in ("confidence", "d_score"):
        assert {t["marker"]["color"] for t in legend_traces(names, set(), mode)} == {"#4b5563"}


def test_path_trace():
    from app.figures import FLIP_COLOR, PATH_NAME, path_trace

    empty = path_trace(None, 2)
    assert empty["name"] == PATH_NAME and empty["x"] == [] and empty["xaxis"] == "x3" and empty["customdata"] == []
    pts = {"xy": np.arange(12, dtype=float).reshape(6, 2), "labels": [3, 3, 5, 3, 8, 8], "flips": [2, 3, 4],
           "index": list(range(12, 18))}
    t = path_trace(pts, 0, 4, NAMES)
    assert t["x"] == [0, 2, 4, 6, 8, 10] and t["customdata"] == [f"path:{i}" for i in range(12, 18)]
    assert all(not isinstance(c, int) for c in t["customdata"])  # never taken for a sample id
    assert t["marker"]["symbol"] == ["circle", "circle", "diamond", "diamond", "diamond", "square"]
    assert t["marker"]["color"] == [figures.class_color(c) for c in pts["labels"]]
    assert [c == FLIP_COLOR for c in t["marker"]["line"]["color"]] == [False, False, True, True, True, False]
    assert t["text"][0] == "start 3" and t["text"][-1] == "end 8" and t["text"][1:-1] == [""] * 4
    import plotly.graph_objects as go

    go.Figure({"data": [t, empty], "layout": {"xaxis3": {}, "yaxis3": {}}})  # valid plotly


def test_map_figure_draws_a_path_last():
    from app.figures import PATH_NAME

    pts = {"xy": np.zeros((4, 2)), "labels": [1, 1, 2, 2], "flips": [2], "index": [0, 1, 2, 3]}
    fig = map_figure(_panel(), NAMES, path=pts)
    assert fig.data[-1].name == PATH_NAME and len(fig.data[-1].x) == 4
