"""Take the README's screenshots from a real cache in headless Chromium (not a test).

    .venv/bin/python scripts/screenshots.py [--cache runs/demo] [--out docs]

Writes screenshot.png (a box selection lit in every map, a pinned sample), separability.png
(the measurements panel), training.png (every map at the first kept
epoch) and paths.png (a latent path drawn through the maps, with its strip).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", type=Path, default=Path("runs/demo"))
    p.add_argument("--out", type=Path, default=Path("docs"))
    p.add_argument("--path", type=int, default=None, help="path id to show (default: the one with most flips)")
    args = p.parse_args()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from werkzeug.serving import make_server

    from app import create_app
    from app.settings import Settings
    from gan_core.cache import Cache
    from selenium.webdriver.common.action_chains import ActionChains

    from tests.browser_support import CHROME, CHROME_FLAGS, DRIVER, drag_box, open_measures, open_page, wait_for

    app = create_app(settings=Settings(cache_root=args.cache, cache_dir=Path(tempfile.mkdtemp())))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROME
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        driver.set_window_size(1500, 1300)
        driver.get(url)
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#separability-graph .js-plotly-plot"), 90, "the chart")
        open_measures(driver)  # folded by default
        time.sleep(3)
        panel = driver.find_element(By.ID, "measures-panel")
        panel.screenshot(str(args.out / "separability.png"))
        open_page(driver, url)  # a fresh page: the measurements panel folded again
        drag_box(driver, driver.execute_script("return __t.box(10)"))  # a box in d3 (real)
        wait_for(lambda: len(driver.execute_script("return __t.selectedIds(7)")) > 0, 30, "the highlight")
        x, y, _ = driver.execute_script("return __t.point(7)")
        ActionChains(driver).move_by_offset(0, 0).perform()
        driver.execute_script("window.scrollTo(0, 0)")
        pin = ActionChains(driver)
        pin.w3c_actions.pointer_action.move_to_location(int(x), int(y))
        pin.w3c_actions.pointer_action.click()
        pin.perform()
        time.sleep(5)
        driver.save_screenshot(str(args.out / "screenshot.png"))
        open_page(driver, url)
        driver.find_element(By.CSS_SELECTOR, "#epoch-slider [role=slider]").send_keys(Keys.HOME)
        wait_for(lambda: driver.find_element(By.ID, "epoch-note").text.startswith("Epoch"), 30, "the epoch view")
        time.sleep(4)
        driver.save_screenshot(str(args.out / "training.png"))
        driver.find_element(By.CSS_SELECTOR, "#epoch-slider [role=slider]").send_keys(Keys.END)
        time.sleep(4)
        items = Cache(args.cache).paths()["items"]
        pick = args.path if args.path is not None else max(items, key=lambda i: len(i["flips"]))["id"]
        driver.find_element(By.ID, "path-select").click()
        options = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content .dash-dropdown-option"),
                           10, "the path options")
        options[pick].click()
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#path-strip .path-step img"), 20, "the strip")
        time.sleep(4)
        driver.save_screenshot(str(args.out / "paths.png"))
    finally:
        driver.quit()
        server.shutdown()
    print("wrote", *(args.out / n for n in ("screenshot.png", "separability.png", "training.png", "paths.png")))


if __name__ == "__main__":
    main()
