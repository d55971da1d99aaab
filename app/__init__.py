"""The GAN Layer Atlas dashboard: reads a precompute cache, never trains, never imports torch."""
from __future__ import annotations

import logging
from pathlib import Path

from dash import Dash
from flask import Flask

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
    log.info("serving runs from %s (%s)", atlas.root, ", ".join(atlas.run_names()) or "none found")
    return app
