"""One frozen settings object, read from the environment once at start-up.

Every knob lives here so that `python -m app`, gunicorn and the tests configure the app the
same way (the CLI only overrides the environment).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    cache_root: Path = Path("runs")          # a run directory, or a folder of run directories
    host: str = "127.0.0.1"                  # loopback by default: nothing is exposed by accident
    port: int = 8050
    debug: bool = False
    cache_type: str = "FileSystemCache"      # flask-caching backend shared by all workers
    cache_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / f"gan-atlas-cache-{os.getuid()}")
    cache_redis_url: str | None = None
    cache_timeout: int = 3600                # seconds a memoized figure lives
    image_scale: int = 4                     # 28 px digit -> 112 px PNG, nearest neighbour
    grid_page_size: int = 40                 # images per page of the selection grid
    log_level: str = "INFO"

    def flask_caching_config(self) -> dict:
        """The config dict flask-caching expects (Redis wins when a URL is given)."""
        if self.cache_redis_url:
            return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": self.cache_redis_url,
                    "CACHE_DEFAULT_TIMEOUT": self.cache_timeout, "CACHE_KEY_PREFIX": "gan-atlas:"}
        config = {"CACHE_TYPE": self.cache_type, "CACHE_DEFAULT_TIMEOUT": self.cache_timeout}
        if self.cache_type == "FileSystemCache":
            config.update(CACHE_DIR=str(self.cache_dir), CACHE_THRESHOLD=2000)
        return config

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def from_env(env: dict | None = None) -> Settings:
    env = os.environ if env is None else env
    base = Settings()
    redis_url = env.get("CACHE_REDIS_URL") or None
    return Settings(
        cache_root=Path(env.get("GAN_ATLAS_CACHE", str(base.cache_root))),
        host=env.get("HOST", base.host),
        port=int(env.get("PORT", base.port)),
        debug=_bool(env.get("GAN_ATLAS_DEBUG"), base.debug),
        cache_type=env.get("CACHE_TYPE", "RedisCache" if redis_url else base.cache_type),
        cache_dir=Path(env["CACHE_DIR"]) if env.get("CACHE_DIR") else base.cache_dir,
        cache_redis_url=redis_url,
        cache_timeout=int(env.get("CACHE_DEFAULT_TIMEOUT", base.cache_timeout)),
        image_scale=max(3, int(env.get("GAN_ATLAS_IMAGE_SCALE", base.image_scale))),
        grid_page_size=max(1, int(env.get("GAN_ATLAS_GRID_PAGE", base.grid_page_size))),
        log_level=env.get("LOG_LEVEL", base.log_level).upper(),
    )
