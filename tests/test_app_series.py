"""The epoch slider and latent paths, as plain functions on the SYNTHETIC run "synth" (training epochs
1, 3 and the final 5, 48 tracked samples per source, PCA and t-SNE maps per epoch, no per-epoch
faithfulness; 3 paths of 8 steps, not placed on g1's UMAP map) and "synth2" (neither)."""
import json

import numpy as np
import pytest
from dash import no_update

from app import callbacks, callbacks_series, ids
from app.data import Run, panels
from app.figures import PATH_NAME, class_of_trace
from gan_core.cache import Cache
from tests.test_app_callbacks import trigger

NU3, NU5 = (no_update,) * 3, (no_update,) * 5


def _epoch_view(run, view, epoch=1, method="tsne"):
    return {**view, "epoch": epoch, "method": method}


def _paths_of(fig, run):
    start = len(run.map_specs()) * (len(run.class_names) + 1) + len(run.class_names)
    return fig["data"][start:]


def test_run_reads_the_series_and_paths(env):
    run, _ = env
    assert run.series.epochs() == [1, 3, 5] and run.series.final_epoch() == 5 and run.series.per_source() == 48
    assert run.methods(None) == ["pca", "tsne", "umap"] and run.methods(1) == ["pca", "tsne"] and run.methods(2) == []
    assert len(run.series.tracked()) == 96 and [it["id"] for it in run.latent.items] == [0, 1, 2]
    assert run.latent.steps == 8 and run.latent.count() == 24
    assert run.latent.placed("g1", "generated", "umap") is None and run.latent.placed("d2", "real", "pca") is None
    assert run.latent.points(0, "d2", "joint", "tsne")["xy"].shape == (8, 2)
    assert run.latent.points(7, "d2", "joint", "tsne") is None and run.latent.points(-1, "d2", "joint", "tsne") is None


def test_training_panels_use_that_epochs_maps_and_labels(env):
    run, _ = env
    tracked = set(run.series.tracked().tolist())
    s = run.series.samples(1)
    for _, row in panels(run, "tsne", 1, "class"):
        for p in row:
            assert set(p.ids.tolist()) <= tracked and len(p.ids)
            assert p.labels.tolist() == s["label"][s["row"][p.ids]].tolist()  # epoch 1's predictions
            assert "trust" not in p.subtitle  # the synthetic training maps carry no faithfulness
            assert ("same at every epoch" if p.title == "input" else "epoch 1") in p.subtitle
    final = [p for _, row in panels(run, "tsne", None, "class") for p in row]
    assert all("trust" in p.subtitle and "epoch" not in p.subtitle for p in final)
    assert len(final[0].ids) == 120  # every generated sample
    # some generated labels differ at epoch 1 from the final ones (what the colours then show)
    ids = run.series.tracked()[:48]
    assert (run.values("label", ids, 1) != run.samples["label"][ids]).any()


def test_final_entries_without_series_still_load(tmp_path):
    """Older schema-2 writers may omit `series`; final entries then count as final."""
    from tests.synthetic_cache import write_synthetic_cache

    path = write_synthetic_cache(tmp_path / "r", 20, 20)
    m = json.loads((path / "manifest.json").read_text())
    for e in m["embeddings"]:
        e.pop("series")
    (path / "manifest.json").write_text(json.dumps(m))
    run = Run(Cache(path))
    assert run.methods(None) == ["pca", "tsne", "umap"] and run.series.epochs() == [] and not run.latent.items


def test_slider_moves_every_map_and_switches_to_an_available_method(env):
    run, view = env
    assert view["method"] == "umap" and view["epoch"] is None
    with trigger(f"{ids.EPOCH}.value", 0):
        new, options, method = callbacks.update_view("umap", "class", 0, view)
    assert new == {**view, "epoch": 1, "method": "tsne", "chosen": "umap"} and method == "tsne"
    assert [(o["value"], o["disabled"]) for o in options] == [("pca", False), ("tsne", False), ("umap", True)]
    with trigger(f"{ids.METHOD}.value", "umap"):  # a disabled method is never taken at an epoch
        assert callbacks.update_view("umap", "class", 0, new) == NU3
    with trigger(f"{ids.EPOCH}.value", 3):  # back to final: every method again, the user's UMAP restored
        back, options, method = callbacks.update_view("tsne", "class", 3, new)
    assert back == view and method == "umap"
    assert not any(o["disabled"] for o in options)
    with trigger(f"{ids.EPOCH}.value", 0):  # at an epoch the user picks PCA: that is the new choice
        at = callbacks.update_view("umap", "class", 0, view)[0]
    with trigger(f"{ids.METHOD}.value", "pca"):
        picked = callbacks.update_view("pca", "class", 0, at)[0]
    assert picked["method"] == "pca" and "chosen" not in picked
    with trigger(f"{ids.EPOCH}.value", 3):
        assert callbacks.update_view("pca", "class", 3, picked)[0]["method"] == "pca"
    with trigger(f"{ids.VIEW}.data", new):
        fig = callbacks.render_atlas(new, None, None, [])
    tracked = set(run.series.tracked().tolist())
    assert {i for t in fig["data"] for i in t.get("customdata", []) if isinstance(i, int)} <= tracked
    assert "epoch 1" in json.dumps(fig["layout"]["annotations"])


@pytest.mark.parametrize("position", [-1, 4, 99, "1", None, 1.5, True, [0]])
def test_bad_slider_positions_change_nothing(env, position):
    _, view = env
    with trigger(f"{ids.EPOCH}.value", position):
        assert callbacks.update_view(view["method"], "class", position, view) == NU3


@pytest.mark.parametrize("epoch", [2, 0, -1, 99, "1", 1.0])
def test_unknown_epochs_in_the_view_store_give_no_update(env, epoch):
    run, view = env
    bad = {**view, "epoch": epoch, "method": "tsne"}
    with trigger(f"{ids.VIEW}.data", bad):
        assert callbacks.render_atlas(bad, None, None, [], 0) is no_update
    assert callbacks.render_grid({"ids": [1]}, 0, bad) is no_update
    assert callbacks.render_pin({"id": 1, "layer": "g1", "source": "generated"}, bad) is no_update
    assert callbacks_series.render_epoch_note(bad) is no_update
    assert callbacks_series.render_path_strip(0, bad) == (no_update, no_update)
    with trigger(f"{ids.PATH}.value", 0):
        assert callbacks_series.choose_path(0, None, None, bad) == NU5


def test_selection_carries_over_epochs(env):
    run, view = env
    chosen = list(range(0, 120, 2))
    at1 = _epoch_view(run, view)
    fig = callbacks.build_atlas(run, at1, {"ids": chosen, "origin": "g1/generated"})
    lit = {t["customdata"][i] for t in fig["data"] for i in (t.get("selectedpoints") or [])}
    tracked = set(run.series.tracked().tolist())
    assert lit == set(chosen) & tracked and lit
    note = callbacks_series.render_selection_note({"ids": chosen}, at1)
    assert f"{len(lit)} of the {len(chosen)} selected samples are tracked at epoch 1" in note
    untracked = sorted(set(range(120)) - tracked)[:3]
    assert "None of the 3" in callbacks_series.render_selection_note({"ids": untracked}, at1)
    assert callbacks_series.render_selection_note({"ids": chosen}, view) == ""
    assert callbacks_series.render_selection_note("junk", at1) == ""


def test_pin_panel_and_focus_at_an_epoch(env):
    run, view = env
    at1 = _epoch_view(run, view)
    sid = int(run.series.tracked()[0])
    text = str(callbacks.render_pin({"id": sid, "layer": "d2", "source": "generated"}, at1))
    x, y = run.point("d2", "generated", "tsne", 1, sid)
    assert "at epoch 1" in text and f"({x:.1f}, {y:.1f})" in text
    fig, title, cls = callbacks.render_focus({"layer": "d2", "source": "joint"}, at1, None,
                                             {"id": sid, "layer": "d2", "source": "joint"}, [], 0)
    assert cls == "modal" and "epoch 1" in title and "trust" not in title
    assert list(fig.data[len(run.class_names)].customdata) == [sid]  # the pin, at its epoch-1 place
    assert not fig.data[-1].x  # no path at a training epoch


def test_path_traces_on_the_final_maps_only(env):
    run, view = env
    fig = callbacks.build_atlas(run, view, path=0)
    traces = _paths_of(fig, run)
    assert len(traces) == len(run.map_specs()) and all(t["name"] == PATH_NAME for t in traces)
    drawn = {key for key, t in zip(run.map_specs(), traces) if t["x"]}
    assert drawn == {k for k in run.map_specs() if k.endswith(("/generated", "/joint")) and k != "g1/generated"}
    t = traces[list(run.map_specs()).index("d2/joint")]
    assert t["customdata"] == [f"path:{i}" for i in range(8)]
    assert t["marker"]["symbol"][0] == "circle" and t["marker"]["symbol"][-1] == "square"
    inner = [f for f in run.latent.item(0)["flips"] if f < 7]  # a flip onto the last step keeps the end's square
    assert inner and [t["marker"]["symbol"][f] for f in inner] == ["diamond"] * len(inner)
    assert t["marker"]["line"]["color"][inner[0]] != t["marker"]["line"]["color"][0]  # ringed red
    n, n_panels = len(run.class_names), len(run.map_specs())
    assert all(class_of_trace(len(fig["data"]) - 1 - i, n, n_panels) is None for i in range(n_panels))
    at1 = _epoch_view(run, view)
    assert not any(t["x"] for t in _paths_of(callbacks.build_atlas(run, at1, path=0), run))
    for bad in (None, 7, -1, "0", 1.0):
        assert not any(t["x"] for t in _paths_of(callbacks.build_atlas(run, view, path=bad), run))


def test_choosing_a_path_patches_only_small_traces(env):
    run, view = env
    with trigger(f"{ids.PATH_STORE}.data", 1):
        patch = callbacks.render_atlas(view, None, None, [], 1).to_plotly_json()["operations"]
    whole = [op["params"]["value"] for op in patch if len(op["location"]) == 2]  # whole traces: pins and paths
    assert sum(1 for t in whole if t.get("name") == PATH_NAME and t["x"]) > 0
    assert all(len(t.get("customdata", [])) <= 8 for t in whole)  # never the points themselves


def test_selection_and_pins_ignore_path_points(env):
    run, view = env
    fig = callbacks.build_atlas(run, view, path=0)
    curve = next(i for i, t in enumerate(fig["data"]) if t.get("name") == PATH_NAME and t["x"])
    path_pts = [{"curveNumber": curve, "pointNumber": i, "customdata": f"path:{i}"} for i in range(3)]
    sample = {"curveNumber": 2, "pointNumber": 0, "customdata": fig["data"][2]["customdata"][0]}
    box = {"points": path_pts + [sample], "range": {"x": [0, 1], "y": [0, 1]}}
    with trigger(f"{ids.ATLAS}.selectedData", box):
        assert callbacks.select(box, None, None, None, view) == {"ids": [sample["customdata"]], "origin": "g1/generated"}
    only = {"points": path_pts, "range": {"x": [0, 1], "y": [0, 1]}}
    with trigger(f"{ids.ATLAS}.selectedData", only):
        assert callbacks.select(only, None, None, None, view) == {"ids": [], "origin": "?"}
    click = {"graph": ids.ATLAS, "points": path_pts[:1]}
    with trigger(f"{ids.MAP_CLICK}.data", click):
        assert callbacks.pin(click, [], None, None, view) is no_update


def test_choose_path_by_menu_or_by_classes(env):
    run, view = env
    item = run.latent.item(1)
    a, b = item["from"]["label"], item["to"]["label"]
    with trigger(f"{ids.PATH}.value", 1):
        assert callbacks_series.choose_path(1, None, None, view) == (1, no_update, a, b, "")
    with trigger(f"{ids.PATH}.value", None):
        assert callbacks_series.choose_path(None, a, b, view) == (None, no_update, None, None, "")
    for bad in (7, -1, "1", 1.5):
        with trigger(f"{ids.PATH}.value", bad):
            assert callbacks_series.choose_path(bad, None, None, view) == NU5
    with trigger(f"{ids.PATH_TO}.value", a):  # either direction finds it
        got = callbacks_series.choose_path(None, b, a, view)
    assert got[:2] == (run.latent.find(b, a), run.latent.find(b, a)) and got[0] is not None
    if run.latent.item(got[0])["from"]["label"] == a:  # the other way round: the menus follow the drawn path
        assert got[2:4] == (a, b) and f"Drawn {a} → {b}" in got[4]
    pairs = {frozenset(p) for p in run.latent.pairs()}
    x, y = next((x, y) for x in range(10) for y in range(10) if x != y and frozenset((x, y)) not in pairs)
    with trigger(f"{ids.PATH_FROM}.value", x):
        store, picker, _, _, note = callbacks_series.choose_path(None, x, y, view)
    assert store is None and picker is None and f"No precomputed path between {x} and {y}" in note
    with trigger(f"{ids.PATH_FROM}.value", x):
        assert "different" in callbacks_series.choose_path(None, x, x, view)[4]
        assert "both" in callbacks_series.choose_path(None, x, None, view)[4]
        assert "both" in callbacks_series.choose_path(None, 42, y, view)[4]
    with trigger(f"{ids.PATH}.value", 0):
        assert callbacks_series.choose_path(0, None, None, None) == NU5
        assert callbacks_series.choose_path(0, None, None, {**view, "run": "synth2"}) == NU5  # no paths there


def test_path_strip(env):
    run, view = env
    children, cls = callbacks_series.render_path_strip(0, view)
    text = str(children)
    assert cls == "path-strip" and text.count("/path/synth/") == 8 and "?v=" in text
    assert text.count("'path-step flip'") == len(run.latent.item(0)["flips"])
    assert "Drawn on" in text
    assert "No UMAP map" not in text
    children, cls = callbacks_series.render_path_strip(0, _epoch_view(run, view))
    assert cls == "path-strip" and "live on the final maps" in str(children) and "/path/" not in str(children)
    for bad in (None, 9, "0", -1):
        assert callbacks_series.render_path_strip(bad, view) == ([], "path-strip hidden")


def test_epoch_note_and_heatmap_click(env):
    run, view = env
    assert "Final weights (epoch 5)" in str(callbacks_series.render_epoch_note(view))
    note = str(callbacks_series.render_epoch_note(_epoch_view(run, view, 3)))
    assert "Epoch 3" in note and "48 tracked samples per source" in note and "UMAP: final maps only" in note
    assert "SYNTHETIC" in note  # the manifest's alignment sentence and note
    click = lambda x: {"points": [{"x": x, "y": "d2 (real)"}]}  # noqa: E731
    assert callbacks_series.epoch_from_heatmap(click("1"), view) == 0
    assert callbacks_series.epoch_from_heatmap(click("5"), view) == 2
    for bad in (click("10"), click("x"), click(None), {"points": []}, None, "junk"):  # 10: measured, not mapped
        assert callbacks_series.epoch_from_heatmap(bad, view) is no_update


def test_page_carries_epoch_and_path_data_for_the_tooltip(env):
    run, _ = env
    page = callbacks.render_page("?run=synth")
    meta = next(c.data for c in page if getattr(c, "id", None) == ids.META)
    assert meta["training"]["epochs"] == [1, 3, 5] and len(meta["training"]["ids"]) == 96
    assert len(meta["training"]["labels"]["1"]) == 96 and meta["paths"]["steps"] == 8
    assert len(meta["paths"]["labels"]) == 24 and meta["path_base"].endswith("/path/synth/")
    text = str(page)
    assert "epoch-slider" in text and "path-select" in text
    meta2 = next(c.data for c in callbacks.render_page("?run=synth2") if getattr(c, "id", None) == ids.META)
    assert meta2["training"] is None and meta2["paths"] is None


def test_controls_hidden_without_series_or_paths(env):
    from app import layout
    from tests.test_app_measures import _find

    run, view = env
    old = callbacks._run("synth2")
    block = layout.controls(old, callbacks.default_view(old))
    assert {i: _find(block, i).hidden for i in (ids.EPOCH_BOX, ids.PATH_BOX, ids.EPOCH_NOTE)} == dict.fromkeys(
        (ids.EPOCH_BOX, ids.PATH_BOX, ids.EPOCH_NOTE), True)
    assert block.children[1].hidden  # the slider/path row itself, so no empty row takes space
    block = layout.controls(run, view)
    assert {i: _find(block, i).hidden for i in (ids.EPOCH_BOX, ids.PATH_BOX, ids.EPOCH_NOTE)} == dict.fromkeys(
        (ids.EPOCH_BOX, ids.PATH_BOX, ids.EPOCH_NOTE), False)
    # the slider and the path controls share one row
    assert [c.id for c in block.children[1].children] == [ids.EPOCH_BOX, ids.PATH_BOX] and not block.children[1].hidden
    slider = _find(block, ids.EPOCH)
    assert slider.value == 3 and slider.marks[3]["label"] == "final" and slider.marks[0] == "1"
    labels = [o["label"] for o in _find(block, ids.PATH).options]
    assert all(" → " in lab and "flip" in lab for lab in labels)
    assert np.array_equal(run.series.tracked()[:3], run.series.samples(3)["ids"][:3])
