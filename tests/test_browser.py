"""Real-browser test: headless Debian Chromium against the app served on a smoke cache.

Hover shows the digit tooltip (and rings the sample in the other maps); a box selection
fills the grid and highlights the same samples in another map; clicking a layer on the
separability chart opens its map; the epoch slider swaps every map for that epoch's tracked
samples and keeps the selection; a chosen latent path is drawn through the maps and shown as a
strip of images; the console stays clean. Fixtures and helpers: tests/browser_support.py.
A missing browser skips locally but FAILS in CI (CI=true).
"""
from __future__ import annotations

import os
import time
import warnings

import pytest

from tests.browser_support import (CHROME_FLAGS, browser, drag_box, hover_tip, manifest, needs,  # noqa: F401
                                   open_measures, open_page, panel_ids, pinned_alt, sel_count, served, wait_for)


def test_hover_select_and_console(browser, served):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    # on a 1366×768 laptop window the first maps are on the first screen: the measurements panel is
    # folded by default (its summary line keeps the headline) and the control rows are compact
    browser.set_window_size(1366, 768)
    open_page(browser, served)
    assert not browser.find_element(By.ID, "measures-panel").get_attribute("open")
    assert "k-NN accuracy" in browser.find_element(By.CSS_SELECTOR, "#measures-panel > summary").text
    middle, screen = browser.execute_script(
        "var ya = __t.axes(0)[1]; return [__t.gd().getBoundingClientRect().top + ya._offset + ya._length / 2, innerHeight]")
    assert middle < screen, f"the first map starts below the fold ({middle:.0f} px on a {screen} px screen)"
    size = next(f for f in CHROME_FLAGS if f.startswith("--window-size=")).split("=")[1].split(",")
    browser.set_window_size(int(size[0]), int(size[1]))
    time.sleep(1.0)
    panels = browser.execute_script("return document.querySelector('#atlas-graph .js-plotly-plot')._fullData"
                                    ".filter(function (t) { return t.name === 'pinned'; }).length")
    assert panels >= 2

    # hover a point in the first map: the digit tooltip appears, sharp and >= 84 px
    x, y, sample_id = browser.execute_script("return __t.point(0)")
    actions = ActionChains(browser)
    actions.w3c_actions.pointer_action.move_to_location(int(x) + 1, int(y) + 1)
    actions.w3c_actions.pointer_action.move_to_location(int(x), int(y))
    actions.perform()
    img = wait_for(lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, ".digit-tip img.tip-img")
                            if e.is_displayed()], 20, "the hover tooltip")[0]
    assert "/sample/" in img.get_attribute("src")
    wait_for(lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img),
             10, "the digit image to load")
    assert img.size["width"] >= 84 and img.size["height"] >= 84
    assert browser.execute_script("return getComputedStyle(arguments[0]).imageRendering", img) in (
        "pixelated", "crisp-edges")
    # ...and the same sample is ringed in at least one other map
    wait_for(lambda: browser.execute_script(
        "return Array.from(document.querySelectorAll('.hover-ring')).filter(function (r) {"
        " return r.style.display === 'block'; }).length"), 10, "the hover ring in other maps")

    # box-select in the first map: the grid fills and the second map highlights the same samples
    drag_box(browser, browser.execute_script("return __t.box(0)"))
    count = wait_for(lambda: [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".sel-count")], 20,
                     "the selection grid")[0]
    n_selected = int(count.split()[0].replace(",", ""))
    assert n_selected > 0
    assert browser.find_elements(By.CSS_SELECTOR, "#selection-grid .thumb img")
    assert browser.find_elements(By.CSS_SELECTOR, "#selection-grid .hist-bar")
    store = sorted(browser.execute_script("return __t.storeData('selection-store')")["ids"])
    second = wait_for(lambda: browser.execute_script("return __t.selectedIds(1)"), 20, "highlight in map 2")
    # the server's highlight reaches every map in one redraw, the boxed one included: from then on the
    # boxed map lights exactly the store's set (plotly's own box, which it re-applies on a redraw and which
    # differed by a few edge points on dense maps, is dropped), right away and not after a wait
    first = browser.execute_script("return __t.selectedIds(0)")
    both = set(panel_ids(browser, 0)) & set(panel_ids(browser, 1))
    assert first == store and len(store) == n_selected
    assert sorted(set(first) & both) == sorted(set(second) & both) and set(second) <= set(store)

    # a digit in the grid pins that sample: the side panel shows it and its neighbours
    thumb = browser.find_elements(By.CSS_SELECTOR, "#selection-grid .thumb")[0]
    wanted = thumb.find_element(By.TAG_NAME, "img").get_attribute("alt")
    thumb.click()
    wait_for(lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, "#pin-panel .pin-img")
                      if e.get_attribute("alt") == wanted], 20, "the pinned sample panel")
    assert browser.find_elements(By.CSS_SELECTOR, "#pin-panel .nn-grid .thumb img")

    # changing the colour redraws the maps; Plotly then fires an empty "selected" event, which
    # must not wipe the selection (it used to say "No samples" and dim every map)
    browser.find_elements(By.CSS_SELECTOR, "#color-select label")[2].click()
    wait_for(lambda: browser.execute_script(
        "return !!__t.gd().layout.coloraxis"), 20,
        "the maps recoloured")
    time.sleep(1.5)  # let any stray plotly_selected round trip land
    assert sel_count(browser) == [n_selected] and not browser.find_elements(By.CSS_SELECTOR, ".empty-selection")
    assert browser.execute_script("return __t.selectedIds(1)") == second
    assert browser.execute_script("return __t.selectedIds(0)") == first  # the redraw keeps the store's set
    browser.find_elements(By.CSS_SELECTOR, "#color-select label")[0].click()

    # double-click deselects: the maps are restored and the grid says so; the pin stays as it was
    # (the double-click's first click must not pin or unpin the point under the cursor). Under heavy
    # load (load average ~5 on 2 cores) the clearing has taken over 20 s, and a double-click can be lost
    # (delivered as two single clicks): then it is retried once, and the pin must survive that one.
    x0, y0, x1, y1 = browser.execute_script("return __t.box(1)")
    kept = [wanted]
    for attempt in (1, 2):
        dbl = ActionChains(browser)
        dbl.w3c_actions.pointer_action.move_to_location(int(x0), int(y1))
        dbl.w3c_actions.pointer_action.double_click()
        dbl.perform()
        try:
            wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, ".sel-count"), 60, "the grid to clear")
            break
        except AssertionError:
            if attempt == 2 or not browser.execute_script("return __t.storeData('selection-store')"):
                raise  # the store was cleared but the grid never followed, or the retry was lost too
            warnings.warn("the double-click did not clear the selection within 60 s; retrying it once")
            time.sleep(1.0)
            kept = pinned_alt(browser)  # what the lost double-click's clicks left pinned
    wait_for(lambda: not browser.execute_script("return __t.selectedIds(1).length"), 60, "maps restored")
    time.sleep(1.0)
    assert pinned_alt(browser) == kept

    # a double-click right on a point does not pin it either; a single click on it does
    px, py, pid = browser.execute_script("return __t.point(1)")
    dbl = ActionChains(browser)
    dbl.w3c_actions.pointer_action.move_to_location(int(px), int(py))
    dbl.w3c_actions.pointer_action.double_click()
    dbl.perform()
    time.sleep(1.5)
    assert pinned_alt(browser) == kept
    one = ActionChains(browser)
    one.w3c_actions.pointer_action.move_to_location(int(px) + 1, int(py))
    one.w3c_actions.pointer_action.move_to_location(int(px), int(py))
    one.w3c_actions.pointer_action.click()
    one.perform()
    expected = [] if kept == [f"sample {pid}"] else [f"sample {pid}"]  # clicking the pinned sample unpins it
    wait_for(lambda: pinned_alt(browser) == expected, 20, "a single click to pin")

    # a map's title opens it large in the focus view, which closes again
    titles = [e for e in browser.find_elements(By.CSS_SELECTOR, "#atlas-graph .annotation") if "⤢" in e.text]
    titles[2].click()
    wait_for(lambda: browser.find_element(By.ID, "focus-modal").get_attribute("class") == "modal", 20, "focus view")
    wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#focus-graph .js-plotly-plot'); return !!(g && g._fullData && "
        "g._fullData.some(function (t) { return t.customdata && t.customdata.length; }))"), 20, "focus map drawn")
    # box-select in the focus view: the grid fills and stays filled (an empty event follows the
    # redraw with the selection; it used to replace the selection with "No samples")
    browser.execute_script("__t.sel = '#focus-graph'")
    time.sleep(0.5)
    drag_box(browser, browser.execute_script("return __t.box(0)"))
    n_focus = wait_for(lambda: sel_count(browser), 20, "the selection from the focus view")[0]
    time.sleep(1.5)
    assert n_focus > 0 and sel_count(browser) == [n_focus]
    assert len(wait_for(lambda: browser.execute_script("return __t.selectedIds(0)"), 10, "focus highlight")) == n_focus
    browser.execute_script("__t.sel = '#atlas-graph'")
    assert len(wait_for(lambda: browser.execute_script("return __t.selectedIds(2)"), 10, "atlas highlight")) == n_focus
    ActionChains(browser).send_keys("\ue00c").perform()  # Escape closes the focus view
    wait_for(lambda: "hidden" in browser.find_element(By.ID, "focus-modal").get_attribute("class"), 10, "close")

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_separability_chart_click_opens_that_map(browser, served, smoke_cache):
    """The measurements panel draws the separability chart; clicking a layer's point on it opens
    that layer's map in the focus view; map titles carry their faithfulness score."""
    import json

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    if not json.loads((smoke_cache / "manifest.json").read_text()).get("metrics", {}).get("layers"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{smoke_cache} has no metrics.layers: the smoke build should write them")
        pytest.skip(f"{smoke_cache} predates metrics.layers (issue 5)")
    browser.get(served)
    wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#separability-graph .js-plotly-plot'); return g && g._fullData && "
        "g._fullData.length && document.querySelector('#atlas-graph .js-plotly-plot')"), 60, "the separability chart")
    open_measures(browser)  # folded by default: one click on its summary line
    assert browser.find_element(By.ID, "separability-graph").is_displayed()
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#atlas-graph .annotation") if "⤢" in e.text]
    assert titles and all("trust 0." in t or "trust 1." in t for t in titles), titles

    # the discriminator's d2 point on the "real" line, in viewport pixels, from Plotly's own axes
    x, y, key = browser.execute_script("""
        var gd = document.querySelector('#separability-graph .js-plotly-plot'), L = gd._fullLayout;
        var t = gd._fullData.filter(function (t) { return t.name === 'real'; })[0];
        var j = t.x.indexOf('d2'), s = t.xaxis === 'x' ? '' : t.xaxis.slice(1);
        var xa = L['xaxis' + s], ya = L['yaxis' + s], r = gd.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p(xa.d2c(t.x[j])), r.top + ya._offset + ya.l2p(t.y[j]), t.customdata[j]];
    """)
    assert key == "d2/real"
    click = ActionChains(browser)
    click.w3c_actions.pointer_action.move_to_location(int(x) + 1, int(y))
    click.w3c_actions.pointer_action.move_to_location(int(x), int(y))
    click.w3c_actions.pointer_action.click()
    click.perform()
    wait_for(lambda: browser.find_element(By.ID, "focus-modal").get_attribute("class") == "modal", 20,
             "the focus view after a chart click")
    title = wait_for(lambda: browser.find_element(By.ID, "focus-title").text, 10, "the focus title")
    assert title.startswith("d2 (real)") and "trust" in title
    wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#focus-graph .js-plotly-plot'); return !!(g && g._fullData && "
        "g._fullData.some(function (t) { return t.customdata && t.customdata.length; }))"), 20, "focus map drawn")
    browser.find_element(By.ID, "focus-close").click()
    wait_for(lambda: "hidden" in browser.find_element(By.ID, "focus-modal").get_attribute("class"), 10, "close")

    # switching the measure redraws the chart with the probe accuracies
    browser.find_elements(By.CSS_SELECTOR, "#separability-metric label")[1].click()
    wait_for(lambda: "probe" in browser.execute_script(
        "return document.querySelector('#separability-graph .js-plotly-plot')._fullLayout.yaxis.title.text"),
        20, "the probe accuracy chart")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_over_training_heatmap(browser, served, smoke_cache):
    """The measurements panel's "Over training" part draws the layer × epoch k-NN heatmap."""
    import json

    from selenium.webdriver.common.by import By

    block = (json.loads((smoke_cache / "manifest.json").read_text()).get("metrics") or {}).get("over_training")
    if not (isinstance(block, dict) and block.get("epochs")):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{smoke_cache} has no metrics.over_training: the smoke build should write it")
        pytest.skip(f"{smoke_cache} predates metrics.over_training")
    browser.get(served)
    cells = wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#over-training-knn .js-plotly-plot');"
        "return g && g._fullData && g._fullData.length && g._fullData[0].type === 'heatmap' && "
        "g.querySelectorAll('.hm, .heatmaplayer image').length && g._fullData[0].z.length"), 60, "the heatmap")
    open_measures(browser, "over-training-knn")
    assert cells >= 2
    assert browser.find_element(By.ID, "over-training").is_displayed()
    epochs = browser.execute_script("return document.querySelector('#over-training-knn .js-plotly-plot')._fullData[0].x")
    assert [str(e["epoch"]) for e in block["epochs"]] == list(epochs)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_epoch_slider_moves_every_map(browser, served, smoke_cache):
    """The epoch slider swaps every map for the tracked samples at that epoch (that epoch's labels,
    that epoch's digit on hover); a selection made on the final maps stays lit where it is tracked."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    training = manifest(smoke_cache).get("training")
    needs(smoke_cache, "training series (manifest.training)", isinstance(training, dict) and training.get("epochs"))
    open_page(browser, served)
    assert browser.find_element(By.ID, "epoch-slider").is_displayed()
    final_ids = panel_ids(browser, 0)
    # select in the first map, then move to the first epoch
    drag_box(browser, browser.execute_script("return __t.box(0)"))
    n_selected = wait_for(lambda: sel_count(browser), 20, "the selection")[0]
    wait_for(lambda: len(browser.execute_script("return __t.selectedIds(1)")) == n_selected, 20, "highlight")
    browser.find_element(By.CSS_SELECTOR, "#epoch-slider [role=slider]").send_keys(Keys.HOME)
    first = min(int(e) for e in training["epochs"])
    wait_for(lambda: browser.find_element(By.ID, "epoch-note").text.startswith(f"Epoch {first}"), 20, "the epoch note")
    epoch_ids = wait_for(lambda: (lambda ids: ids if ids and ids != final_ids else None)(panel_ids(browser, 0)),
                         30, "the maps to show the tracked samples")
    assert set(epoch_ids) < set(final_ids) and len(epoch_ids) <= training["tracked_per_source"] * 2
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#atlas-graph .annotation") if "⤢" in e.text]
    assert sum(f"epoch {first}" in t for t in titles) >= 2, titles
    # the selection carries over: what is lit is the tracked part of it, and the card says how much
    lit = wait_for(lambda: browser.execute_script("return __t.selectedIds(1)"), 20, "the selection at the epoch")
    note = wait_for(lambda: browser.find_element(By.ID, "selection-note").text, 20, "the selection note")
    assert f"are tracked at epoch {first}" in note or "None of the" in note
    assert sel_count(browser) == [n_selected] and len(lit) <= n_selected
    # hover shows that epoch's digit
    x, y, _ = browser.execute_script("return __t.point(0)")
    assert f"epoch={first}" in hover_tip(browser, x, y)
    # back to final: all samples again
    browser.find_element(By.CSS_SELECTOR, "#epoch-slider [role=slider]").send_keys(Keys.END)
    wait_for(lambda: panel_ids(browser, 0) == final_ids, 30, "the final maps again")
    assert browser.find_element(By.ID, "epoch-note").text.startswith("Final weights")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_latent_path_is_drawn_and_shown(browser, served, smoke_cache):
    """Choosing a latent path draws it through the final maps (start, end, flips) and fills the strip
    with its images; hovering a path point shows that point's image; a box over it selects no path point."""
    from selenium.webdriver.common.by import By

    paths = manifest(smoke_cache).get("paths")
    needs(smoke_cache, "latent paths (manifest.paths)", isinstance(paths, dict) and paths.get("items"))
    open_page(browser, served)
    browser.find_element(By.ID, "path-select").click()
    options = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content .dash-dropdown-option"),
                       10, "the path options")
    assert len(options) == len(paths["items"]) and "→" in options[0].text and "flip" in options[0].text
    options[0].click()
    drawn = wait_for(lambda: browser.execute_script(
        "return document.querySelector('#atlas-graph .js-plotly-plot')._fullData.filter(function (t) {"
        " return t.name === 'latent path' && t.x && t.x.length; }).map(function (t) { return t.x.length; })"),
        30, "a path trace")
    assert set(drawn) == {paths["steps"]}
    strip = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#path-strip .path-step img"), 20, "the strip")
    assert len(strip) == paths["steps"]
    wait_for(lambda: browser.execute_script(
        "return Array.from(arguments[0]).every(function (i) { return i.complete && i.naturalWidth > 0; })", strip),
        20, "the strip images to load")
    flips = browser.find_elements(By.CSS_SELECTOR, "#path-strip .path-step.flip")
    assert len(flips) == len([f for f in paths["items"][0]["flips"] if f < paths["steps"]])
    # hover the middle point of the first drawn path: its own image shows, even where samples lie
    # under its marker (on the dense demo maps plotly's closest point there was a sample)
    x, y, point = browser.execute_script("""
        var gd = document.querySelector('#atlas-graph .js-plotly-plot'), r = gd.getBoundingClientRect();
        var t = gd._fullData.filter(function (t) { return t.name === 'latent path' && t.x.length; })[0];
        var s = t.xaxis === 'x' ? '' : t.xaxis.slice(1), i = Math.floor(t.x.length / 2);
        var xa = gd._fullLayout['xaxis' + s], ya = gd._fullLayout['yaxis' + s];
        return [r.left + xa._offset + xa.l2p(t.x[i]), r.top + ya._offset + ya.l2p(t.y[i]), t.customdata[i]];""")
    src = hover_tip(browser, x, y)
    assert "/path/" in src and src.split("?")[0].endswith(f"/{point.split(':')[1]}.png"), (src, point)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
