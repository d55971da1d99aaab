"""Shared parts of the real-browser tests (tests/test_browser.py): the served app, headless Debian
Chromium, and helpers that measure and drive the maps through Plotly's own axis mapping."""
from __future__ import annotations

import json
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
  // the data of a dcc.Store, read from Dash's own state (the server's truth, e.g. 'selection-store')
  storeData: function (id) {
    var state = window.store.getState(), node = state.layout;
    state.paths.strs[id].forEach(function (k) { node = node[k]; });
    return node.props.data;
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


def manifest(cache):
    return json.loads((cache / "manifest.json").read_text())


def needs(cache, what: str, present: bool):
    if not present:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{cache} has no {what}: the smoke build should write it")
        pytest.skip(f"{cache} predates {what} (cache schema 2)")


def panel_ids(browser, p=0):
    """Sorted sample ids drawn in panel p (class traces only)."""
    return browser.execute_script("""
        var out = [], gd = document.querySelector('#atlas-graph .js-plotly-plot');
        gd._fullData.forEach(function (t) {
          var q = parseInt((t.xaxis || 'x').slice(1) || '1', 10) - 1;
          if (q === arguments[0] && t.name !== 'pinned' && t.name !== 'latent path' && t.customdata)
            for (var i = 0; i < t.customdata.length; i++) out.push(t.customdata[i]);
        });
        return out.sort(function (a, b) { return a - b; });""".replace("arguments[0]", str(int(p))))


def hover_tip(browser, x, y):
    """Hover a viewport point; the src of the visible tooltip image once it has loaded."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    actions = ActionChains(browser)
    actions.w3c_actions.pointer_action.move_to_location(int(x) + 2, int(y) + 2)
    actions.w3c_actions.pointer_action.move_to_location(int(x), int(y))
    actions.perform()
    img = wait_for(lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, "#atlas-tip img.tip-img")
                            if e.is_displayed()], 20, "the hover tooltip")[0]
    wait_for(lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img),
             10, "the tooltip image to load")
    return img.get_attribute("src")


def open_page(browser, served):
    """Load the page (the measurements panel is folded by default, so the maps start on the first screen)."""
    browser.get(served)
    wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#atlas-graph .js-plotly-plot'); return g && g._fullData && g._fullData.length"),
        60, "the atlas figure")
    browser.execute_script(JS_HELPERS)
    time.sleep(0.5)


def open_measures(browser, graph="separability-graph"):
    """Unfold the measurements panel with a click on its summary line, as a user would, and wait until
    `graph` has been redrawn at its on-screen width (it was drawn while folded)."""
    from selenium.webdriver.common.by import By

    panel = browser.find_element(By.ID, "measures-panel")
    if not panel.get_attribute("open"):
        panel.find_element(By.TAG_NAME, "summary").click()
    wait_for(lambda: browser.execute_script(
        "var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot'), w = g && g.getBoundingClientRect().width;"
        "return !!(w && g._fullLayout && Math.abs(g._fullLayout.width - w) < 2)", graph), 20, f"{graph} drawn unfolded")
