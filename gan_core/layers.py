"""The canonical layer names, used in code, cache and UI alike (no torch here)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerInfo:
    name: str
    model: str  # "generator", "discriminator" or "data"
    title: str  # human words, before the shape


LAYERS = (
    LayerInfo("g1", "generator", "generator layer 1"),
    LayerInfo("g2", "generator", "generator layer 2"),
    LayerInfo("g3", "generator", "generator layer 3"),
    LayerInfo("g_out", "generator", "generator output"),
    LayerInfo("input", "data", "real input image"),
    LayerInfo("d1", "discriminator", "discriminator layer 1"),
    LayerInfo("d2", "discriminator", "discriminator layer 2"),
    LayerInfo("d3", "discriminator", "discriminator layer 3"),
    LayerInfo("d_score", "discriminator", "discriminator score"),
)
_BY_NAME = {layer.name: layer for layer in LAYERS}
GENERATOR_LAYERS = ("g1", "g2", "g3", "g_out")
DISCRIMINATOR_LAYERS = ("d1", "d2", "d3", "d_score")
SOURCES = ("generated", "real", "joint")


def layer_names() -> list[str]:
    """Every valid layer name, in network order."""
    return [layer.name for layer in LAYERS]


def layer_info(name: str) -> LayerInfo:
    if name not in _BY_NAME:
        raise ValueError(f"unknown layer {name!r}; valid names: {', '.join(layer_names())}")
    return _BY_NAME[name]


def shape_text(shape) -> str:
    return "×".join(str(int(s)) for s in shape)


def display_label(name: str, shape) -> str:
    """e.g. 'generator layer 2 · 64×8×8'."""
    return f"{layer_info(name).title} · {shape_text(shape)}"
