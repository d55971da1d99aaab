"""Train the DCGAN and the digit classifier (pytorch/examples style: train(), test()).

Layout of a training directory:
    checkpoints/epoch_003/{generator,discriminator}.safetensors  one per epoch, kept
    checkpoints/epoch_003/state.pt    optimiser state for resume (weights_only-loadable)
    samples/epoch_003.png             8x8 grid from a fixed z
    losses.json                       per-epoch mean losses and timings
    classifier.safetensors, classifier.json
A killed run resumes from its last complete epoch.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from gan_core.data import Dataset, to_model_range, to_uint8_image
from gan_core.images import save_png, tile
from gan_core.models import Classifier, Discriminator, Generator, init_dcgan_weights
from precompute.checkpoints import commit_dir, load_state, load_weights, save_state, save_weights
from precompute.config import TrainConfig

log = logging.getLogger(__name__)
GRID_SEED = 1234  # the fixed z of every epoch's sample grid


def pick_device(requested: str = "auto") -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {requested}: CUDA is not available on this machine")
    return torch.device(requested)


def _write_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2))
    os.replace(tmp, path)


def last_complete_epoch(train_dir: Path) -> int:
    done = [int(m.group(1)) for p in (train_dir / "checkpoints").glob("epoch_*")
            if (m := re.fullmatch(r"epoch_(\d+)", p.name)) and (p / "state.pt").is_file()]
    return max(done, default=0)


def train_gan_epoch(G, D, optG, optD, loader_x: torch.Tensor, cfg: TrainConfig, epoch: int,
                    device: torch.device) -> dict:
    """One epoch of the standard DCGAN recipe (BCE, Adam); returns mean losses."""
    bce = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)  # resume-safe: depends on epoch only
    order = torch.randperm(len(loader_x), generator=gen)
    totals = {"loss_d": 0.0, "loss_g": 0.0, "d_real": 0.0, "d_fake": 0.0}
    G.train(), D.train()
    steps = len(order) // cfg.batch_size
    for step in tqdm(range(steps), desc=f"gan epoch {epoch}", unit="batch", leave=False):
        real = loader_x[order[step * cfg.batch_size:(step + 1) * cfg.batch_size]].to(device)
        z = torch.randn(len(real), cfg.latent_dim, generator=gen).to(device)
        fake = G(z)
        ones, zeros = torch.ones(len(real), 1, device=device), torch.zeros(len(real), 1, device=device)
        d_real, d_fake = D(real), D(fake.detach())
        loss_d = bce(d_real, ones) + bce(d_fake, zeros)
        optD.zero_grad(set_to_none=True)
        loss_d.backward()
        optD.step()
        loss_g = bce(D(fake), ones)  # non-saturating generator loss
        optG.zero_grad(set_to_none=True)
        loss_g.backward()
        optG.step()
        totals["loss_d"] += loss_d.item()
        totals["loss_g"] += loss_g.item()
        totals["d_real"] += torch.sigmoid(d_real).mean().item()
        totals["d_fake"] += torch.sigmoid(d_fake).mean().item()
    return {k: v / steps for k, v in totals.items()}


def train_gan(data: Dataset, cfg: TrainConfig, train_dir: Path, device: torch.device) -> tuple[Generator, Discriminator]:
    """Train (or resume) the GAN for cfg.epochs; every epoch is checkpointed."""
    train_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    G, D = Generator(cfg.latent_dim, cfg.width).to(device), Discriminator(cfg.width).to(device)
    G.apply(init_dcgan_weights), D.apply(init_dcgan_weights)
    optG = torch.optim.Adam(G.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
    start = last_complete_epoch(train_dir)
    history = []
    if start:
        ckpt = train_dir / "checkpoints" / f"epoch_{start:03d}"
        load_weights(G, ckpt / "generator.safetensors"), load_weights(D, ckpt / "discriminator.safetensors")
        state = load_state(ckpt / "state.pt")
        optG.load_state_dict(state["optG"]), optD.load_state_dict(state["optD"])
        history = json.loads((train_dir / "losses.json").read_text())[:start]
        log.info("resuming GAN training after epoch %d of %d", start, cfg.epochs)
    x = torch.from_numpy(to_model_range(data.train_images))
    z_grid = torch.randn(64, cfg.latent_dim, generator=torch.Generator().manual_seed(GRID_SEED))
    for epoch in range(start + 1, cfg.epochs + 1):
        t0 = time.time()
        losses = train_gan_epoch(G, D, optG, optD, x, cfg, epoch, device)
        losses.update(epoch=epoch, seconds=round(time.time() - t0, 1))
        history.append(losses)
        ckpt = train_dir / "checkpoints" / f"epoch_{epoch:03d}"
        tmp = ckpt.with_name(ckpt.name + ".tmp")
        save_weights(G, tmp / "generator.safetensors")
        save_weights(D, tmp / "discriminator.safetensors")
        save_state({"optG": optG.state_dict(), "optD": optD.state_dict(), "epoch": epoch}, tmp / "state.pt")
        commit_dir(tmp, ckpt)
        _write_json(train_dir / "losses.json", history)
        G.eval()
        with torch.no_grad():
            grid = to_uint8_image(G(z_grid.to(device)).cpu().numpy())
        save_png(tile(grid, 8), train_dir / "samples" / f"epoch_{epoch:03d}.png", scale=2)
        log.info("epoch %d/%d  loss_d %.3f  loss_g %.3f  D(x) %.2f  D(G(z)) %.2f  %.0fs", epoch, cfg.epochs,
                 losses["loss_d"], losses["loss_g"], losses["d_real"], losses["d_fake"], losses["seconds"])
    return G.eval(), D.eval()


@torch.no_grad()
def test_classifier(model: Classifier, images: np.ndarray, labels: np.ndarray, device: torch.device) -> float:
    """Accuracy on (images, labels), in eval mode."""
    model.eval()
    x = torch.from_numpy(to_model_range(images))
    correct = 0
    for start in range(0, len(x), 1000):
        pred = model(x[start:start + 1000].to(device)).argmax(1).cpu().numpy()
        correct += int((pred == labels[start:start + 1000]).sum())
    return correct / len(labels)


def train_classifier(data: Dataset, cfg: TrainConfig, train_dir: Path, device: torch.device) -> tuple[Classifier, float]:
    """Train the classifier (Adam, small random shifts); reuse it when already trained with this config."""
    path, meta = train_dir / "classifier.safetensors", train_dir / "classifier.json"
    model = Classifier(cfg.width, n_classes=len(data.class_names)).to(device)
    if path.is_file() and meta.is_file():
        load_weights(model, path)
        return model.eval(), json.loads(meta.read_text())["test_accuracy"]
    torch.manual_seed(cfg.seed)
    x, y = torch.from_numpy(to_model_range(data.train_images)), torch.from_numpy(data.train_labels.astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.classifier_lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.classifier_lr * 3, total_steps=cfg.classifier_epochs * (len(x) // 128))
    gen = torch.Generator().manual_seed(cfg.seed)
    t0 = time.time()
    for epoch in range(1, cfg.classifier_epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for step in tqdm(range(len(x) // 128), desc=f"classifier epoch {epoch}", unit="batch", leave=False):
            idx = order[step * 128:(step + 1) * 128]
            dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()  # shift the batch up to 2 px
            xb = torch.roll(x[idx], shifts=(dx, dy), dims=(2, 3)).to(device)
            loss = nn.functional.cross_entropy(model(xb), y[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = test_classifier(model, data.test_images, data.test_labels, device)
        log.info("classifier epoch %d/%d  test accuracy %.4f", epoch, cfg.classifier_epochs, acc)
    save_weights(model, path)
    _write_json(meta, {"test_accuracy": acc, "epochs": cfg.classifier_epochs, "seconds": round(time.time() - t0, 1)})
    return model.eval(), acc
