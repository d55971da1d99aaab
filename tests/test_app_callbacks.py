"""Callbacks called as plain functions: None, empty and odd inputs give no_update, never raise."""
from contextlib import contextmanager

import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import callbacks, ids, layout
from gan_core.cache import SCHEMA_VERSION


@contextmanager
def trigger(prop_id: str | None, value=None):
    inputs = [{"prop_id": prop_id, "value": value}] if prop_id else []
    token = context_value.set(AttributeDict(triggered_inputs=inputs, outputs_list=[]))
    try:
        yield
    finally:
        context_value.reset(token)


@pytest.fixture()
def env(app_and_client):
    app, _ = app_and_client
    with app.server.test_request_context("/"):
        run = callbacks._run("synth")
        yield app, run, callbacks.default_view(run)


def _first_points(run, view):
    fig = callbacks.build_atlas(run, view)
    trace = next(t for t in fig["data"] if t.get("customdata"))
    return trace, fig["data"].index(trace)


def test_render_page_builds_the_atlas_and_cards_for_bad_runs(env):
    _, run, _ = env
    page = callbacks.render_page("?run=synth")
    assert isinstance(page, list) and any(getattr(c, "id", None) == ids.VIEW for c in page)
    card = callbacks.render_page("?run=nope")
    assert "error-card" in card.className and "Unknown run 'nope'." in str(card.children)
    links = [c for c in card.children[-1].children if getattr(c, "href", None)]
    assert [(c.children, c.href) for c in links] == [("synth", "?run=synth"), ("synth2", "?run=synth2")]
    assert "Fix it with" not in str(card.children)
    assert isinstance(callbacks.render_page(None), list)  # default run


def test_missing_and_corrupt_cache_show_the_fix_command(tmp_path):
    from app import create_app
    from app.settings import Settings
    from tests.synthetic_cache import write_synthetic_cache

    app = create_app(settings=Settings(cache_root=tmp_path / "absent", cache_dir=tmp_path / "fc"))
    with app.server.test_request_context("/"):
        card = callbacks.render_page("")
    text = str(card.children)
    assert "python -m precompute --profile demo --out" in text and "Traceback" not in text
    run = write_synthetic_cache(tmp_path / "runs" / "bad", 20, 20)
    (run / "samples" / "images.npy").write_bytes(b"truncated")
    app = create_app(settings=Settings(cache_root=tmp_path / "runs", cache_dir=tmp_path / "fc2"))
    with app.server.test_request_context("/"):
        text = str(callbacks.render_page("?run=bad").children)
    assert "images.npy" in text and "python -m precompute" in text
    stale = write_synthetic_cache(tmp_path / "runs2" / "old", 20, 20)
    manifest = (stale / "manifest.json").read_text().replace(f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 0')
    (stale / "manifest.json").write_text(manifest)
    app = create_app(settings=Settings(cache_root=tmp_path / "runs2", cache_dir=tmp_path / "fc3"))
    with app.server.test_request_context("/"):
        text = str(callbacks.render_page("?run=old").children)
    assert "schema version 0" in text and "python -m precompute --profile demo --out" in text


@pytest.mark.parametrize("method,color,view", [
    (None, "class", "ok"), ("pca", None, "ok"), ("nope", "class", "ok"), ("pca", "rainbow", "ok"),
    ("pca", "class", None), ("pca", "class", {}), ("pca", "class", {"run": "ghost"}), ("pca", "class", 7)])
def test_update_view_rejects_odd_input(env, method, color, view):
    _, run, good = env
    final = len(run.series.epochs())  # the slider's "final" position
    with trigger(f"{ids.METHOD}.value", method):
        assert callbacks.update_view(method, color, final, good if view == "ok" else view) == (no_update,) * 3


def test_update_view_accepts_manifest_options(env):
    _, run, view = env
    final = len(run.series.epochs())
    with trigger(f"{ids.COLOR}.value", "d_score"):
        new, options, method = callbacks.update_view("pca", "d_score", final, view)
    assert new["method"] == "pca" and new["color"] == "d_score" and new["epoch"] is None
    assert options is no_update and method == "pca"  # the projection control already says pca
    with trigger(f"{ids.COLOR}.value", view["color"]):
        assert callbacks.update_view(view["method"], view["color"], final, view) == (no_update,) * 3  # unchanged


def test_choose_run():
    assert callbacks.choose_run("synth2") == "?run=synth2"
    assert callbacks.choose_run(None) is no_update and callbacks.choose_run("") is no_update


def test_select_from_box_and_deselect(env):
    _, run, view = env
    trace, curve = _first_points(run, view)
    points = [{"curveNumber": curve, "pointNumber": i, "customdata": cid} for i, cid in enumerate(trace["customdata"][:5])]
    with trigger(f"{ids.ATLAS}.selectedData", {"points": points}):
        sel = callbacks.select({"points": points}, None, None, None, view)
    assert sel == {"ids": sorted(trace["customdata"][:5]), "origin": "g1/generated"}
    empty_box = {"points": [], "range": {"x": [0, 1], "y": [0, 1]}}
    with trigger(f"{ids.ATLAS}.selectedData", empty_box):
        assert callbacks.select(empty_box, None, None, sel, view) == {"ids": [], "origin": "?"}
    empty_lasso = {"points": [], "lassoPoints": {"x": [0, 1, 1], "y": [0, 0, 1]}}
    with trigger(f"{ids.FOCUS_GRAPH}.selectedData", empty_lasso):
        assert callbacks.select(None, empty_lasso, {"layer": "d2", "source": "real"}, sel, view)["ids"] == []


@pytest.mark.parametrize("graph", [ids.ATLAS, ids.FOCUS_GRAPH])
@pytest.mark.parametrize("event", [{"points": []}, {"points": [], "range": None}, {"points": [], "range": {}}])
def test_select_ignores_the_empty_event_plotly_fires_after_a_redraw(env, graph, event):
    """After a colour/projection change (or the focus view redrawn with the selection) Plotly fires
    plotly_selected with no points and no range: that must not wipe the selection."""
    _, _, view = env
    sel = {"ids": [1, 2, 3], "origin": "g1/generated"}
    with trigger(f"{graph}.selectedData", event):
        assert callbacks.select(event, event, {"layer": "d2", "source": "real"}, sel, view) is no_update
    with trigger(f"{ids.ATLAS}.selectedData", None):
        assert callbacks.select(None, None, None, sel, view) is None  # double-click deselect
        assert callbacks.select(None, None, None, None, view) is no_update


@pytest.mark.parametrize("value", ["junk", {"points": "x"}, {"nopoints": 1}, 5])
def test_select_odd_values(env, value):
    _, _, view = env
    with trigger(f"{ids.ATLAS}.selectedData", value):
        assert callbacks.select(value, None, None, None, view) is no_update


def test_select_drops_out_of_range_ids(env):
    _, run, view = env
    pts = [{"curveNumber": 0, "customdata": -1}, {"curveNumber": 0, "customdata": run.n + 5},
           {"curveNumber": 0, "customdata": "7"}, {"curveNumber": 0, "customdata": 3}]
    with trigger(f"{ids.ATLAS}.selectedData", {"points": pts}):
        assert callbacks.select({"points": pts}, None, None, None, view)["ids"] == [3]
    with trigger(f"{ids.ATLAS}.selectedData", {"points": pts}):
        assert callbacks.select({"points": pts}, None, None, None, None) is no_update


def test_pin_toggle_and_bad_clicks(env):
    _, run, view = env
    trace, curve = _first_points(run, view)
    click = {"graph": ids.ATLAS, "points": [{"curveNumber": curve, "customdata": trace["customdata"][0]}]}
    with trigger(f"{ids.MAP_CLICK}.data", click):
        pinned = callbacks.pin(click, [], None, None, view)
        assert pinned == {"id": trace["customdata"][0], "layer": "g1", "source": "generated"}
        assert callbacks.pin(click, [], None, pinned, view) is None  # unpin
    focus_click = {"graph": ids.FOCUS_GRAPH, "points": [{"curveNumber": 0, "customdata": 130}]}
    with trigger(f"{ids.MAP_CLICK}.data", focus_click):
        assert callbacks.pin(focus_click, [], {"layer": "d2", "source": "real"}, None, view) == \
            {"id": 130, "layer": "d2", "source": "real"}
    for bad in (None, {}, {"points": []}, {"graph": ids.ATLAS, "points": [{"customdata": None}]},
                {"graph": ids.ATLAS, "points": [{"customdata": 10**9}]},
                {"graph": ids.ATLAS, "points": [{"customdata": 1, "curveNumber": 10**6}]},
                {"graph": "elsewhere", "points": click["points"]}, {"points": click["points"]}, "x", []):
        with trigger(f"{ids.MAP_CLICK}.data", bad):
            assert callbacks.pin(bad, [], None, None, view) is no_update


def test_pin_from_a_thumbnail(env):
    _, run, view = env
    tid = '{"sample":130,"type":"thumb","where":"grid"}.n_clicks'
    with trigger(tid, 1):
        got = callbacks.pin(None, [1], None, None, view, {"ids": [130], "origin": "d2/real"})
        assert got == {"id": 130, "layer": "d2", "source": "real"}
        # sample 130 is real: a pin from a generated map falls back to the first map holding it
        got = callbacks.pin(None, [1], None, {"id": 1, "layer": "g1", "source": "generated"}, view, None)
        assert got["id"] == 130 and got["source"] in ("real", "joint")
    with trigger(tid, 0):  # a freshly rendered thumbnail, not a click
        assert callbacks.pin(None, [0], None, None, view, None) is no_update
    with trigger('{"sample":99999,"type":"thumb","where":"nn"}.n_clicks', 1):
        assert callbacks.pin(None, [1], None, None, view, None) is no_update


def test_legend_hide_and_isolate(env):
    _, run, view = env
    n = len(run.class_names)
    hide3 = [{"visible": ["legendonly"]}, [3]]
    with trigger(f"{ids.FOCUS_GRAPH}.restyleData", hide3):
        assert callbacks.legend(None, hide3, [], view) == [3]
    isolate = [{"visible": [True if i == 2 else "legendonly" for i in range(n)]}, list(range(n))]
    with trigger(f"{ids.FOCUS_GRAPH}.restyleData", isolate):
        assert callbacks.legend(None, isolate, [], view) == [i for i in range(n) if i != 2]
    for bad in (None, [], [1, 2], [{"marker.color": "red"}, [0]], [{"visible": [True]}, "x"]):
        with trigger(f"{ids.ATLAS}.restyleData", bad):
            assert callbacks.legend(bad, None, [], view) is no_update


def test_render_atlas_full_and_patch(env):
    _, run, view = env
    with trigger(f"{ids.VIEW}.data", view):
        full = callbacks.render_atlas(view, None, None, [])
    # per map 10 classes + pin, 10 legend traces, then one (here empty) latent-path trace per map
    assert isinstance(full, dict) and len(full["data"]) == len(run.map_specs()) * 12 + 10
    with trigger(f"{ids.SELECTION}.data", {"ids": [1, 2]}):
        patch = callbacks.render_atlas(view, {"ids": [1, 2], "origin": "g1/generated"}, None, [])
    assert type(patch).__name__ == "Patch"
    # the boxed map shows the store's set too: plotly's own box is dropped and selectionrevision follows the set
    merge = [op for op in patch.to_plotly_json()["operations"] if op["location"] == ["layout"]]
    assert merge == [{"operation": "Merge", "location": ["layout"], "params": {"value": {
        "selections": [], "selectionrevision": _full_sel(run, view, [1, 2])["layout"]["selectionrevision"]}}}]
    assert full["layout"]["selections"] == [] and full["layout"]["selectionrevision"] == "sel-none"
    for bad in (None, {}, {"run": "ghost"}, {**view, "epoch": [1]}, {**view, "color": "x"}, {**view, "method": 3},
                {**view, "method": "nope"}):
        with trigger(f"{ids.VIEW}.data", bad):
            assert callbacks.render_atlas(bad, None, None, None) is no_update


def _full_sel(run, view, chosen):
    return callbacks.build_atlas(run, view, {"ids": chosen, "origin": "g1/generated"})


def test_selection_revision_follows_the_selected_set(env):
    _, run, view = env
    revs = {tuple(c): _full_sel(run, view, c)["layout"]["selectionrevision"] for c in ([1, 2], [2, 1], [1, 3], [])}
    assert revs[(1, 2)] == revs[(2, 1)] and len({revs[(1, 2)], revs[(1, 3)], revs[()], "sel-none"}) == 4
    assert callbacks.build_atlas(run, view)["layout"]["selectionrevision"] == "sel-none"


def test_grid_and_pin_panels(env):
    _, run, view = env
    assert "Box- or lasso" in str(callbacks.render_grid(None, 0, view))
    assert "No samples" in str(callbacks.render_grid({"ids": [], "origin": "?"}, 0, view))
    grid = callbacks.render_grid({"ids": list(range(100)), "origin": "g1/generated"}, 1, view)
    assert "100 selected" in str(grid) and "page 2 of 3" in str(grid)
    assert "page 3 of 3" in str(callbacks.render_grid({"ids": list(range(100))}, 99, view))
    assert callbacks.render_grid({"ids": [1]}, 0, None) is no_update
    panel = callbacks.render_pin({"id": 5, "layer": "d2", "source": "generated"}, view)
    text = str(panel)
    assert "Nearest neighbours in d2" in text and "/sample/synth/5.png" in text and "Across layers" in text
    assert "Click a point" in str(callbacks.render_pin(None, view))
    for bad in ({"id": -1}, {"id": "3"}, {"id": 10**7}, "x"):
        assert callbacks.render_pin(bad, view) is no_update


def test_turn_page(env):
    sel = {"ids": list(range(100))}
    with trigger(f"{ids.GRID_NEXT}.n_clicks", 1):
        assert callbacks.turn_page(0, 1, sel, 0) == 1
        assert callbacks.turn_page(0, 1, sel, 2) == 2  # last page
        assert callbacks.turn_page(0, 1, None, None) == 0
    with trigger(f"{ids.GRID_PREV}.n_clicks", 1):
        assert callbacks.turn_page(1, 0, sel, 0) == 0
    with trigger(f"{ids.SELECTION}.data", sel):
        assert callbacks.turn_page(0, 0, sel, 2) == 0


def test_focus_open_close_render(env):
    _, run, view = env
    with trigger(f"{ids.FOCUS_PICK}.value", "d2/real"):
        assert callbacks.open_focus("d2/real", None, 0, view) == ({"layer": "d2", "source": "real"}, no_update)
        assert callbacks.open_focus("zz/real", None, 0, view) == (no_update, no_update)
        assert callbacks.open_focus(None, None, 0, view) == (no_update, no_update)
    title = {"index": 3, "annotation": {"name": "g2/generated"}}
    with trigger(f"{ids.ATLAS}.clickAnnotationData", title):
        assert callbacks.open_focus(None, title, 0, view)[0] == {"layer": "g2", "source": "generated"}
        for bad in (None, {}, {"annotation": "x"}, {"annotation": {"name": "ghost/real"}}):
            assert callbacks.open_focus(None, bad, 0, view) == (no_update, no_update)
    with trigger(f"{ids.FOCUS_CLOSE}.n_clicks", 1):
        assert callbacks.open_focus("d2/real", None, 1, view) == (None, None)
    fig, title, cls = callbacks.render_focus({"layer": "d2", "source": "real"}, view, {"ids": [130]}, None, [1])
    assert cls == "modal" and "d2" in title and fig.data[1].visible == "legendonly"
    assert callbacks.render_focus(None, view, None, None, None) == (no_update, "", "modal hidden")
    assert callbacks.render_focus({"layer": "zz"}, view, None, None, None)[2] == "modal hidden"
    assert callbacks.render_focus({"layer": "d2", "source": "real"}, None, None, None, None) == (no_update,) * 3


def test_error_card_has_no_traceback():
    card = layout.error_card("it broke", "python -m precompute --profile demo --out runs/demo")
    assert "Traceback" not in str(card) and "python -m precompute" in str(card)
