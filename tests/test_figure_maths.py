"""The maths behind the figures (builder/figures/maths.py), against known values and independent
re-implementations in this file: a wrong formula fails here before any plot is drawn."""
import math

import numpy as np
import pytest

from builder.figures import maths


def _phi(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


# ============================================================== maths
def test_sigmoid_known_values_symmetry_and_no_overflow():
    assert maths.sigmoid(0.0) == 0.5
    assert maths.sigmoid(2.0) == pytest.approx(1 / (1 + math.exp(-2.0)), abs=1e-15)
    x = np.linspace(-800, 800, 4001)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = maths.sigmoid(x)
        s_neg = maths.sigmoid(-x)
    np.testing.assert_allclose(s + s_neg, 1.0, atol=1e-12)
    assert np.all(np.diff(s) >= 0) and s[0] == 0.0 and s[-1] == 1.0


def test_tanh_is_odd_and_bounded():
    x = np.linspace(-6, 6, 241)
    np.testing.assert_allclose(maths.tanh(-x), -maths.tanh(x), atol=1e-15)
    np.testing.assert_allclose(maths.tanh(x), 2 * maths.sigmoid(2 * x) - 1, atol=1e-12)
    assert maths.tanh(0.0) == 0.0 and np.all(np.abs(maths.tanh(x)) < 1)


def test_relu_and_leaky_relu():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(maths.relu(x), [0.0, 0.0, 0.0, 0.5, 3.0])
    assert maths.LEAKY_RELU_ALPHA == 0.1
    y = maths.leaky_relu(x)
    np.testing.assert_allclose(y, [-0.3, -0.05, 0.0, 0.5, 3.0])
    # slope 0.1 on the negative side, 1 on the positive side; alpha is a parameter
    assert (maths.leaky_relu(-1.0) - maths.leaky_relu(-3.0)) / 2.0 == pytest.approx(0.1)
    assert (maths.leaky_relu(3.0) - maths.leaky_relu(1.0)) / 2.0 == pytest.approx(1.0)
    assert maths.leaky_relu(-2.0, alpha=0.01) == pytest.approx(-0.02)


def test_gelu_exact_and_tanh_approximation():
    assert maths.gelu(1.0) == pytest.approx(0.8413, abs=5e-5)
    assert maths.gelu(-1.0) == pytest.approx(-0.1587, abs=5e-5)
    assert maths.gelu(0.0) == 0.0
    assert maths.gelu(2.0) == pytest.approx(1.9545, abs=5e-5)
    assert maths.normal_cdf(1.959964) == pytest.approx(0.975, abs=1e-6)
    x = np.linspace(-5, 5, 1001)
    np.testing.assert_allclose(maths.gelu(x), [v * _phi(v) for v in x], atol=1e-12)
    np.testing.assert_allclose(maths.gelu_tanh(x), maths.gelu(x), atol=1e-3)
    i = int(np.argmin(maths.gelu(x)))  # the dip the answer text quotes
    assert x[i] == pytest.approx(-0.75, abs=0.01) and maths.gelu(x[i]) == pytest.approx(-0.17, abs=0.005)


def test_step_and_exponential_decay():
    assert maths.step_decay(0, 0.1, 0.5, 200) == pytest.approx(0.1)
    assert maths.step_decay(199, 0.1, 0.5, 200) == pytest.approx(0.1)
    assert maths.step_decay(200, 0.1, 0.5, 200) == pytest.approx(0.05)
    assert maths.step_decay(450, 0.1, 0.5, 200) == pytest.approx(0.025)
    assert maths.exponential_decay(0, 0.1, 0.997) == pytest.approx(0.1)
    assert maths.exponential_decay(1000, 0.1, 0.997) == pytest.approx(0.1 * 0.997**1000)
    t = np.arange(0, 1000)
    ratio = maths.exponential_decay(t + 1, 0.1, 0.997) / maths.exponential_decay(t, 0.1, 0.997)
    np.testing.assert_allclose(ratio, 0.997)


def test_cosine_annealing_endpoints_midpoint_and_monotonic():
    T, hi, lo = 1000, 0.1, 0.002
    assert maths.cosine_annealing(0, T, hi, lo) == pytest.approx(hi)
    assert maths.cosine_annealing(T, T, hi, lo) == pytest.approx(lo)
    assert maths.cosine_annealing(T / 2, T, hi, lo) == pytest.approx((hi + lo) / 2)
    assert maths.cosine_annealing(T / 4, T, hi, lo) == pytest.approx(lo + (hi - lo) * (1 + math.sqrt(0.5)) / 2)
    assert maths.cosine_annealing(T + 50, T, hi, lo) == pytest.approx(lo)  # held after T
    assert np.all(np.diff(maths.cosine_annealing(np.arange(T + 1), T, hi, lo)) <= 1e-15)


def test_warmup_then_cosine():
    W, T, hi, lo = 100, 1000, 0.1, 0.0
    lr = maths.warmup_cosine(np.arange(T + 1), W, T, hi, lo)
    assert lr[0] == 0.0
    assert lr[W // 2] == pytest.approx(hi / 2)
    assert lr[W] == pytest.approx(hi)
    np.testing.assert_allclose(np.diff(lr[: W + 1]), hi / W)  # a linear ramp
    assert lr[T] == pytest.approx(lo, abs=1e-15)
    assert lr[W + (T - W) // 2] == pytest.approx((hi + lo) / 2)
    assert np.argmax(lr) == W and np.all(np.diff(lr[W:]) <= 1e-15)


def test_softmax_temperature():
    z = np.array([3.0, 2.0, 1.0, 0.5, 0.0, -1.0])
    for T in (0.25, 0.5, 1.0, 2.0, 4.0):
        p = maths.softmax(z, T)
        assert p.sum() == pytest.approx(1.0) and np.all(p > 0)
        assert list(np.argsort(-p)) == list(np.argsort(-z))  # ranking never changes
    e = np.exp(z - z.max())
    np.testing.assert_allclose(maths.softmax(z), e / e.sum())
    np.testing.assert_allclose(maths.softmax(z + 1000.0), maths.softmax(z))  # shift-invariant, no overflow
    ent = [maths.entropy(maths.softmax(z, T)) for T in (0.25, 0.5, 1.0, 2.0, 4.0, 100.0)]
    assert all(a < b for a, b in zip(ent, ent[1:]))
    assert ent[-1] == pytest.approx(math.log(len(z)), abs=0.01)  # T -> inf: uniform
    assert maths.softmax(z, 0.01)[0] == pytest.approx(1.0)     # T -> 0: argmax
    assert maths.softmax(z, 0.5)[0] == pytest.approx(0.86, abs=0.005)  # quoted in the answer
    with pytest.raises(ValueError):
        maths.softmax(z, 0.0)


def _naive_nucleus(p, top_p):
    order = sorted(range(len(p)), key=lambda i: -p[i])
    kept, total = [], 0.0
    for i in order:
        kept.append(i)
        total += p[i]
        if total >= top_p - 1e-12:
            break
    return set(kept)


def test_top_k_and_top_p_masks():
    p = np.array([0.30, 0.18, 0.12, 0.09, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.015, 0.01, 0.008, 0.005, 0.002])
    assert p.sum() == pytest.approx(1.0)
    k = maths.top_k_mask(p, 5)
    assert k.sum() == 5 and list(np.flatnonzero(k)) == [0, 1, 2, 3, 4]
    assert p[k].sum() == pytest.approx(0.76)
    nuc = maths.top_p_mask(p, 0.9)
    assert list(np.flatnonzero(nuc)) == list(range(8)) and p[nuc].sum() == pytest.approx(0.91)
    # exact boundary: 0.5 + 0.4 reaches 0.9, the third token is not needed
    assert maths.top_p_mask([0.5, 0.4, 0.1], 0.9).tolist() == [True, True, False]
    assert maths.top_p_mask([0.5, 0.4, 0.1], 1.0).all()
    assert maths.top_p_mask([0.7, 0.2, 0.1], 0.1).tolist() == [True, False, False]
    # unsorted input: masks follow the ranking, not the position
    q = np.array([0.1, 0.6, 0.3])
    assert maths.top_k_mask(q, 2).tolist() == [False, True, True]
    assert maths.top_p_mask(q, 0.8).tolist() == [False, True, True]
    rng = np.random.default_rng(0)
    for _ in range(300):
        probs = rng.dirichlet(np.full(rng.integers(2, 30), rng.uniform(0.1, 3)))
        top_p = float(rng.uniform(0.05, 1.0))
        mask = maths.top_p_mask(probs, top_p)
        assert set(np.flatnonzero(mask)) == _naive_nucleus(probs, top_p)
        kept = np.sort(probs[mask])
        assert kept.sum() >= top_p - 1e-9                     # reaches p ...
        assert kept.sum() - kept[0] < top_p                   # ... and is the smallest such prefix
        assert probs[~mask].max(initial=0) <= kept[0]         # it is a prefix of the sorted order


def test_positional_encoding_known_values():
    pe = maths.positional_encoding(64, 128)
    assert pe.shape == (64, 128)
    np.testing.assert_array_equal(pe[0, 0::2], 0.0)   # PE(0, 2i) = sin 0
    np.testing.assert_array_equal(pe[0, 1::2], 1.0)   # PE(0, 2i+1) = cos 0
    pos = np.arange(64)
    np.testing.assert_allclose(pe[:, 0], np.sin(pos))
    np.testing.assert_allclose(pe[:, 1], np.cos(pos))
    assert pe[1, 2] == pytest.approx(math.sin(1 / 10000 ** (2 / 128)))
    assert pe[5, 3] == pytest.approx(math.cos(5 / 10000 ** (2 / 128)))
    assert pe[10, 64] == pytest.approx(math.sin(10 / 10000 ** (64 / 128)))
    assert pe[63, 127] == pytest.approx(math.cos(63 / 10000 ** (126 / 128)))
    np.testing.assert_allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1.0)
    assert len({tuple(np.round(r, 9)) for r in pe}) == 64  # every position is unique
    for dim in (0, 1, 16, 33, 127):
        np.testing.assert_allclose(maths.positional_encoding_component(pos, dim, 128), pe[:, dim])


# ============================================================== catalogue
