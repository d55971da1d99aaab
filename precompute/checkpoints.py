"""Weights on disk: safetensors for model weights, weights_only torch files for optimiser state."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn


def save_weights(model: nn.Module, path: Path) -> None:
    """Atomic safetensors write (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp))
    os.replace(tmp, path)


def load_weights(model: nn.Module, path: Path) -> nn.Module:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: weights not found")
    try:
        state = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types on a bad header
        raise ValueError(f"{path}: not a readable safetensors file ({exc})") from exc
    model.load_state_dict(state)
    return model


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_state(state: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_state(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def commit_dir(tmp: Path, final: Path) -> None:
    """Replace `final` by the finished `tmp` directory with renames only."""
    if final.exists():
        old = final.with_name(final.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
