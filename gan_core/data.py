"""IDX dataset loading with digest verification (no torchvision, no download).

A dataset directory holds the four canonical IDX files, gzip-compressed or plain:
train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
t10k-labels-idx1-ubyte. Digests are SHA-256 of the *uncompressed* content.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST_DIR = PROJECT_ROOT / "data" / "mnist"

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_MAGIC = {0x00000803: 3, 0x00000801: 1}  # uint8 images (N, H, W) and labels (N,)

# Pinned digests of the canonical files: a SHA256SUMS beside altered data cannot vouch for it.
KNOWN_DIGESTS = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {  # Debian's dataset-fashion-mnist
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
}


class DatasetError(ValueError):
    """A dataset file is missing, truncated, malformed or fails its digest."""


@dataclass(frozen=True)
class Dataset:
    name: str
    class_names: list
    train_images: np.ndarray  # (60000, 28, 28) uint8
    train_labels: np.ndarray  # (60000,) uint8
    test_images: np.ndarray  # (10000, 28, 28) uint8
    test_labels: np.ndarray  # (10000,) uint8
    digests: dict  # file stem -> sha256 of uncompressed content

    @property
    def digest(self) -> str:
        """One digest for the whole dataset: sha256 over the sorted per-file digests."""
        joined = "".join(f"{k}:{v}\n" for k, v in sorted(self.digests.items()))
        return hashlib.sha256(joined.encode()).hexdigest()


def _read_bytes(directory: Path, stem: str) -> tuple[bytes, Path]:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            try:
                raw = candidate.read_bytes()
                return (gzip.decompress(raw) if candidate.suffix == ".gz" else raw), candidate
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise DatasetError(f"{candidate}: cannot decompress ({exc}); the file is truncated or corrupt") from exc
    raise DatasetError(f"{directory / (stem + '.gz')}: file not found (nor {stem} uncompressed)")


def parse_idx(content: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes (big-endian magic and dims, then uint8 data) into an array."""
    if len(content) < 8:
        raise DatasetError(f"{source}: {len(content)} bytes is too short for an IDX header")
    (magic,) = struct.unpack(">I", content[:4])
    if magic not in _MAGIC:
        raise DatasetError(f"{source}: bad IDX magic 0x{magic:08x} (expected 0x00000803 or 0x00000801)")
    ndim = _MAGIC[magic]
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", content[4:header])
    expected = header + int(np.prod(dims))
    if len(content) != expected:
        raise DatasetError(f"{source}: {len(content)} bytes, expected {expected} for shape {dims}; truncated?")
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(dims).copy()


def _expected_digests(directory: Path, name: str) -> dict:
    if name in KNOWN_DIGESTS:
        return KNOWN_DIGESTS[name]
    sums = directory / "SHA256SUMS"
    if not sums.is_file():
        return {}
    out = {}
    for line in sums.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[1].removesuffix(".gz")] = parts[0]
    return out


def load_idx_dataset(directory: Path | str = DEFAULT_MNIST_DIR, name: str = "mnist",
                     class_names: list | None = None) -> Dataset:
    """Load the four IDX files of `directory`, verifying each file's SHA-256.

    MNIST's digests are pinned in code; another dataset is checked against the
    SHA256SUMS beside it when there is one (logged when there is none).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DatasetError(f"{directory}: dataset directory not found")
    expected = _expected_digests(directory, name)
    if not expected:
        log.warning("%s: no SHA256SUMS and no pinned digests for %r; loading unverified", directory, name)
    arrays, digests = {}, {}
    for key, stem in IDX_FILES.items():
        content, path = _read_bytes(directory, stem)
        digest = hashlib.sha256(content).hexdigest()
        want = expected.get(stem)
        if want and digest != want:
            raise DatasetError(f"{path}: SHA-256 of uncompressed content is {digest}, expected {want}; "
                               "the file is altered or truncated")
        arrays[key] = parse_idx(content, str(path))
        digests[stem] = digest
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_img != n_lab:
            raise DatasetError(f"{directory}: {split} has {n_img} images but {n_lab} labels")
    names = class_names or CLASS_NAMES.get(name) or [str(c) for c in range(int(arrays["train_labels"].max()) + 1)]
    return Dataset(name=name, class_names=list(names), digests=digests, **arrays)


def to_model_range(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 1, 32, 32) in [-1, 1], zero-padded by 2 pixels (value -1)."""
    x = images.astype(np.float32) / 127.5 - 1.0
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    return x[:, None, :, :]


def to_uint8_image(x: np.ndarray) -> np.ndarray:
    """float (N, 1, 32, 32) in [-1, 1] -> uint8 (N, 28, 28), the centre crop shown to users."""
    x = np.asarray(x, dtype=np.float32).reshape(len(x), 32, 32)[:, 2:30, 2:30]
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
