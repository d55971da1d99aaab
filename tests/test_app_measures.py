"""The measurements panel: separability along the network, real/generated mixing, faithfulness
in map titles, and the chart click that opens a map. Figures are checked against the manifest."""
import json
from pathlib import Path

import plotly.graph_objects as go
import pytest
from dash import no_update

from app import callbacks, ids
from app.figures import CLASS_SYMBOLS
from app.figures_metrics import (METRICS, joint_mixing, layer_measures, mixing_figure, network_paths,
                                 separability_figure, unmeasured)
from tests.test_app_callbacks import trigger

REPO = Path(__file__).resolve().parent.parent
NAMES = [str(i) for i in range(10)]


def _entry(manifest, layer, source):
    return next(e for e in manifest["metrics"]["layers"] if e["layer"] == layer and e["source"] == source)


def _find(tree, component_id):
    """The component with this id in a Dash component tree (or None)."""
    if getattr(tree, "id", None) == component_id:
        return tree
    children = tree if isinstance(tree, list) else getattr(tree, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_paths_follow_the_network_and_the_image_joins_them(env):
    run, _ = env
    (gen_title, gen), (disc_title, disc) = network_paths(run.manifest)
    assert "Generator" in gen_title and "Discriminator" in disc_title
    assert [x for x, _ in gen] == ["g1", "g2", "g3", "g_out<br>(image)"]
    assert [x for x, _ in disc] == ["image", "d1", "d2", "d3"]  # d_score has only a reason: left out
    image = dict(disc)["image"]
    assert image["generated"]["layer"] == "g_out" and image["real"]["layer"] == "input" and "joint" not in image
    assert set(dict(disc)["d2"]) == {"generated", "real", "joint"}
    assert unmeasured(run.manifest) == ["d_score (generated): 1 feature; nothing to separate"]


@pytest.mark.parametrize("metric", list(METRICS))
def test_separability_lines_carry_the_manifest_values(env, metric):
    run, _ = env
    fig = separability_figure(network_paths(run.manifest), metric, class_names=NAMES, method="umap")
    # generator path: generated only; discriminator path: generated, real, joint
    assert [(t["name"], t["xaxis"]) for t in fig["data"]] == [
        ("generated", "x"), ("generated", "x2"), ("real", "x2"), ("joint", "x2")]
    for trace in fig["data"]:
        for key, y in zip(trace["customdata"], trace["y"]):
            if key is None:
                assert y is None  # joint has no image point
                continue
            layer, source = key.split("/")
            assert y == _entry(run.manifest, layer, source)[metric]
    assert [t["showlegend"] for t in fig["data"]] == [True, False, True, True]
    go.Figure(fig)  # valid against plotly's schema


def test_per_class_lines_and_source_filter(env):
    run, _ = env
    paths = network_paths(run.manifest)
    fig = separability_figure(paths, "probe_accuracy", ["real"], per_class=True, class_names=NAMES)
    assert [t["name"] for t in fig["data"]] == NAMES + ["real"]  # real only lives in the D path
    for c, trace in enumerate(fig["data"][:10]):
        assert trace["line"]["width"] == 1 and trace["legendgroup"] == f"class{c}"
        for key, y in zip(trace["customdata"], trace["y"]):
            assert y == _entry(run.manifest, *key.split("/"))["per_class"]["probe_accuracy"][c]
    # joint class 9 is null in the manifest: the point is a gap, not a zero
    joint = separability_figure(paths, "knn_accuracy", ["joint"], per_class=True, class_names=NAMES)
    assert [t["name"] for t in joint["data"]] == NAMES[:9] + ["joint"]  # the all-null line is left out
    go.Figure(fig)
    assert separability_figure(paths, "knn_accuracy", [], class_names=NAMES)["data"] == []
    with pytest.raises(ValueError):
        separability_figure(paths, "accuracy")


def test_hover_names_the_map_faithfulness(env):
    run, _ = env
    fig = separability_figure(network_paths(run.manifest), "knn_accuracy", class_names=NAMES, method="tsne")
    trust = _entry(run.manifest, "g1", "generated")["maps"]["tsne"]["trustworthiness"]
    assert f"t-SNE map: trustworthiness {trust:.2f}" in fig["data"][0]["hovertext"][0]


def test_mixing_dots_equal_the_manifest(env):
    run, _ = env
    entries = joint_mixing(run.manifest)
    assert [e["layer"] for e in entries] == ["d1", "d2", "d3"]
    fig = mixing_figure(entries, NAMES)
    assert len(fig["data"]) == 3 * len(entries)  # per layer: grey bars, generated dots, real dots
    for p, entry in enumerate(entries):
        bars, gen, real = fig["data"][3 * p:3 * p + 3]
        mix = entry["mixing"]
        assert gen["y"] == [mix["generated"]] + mix["generated_per_class"]
        assert real["y"] == [mix["real"]] + mix["real_per_class"]
        assert gen["x"][0] == "all" and gen["x"][1:] == NAMES
        assert set(gen["customdata"]) == {f"{entry['layer']}/joint"}
        assert bars["x"].count(None) == len(NAMES)  # class 0 has no real value: no bar
        assert fig["layout"]["shapes"][p]["y0"] == mix["expected_if_mixed"]
    go.Figure(fig)


def test_old_caches_have_no_measures():
    manifest = {"layers": [{"name": "g1", "model": "generator"}], "metrics": {"classifier_test_accuracy": 0.9}}
    assert layer_measures(manifest) == [] and network_paths(manifest) == [] and joint_mixing(manifest) == []
    assert layer_measures({"metrics": {"layers": "junk"}}) == [] and layer_measures(None) == []
    assert layer_measures({"metrics": {"layers": [None, {"layer": 3}]}}) == []
    fig = separability_figure([], "knn_accuracy", class_names=NAMES)
    assert fig["data"] == []


def test_page_shows_the_panel_only_when_measured(app_and_client):
    app, _ = app_and_client
    with app.server.test_request_context("/"):
        measured = callbacks.render_page("?run=synth")
        old = callbacks.render_page("?run=synth2")
    panel = _find(measured, ids.MEASURES)
    # folded by default (the maps start on the first screen); the summary keeps the headline numbers
    assert panel is not None and not panel.hidden and not panel.open
    assert "k-NN accuracy, generated:" in str(panel.children[0]) and "separability" in panel.children[0].title
    assert _find(measured, ids.SEP_GRAPH).figure["data"]
    old_panel = _find(old, ids.MEASURES)
    assert old_panel is not None and old_panel.hidden  # present for the callbacks, but not shown
    assert _find(old, ids.SEP_GRAPH).figure["data"] == []


def test_map_titles_carry_faithfulness(env, app_and_client):
    run, view = env
    for method in ("pca", "umap"):
        fig = callbacks.build_atlas(run, {**view, "method": method})
        titles = {a["name"]: a for a in fig["layout"]["annotations"] if a.get("name")}
        for key, annotation in titles.items():
            layer, source = key.split("/")
            trust = _entry(run.manifest, layer, source)["maps"][method]["trustworthiness"]
            assert f"trust {trust:.2f}" in annotation["text"] and "trustworthiness" in annotation["hovertext"]
    _, title, _ = callbacks.render_focus({"layer": "d2", "source": "joint"}, view, None, None, None)
    assert f"trust {_entry(run.manifest, 'd2', 'joint')['maps'][view['method']]['trustworthiness']:.2f}" in title
    app, _ = app_and_client
    with app.server.test_request_context("/"):
        old = callbacks._run("synth2")
        fig = callbacks.build_atlas(old, callbacks.default_view(old))
    assert not any("trust" in a["text"] or a.get("hovertext") for a in fig["layout"]["annotations"])


def test_render_separability_callback(env):
    run, view = env
    fig = callbacks.render_separability("silhouette", ["generated"], ["per_class"], view)
    assert [t["name"] for t in fig["data"]].count("generated") == 2 and len(fig["data"]) == 22
    assert callbacks.render_separability("knn_accuracy", [], [], view)["data"] == []
    for bad in [(None, ["real"], [], view), ("knn_accuracy", None, [], view), ("nope", ["real"], [], view),
                ("knn_accuracy", ["real"], [], None), ("knn_accuracy", ["real"], [], {"run": "zz"}),
                ("knn_accuracy", [3, None], None, view)]:
        result = callbacks.render_separability(*bad)
        assert result is no_update or result["data"] == []


def test_clicking_a_chart_point_opens_that_map(env):
    _, view = env
    click = {"points": [{"customdata": "d2/joint", "curveNumber": 3}]}
    for graph in (ids.SEP_GRAPH, ids.MIX_GRAPH):
        with trigger(f"{graph}.clickData", click):
            args = (click, None) if graph == ids.SEP_GRAPH else (None, click)
            assert callbacks.open_focus(None, None, 0, view, *args) == ({"layer": "d2", "source": "joint"}, no_update)
    odd = [None, {}, {"points": []}, {"points": [None]}, {"points": [{"customdata": None}]},
           {"points": [{"customdata": "zz/real"}]}, {"points": [{"customdata": 7}]}, {"points": "x"}]
    for value in odd:
        with trigger(f"{ids.SEP_GRAPH}.clickData", value):
            assert callbacks.open_focus(None, None, 0, view, value, None) == (no_update, no_update)
    with trigger(f"{ids.SEP_GRAPH}.clickData", click):
        assert callbacks.open_focus(None, None, 0, None, click, None) == (no_update, no_update)


def test_source_colouring_draws_classes_as_shapes(env):
    run, view = env
    fig = callbacks.build_atlas(run, {**view, "color": "source"})
    n = len(run.class_names)
    assert [fig["data"][c]["marker"]["symbol"] for c in range(n)] == list(CLASS_SYMBOLS[:n])
    legend = len(run.map_specs()) * (n + 1)  # the legend traces follow the panels (then the path traces)
    assert [t["marker"]["symbol"] for t in fig["data"][legend:legend + n]] == list(CLASS_SYMBOLS[:n])  # the legend shows them
    assert "symbol" not in callbacks.build_atlas(run, view)["data"][0]["marker"]


def _real_manifests():
    found = []
    for path in sorted((REPO / "runs").glob("*/manifest.json")):
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if layer_measures(manifest):
            found.append(pytest.param(manifest, id=path.parent.name))
    return found or [pytest.param(None, marks=pytest.mark.skip(reason="no run under runs/ has metrics.layers"))]


@pytest.mark.parametrize("manifest", _real_manifests())
def test_real_cache_figures_match_its_manifest(manifest):
    names = manifest["dataset"]["class_names"]
    fig = separability_figure(network_paths(manifest), "knn_accuracy", class_names=names, per_class=True)
    values = {(e["layer"], e["source"]): e for e in layer_measures(manifest)}
    checked = 0
    for trace in fig["data"]:
        c = None if trace["name"] in ("generated", "real", "joint") else names.index(trace["name"])
        for key, y in zip(trace["customdata"], trace["y"]):
            if key is None:
                continue
            e = values[tuple(key.split("/"))]
            assert y == (e["knn_accuracy"] if c is None else e["per_class"]["knn_accuracy"][c])
            checked += 1
    assert checked >= len([e for e in values.values() if "knn_accuracy" in e])
    mix = mixing_figure(joint_mixing(manifest), names)
    assert len(mix["data"]) == 3 * len(joint_mixing(manifest))
    go.Figure(fig), go.Figure(mix)


# --- over training (metrics.over_training) ---------------------------------------------------

def test_over_training_heatmap_carries_the_manifest_values(env):
    from app.figures_metrics import knn_heatmap_figure, over_training

    run, _ = env
    block = over_training(run.manifest)
    fig = knn_heatmap_figure(run.manifest, block)
    heat = fig["data"][0]
    assert heat["x"] == ["1", "5", "10"]
    # rows: per source, layers in network order; d_score (never measured) is left out
    assert heat["y"][:4] == ["g1 (generated)", "g2 (generated)", "g3 (generated)", "g_out (generated)"]
    assert "input (real)" in heat["y"] and heat["y"][-1].endswith("(joint)")
    assert not any("d_score" in y for y in heat["y"])
    sources = [y.split(" (")[1][:-1] for y in heat["y"]]
    assert sources == sorted(sources, key=["generated", "real", "joint"].index)
    for epoch, col in zip(block["epochs"], zip(*heat["z"])):
        want = {f"{e['layer']} ({e['source']})": e["knn_accuracy"] for e in epoch["layers"]}
        assert list(col) == [want[y] for y in heat["y"]]
    g1 = heat["y"].index("g1 (generated)")
    assert heat["z"][g1][0] is None and heat["text"][g1][0] == ""  # null cell: blank, not 0
    assert heat["text"][g1][1] == f"{heat['z'][g1][1]:.2f}"
    only_real = knn_heatmap_figure(run.manifest, block, ["real"])["data"][0]["y"]
    assert only_real and all(y.endswith("(real)") for y in only_real)
    go.Figure(fig)


def test_class_mix_figure_carries_the_manifest_shares(env):
    from app.figures_metrics import class_mix_figure, over_training

    run, _ = env
    block = over_training(run.manifest)
    fig = class_mix_figure(block, NAMES)
    by_name = {t["name"]: t for t in fig["data"]}
    for c in range(10):
        gen, real = by_name[str(c)], by_name[f"{c} real"]
        assert gen["x"] == [1, 5, 10] and real["line"]["dash"] == "dash"
        for k, epoch in enumerate(block["epochs"]):
            g, r = epoch["generated_class_histogram"], epoch["real_class_histogram"]
            assert gen["y"][k] == pytest.approx(g[c] / sum(g)) and gen["customdata"][k] == g[c]
            assert real["y"][k] == pytest.approx(r[c] / sum(r))
    conf = by_name["mean confidence"]
    assert conf["y"] == [e["mean_generated_confidence"] for e in block["epochs"]] and conf["yaxis"] == "y2"
    go.Figure(fig)


@pytest.mark.parametrize("value", ["absent", None, {"epochs": []}, {"reason": "no per-epoch checkpoints"}, "junk"])
def test_no_over_training_shows_nothing(env, value):
    from app import measures
    from app.figures_metrics import over_training

    run, view = env
    manifest = json.loads(json.dumps(run.manifest))
    if value == "absent":
        del manifest["metrics"]["over_training"]
    else:
        manifest["metrics"]["over_training"] = value
    assert over_training(manifest) is None

    class Older:  # the same run, with the older manifest
        def __getattr__(self, name):
            return manifest if name == "manifest" else getattr(run, name)

    part = measures.training_part(Older())
    assert part.hidden is True and _find(part, ids.TRAINING_HEATMAP).figure == {"data": [], "layout": {}}
    assert measures.panel(Older(), view).hidden is False  # the rest of the panel still shows
    assert measures.training_heatmap(Older()) == {"data": [], "layout": {}}


def test_over_training_part_and_its_source_filter(env, app_and_client):
    from app import measures

    run, view = env
    part = measures.panel(run, view)
    training = _find(part, ids.TRAINING)
    assert training is not None and not training.hidden
    assert _find(part, ids.TRAINING_SOURCES).value == ["generated", "real", "joint"]
    caption = training.children[-1].children
    assert "64 samples per source at each kept checkpoint" in caption and "1, 5, 10" in caption
    app, _ = app_and_client
    with app.server.test_request_context("/"):
        fig = callbacks.render_training(["joint"], view)
    assert fig["data"][0]["y"] and all(y.endswith("(joint)") for y in fig["data"][0]["y"])
    assert callbacks.render_training("junk", view) is no_update


def test_training_caption_warns_where_one_class_dominates():
    from app.measures import training_caption

    block = {"samples_per_source": 10, "epochs": [
        {"epoch": 1, "generated_class_histogram": [0, 9, 1]}, {"epoch": 2, "generated_class_histogram": [4, 3, 3]}]}
    text = training_caption(block)
    assert "epoch 1 (90%)" in text and "epoch 2" not in text.split("One class")[1]
    assert "One class" not in training_caption({"epochs": [{"epoch": 2, "generated_class_histogram": [4, 3, 3]}]})
