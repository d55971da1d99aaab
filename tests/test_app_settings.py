"""Settings come from the environment; the figure cache is shared (filesystem or Redis)."""
from pathlib import Path

from app.settings import Settings, from_env


def test_defaults_are_safe():
    s = from_env({})
    assert s.host == "127.0.0.1" and s.debug is False and s.port == 8050
    assert s.flask_caching_config()["CACHE_TYPE"] == "FileSystemCache"
    assert s.image_scale * 28 >= 84  # hover digit at least 84 px


def test_env_overrides_and_redis():
    s = from_env({"GAN_ATLAS_CACHE": "/data/runs", "HOST": "0.0.0.0", "PORT": "9000", "GAN_ATLAS_DEBUG": "1",
                  "CACHE_DIR": "/tmp/fc", "CACHE_REDIS_URL": "redis://localhost:6379/3", "LOG_LEVEL": "debug"})
    assert s.cache_root == Path("/data/runs") and s.port == 9000 and s.debug is True and s.log_level == "DEBUG"
    cfg = s.flask_caching_config()
    assert cfg["CACHE_TYPE"] == "RedisCache" and cfg["CACHE_REDIS_URL"] == "redis://localhost:6379/3"
    assert from_env({"CACHE_DIR": "/tmp/fc"}).flask_caching_config()["CACHE_DIR"] == "/tmp/fc"


def test_overrides_ignore_none():
    s = Settings().with_overrides(port=None, host="::1")
    assert s.port == 8050 and s.host == "::1"


def test_figure_cache_shared_between_apps(synthetic_root, tmp_path):
    """Two app instances (think: two gunicorn workers) on one filesystem cache: the second
    reads the figure the first built instead of building it again."""
    from app import callbacks, create_app, data

    calls = []
    original = data.figures.atlas_figure_dict

    def counting(*a, **k):
        calls.append(1)
        return original(*a, **k)

    data.figures.atlas_figure_dict = counting
    try:
        for _ in range(2):
            app = create_app(settings=Settings(cache_root=synthetic_root, cache_dir=tmp_path / "shared"))
            with app.server.test_request_context("/"):
                run = callbacks._run("synth")
                callbacks.build_atlas(run, callbacks.default_view(run))
    finally:
        data.figures.atlas_figure_dict = original
    assert len(calls) == 1
