"""python -m precompute: train (full profile) or load the shipped weights, record, embed, write a cache."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import re
import sys
from pathlib import Path

from gan_core.cache import MANIFEST, CacheError
from gan_core.data import DatasetError
from precompute.config import PROFILES, SHIPPED_MODELS_DIR

log = logging.getLogger("precompute")


def _int_at_least(low: int, words: str):
    """An argparse type: an integer >= low, else one readable line."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {words}, got {value}")
        return value
    return parse


_positive = _int_at_least(1, "at least 1")
_non_negative = _int_at_least(0, "0 or more")


def _methods(text: str) -> tuple:
    methods = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in methods if m not in ("pca", "tsne", "umap")]
    if bad or not methods:
        raise argparse.ArgumentTypeError(f"unknown method(s) {bad or text!r}; choose from pca, tsne, umap")
    return methods


def _path_pair(text: str) -> tuple:
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r}: write two generated sample ids as A:B, e.g. 12:345")
    if m.group(1) == m.group(2):
        raise argparse.ArgumentTypeError(f"{text!r}: a path needs two different samples")
    return int(m.group(1)), int(m.group(2))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


def _device(text: str) -> str:
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"{text!r}: choose auto, cpu, cuda, cuda:N or mps")
    return text


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m precompute",
        description="Build a GAN Layer Atlas cache: train or load the DCGAN and classifier, record every "
                    "layer's activations, embed them with PCA, t-SNE and UMAP, measure them, and write "
                    "OUT/manifest.json. The cache appears at OUT in one step; an interrupted run resumes "
                    "when the same command is run again. A finished cache with the same configuration is "
                    "left alone (use --force to rebuild it).",
        epilog="profiles: smoke = shipped weights, 300+300 samples (about a minute; the tests use it); "
               "demo = shipped weights, 4096+4096 samples (the default); full = train from scratch, "
               "10000+10000 samples (meant for a GPU). Exit status: 0 done, 1 bad input or failure, "
               "2 bad flag, 130 interrupted.")
    p.add_argument("--profile", choices=sorted(PROFILES), default="demo", help="smoke, demo or full (default: demo)")
    p.add_argument("--out", type=Path, default=None, help="cache directory to write (default: runs/PROFILE)")
    p.add_argument("--force", action="store_true", help="rebuild even if OUT holds a cache of the same configuration")
    p.add_argument("--device", type=_device, default="auto",
                   help="auto (cuda when available, else cpu), cpu, cuda, cuda:N or mps (default: auto)")
    p.add_argument("--weights", type=Path, default=SHIPPED_MODELS_DIR,
                   help="smoke/demo: directory of trained weights (generator, discriminator, classifier "
                        "safetensors and config.json; default: the shipped models/)")
    p.add_argument("--data", type=Path, default=None,
                   help="directory of the four IDX files (default: data/mnist, or Debian's Fashion-MNIST "
                        "folder with --dataset fashion-mnist)")
    p.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist (class names and pinned digests "
                   "known), or any name for another IDX directory (default: mnist)")
    p.add_argument("--train-dir", type=Path, default=None,
                   help="full: where per-epoch checkpoints go and a killed run resumes from (default: OUT-training)")
    p.add_argument("--epochs", type=_positive, default=None, help="full: GAN training epochs (default: 20)")
    p.add_argument("--train-only", action="store_true", help="full: train (or resume), then stop")
    p.add_argument("--n-generated", type=_positive, default=None,
                   help="generated samples (default: the profile's: 300, 4096 or 10000)")
    p.add_argument("--n-real", type=_positive, default=None,
                   help="real test images, at most 10000 (default: the profile's: 300, 4096 or 10000)")
    p.add_argument("--methods", type=_methods, default=None,
                   help="comma-separated subset of pca,tsne,umap (default: all three)")
    p.add_argument("--paths", choices=["all", "neighbours", "none"], default=None,
                   help="latent paths between class anchors: all class pairs, neighbouring classes "
                        "(0-1, ..., 9-0) or none (default: the profile's: neighbours for smoke, all otherwise)")
    p.add_argument("--path", type=_path_pair, action="append", default=[], metavar="A:B",
                   help="also a latent path between generated samples A and B (ids as the dashboard shows "
                        "them; repeatable)")
    p.add_argument("--training-samples", type=_non_negative, default=None, metavar="N",
                   help="samples per source followed through the per-epoch checkpoints, 0 to skip the "
                        "training series (default: the profile's: 200 or 512)")
    p.add_argument("--seed", type=_non_negative, default=None, help="seed for z, the real subset and the maps (default: 0)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="logging detail (default: INFO)")
    return p


def profile_from_args(args):
    profile = PROFILES[args.profile]
    rec, emb, train = profile.record, profile.embed, profile.train_cfg
    if args.n_generated or args.n_real:
        rec = dataclasses.replace(rec, n_generated=args.n_generated or rec.n_generated, n_real=args.n_real or rec.n_real)
    if args.methods:
        emb = dataclasses.replace(emb, methods=args.methods)
    if args.paths or args.path:
        emb = dataclasses.replace(emb, path_pairs=args.paths or emb.path_pairs, extra_paths=tuple(args.path))
    if args.training_samples is not None:
        emb = dataclasses.replace(emb, evolution_samples=args.training_samples)
    if args.seed is not None:
        rec, emb = dataclasses.replace(rec, seed=args.seed), dataclasses.replace(emb, seed=args.seed)
    if args.epochs:
        train = dataclasses.replace(train, epochs=args.epochs)
    changes = {"record": rec, "embed": emb, "train_cfg": train, "weights_dir": args.weights.resolve(),
               "dataset": args.dataset}
    if args.data:
        changes["data_dir"] = args.data.resolve()
    elif args.dataset == "fashion-mnist":
        from gan_core.data import FASHION_MNIST_DIR
        changes["data_dir"] = Path(FASHION_MNIST_DIR)
    return profile.with_(**changes)


CACHE_ENTRIES = {"manifest.json", "samples", "rows", "embeddings", "features", "neighbors", "training", "paths"}


def check_out_dir(out: Path) -> None:
    """Refuse to replace a directory that is not a cache (a typo must not delete someone's files);
    a damaged cache (cache folders, manifest lost) may be rebuilt in place."""
    if out.exists():
        entries = {p.name for p in out.iterdir()} if out.is_dir() else None
        if entries is None or (entries and not entries <= CACHE_ENTRIES):
            raise ValueError(f"--out {out}: exists and is not a cache directory; choose a new or empty path")
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = parent / f".{out.name}.write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"--out {out}: cannot write in {parent} ({exc.strerror or exc})") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("openTSNE").setLevel(max(logging.WARNING, logging.getLevelName(args.log_level)))  # chatty at INFO
    try:
        profile = profile_from_args(args)
        out = (args.out or Path("runs") / args.profile).resolve()
        if args.train_only and not profile.train:
            raise ValueError("--train-only needs --profile full")
        check_out_dir(out)
        for a, b in profile.embed.extra_paths:
            if max(a, b) >= profile.record.n_generated:
                raise ValueError(f"--path {a}:{b}: generated sample ids run from 0 to {profile.record.n_generated - 1}")
        if not profile.data_dir.is_dir():
            raise ValueError(f"--data {profile.data_dir}: dataset directory not found")
        if not profile.train and not (profile.weights_dir / "config.json").is_file():
            raise ValueError(f"--weights {profile.weights_dir}: config.json: not found (not a weights directory)")
        from precompute.pipeline import run, train_models  # torch imported only past argument checks
        from precompute.train import pick_device
        device = pick_device(args.device)
        log.info("profile %s on %s -> %s", profile.name, device, out)
        if args.train_only:
            from gan_core.data import load_idx_dataset
            train_dir = (args.train_dir or out.parent / f"{out.name}-training").resolve()
            train_models(profile, load_idx_dataset(profile.data_dir, profile.dataset), train_dir, device)
            log.info("trained into %s", train_dir)
            return 0
        run(profile, out, device, train_dir=args.train_dir and args.train_dir.resolve(), force=args.force)
    except (ValueError, FileNotFoundError, DatasetError, CacheError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # one line, no traceback
        return 1
    except KeyboardInterrupt:
        log.error("interrupted; rerun the same command to resume")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
