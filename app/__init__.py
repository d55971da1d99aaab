"""The GAN Layer Atlas dashboard: reads a precompute cache, never trains, never imports torch."""
from __future__ import annotations

import functools
import logging
from pathlib import Path

from dash import Dash
from dash.exceptions import DashException
from flask import Flask, Response, request

from . import callbacks, layout, panels
from .data import Atlas, flask_cache
from .routes import register_routes
from .settings import Settings, from_env

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def _on_callback_error(exc: Exception):
    # Dash would send a 500 with the message; log it here and leave the outputs unchanged
    log.error("callback failed", exc_info=exc)
    return None


def _bad_callback_request(app: Dash) -> str | None:
    """Why a POST to the callback route is not a request the page could have sent, or None."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return f"body is {type(body).__name__}, not a JSON object"
    if not isinstance(body.get("output"), str) or body["output"] not in app.callback_map:
        return f"unknown output {str(body.get('output'))[:80]!r}"
    if not isinstance(body.get("inputs"), list) or not isinstance(body.get("state", []), list):
        return "inputs/state are not lists"
    return None


def _guard_callback_route(app: Dash) -> None:
    """Junk POSTs to /_dash-update-component ({}, [], null, unknown outputs, inputs that do not
    match the callback) get a 400 and one log line, not a 500 and a traceback. Exceptions raised
    inside a callback are still handled by `_on_callback_error`."""
    server = app.server
    for rule in server.url_map.iter_rules():
        if not rule.rule.endswith("_dash-update-component"):
            continue
        dispatch = server.view_functions[rule.endpoint]

        @functools.wraps(dispatch)
        def guarded(*args, _dispatch=dispatch, **kwargs):
            why = _bad_callback_request(app)
            if why is None:
                try:
                    return _dispatch(*args, **kwargs)
                except (DashException, KeyError, TypeError, AttributeError, IndexError) as exc:
                    why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
            log.warning("bad callback request from %s: %s", request.remote_addr, why)
            return Response(f"bad callback request: {why}\n", status=400, mimetype="text/plain")

        server.view_functions[rule.endpoint] = guarded


def create_app(cache_dir: str | Path | None = None, settings: Settings | None = None) -> Dash:
    """A configured Dash app; `app.server` is the Flask WSGI app."""
    settings = settings or from_env()
    if cache_dir is not None:
        settings = settings.with_overrides(cache_root=Path(cache_dir))
    server = Flask(__name__)
    server.config["ATLAS_SETTINGS"] = settings
    flask_cache.init_app(server, config=settings.flask_caching_config())
    atlas = Atlas(settings.cache_root)
    register_routes(server, atlas, settings.image_scale)
    app = Dash(__name__, server=server, assets_folder=str(ASSETS), title="GAN Layer Atlas", update_title=None,
               suppress_callback_exceptions=True, on_error=_on_callback_error,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.layout = layout.outer_layout()
    callbacks.init(atlas)
    panels.configure(settings.grid_page_size)
    callbacks.register(app)
    _guard_callback_route(app)
    log.info("serving runs from %s (%s)", atlas.root, ", ".join(atlas.run_names()) or "none found")
    return app
