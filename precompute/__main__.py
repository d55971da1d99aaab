"""python -m precompute: train (full profile) or load the shipped weights, record, embed, write a cache."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

from gan_core.cache import MANIFEST, CacheError
from gan_core.data import DatasetError
from precompute.config import PROFILES, SHIPPED_MODELS_DIR

log = logging.getLogger("precompute")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _methods(text: str) -> tuple:
    methods = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in methods if m not in ("pca", "tsne", "umap")]
    if bad or not methods:
        raise argparse.ArgumentTypeError(f"unknown method(s) {bad or text!r}; choose from pca, tsne, umap")
    return methods


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m precompute",
        description="Build a GAN Layer Atlas cache: train or load the DCGAN and classifier, record every "
                    "layer's activations, embed them with PCA, t-SNE and UMAP, write DIR/manifest.json.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--profile", choices=sorted(PROFILES), default="demo",
                   help="smoke: shipped weights, 300+300 samples (tests); demo: shipped weights, 4096+4096 "
                        "samples; full: train from scratch, 10000+10000 samples (meant for a GPU)")
    p.add_argument("--out", type=Path, default=None, help="cache directory to write (default: runs/PROFILE)")
    p.add_argument("--device", default="auto", help="auto (cuda when available, else cpu), cpu, cuda, cuda:N")
    p.add_argument("--weights", type=Path, default=SHIPPED_MODELS_DIR,
                   help="directory of trained weights for smoke/demo (generator, discriminator, classifier "
                        "safetensors and config.json)")
    p.add_argument("--data", type=Path, default=None, help="directory of the four IDX files (default: the "
                   "MNIST copy in data/mnist)")
    p.add_argument("--dataset", default="mnist", help="dataset name: mnist, fashion-mnist (class names and "
                   "pinned digests), or any name for another IDX directory")
    p.add_argument("--train-dir", type=Path, default=None,
                   help="full profile: where checkpoints go and resume from (default: OUT-training)")
    p.add_argument("--epochs", type=_positive, default=None, help="full profile: GAN training epochs")
    p.add_argument("--train-only", action="store_true", help="full profile: train (or resume), then stop")
    p.add_argument("--n-generated", type=_positive, default=None, help="number of generated samples")
    p.add_argument("--n-real", type=_positive, default=None, help="number of real test images (at most 10000)")
    p.add_argument("--methods", type=_methods, default=None, help="comma-separated subset of pca,tsne,umap")
    p.add_argument("--seed", type=int, default=None, help="seed for z, the real subset and the embeddings")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def profile_from_args(args):
    profile = PROFILES[args.profile]
    rec, emb, train = profile.record, profile.embed, profile.train_cfg
    if args.n_generated or args.n_real:
        rec = dataclasses.replace(rec, n_generated=args.n_generated or rec.n_generated, n_real=args.n_real or rec.n_real)
    if args.methods:
        emb = dataclasses.replace(emb, methods=args.methods)
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


def check_out_dir(out: Path) -> None:
    """Refuse to replace a directory that is not a cache (a typo must not delete someone's files)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file())):
        raise ValueError(f"--out {out}: exists and is not a cache directory; choose a new or empty path")
    parent = out.parent if out.parent != Path("") else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    if not os.access(parent, os.W_OK):
        raise ValueError(f"--out {out}: cannot write in {parent}")


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
        run(profile, out, device, train_dir=args.train_dir and args.train_dir.resolve())
    except (ValueError, FileNotFoundError, DatasetError, CacheError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # one line, no traceback
        return 1
    except KeyboardInterrupt:
        log.error("interrupted; rerun the same command to resume")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
