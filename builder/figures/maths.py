"""The pure numpy functions behind the figure plots (no matplotlib, no scipy).

Every function accepts scalars or array-likes and returns numpy arrays (0-d for scalars),
so the same code draws the plots and is checked by the tests against known values.
"""
from __future__ import annotations

import math

import numpy as np

#: Negative-side slope used for the Leaky ReLU plot (0.1 rather than the common 0.01 so the
#: slope is visible at phone size; the card's answer states the value).
LEAKY_RELU_ALPHA = 0.1

_erf = np.vectorize(math.erf, otypes=[float])


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


# ----------------------------------------------------------------- activation functions
def sigmoid(x):
    """Logistic sigmoid 1 / (1 + e^-x), evaluated without overflow for large |x|."""
    x = _arr(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh(x):
    return np.tanh(_arr(x))


def relu(x):
    return np.maximum(_arr(x), 0.0)


def leaky_relu(x, alpha: float = LEAKY_RELU_ALPHA):
    x = _arr(x)
    return np.where(x >= 0, x, alpha * x)


def normal_cdf(x):
    """Standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    return 0.5 * (1.0 + _erf(_arr(x) / math.sqrt(2.0)))


def gelu(x):
    """Exact GELU: x * Phi(x)."""
    x = _arr(x)
    return x * normal_cdf(x)


def gelu_tanh(x):
    """The tanh approximation of GELU used by BERT / GPT-2 code."""
    x = _arr(x)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


# ----------------------------------------------------------------- learning-rate schedules
def step_decay(step, lr0: float, drop: float, every: int):
    """lr0 * drop ** floor(step / every): the rate is cut by `drop` every `every` steps."""
    return lr0 * drop ** np.floor(_arr(step) / every)


def exponential_decay(step, lr0: float, gamma: float):
    """lr0 * gamma ** step (smooth geometric decay per step)."""
    return lr0 * gamma ** _arr(step)


def cosine_annealing(step, total: int, lr_max: float, lr_min: float = 0.0):
    """lr_min + (lr_max - lr_min) * (1 + cos(pi * t / T)) / 2, held at lr_min after T."""
    t = np.clip(_arr(step), 0, total)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + np.cos(math.pi * t / total))


def warmup_cosine(step, warmup: int, total: int, lr_max: float, lr_min: float = 0.0):
    """Linear warm-up from 0 to lr_max over `warmup` steps, then cosine decay to lr_min at `total`."""
    s = _arr(step)
    ramp = lr_max * np.clip(s, 0, warmup) / warmup
    decay = cosine_annealing(s - warmup, total - warmup, lr_max, lr_min)
    return np.where(s < warmup, ramp, decay)


# ----------------------------------------------------------------- sampling
def softmax(logits, temperature: float = 1.0):
    """Softmax of logits / T over the last axis (max-subtracted for stability)."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    z = _arr(logits) / temperature
    z = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def entropy(p):
    """Shannon entropy in nats (0 log 0 = 0)."""
    p = _arr(p)
    nz = p > 0
    return float(-np.sum(p[nz] * np.log(p[nz])))


def _rank(probs: np.ndarray) -> np.ndarray:
    """Token indices from most to least probable (stable, so ties keep their order)."""
    return np.argsort(-probs, kind="stable")


def top_k_mask(probs, k: int) -> np.ndarray:
    """Boolean mask of the k most probable tokens."""
    p = _arr(probs)
    mask = np.zeros(p.shape, dtype=bool)
    mask[_rank(p)[: max(0, int(k))]] = True
    return mask


def top_p_mask(probs, p: float) -> np.ndarray:
    """Boolean mask of the nucleus: the smallest most-probable set with cumulative mass >= p."""
    probs = _arr(probs)
    order = _rank(probs)
    cum = np.cumsum(probs[order])
    n = int(np.searchsorted(cum, p - 1e-12, side="left")) + 1
    mask = np.zeros(probs.shape, dtype=bool)
    mask[order[: min(n, probs.size)]] = True
    return mask


# ----------------------------------------------------------------- positional encoding
def positional_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """Sinusoidal PE (Vaswani et al. 2017), shape (n_positions, d_model):
    PE[pos, 2i] = sin(pos / base^(2i/d)), PE[pos, 2i+1] = cos(pos / base^(2i/d))."""
    pos = np.arange(n_positions, dtype=float)[:, None]
    two_i = np.arange(0, d_model, 2, dtype=float)[None, :]
    angle = pos / base ** (two_i / d_model)
    pe = np.empty((n_positions, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe


def positional_encoding_component(pos, dim: int, d_model: int, base: float = 10000.0):
    """One column of the sinusoidal PE as a function of a (possibly fractional) position."""
    angle = _arr(pos) / base ** ((dim - dim % 2) / d_model)
    return np.sin(angle) if dim % 2 == 0 else np.cos(angle)
