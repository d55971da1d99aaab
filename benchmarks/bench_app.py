"""Benchmark the dashboard on a cache (not a test): `python benchmarks/bench_app.py --cache runs/demo`.

Measures, against gunicorn on 127.0.0.1 only:
- first full page render: server time of the page callback (cold and warm figure cache), and
  in headless Chromium the time from navigation until the maps are drawn;
- projection / colour change: server time of the atlas callback for a new view (cold, warm);
- hover-to-image: PNG route latency, and in the browser plotly_hover -> tooltip image loaded;
- memory: RSS of the gunicorn master and workers;
- a bounded load test: N concurrent clients hovering (PNG) and switching projections/colours,
  reporting p50/p99 latency and the error count.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def callback_body(output, outputs, inputs, changed, state=()):
    return {"output": output, "outputs": outputs, "inputs": inputs, "changedPropIds": changed, "state": list(state)}


def page_body(run):
    return callback_body("page.children", {"id": "page", "property": "children"},
                         [{"id": "url", "property": "search", "value": f"?run={run}"}], ["url.search"])


def atlas_body(view, selection=None, changed="view-store.data"):
    inputs = [{"id": "view-store", "property": "data", "value": view},
              {"id": "selection-store", "property": "data", "value": selection},
              {"id": "pinned-store", "property": "data", "value": None},
              {"id": "hidden-store", "property": "data", "value": []},
              {"id": "path-store", "property": "data", "value": None}]
    return callback_body("atlas-graph.figure", {"id": "atlas-graph", "property": "figure"}, inputs, [changed])


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return (time.perf_counter() - t) * 1000, r


def start_gunicorn(cache, workers, port, cache_dir):
    env = {**os.environ, "GAN_ATLAS_CACHE": str(cache), "CACHE_DIR": str(cache_dir), "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--timeout", "120", "app.wsgi:server"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return proc, base
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not come up: " + (proc.stderr.read() if proc.stderr else ""))


def rss_mb(proc) -> dict:
    p = psutil.Process(proc.pid)
    workers = [c.memory_info().rss / 2**20 for c in p.children(recursive=True)]
    return {"master_mb": round(p.memory_info().rss / 2**20, 1), "workers_mb": [round(w, 1) for w in workers],
            "max_worker_mb": round(max(workers, default=0), 1)}


def server_figures(base, run, meta) -> dict:
    s = requests.Session()
    out = {}
    out["page_cold_ms"], r = timed(lambda: s.post(base + "/_dash-update-component", json=page_body(run)))
    r.raise_for_status()
    out["page_bytes"] = len(r.content)
    out["page_warm_ms"] = statistics.median(timed(lambda: s.post(base + "/_dash-update-component",
                                                                 json=page_body(run)))[0] for _ in range(5))
    view = r.json()["response"]["page"]["children"][0]["props"]["data"]
    changes = []
    for method in meta["methods"]:
        for color in ("class", "confidence", "d_score", "source"):
            v = {**view, "method": method, "color": color}
            ms, resp = timed(lambda: s.post(base + "/_dash-update-component", json=atlas_body(v)))
            resp.raise_for_status()
            changes.append(ms)
    out["change_cold_ms_median"], out["change_cold_ms_max"] = round(statistics.median(changes), 1), round(max(changes), 1)
    warm = [timed(lambda v=v: s.post(base + "/_dash-update-component", json=atlas_body(v)))[0]
            for v in ({**view, "method": m, "color": c} for m in meta["methods"] for c in ("class", "source"))]
    out["change_warm_ms_median"], out["change_warm_ms_max"] = round(statistics.median(warm), 1), round(max(warm), 1)
    sel = {"ids": list(range(0, meta["n"], 7)), "origin": "g1/generated"}
    out["selection_patch_ms"] = round(statistics.median(
        timed(lambda: s.post(base + "/_dash-update-component",
                             json=atlas_body(view, sel, "selection-store.data")))[0] for _ in range(5)), 1)
    ids = random.Random(0).sample(range(meta["n"]), min(300, meta["n"]))
    cold = [timed(lambda i=i: s.get(f"{base}/sample/{run}/{i}.png"))[0] for i in ids]
    warm = [timed(lambda i=i: s.get(f"{base}/sample/{run}/{i}.png"))[0] for i in ids]
    out["png_cold_ms_p50"], out["png_cold_ms_p99"] = round(pct(cold, 50), 2), round(pct(cold, 99), 2)
    out["png_warm_ms_p50"], out["png_warm_ms_p99"] = round(pct(warm, 50), 2), round(pct(warm, 99), 2)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}


def browser_figures(base, run) -> dict:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.action_chains import ActionChains

        from tests.browser_support import CHROME_FLAGS, JS_HELPERS
    except ImportError as exc:
        return {"skipped": str(exc)}
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    d = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=opts)
    out = {}
    try:
        for attempt in ("cold_browser", "warm_browser"):
            t = time.perf_counter()
            d.get(f"{base}/?run={run}")
            while not d.execute_script("var g=document.querySelector('#atlas-graph .js-plotly-plot');"
                                       "return !!(g && g._fullData && g._fullData.length && g._fullLayout)"):
                time.sleep(0.02)
            out[f"first_render_s_{attempt}"] = round(time.perf_counter() - t, 2)
        d.execute_script(JS_HELPERS + """
            window.__lat = []; var gd = __t.gd();
            gd.on('plotly_hover', function () { window.__h0 = performance.now(); });
            document.addEventListener('load', function (e) {
              if (e.target.classList && e.target.classList.contains('tip-img') && window.__h0)
                { window.__lat.push(performance.now() - window.__h0); window.__h0 = null; }
            }, true);""")
        # fold the measurements panel so the first eight maps fit the window
        d.execute_script("var m = document.getElementById('measures-panel'); if (m) m.open = false;")
        time.sleep(0.5)
        n_panels = d.execute_script("return __t.gd()._fullData.filter(function(t){return t.name==='pinned'}).length")
        for p in range(min(n_panels, 8)):
            x, y, _ = d.execute_script(f"return __t.point({p})")
            a = ActionChains(d)
            a.w3c_actions.pointer_action.move_to_location(int(x) + 2, int(y) + 2)
            a.w3c_actions.pointer_action.move_to_location(int(x), int(y))
            a.perform()
            time.sleep(0.6)
        lat = d.execute_script("return window.__lat")
        out["hover_to_image_ms"] = [round(v, 1) for v in lat]
        if lat:
            out["hover_to_image_ms_median"] = round(statistics.median(lat), 1)
    finally:
        d.quit()
    return out


def load_test(base, run, meta, clients, total) -> dict:
    counter, lock = iter(range(total)), threading.Lock()
    lat: dict[str, list] = {"hover_png": [], "switch_view": []}
    errors: list[str] = []
    view = {"run": run, "method": meta["methods"][0], "color": "class", "epoch": None}

    def worker(seed):
        rng, s = random.Random(seed), requests.Session()
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            if rng.random() < 0.9:  # mostly hovering: one cached PNG per hover
                kind, call = "hover_png", lambda: s.get(f"{base}/sample/{run}/{rng.randrange(meta['n'])}.png", timeout=60)
            else:
                v = {**view, "method": rng.choice(meta["methods"]), "color": rng.choice(["class", "d_score", "source"])}
                kind, call = "switch_view", lambda: s.post(f"{base}/_dash-update-component", json=atlas_body(v), timeout=60)
            try:
                ms, r = timed(call)
                (lat[kind].append(ms) if r.status_code == 200 else errors.append(f"{kind}: HTTP {r.status_code}"))
            except requests.RequestException as exc:
                errors.append(f"{kind}: {exc}")

    t = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    all_lat = lat["hover_png"] + lat["switch_view"]
    return {"clients": clients, "requests": total, "seconds": round(wall, 1), "rps": round(total / wall, 1),
            "errors": len(errors), "error_samples": errors[:5],
            "p50_ms": round(pct(all_lat, 50), 1), "p99_ms": round(pct(all_lat, 99), 1),
            **{f"{k}_p50_ms": round(pct(v, 50), 1) for k, v in lat.items()},
            **{f"{k}_p99_ms": round(pct(v, 99), 1) for k, v in lat.items()},
            **{f"{k}_count": len(v) for k, v in lat.items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=str(REPO / "runs" / "demo"), help="a run directory (default runs/demo)")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000, help="total requests of the load test (bounded)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    from gan_core.cache import Cache

    cache = Cache(args.cache)  # fails with the fix command if the cache is missing or broken
    manifest = cache.manifest
    methods = sorted({e["method"] for e in cache.view_entries(None) if e.get("file")})  # the final maps
    meta = {"n": int(manifest["samples"]["count"]), "methods": methods}
    results = {"cache": str(Path(args.cache).resolve()), "samples": meta["n"], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-fc-") as fc:
        proc, base = start_gunicorn(Path(args.cache).resolve(), args.workers, free_port(), fc)
        try:
            results["server"] = server_figures(base, cache.name, meta)
            results["memory_after_server"] = rss_mb(proc)
            if not args.no_browser:
                results["browser"] = browser_figures(base, cache.name)
            results["load"] = load_test(base, cache.name, meta, args.clients, args.requests)
            results["memory_after_load"] = rss_mb(proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
