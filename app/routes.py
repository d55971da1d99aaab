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
        return {"ok": True, "runs": atlas.run_names()}

    @server.errorhandler(404)
    def not_found(_exc):
        return Response("not found\n", status=404, mimetype="text/plain")

    @server.errorhandler(500)
    def server_error(_exc):
        # the traceback is already in the log; the browser only learns that something failed
        return Response("internal error; see the server log\n", status=500, mimetype="text/plain")
