"""Plain Flask routes next to Dash: the digit PNGs that hover, grid, pin panel and path strip show.

    /sample/<run>/<id>.png              a sample as the final generator drew it (or the real image)
    /sample/<run>/<id>.png?epoch=N      a tracked sample as training epoch N's generator drew it
    /path/<run>/<i>.png                 point i of the latent paths (step i % K of path i // K)

Images are addressed by run and id (and epoch) and tagged with the run's version, so browsers and
proxies may cache them for a year (`immutable`): a rebuilt run gets new URLs via `?v=`. Unknown
runs, ids, epochs, untracked samples and malformed parameters are 404s.
"""
from __future__ import annotations

import functools
import logging

from flask import Flask, Response, abort, request

from gan_core.cache import CacheError
from gan_core.images import png_bytes

from .data import Atlas, Run

log = logging.getLogger(__name__)
ONE_YEAR = 365 * 24 * 3600


def register_routes(server: Flask, atlas: Atlas, image_scale: int) -> None:
    def load(run_name: str) -> Run:
        try:
            return atlas.load(run_name)
        except (KeyError, CacheError, OSError):
            abort(404)

    def image_of(run: Run, kind: str, epoch: int | None, index: int):
        if kind == "path":
            return run.latent.image(index)
        if epoch is not None:
            return run.series.image(epoch, index)
        return run.samples["images"][index] if run.valid_id(index) else None

    @functools.lru_cache(maxsize=32768)  # ~1 KB per digit: the whole demo cache fits in ~10 MB
    def encoded(run_name: str, version: str, kind: str, epoch: int | None, index: int) -> bytes:
        return png_bytes(image_of(load(run_name), kind, epoch, index), scale=image_scale)

    def png(run: Run, kind: str, epoch: int | None, index: int) -> Response:
        if image_of(run, kind, epoch, index) is None:
            abort(404)
        etag = f"{run.version}-{kind}-{'' if epoch is None else epoch}-{index}-{image_scale}"
        if request.if_none_match.contains(etag):
            resp = Response(status=304)
        else:
            resp = Response(encoded(run.name, run.version, kind, epoch, index), mimetype="image/png")
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return resp

    @server.get("/sample/<run_name>/<int:sample_id>.png")
    def sample_png(run_name: str, sample_id: int):
        run = load(run_name)
        raw = request.args.get("epoch")
        if raw is None:
            return png(run, "sample", None, sample_id)
        if not raw.isdigit() or not run.series.valid(int(raw)):
            abort(404)
        return png(run, "sample", int(raw), sample_id)

    @server.get("/path/<run_name>/<int:index>.png")
    def path_png(run_name: str, index: int):
        return png(load(run_name), "path", None, index)

    @server.get("/sample/<run_name>/<path:rest>")
    @server.get("/path/<run_name>/<path:rest>")
    def image_other(run_name: str, rest: str):
        # negative or non-numeric ids: without this, Dash's catch-all page route would answer 200
        abort(404)

    @server.get("/sample/<run_name>/")
    @server.get("/path/<run_name>/")
    def image_folder(run_name: str):
        abort(404)

    @server.get("/healthz")
    def healthz():
        """200 when at least one run loads (the dashboard can show something), else 503 with the
        reason, so a container HEALTHCHECK fails for a dashboard that can only show an error card.
        Stops at the first run that loads, so it stays cheap with many runs."""
        names, problems = atlas.run_names(), []
        for name in names:
            try:
                atlas.load(name)
            except Exception as exc:  # noqa: BLE001 - any failure means "this run cannot be shown"
                problems.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                continue
            return {"ok": True, "runs": names, "serving": name}
        reason = "; ".join(problems) if problems else f"no runs under {atlas.root}"
        log.warning("healthz: no run loads (%s)", reason)
        return {"ok": False, "runs": names, "reason": reason}, 503

    @server.errorhandler(404)
    def not_found(_exc):
        return Response("not found\n", status=404, mimetype="text/plain")

    @server.errorhandler(500)
    def server_error(_exc):
        # the traceback is already in the log; the browser only learns that something failed
        return Response("internal error; see the server log\n", status=500, mimetype="text/plain")
