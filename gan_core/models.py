"""DCGAN generator, discriminator and digit classifier (the reference design).

Each recorded layer is a submodule named by its canonical layer name (see
gan_core.layers), so `getattr(model, "g2")` is the module whose output is `g2`.
"""
from __future__ import annotations

import torch
from torch import nn

LATENT_DIM = 128
IMAGE_SHAPE = (1, 32, 32)


def _lrelu() -> nn.Module:
    # In-place saves memory; capture.py clones what its hooks take, so this is safe.
    return nn.LeakyReLU(0.2, inplace=True)


class Generator(nn.Module):
    """z (N, latent) -> image (N, 1, 32, 32) in [-1, 1]."""

    recorded = ("g1", "g2", "g3", "g_out")

    def __init__(self, latent_dim: int = LATENT_DIM, width: int = 32):
        super().__init__()
        if latent_dim < 1 or width < 1:
            raise ValueError(f"latent_dim and width must be positive, got {latent_dim} and {width}")
        self.latent_dim, self.width = latent_dim, width
        self.project = nn.Linear(latent_dim, 4 * width * 4 * 4, bias=False)  # (N, 4w*16)
        self.g1 = nn.Sequential(nn.BatchNorm2d(4 * width), _lrelu())  # (N, 128, 4, 4)
        self.g2 = nn.Sequential(
            nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * width), _lrelu())  # (N, 64, 8, 8)
        self.g3 = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width), _lrelu())  # (N, 32, 16, 16)
        self.g_out = nn.Sequential(nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())  # (N, 1, 32, 32)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.project(z).view(-1, 4 * self.width, 4, 4)
        return self.g_out(self.g3(self.g2(self.g1(x))))


class _Trunk(nn.Module):
    """Shared conv trunk: image (N, 1, 32, 32) -> d1 -> d2 -> d3 (N, 128, 4, 4)."""

    def __init__(self, width: int):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be positive, got {width}")
        self.width = width
        self.d1 = nn.Sequential(nn.Conv2d(1, width, 4, 2, 1), _lrelu())  # (N, 32, 16, 16)
        self.d2 = nn.Sequential(
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * width), _lrelu())  # (N, 64, 8, 8)
        self.d3 = nn.Sequential(
            nn.Conv2d(2 * width, 4 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(4 * width), _lrelu())  # (N, 128, 4, 4)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.d3(self.d2(self.d1(x))).flatten(1)  # (N, 2048)


class Discriminator(_Trunk):
    """image (N, 1, 32, 32) -> one real/fake logit (N, 1)."""

    recorded = ("d1", "d2", "d3", "d_score")

    def __init__(self, width: int = 32):
        super().__init__(width)
        self.d_score = nn.Linear(4 * width * 4 * 4, 1)  # (N, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.d_score(self.features(x))


class Classifier(_Trunk):
    """The discriminator's trunk with 10 class logits."""

    def __init__(self, width: int = 32, n_classes: int = 10, dropout: float = 0.3):
        super().__init__(width)
        if n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {n_classes}")
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * width * 4 * 4, n_classes))  # (N, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def init_dcgan_weights(module: nn.Module) -> None:
    """DCGAN init: conv weights N(0, 0.02), batch-norm scale N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
