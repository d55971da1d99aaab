"""All precompute configuration, in one place: frozen dataclasses and the named profiles."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from gan_core.data import DEFAULT_MNIST_DIR, PROJECT_ROOT

SHIPPED_MODELS_DIR = PROJECT_ROOT / "models"


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    batch_size: int = 256
    lr: float = 2e-4
    beta1: float = 0.5
    latent_dim: int = 128
    width: int = 32
    classifier_epochs: int = 4
    classifier_lr: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch_size", "latent_dim", "width", "classifier_epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class RecordConfig:
    n_generated: int = 4096
    n_real: int = 4096
    batch_size: int = 512
    seed: int = 0

    def __post_init__(self):
        if self.n_generated < 1 or self.n_real < 1:
            raise ValueError(f"n_generated and n_real must be at least 1, got {self.n_generated}, {self.n_real}")
        if self.n_real > 10000:
            raise ValueError(f"n_real is at most 10000 (the test set), got {self.n_real}")


@dataclass(frozen=True)
class EmbedConfig:
    methods: tuple = ("pca", "tsne", "umap")
    pca_dims: int = 50
    tsne_perplexity: float = 20.0  # measured: as faithful as 30 on these layers, and cheaper
    tsne_implementation: str = "opentsne"  # chosen by measurement, see README "Benchmarks"
    tsne_iter: int = 300  # all iterations, early exaggeration included (the reference ran 300)
    tsne_early_iter: int = 100
    umap_neighbors: int = 15
    umap_min_dist: float = 0.1
    umap_epochs: int | None = 200  # measured: same map quality as the 500 umap uses below 10k points, 2x faster
    knn_k: int = 10
    evolution_samples: int = 512  # tracked samples per source through the training series; 0 turns it off
    training_epochs: tuple = (1, 2, 5, 10, 20)  # kept checkpoints mapped and measured, besides the last
    path_steps: int = 16  # points along each latent path, endpoints included
    path_pairs: str = "all"  # "all" class pairs (45 for digits), "neighbours" (0-1, 1-2, ... 9-0) or "none"
    extra_paths: tuple = ()  # (id, id) pairs of generated sample ids: paths a user asked for (--path A:B)
    seed: int = 0

    def __post_init__(self):
        unknown = set(self.methods) - {"pca", "tsne", "umap"}
        if unknown:
            raise ValueError(f"unknown embedding method(s) {sorted(unknown)}; valid: pca, tsne, umap")
        if self.pca_dims < 2:
            raise ValueError(f"pca_dims must be at least 2, got {self.pca_dims}")
        if self.evolution_samples < 0:
            raise ValueError(f"evolution_samples must be 0 (off) or more, got {self.evolution_samples}")
        if any(not isinstance(e, int) or e < 1 for e in self.training_epochs):
            raise ValueError(f"training_epochs must be positive integers, got {self.training_epochs}")
        if self.path_steps < 2:
            raise ValueError(f"path_steps must be at least 2 (the two endpoints), got {self.path_steps}")
        if self.path_pairs not in ("all", "neighbours", "none"):
            raise ValueError(f"path_pairs must be all, neighbours or none, got {self.path_pairs!r}")


@dataclass(frozen=True)
class Profile:
    name: str
    train: bool  # train from scratch, or use the shipped weights
    train_cfg: TrainConfig = field(default_factory=TrainConfig)
    record: RecordConfig = field(default_factory=RecordConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    data_dir: Path = DEFAULT_MNIST_DIR
    dataset: str = "mnist"
    weights_dir: Path = SHIPPED_MODELS_DIR

    def to_json(self) -> dict:
        out = asdict(self)
        out["data_dir"], out["weights_dir"] = str(self.data_dir), str(self.weights_dir)
        out["embed"]["methods"] = list(self.embed.methods)
        out["embed"]["training_epochs"] = list(self.embed.training_epochs)
        return out

    def with_(self, **changes) -> "Profile":
        return replace(self, **changes)


PROFILES = {
    "smoke": Profile("smoke", train=False, record=RecordConfig(n_generated=300, n_real=300),
                     embed=EmbedConfig(evolution_samples=200, training_epochs=(1, 5), path_pairs="neighbours",
                                       path_steps=8)),
    "demo": Profile("demo", train=False),
    "full": Profile("full", train=True, record=RecordConfig(n_generated=10000, n_real=10000)),
}
