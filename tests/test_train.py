"""Training writes a checkpoint, sample grid and losses per epoch, and a killed run resumes."""
import dataclasses
import json

import numpy as np
import pytest
import torch

from gan_core.data import load_idx_dataset
from precompute.checkpoints import load_state, load_weights
from precompute.config import TrainConfig
from precompute.train import last_complete_epoch, pick_device, train_gan
from gan_core.models import Generator


@pytest.fixture(scope="module")
def tiny():
    ds = load_idx_dataset()
    return dataclasses.replace(ds, train_images=ds.train_images[:512], train_labels=ds.train_labels[:512])


def test_epochs_checkpoint_and_resume(tiny, tmp_path):
    cfg = TrainConfig(epochs=1, batch_size=256, width=8, latent_dim=16)
    train_gan(tiny, cfg, tmp_path, torch.device("cpu"))
    first = (tmp_path / "checkpoints" / "epoch_001" / "generator.safetensors").read_bytes()
    assert (tmp_path / "samples" / "epoch_001.png").is_file()
    assert last_complete_epoch(tmp_path) == 1
    # a run killed mid-epoch 2 left a temp dir behind: resume ignores it and redoes epoch 2 only
    (tmp_path / "checkpoints" / "epoch_002.tmp").mkdir()
    train_gan(tiny, dataclasses.replace(cfg, epochs=2), tmp_path, torch.device("cpu"))
    assert (tmp_path / "checkpoints" / "epoch_001" / "generator.safetensors").read_bytes() == first
    assert last_complete_epoch(tmp_path) == 2
    losses = json.loads((tmp_path / "losses.json").read_text())
    assert [e["epoch"] for e in losses] == [1, 2] and all(np.isfinite(e["loss_d"]) for e in losses)
    state = load_state(tmp_path / "checkpoints" / "epoch_002" / "state.pt")  # weights_only=True
    assert state["epoch"] == 2
    G = load_weights(Generator(16, 8), tmp_path / "checkpoints" / "epoch_002" / "generator.safetensors")
    assert G(torch.randn(2, 16)).shape == (2, 1, 32, 32)


def test_bad_weights_file_is_reported(tmp_path):
    bad = tmp_path / "generator.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="not a readable safetensors"):
        load_weights(Generator(), bad)


def test_device_choice():
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            pick_device("cuda")
