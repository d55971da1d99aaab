"""Stores and events from the browser are input like any other: junk in any of them (what a POST to
/_dash-update-component can send) gives no update or reads as "nothing", never an exception; and the
fixes found by a newcomer's review (path menus, path labels, the pinned card at an epoch)."""
import itertools

import numpy as np
import pytest
from dash import no_update

from app import callbacks, callbacks_series, ids, panels, stores
from app.figures import PATH_NAME
from tests.test_app_callbacks import trigger

JUNK = [None, "x", 5, 1e20, True, [], [None, "a", 1e20, True, [1], {"a": 1}], {}, {"ids": ["a", None, 1e20]},
        {"ids": [True, False, -1, 10 ** 30, 2.0, "3", [4]]}, {"ids": "1,2"}, {"id": True}, {"id": 1e20},
        {"id": [1], "layer": ["d2"], "source": {"x": 1}}, {"layer": [], "source": {}}, {"layer": "d2", "source": 5},
        {"points": [None, 1, {"customdata": [1]}]}, {"graph": ids.ATLAS, "points": [{"curveNumber": True}]}]


def _selected_traces(fig, run):
    n = len(run.class_names)
    return [t for t in fig["data"][:len(run.map_specs()) * (n + 1)] if t.get("customdata")]


def test_junk_selection_ids_are_no_selection(env):
    """{"ids": ["a", null, 1e20]} used to raise in np.asarray(..., dtype=int64) ("callback failed")."""
    run, view = env
    assert stores.selection_ids(run, {"ids": ["a", None, 1e20]}) is None
    assert stores.selection_ids(run, {"ids": [True, 3, 3, -1, run.n, 2.0, "4", 1]}).tolist() == [1, 3]
    assert stores.selection_ids(run, {"ids": []}).tolist() == []  # a box over empty space: nothing lit
    fig = callbacks.build_atlas(run, view, {"ids": ["a", None, 1e20]})
    assert all(t.get("selectedpoints") is None for t in _selected_traces(fig, run))
    assert fig["layout"]["selectionrevision"] == "sel-none"
    with trigger(f"{ids.SELECTION}.data", {"ids": ["a", None, 1e20]}):
        patch = callbacks.render_atlas(view, {"ids": ["a", None, 1e20]}, None, [], None)
    assert "sel-none" in str(patch.to_plotly_json())


def test_hidden_classes_keep_real_ints_only(env):
    run, _ = env
    assert stores.hidden_list(run, [True, 1, 1, 11, "2", 2.0, None, [3], {"a": 1}]) == [1]
    assert stores.hidden_list(run, {"0": 1}) == []


@pytest.mark.parametrize("bad", [{"color": []}, {"color": {"a": 1}}, {"method": ["pca"]}, {"epoch": True},
                                 {"epoch": 1e20}, {"run": ["synth"]}])
def test_unhashable_or_odd_view_stores_give_no_update(env, bad):
    """COLOR_MODES and METRICS are dicts: `[] in dict` raised TypeError before the check."""
    run, view = env
    odd = {**view, **bad}
    assert callbacks._view_run(odd) is None
    with trigger(f"{ids.VIEW}.data", odd):
        assert callbacks.render_atlas(odd, None, None, [], None) is no_update
    with trigger(f"{ids.COLOR}.value", []):
        assert callbacks.update_view("pca", [], len(run.series.epochs()), view) == (no_update,) * 3
    assert callbacks.render_separability(["knn_accuracy"], ["generated"], [], view) is no_update


@pytest.mark.parametrize("junk", JUNK)
def test_every_callback_survives_junk_in_any_browser_store(env, junk):
    run, view = env
    calls = [
        (f"{ids.SELECTION}.data", lambda: callbacks.render_atlas(view, junk, None, None, None)),
        (f"{ids.PINNED}.data", lambda: callbacks.render_atlas(view, None, junk, None, None)),
        (f"{ids.HIDDEN}.data", lambda: callbacks.render_atlas(view, None, None, junk, None)),
        (f"{ids.PATH_STORE}.data", lambda: callbacks.render_atlas(view, junk, junk, junk, junk)),
        (f"{ids.VIEW}.data", lambda: callbacks.render_atlas(junk, None, None, None, None)),
        (f"{ids.FOCUS}.data", lambda: callbacks.render_focus(junk, view, junk, junk, junk, junk)),
        (f"{ids.FOCUS}.data", lambda: callbacks.render_focus({"layer": "d2", "source": "joint"}, view, junk, junk,
                                                             junk, junk)),
        (f"{ids.FOCUS_PICK}.value", lambda: callbacks.open_focus(junk, junk, None, view, junk, junk)),
        (f"{ids.SEP_GRAPH}.clickData", lambda: callbacks.open_focus(None, None, None, view, junk, junk)),
        (f"{ids.SELECTION}.data", lambda: callbacks.render_grid(junk, junk, view)),
        (f"{ids.SELECTION}.data", lambda: callbacks.turn_page(None, None, junk, junk)),
        (f"{ids.GRID_NEXT}.n_clicks", lambda: callbacks.turn_page(None, 1, junk, junk)),
        (f"{ids.PINNED}.data", lambda: callbacks.render_pin(junk, view)),
        (f"{ids.PINNED}.data", lambda: callbacks.render_pin({"id": 1, "layer": junk, "source": junk}, view)),
        (f"{ids.MAP_CLICK}.data", lambda: callbacks.pin(junk, [], junk, junk, view, junk)),
        (f"{ids.ATLAS}.selectedData", lambda: callbacks.select(junk, None, junk, junk, view)),
        (f"{ids.ATLAS}.restyleData", lambda: callbacks.legend([junk, junk], None, junk, view)),
        (f"{ids.PATH}.value", lambda: callbacks_series.choose_path(junk, junk, junk, view)),
        (f"{ids.PATH_FROM}.value", lambda: callbacks_series.choose_path(None, junk, junk, view)),
        (f"{ids.PATH_STORE}.data", lambda: callbacks_series.render_path_strip(junk, view)),
        (f"{ids.SELECTION}.data", lambda: callbacks_series.render_selection_note(junk, {**view, "epoch": 1})),
        (f"{ids.VIEW}.data", lambda: callbacks_series.render_epoch_note(junk)),
        (f"{ids.TRAINING_HEATMAP}.clickData", lambda: callbacks_series.epoch_from_heatmap(junk, view)),
    ]
    for prop, call in calls:
        with trigger(prop, junk):
            call()  # must not raise


def test_same_or_missing_class_clears_the_path(env):
    """From 3 to 3 (or one menu empty) said "Pick two different classes." but left the previous path
    drawn: the drawn path must never contradict the menus."""
    run, view = env
    item = run.latent.item(0)
    a, b = item["from"]["label"], item["to"]["label"]
    with trigger(f"{ids.PATH_TO}.value", b):
        assert callbacks_series.choose_path(None, a, b, view)[:2] == (0, 0)
    with trigger(f"{ids.PATH_TO}.value", a):
        assert callbacks_series.choose_path(0, a, a, view) == (None, None, no_update, no_update,
                                                               "Pick two different classes.")
    with trigger(f"{ids.PATH_TO}.value", None):
        assert callbacks_series.choose_path(0, a, None, view) == (None, None, no_update, no_update,
                                                                  "Pick both classes.")
    assert callbacks_series.render_path_strip(None, view) == ([], "path-strip hidden")


def test_paths_asked_for_by_sample_ids_are_labelled_by_sample(env):
    run, view = env
    chosen = {it["id"]: it.get("chosen") for it in run.latent.items}
    assert list(chosen.values()) == ["classes", "classes", "samples"]
    item = run.latent.item(2)
    names = [run.class_names[item[end]["label"]] for end in ("from", "to")]
    flips = len(item["flips"])
    label = f"#{item['from']['sample']} → #{item['to']['sample']} ({names[0]} → {names[1]}, {flips} flip" \
        + ("" if flips == 1 else "s") + ")"
    assert panels.path_label(run, item) == label
    assert f"Latent path {label}" in str(callbacks_series.render_path_strip(2, view)[0])
    assert panels.path_label(run, run.latent.item(0)).startswith(f"{run.class_names[run.latent.item(0)['from']['label']]} →")
    older = {k: v for k, v in item.items() if k != "chosen"}  # caches before `chosen`: class paths
    assert panels.path_label(run, older) == f"{names[0]} → {names[1]} ({flips} flip{'' if flips == 1 else 's'})"
    page = str(callbacks.render_page("?run=synth"))
    assert label in page  # the picker's option


def test_class_pair_prefers_the_class_anchored_path(env):
    run, _ = env
    twin = {**run.latent.item(0), "id": 9, "chosen": "samples"}
    items = run.latent.items
    run.latent.items = [twin] + items
    try:
        a, b = twin["from"]["label"], twin["to"]["label"]
        assert run.latent.find(a, b) == 0 and run.latent.find(b, a) == 0
    finally:
        run.latent.items = items


def test_pinned_card_at_an_epoch_says_its_neighbours_are_the_final_weights(env):
    run, view = env
    sid = int(run.series.tracked()[0])
    pinned = {"id": sid, "layer": "d2", "source": "generated"}
    final = str(callbacks.render_pin(pinned, view))
    assert "original activation space" in final and "final weights" not in final
    at = str(callbacks.render_pin(pinned, {**view, "epoch": 1, "method": "tsne"}))
    assert "Nearest neighbours (final weights) in d2 (generated)" in at and "not epoch 1's" in at
    assert "neighbours same class (final weights)" in at


def test_focus_view_still_draws_selection_pin_and_path(env):
    run, view = env
    sel = {"ids": [int(i) for i in run.cache.rows("generated")[:5]], "origin": "g1/generated"}
    with trigger(f"{ids.FOCUS}.data", {"layer": "d2", "source": "joint"}):
        fig, title, cls = callbacks.render_focus({"layer": "d2", "source": "joint"}, view, sel, None, [True], 0)
    assert cls == "modal" and title.startswith("d2 (joint)")
    lit = list(itertools.chain.from_iterable(
        np.asarray(t.customdata)[list(t.selectedpoints)].tolist() for t in fig.data
        if t.name != PATH_NAME and t.selectedpoints is not None and t.customdata is not None and len(t.customdata)))
    assert sorted(lit) == sel["ids"] and len(fig.data[-1].x) == run.latent.steps
