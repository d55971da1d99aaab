"""IDX loader: digests, shapes, canonical class counts, clear errors on bad files."""
import gzip
import shutil

import numpy as np
import pytest

from gan_core.data import DEFAULT_MNIST_DIR, DatasetError, load_idx_dataset, parse_idx, to_model_range, to_uint8_image

CANONICAL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
CANONICAL_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.fixture(scope="module")
def mnist():
    return load_idx_dataset()


def test_mnist_shapes_and_class_counts(mnist):
    assert mnist.train_images.shape == (60000, 28, 28) and mnist.train_images.dtype == np.uint8
    assert mnist.test_images.shape == (10000, 28, 28)
    assert np.bincount(mnist.train_labels).tolist() == CANONICAL_TRAIN_COUNTS
    assert np.bincount(mnist.test_labels).tolist() == CANONICAL_TEST_COUNTS
    assert mnist.class_names == [str(d) for d in range(10)]
    assert len(mnist.digest) == 64


def test_digests_match_sha256sums_file(mnist):
    sums = dict(reversed(line.split()) for line in (DEFAULT_MNIST_DIR / "SHA256SUMS").read_text().splitlines())
    assert mnist.digests == sums


def _copy(tmp_path):
    dst = tmp_path / "mnist"
    shutil.copytree(DEFAULT_MNIST_DIR, dst)
    for f in dst.iterdir():
        f.chmod(0o644)
    return dst


def test_altered_file_names_file_and_expected_digest(tmp_path):
    d = _copy(tmp_path)
    path = d / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte.*ff7bcfd416de"):
        load_idx_dataset(d)


def test_truncated_gzip_is_reported(tmp_path):
    d = _copy(tmp_path)
    path = d / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte"):
        load_idx_dataset(d)


def test_missing_file_is_named(tmp_path):
    d = _copy(tmp_path)
    (d / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.*not found"):
        load_idx_dataset(d)


def test_missing_directory(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_idx_dataset(tmp_path / "nope")


def test_parse_idx_rejects_bad_magic_and_length():
    with pytest.raises(DatasetError, match="magic"):
        parse_idx(b"\x00\x00\x09\x99" + b"\x00" * 8)
    with pytest.raises(DatasetError, match="truncated"):
        parse_idx(b"\x00\x00\x08\x01\x00\x00\x00\x05" + b"\x01\x02")


def test_unknown_dataset_uses_its_sha256sums(tmp_path):
    d = _copy(tmp_path)
    ds = load_idx_dataset(d, name="my-digits", class_names=list("abcdefghij"))
    assert ds.class_names[0] == "a"
    (d / "SHA256SUMS").write_text((d / "SHA256SUMS").read_text().replace("ba89", "0000"))
    with pytest.raises(DatasetError, match="train-images"):
        load_idx_dataset(d, name="my-digits")


def test_model_range_round_trip(mnist):
    imgs = mnist.test_images[:16]
    x = to_model_range(imgs)
    assert x.shape == (16, 1, 32, 32) and x.min() >= -1 and x.max() <= 1
    np.testing.assert_array_equal(to_uint8_image(x), imgs)


@pytest.mark.skipif(not __import__("os").path.isdir("/usr/share/datasets/fashion-mnist"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian():
    ds = load_idx_dataset("/usr/share/datasets/fashion-mnist", "fashion-mnist")
    assert ds.class_names[-1] == "Ankle boot" and ds.test_images.shape == (10000, 28, 28)
