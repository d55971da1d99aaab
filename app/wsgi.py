"""WSGI entry point: `GAN_ATLAS_CACHE=runs gunicorn -w 4 -b 127.0.0.1:8050 app.wsgi:server`.

Every worker builds its own app from the environment; figures are shared between workers
through the flask-caching backend (filesystem by default, Redis with CACHE_REDIS_URL)."""
import logging
import os

from . import create_app

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(),
                    format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
app = create_app()
server = app.server
