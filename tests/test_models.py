"""Model shapes, value ranges, hook capture against a plain forward pass, eval-mode batch independence."""
import pytest
import torch

from gan_core.capture import record, recordable_layers
from gan_core.layers import display_label, layer_info, layer_names
from gan_core.models import Classifier, Discriminator, Generator, init_dcgan_weights


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    G, D = Generator(), Discriminator()
    G.apply(init_dcgan_weights), D.apply(init_dcgan_weights)
    # a few train-mode passes so batch-norm running stats are not the trivial init
    with torch.no_grad():
        for _ in range(3):
            D(G(torch.randn(64, 128)))
    return G, D


def test_shapes_and_ranges(models):
    G, D = models
    z = torch.randn(8, 128)
    img = G.eval()(z)
    assert img.shape == (8, 1, 32, 32) and img.min() >= -1 and img.max() <= 1
    assert D.eval()(img).shape == (8, 1)
    assert Classifier()(img).shape == (8, 10)


def test_width_and_latent_are_arguments():
    G = Generator(latent_dim=16, width=8)
    assert G(torch.randn(2, 16)).shape == (2, 1, 32, 32)
    assert Discriminator(width=8)(torch.randn(2, 1, 32, 32)).shape == (2, 1)
    with pytest.raises(ValueError, match="positive"):
        Generator(width=0)


def test_recorded_shapes(models):
    G, D = models
    acts = record(G, torch.randn(5, 128), flatten=False)
    assert {k: tuple(v.shape[1:]) for k, v in acts.items()} == {
        "g1": (128, 4, 4), "g2": (64, 8, 8), "g3": (32, 16, 16), "g_out": (1, 32, 32)}
    acts = record(D, torch.randn(5, 1, 32, 32), flatten=False)
    assert {k: tuple(v.shape[1:]) for k, v in acts.items()} == {
        "d1": (32, 16, 16), "d2": (64, 8, 8), "d3": (128, 4, 4), "d_score": (1,)}


def test_hooks_match_plain_forward_despite_inplace_relu(models):
    """The in-place LeakyReLU after each block must not alter what a hook captured."""
    G, D = models
    z = torch.randn(16, 128)
    acts = record(G, z, flatten=False)
    G.eval()
    with torch.no_grad():
        h1 = G.g1(G.project(z).view(-1, 128, 4, 4))
        h2 = G.g2(h1.clone())
        h3 = G.g3(h2.clone())
        out = G.g_out(h3.clone())
    for name, ref in (("g1", h1), ("g2", h2), ("g3", h3), ("g_out", out)):
        torch.testing.assert_close(torch.from_numpy(acts[name]), ref)
    # a pre-activation hook: the batch-norm output is overwritten in place by LeakyReLU, so
    # capture must clone; check the clone kept negative values that LeakyReLU would scale.
    bn_out = []
    handle = G.g2[1].register_forward_hook(lambda m, i, o: bn_out.append(o.detach().clone()))
    try:
        with torch.no_grad():
            G(z)
    finally:
        handle.remove()
    assert (bn_out[0] < 0).any() and not torch.allclose(bn_out[0], torch.nn.functional.leaky_relu(bn_out[0], 0.2))


def test_hooks_removed_and_training_mode_restored(models):
    G, _ = models
    G.train()
    record(G, torch.randn(4, 128))
    assert G.training
    assert all(not m._forward_hooks for m in G.modules())
    with pytest.raises(ValueError, match="unknown layer 'd1'"):
        record(G, torch.randn(4, 128), ["d1"])
    assert recordable_layers(G) == ["g1", "g2", "g3", "g_out"]


def test_hooks_removed_when_forward_fails(models):
    G, _ = models
    with pytest.raises(RuntimeError):
        record(G, torch.randn(4, 7))  # wrong latent size
    assert all(not m._forward_hooks for m in G.modules()) and G.training


def test_eval_mode_batch_independence(models):
    G, D = models
    z = torch.randn(32, 128)
    full = record(G, z, batch_size=32)
    single = record(G, z[5:6], batch_size=1)
    for name in full:
        torch.testing.assert_close(torch.from_numpy(full[name][5:6]), torch.from_numpy(single[name]))
    x = torch.randn(32, 1, 32, 32)
    a, b = record(D, x, batch_size=7), record(D, x, batch_size=32)
    for name in a:
        torch.testing.assert_close(torch.from_numpy(a[name]), torch.from_numpy(b[name]))


def test_layer_names_and_labels():
    assert layer_names() == ["g1", "g2", "g3", "g_out", "input", "d1", "d2", "d3", "d_score"]
    assert display_label("g2", (64, 8, 8)) == "generator layer 2 · 64×8×8"
    with pytest.raises(ValueError, match="valid names"):
        layer_info("g9")
