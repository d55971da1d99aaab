"""Flask routes: digit PNGs with long-lived cache headers, clean 404s, the CLI's clear errors."""
import io
import subprocess
import sys

from PIL import Image

from gan_core.cache import SCHEMA_VERSION

from app.__main__ import main


def test_png_served_with_cache_headers(app_and_client):
    _, client = app_and_client
    resp = client.get("/sample/synth/3.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    img = Image.open(io.BytesIO(resp.data))
    assert img.size == (112, 112)  # 28 px upscaled x4, nearest neighbour
    assert "max-age=31536000" in resp.headers["Cache-Control"] and "immutable" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    again = client.get("/sample/synth/3.png", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_png_pixels_are_the_sample(app_and_client, synthetic_root):
    import numpy as np

    _, client = app_and_client
    img = np.asarray(Image.open(io.BytesIO(client.get("/sample/synth/7.png").data)))
    want = np.load(synthetic_root / "synth" / "samples" / "images.npy")[7]
    assert (img[::4, ::4] == want).all()


def test_unknown_run_or_id_is_404(app_and_client):
    _, client = app_and_client
    for url in ("/sample/nope/1.png", "/sample/synth/240.png", "/sample/synth/99999999.png",
                "/sample/synth/-1.png", "/sample/synth/abc.png", "/sample/../synth/1.png", "/sample/synth/1.jpg"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert b"Traceback" not in resp.data


def test_index_and_health(app_and_client):
    _, client = app_and_client
    assert client.get("/").status_code == 200
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    assert resp.get_json()["runs"] == ["synth", "synth2"]


def test_health_is_503_when_no_run_loads(tmp_path):
    """Docker's HEALTHCHECK must fail for a dashboard that can only show an error card."""
    from app import create_app
    from app.settings import Settings
    from tests.synthetic_cache import write_synthetic_cache

    def health(root):
        app = create_app(settings=Settings(cache_root=root, cache_dir=tmp_path / "fc"))
        return app.server.test_client().get("/healthz")

    (tmp_path / "empty").mkdir()
    for root in (tmp_path / "absent", tmp_path / "empty"):  # no cache at all; a folder without runs
        resp = health(root)
        assert resp.status_code == 503 and resp.get_json()["ok"] is False and resp.get_json()["reason"]
    bad = write_synthetic_cache(tmp_path / "runs" / "bad", 20, 20)
    (bad / "samples" / "images.npy").write_bytes(b"truncated")
    old = write_synthetic_cache(tmp_path / "runs" / "old", 20, 20)
    (old / "manifest.json").write_text((old / "manifest.json").read_text().replace(
        f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 0'))
    resp = health(tmp_path / "runs")
    assert resp.status_code == 503, resp.get_json()
    assert "bad" in resp.get_json()["reason"] and "old" in resp.get_json()["reason"]
    write_synthetic_cache(tmp_path / "runs" / "good", 20, 20)
    resp = health(tmp_path / "runs")
    assert resp.status_code == 200 and resp.get_json()["serving"] == "good"


def test_callback_http_errors_do_not_leak(app_and_client):
    _, client = app_and_client
    body = {"output": "page.children", "outputs": {"id": "page", "property": "children"},
            "inputs": [{"id": "url", "property": "search", "value": "?run=%00"}], "changedPropIds": ["url.search"]}
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 200 and b"Traceback" not in resp.data


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["--cache", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "python -m precompute" in err[0]
    proc = subprocess.run([sys.executable, "-m", "app", "--bogus"], capture_output=True, text=True)
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1
    assert main(["--cache", str(tmp_path), "--port", "70000"]) == 2


def test_app_never_imports_torch():
    code = ("import sys, app, app.callbacks, app.routes, app.wsgi; "
            "bad = [m for m in sys.modules if m == 'torch' or m.startswith(('precompute', 'gan_core.models', "
            "'gan_core.capture'))]; print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"GAN_ATLAS_CACHE": "/nonexistent", "PATH": "/usr/bin"})
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_junk_callback_posts_are_400_with_one_log_line(app_and_client, caplog):
    import logging

    _, client = app_and_client
    page = {"output": "page.children", "outputs": {"id": "page", "property": "children"},
            "inputs": [{"id": "url", "property": "search", "value": "?run=synth"}], "changedPropIds": ["url.search"]}
    junk = [{}, [], None, "x", 5, {"output": "nope.children", "inputs": []}, {"output": "page.children"},
            {"output": "page.children", "inputs": [1]}, {"output": "page.children", "inputs": [{"id": "url"}]},
            {**page, "state": "x"}, {"output": ["page.children"], "inputs": []}]
    for body in junk:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            resp = client.post("/_dash-update-component", json=body)
        assert resp.status_code == 400, body
        assert b"Traceback" not in resp.data
        errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(errors) == 1 and not errors[0].exc_info and "\n" not in errors[0].getMessage(), body
    resp = client.post("/_dash-update-component", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    resp = client.post("/_dash-update-component", json=page)  # a real callback still works
    assert resp.status_code == 200 and b"atlas-graph" in resp.data


def test_epoch_images_are_that_epochs_digit(app_and_client, synthetic_root):
    """/sample/<run>/<id>.png?epoch=N: a tracked sample as training epoch N drew it (SYNTHETIC run:
    noisier early digits), with its own ETag and the same long-lived cache headers."""
    import numpy as np

    _, client = app_and_client
    run = synthetic_root / "synth"
    ids = np.load(run / "training" / "rows" / "joint.npy")
    early = np.load(run / "training" / "e001" / "images.npy")
    sid = int(ids[0])
    resp = client.get(f"/sample/synth/{sid}.png?epoch=1&v=x")
    assert resp.status_code == 200 and "immutable" in resp.headers["Cache-Control"]
    assert (np.asarray(Image.open(io.BytesIO(resp.data)))[::4, ::4] == early[0]).all()
    final = client.get(f"/sample/synth/{sid}.png")
    assert final.headers["ETag"] != resp.headers["ETag"] and final.data != resp.data
    assert client.get(f"/sample/synth/{sid}.png?epoch=1", headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    untracked = next(i for i in range(240) if i not in set(ids.tolist()))
    for url in (f"/sample/synth/{untracked}.png?epoch=1", f"/sample/synth/{sid}.png?epoch=2",
                f"/sample/synth/{sid}.png?epoch=abc", f"/sample/synth/{sid}.png?epoch=-1", f"/sample/synth/{sid}.png?epoch=",
                f"/sample/synth/{sid}.png?epoch=99999999999999999999", f"/sample/synth2/{sid}.png?epoch=1",
                "/sample/synth/99999.png?epoch=1"):
        r = client.get(url)
        assert r.status_code == 404 and b"Traceback" not in r.data, url


def test_path_images(app_and_client, synthetic_root):
    import numpy as np

    _, client = app_and_client
    images = np.load(synthetic_root / "synth" / "paths" / "images.npy")
    resp = client.get("/path/synth/11.png?v=x")
    assert resp.status_code == 200 and resp.mimetype == "image/png" and "immutable" in resp.headers["Cache-Control"]
    assert (np.asarray(Image.open(io.BytesIO(resp.data)))[::4, ::4] == images[11]).all()
    assert client.get("/path/synth/11.png", headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    assert resp.headers["ETag"] != client.get("/sample/synth/11.png").headers["ETag"]
    for url in ("/path/synth/24.png", "/path/synth/-1.png", "/path/synth/x.png", "/path/nope/0.png",
                "/path/synth2/0.png", "/path/synth/0.jpg", "/path/synth/", "/sample/synth/"):
        r = client.get(url)
        assert r.status_code == 404 and b"Traceback" not in r.data, url
