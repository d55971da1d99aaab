"""Record named layer activations with forward hooks (torchvision feature-extraction style)."""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from torch import nn


def recordable_layers(model: nn.Module) -> list[str]:
    """The layer names `record` accepts for this model."""
    return list(getattr(model, "recorded", ()))


@contextlib.contextmanager
def eval_mode(model: nn.Module):
    """Eval mode inside the block; the previous training flag restored after, even on error."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def record(model: nn.Module, inputs: torch.Tensor, layers: list[str] | None = None,
           batch_size: int = 512, flatten: bool = True) -> dict[str, np.ndarray]:
    """Run `model` over `inputs` in eval mode and return each layer's output as float32 numpy.

    Hooks *clone* their output: a later in-place op (LeakyReLU(inplace=True)) must not
    change what was captured. Hooks are removed in `finally` and training mode restored.
    """
    valid = recordable_layers(model)
    layers = list(valid if layers is None else layers)
    for name in layers:
        if name not in valid:
            raise ValueError(f"unknown layer {name!r} for {type(model).__name__}; valid: {', '.join(valid)}")
    captured: dict[str, list[torch.Tensor]] = {name: [] for name in layers}
    handles = []
    try:
        for name in layers:
            def hook(_module, _inp, out, name=name):
                captured[name].append(out.detach().clone().cpu())
            handles.append(getattr(model, name).register_forward_hook(hook))
        device = next(model.parameters()).device
        with eval_mode(model):
            for start in range(0, len(inputs), batch_size):
                model(inputs[start:start + batch_size].to(device))
    finally:
        for handle in handles:
            handle.remove()
    out = {}
    for name, chunks in captured.items():
        arr = torch.cat(chunks).float().numpy() if chunks else np.zeros((0,), np.float32)
        out[name] = arr.reshape(len(arr), -1) if flatten else arr
    return out
