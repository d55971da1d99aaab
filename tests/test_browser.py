"""Real-browser test: headless Debian Chromium against the app served on a smoke cache.

Hover shows the digit tooltip (and rings the sample in the other maps); a box selection
fills the grid and highlights the same samples in another map; clicking a layer on the
separability chart opens its map; the console stays clean.
A missing browser skips locally but FAILS in CI (CI=true).
"""
from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

CHROME = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
DRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run --window-size=1500,1300").split()


def _no_browser(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs a browser for the real-browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(smoke_cache, tmp_path_factory):
    from werkzeug.serving import make_server

    from app import create_app
    from app.settings import Settings

    app = create_app(settings=Settings(cache_root=smoke_cache, cache_dir=tmp_path_factory.mktemp("fc")))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROME) and shutil.which(DRIVER)):
        _no_browser(f"no Chromium at {CHROME} or chromedriver at {DRIVER}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROME
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    except Exception as exc:  # noqa: BLE001 - any start-up failure means "no usable browser"
        _no_browser(f"Chromium did not start: {exc}")
    yield driver
    driver.quit()


def wait_for(fn, timeout=30.0, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# viewport coordinates of a panel's points/box, from Plotly's own axis mapping
JS_HELPERS = """
window.__t = {
  sel: '#atlas-graph',  // which graph the helpers measure: '#atlas-graph' or '#focus-graph'
  gd: function () { return document.querySelector(this.sel + ' .js-plotly-plot'); },
  axes: function (p) { var s = p === 0 ? '' : String(p + 1), L = this.gd()._fullLayout;
                       return [L['xaxis' + s], L['yaxis' + s]]; },
  point: function (p) {
    var gd = this.gd(), r = gd.getBoundingClientRect(), ax = this.axes(p), best = null;
    gd._fullData.forEach(function (t) {
      var q = parseInt((t.xaxis || 'x').slice(1) || '1', 10) - 1;
      if (q !== p || t.name === 'pinned' || !t.customdata || !t.customdata.length || best) return;
      best = [r.left + ax[0]._offset + ax[0].l2p(t.x[0]), r.top + ax[1]._offset + ax[1].l2p(t.y[0]), t.customdata[0]];
    });
    return best;
  },
  box: function (p) {
    var r = this.gd().getBoundingClientRect(), ax = this.axes(p);
    return [r.left + ax[0]._offset + 0.2 * ax[0]._length, r.top + ax[1]._offset + 0.2 * ax[1]._length,
            r.left + ax[0]._offset + 0.8 * ax[0]._length, r.top + ax[1]._offset + 0.8 * ax[1]._length];
  },
  selectedIds: function (p) {
    var out = [];
    this.gd().data.forEach(function (t) {
      var q = parseInt((t.xaxis || 'x').slice(1) || '1', 10) - 1;
      if (q === p && t.name !== 'pinned' && Array.isArray(t.selectedpoints))
        t.selectedpoints.forEach(function (i) { out.push(t.customdata[i]); });
    });
    return out.sort(function (a, b) { return a - b; });
  }
};
"""


def drag_box(browser, box):
    from selenium.webdriver.common.action_chains import ActionChains

    x0, y0, x1, y1 = box
    drag = ActionChains(browser)
    ptr = drag.w3c_actions.pointer_action
    ptr.move_to_location(int(x0), int(y0))
    ptr.click_and_hold()
    for f in (0.25, 0.5, 0.75, 1.0):
        ptr.move_to_location(int(x0 + f * (x1 - x0)), int(y0 + f * (y1 - y0)))
    ptr.release()
    drag.perform()


def pinned_alt(browser):  # read in one script: the panel may be re-rendered between two WebDriver calls
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#pin-panel .pin-img')).map(function (e) { return e.alt; })")


def sel_count(browser):
    return [int(t.split()[0].replace(",", "")) for t in browser.execute_script(
        "return Array.from(document.querySelectorAll('.sel-count')).map(function (e) { return e.textContent; })")]


def test_hover_select_and_console(browser, served):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(served)
    wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#atlas-graph .js-plotly-plot'); return g && g._fullData && g._fullData.length"),
        60, "the atlas figure")
    browser.execute_script(JS_HELPERS)
    # fold the measurements panel (open by default, tall with the over-training part) so the maps fit the window
    browser.execute_script("var m = document.getElementById('measures-panel'); if (m) m.open = false;")
    time.sleep(0.5)
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
    first = wait_for(lambda: browser.execute_script("return __t.selectedIds(0)"), 20, "highlight in map 1")
    second = wait_for(lambda: browser.execute_script("return __t.selectedIds(1)"), 20, "highlight in map 2")
    # the boxed map shows plotly's own selection until the server's highlight replaces it: wait for both to agree
    first, second = wait_for(lambda: (lambda a, b: (a, b) if a == b else None)(
        browser.execute_script("return __t.selectedIds(0)"), browser.execute_script("return __t.selectedIds(1)")),
        20, "the same samples lit in both maps")
    assert first == second and len(first) == n_selected  # same samples lit in another map

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
    browser.find_elements(By.CSS_SELECTOR, "#color-select label")[0].click()

    # double-click deselects: the maps are restored and the grid says so; the pin stays as it was
    # (the double-click's first click must not pin or unpin the point under the cursor)
    x0, y0, x1, y1 = browser.execute_script("return __t.box(1)")
    dbl = ActionChains(browser)
    dbl.w3c_actions.pointer_action.move_to_location(int(x0), int(y1))
    dbl.w3c_actions.pointer_action.double_click()
    dbl.perform()
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, ".sel-count"), 20, "the grid to clear")
    wait_for(lambda: not browser.execute_script("return __t.selectedIds(1).length"), 20, "maps restored")
    time.sleep(1.0)
    assert pinned_alt(browser) == [wanted]

    # a double-click right on a point does not pin it either; a single click on it does
    px, py, pid = browser.execute_script("return __t.point(1)")
    dbl = ActionChains(browser)
    dbl.w3c_actions.pointer_action.move_to_location(int(px), int(py))
    dbl.w3c_actions.pointer_action.double_click()
    dbl.perform()
    time.sleep(1.5)
    assert pinned_alt(browser) == [wanted]
    one = ActionChains(browser)
    one.w3c_actions.pointer_action.move_to_location(int(px) + 1, int(py))
    one.w3c_actions.pointer_action.move_to_location(int(px), int(py))
    one.w3c_actions.pointer_action.click()
    one.perform()
    expected = [] if wanted == f"sample {pid}" else [f"sample {pid}"]  # clicking the pinned sample unpins it
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
    assert browser.find_element(By.ID, "measures-panel").is_displayed()
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
    assert cells >= 2
    assert browser.find_element(By.ID, "over-training").is_displayed()
    epochs = browser.execute_script("return document.querySelector('#over-training-knn .js-plotly-plot')._fullData[0].x")
    assert [str(e["epoch"]) for e in block["epochs"]] == list(epochs)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
