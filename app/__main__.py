"""`python -m app --cache DIR [--host H] [--port P] [--debug]`: the dashboard on a laptop."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .settings import from_env


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line instead of argparse's usage dump
        sys.stderr.write(f"python -m app: {message} (try --help)\n")
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    env = from_env()
    parser = _Parser(prog="python -m app", description="Serve the GAN Layer Atlas dashboard.")
    parser.add_argument("--cache", default=str(env.cache_root),
                        help="a run directory or a folder of runs (default: $GAN_ATLAS_CACHE or ./runs)")
    parser.add_argument("--host", default=env.host, help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=env.port, help="port (default 8050)")
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (never on a shared machine)")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    if not cache.is_dir():
        sys.stderr.write(f"python -m app: no cache directory at {cache}; build one with "
                         f"python -m precompute --profile demo --out {cache}\n")
        return 2
    if not 0 < args.port < 65536:
        sys.stderr.write(f"python -m app: port {args.port} is out of range 1-65535\n")
        return 2
    logging.basicConfig(level=env.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from . import create_app  # after argument checks: a typo should not pay for importing Dash

    settings = env.with_overrides(cache_root=cache, host=args.host, port=args.port, debug=args.debug)
    app = create_app(settings=settings)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
