"""Plain Flask routes next to Dash: the digit PNGs that hover, grid and pin panel show.

Images are addressed by run and sample id and tagged with the run's version, so browsers and
proxies may cache them for a year (`immutable`): a rebuilt run gets new URLs via `?v=`.
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

    @functools.lru_cache(maxsize=32768)  # ~1 KB per digit: the whole demo cache fits in ~10 MB
    def encoded(run_name: str, version: str, sample_id: int) -> bytes:
        return png_bytes(load(run_name).samples["images"][sample_id], scale=image_scale)

    @server.get("/sample/<run_name>/<int:sample_id>.png")
    def sample_png(run_name: str, sample_id: int):
        run = load(run_name)
        if not run.valid_id(sample_id):
            abort(404)
        etag = f"{run.version}-{sample_id}-{image_scale}"
        if request.if_none_match.contains(etag):
            resp = Response(status=304)
        else:
            resp = Response(encoded(run.name, run.version, sample_id), mimetype="image/png")
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return resp

    @server.get("/sample/<run_name>/<path:rest>")
    def sample_other(run_name: str, rest: str):
        # negative or non-numeric ids: without this, Dash's catch-all page route would answer 200
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
