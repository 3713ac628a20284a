"""Matplotlib plots for the figure cards (activation functions, LR schedules, sampling, PE).

Each public ``draw_*`` function takes only keyword parameters (they are part of the figure's
content hash) and returns a matplotlib ``Figure``. It must be called inside
:func:`style_context`, which pins every rcParam that influences the pixels, so the PNG is
byte-for-byte reproducible. matplotlib is imported lazily: importing this module is cheap,
which keeps ``builder.figures.catalogue()`` and the warm-cache path fast.

Phone-first sizing: figures are 5.5 in wide at 200 dpi (1100 px), so a 14 pt font is ~39 px
tall in the PNG, i.e. ~12 CSS px when AnkiDroid scales the image to a 360 px wide screen.
"""
from __future__ import annotations

import contextlib

import numpy as np

from . import maths

DPI = 200
WIDTH_IN = 5.5
MIN_FONT_PT = 14

# Okabe-Ito colour-blind-safe palette (+ black), all readable on white.
BLUE, ORANGE, GREEN, PINK, VERMILLION, SKY = "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9"
GREY_BAR = "#C9C9C9"

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "mathtext.fontset": "dejavusans",
    "font.size": 15,
    "axes.titlesize": 16,
    "axes.titleweight": "bold",
    "axes.labelsize": 15,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "legend.title_fontsize": 14,
    "legend.framealpha": 0.95,
    "legend.edgecolor": "#444444",
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": "black",
    "axes.labelcolor": "black",
    "text.color": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "axes.linewidth": 1.6,
    "lines.linewidth": 3.5,
    "lines.solid_capstyle": "round",
    "grid.color": "#BBBBBB",
    "grid.linewidth": 1.0,
    "grid.linestyle": "-",
    "xtick.major.width": 1.6,
    "ytick.major.width": 1.6,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "axes.unicode_minus": True,
    "path.simplify": True,
    "path.simplify_threshold": 0.111111111111,
    "agg.path.chunksize": 0,
    "text.hinting": "force_autohint",
    "text.antialiased": True,
    "lines.antialiased": True,
    "patch.antialiased": True,
    "image.interpolation": "nearest",
    "image.resample": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": None,
    "savefig.pad_inches": 0.1,
    "figure.constrained_layout.h_pad": 0.06,
    "figure.constrained_layout.w_pad": 0.06,
}


@contextlib.contextmanager
def style_context():
    """Agg backend, matplotlib defaults, then STYLE: independent of any user matplotlibrc."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)
        yield


def _figure(height_in: float, nrows: int = 1, ncols: int = 1, **subplot_kw):
    """A constrained-layout Figure (no pyplot state) with an Agg canvas, plus its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def _function_axes(ax, x_range, y_range, y_step: float, x_step: float = 1.0) -> None:
    """Axes for f(x) plots: bold black axes through the origin, grid, tick labels on the frame."""
    from matplotlib.ticker import MultipleLocator

    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.xaxis.set_major_locator(MultipleLocator(x_step))
    ax.yaxis.set_major_locator(MultipleLocator(y_step))
    ax.grid(True, zorder=0)
    ax.axhline(0, color="black", lw=2.2, zorder=2)
    ax.axvline(0, color="black", lw=2.2, zorder=2)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")


def _minus(text: str) -> str:
    """Typographic minus signs, as matplotlib uses on the axes."""
    return text.replace("-", "\u2212")


def _x(x_min: float, x_max: float) -> np.ndarray:
    return np.linspace(x_min, x_max, 2001)


# ----------------------------------------------------------------- activation functions
def draw_sigmoid(x_min: float = -5.0, x_max: float = 5.0):
    fig, ax = _figure(4.4)
    x = _x(x_min, x_max)
    _function_axes(ax, (x_min, x_max), (-0.15, 1.15), 0.25)
    for level in (0.0, 1.0):
        ax.axhline(level, color=VERMILLION, lw=2.0, ls=(0, (5, 4)), zorder=2)
    ax.plot(x, maths.sigmoid(x), color=BLUE, zorder=3)
    ax.plot([0], [0.5], "o", color=BLUE, ms=11, mec="black", mew=1.5, zorder=4)
    ax.annotate("(0, 0.5)", xy=(0, 0.5), xytext=(0.6, 0.33), fontsize=15)
    return fig


def draw_tanh(x_min: float = -5.0, x_max: float = 5.0):
    fig, ax = _figure(4.4)
    x = _x(x_min, x_max)
    _function_axes(ax, (x_min, x_max), (-1.3, 1.3), 0.5)
    for level in (-1.0, 1.0):
        ax.axhline(level, color=VERMILLION, lw=2.0, ls=(0, (5, 4)), zorder=2)
    ax.plot(x, maths.tanh(x), color=BLUE, zorder=3)
    return fig


def draw_relu(x_min: float = -5.0, x_max: float = 5.0):
    fig, ax = _figure(4.4)
    x = _x(x_min, x_max)
    _function_axes(ax, (x_min, x_max), (-1.5, 5.2), 1.0)
    ax.plot(x, maths.relu(x), color=BLUE, zorder=3)
    return fig


def draw_leaky_relu(x_min: float = -5.0, x_max: float = 5.0, alpha: float = maths.LEAKY_RELU_ALPHA):
    fig, ax = _figure(4.4)
    x = _x(x_min, x_max)
    _function_axes(ax, (x_min, x_max), (-1.5, 5.2), 1.0)
    ax.plot(x, maths.leaky_relu(x, alpha), color=BLUE, zorder=3)
    ax.annotate(f"slope {alpha:g}", xy=(-3.0, -3.0 * alpha), xytext=(-4.6, 1.2), fontsize=15,
                arrowprops={"arrowstyle": "-|>", "lw": 2.0, "color": "black", "mutation_scale": 20})
    ax.annotate("slope 1", xy=(2.5, 2.5), xytext=(3.0, 1.0), fontsize=15,
                arrowprops={"arrowstyle": "-|>", "lw": 2.0, "color": "black", "mutation_scale": 20})
    return fig


def draw_gelu(x_min: float = -5.0, x_max: float = 5.0):
    fig, ax = _figure(4.4)
    x = _x(x_min, x_max)
    _function_axes(ax, (x_min, x_max), (-1.5, 5.2), 1.0)
    y = maths.gelu(x)
    ax.plot(x, y, color=BLUE, zorder=3)
    i = int(np.argmin(y))
    ax.plot([x[i]], [y[i]], "o", color=BLUE, ms=10, mec="black", mew=1.5, zorder=4)
    ax.annotate(_minus(f"min ≈ {y[i]:.2f}\nat x ≈ {x[i]:.2f}"), xy=(x[i], y[i]), xytext=(-4.7, 1.3), fontsize=15,
                arrowprops={"arrowstyle": "-|>", "lw": 2.0, "color": "black", "mutation_scale": 20})
    return fig


def draw_activation_comparison(x_min: float = -4.0, x_max: float = 4.0,
                               alpha: float = maths.LEAKY_RELU_ALPHA):
    fig, ax = _figure(5.0)
    x = _x(x_min, x_max)
    _function_axes(ax, (x_min, x_max), (-1.5, 4.2), 1.0)
    curves = [
        ("sigmoid", maths.sigmoid(x), BLUE, "-"),
        ("tanh", maths.tanh(x), VERMILLION, "-"),
        ("ReLU", maths.relu(x), GREEN, (0, (6, 3))),
        (f"Leaky ReLU (α={alpha:g})", maths.leaky_relu(x, alpha), PINK, (0, (2, 2))),
        ("GELU", maths.gelu(x), ORANGE, "-"),
    ]
    for name, y, color, ls in curves:
        ax.plot(x, y, color=color, ls=ls, lw=3.2, label=name, zorder=3)
    ax.legend(loc="upper left", handlelength=2.6)
    return fig


# ----------------------------------------------------------------- learning-rate schedules
def _schedule_axes(ax, total: int, lr_max: float) -> None:
    from matplotlib.ticker import MultipleLocator

    ax.set_xlim(0, total)
    ax.set_ylim(-0.04 * lr_max, lr_max * 1.08)
    ax.xaxis.set_major_locator(MultipleLocator(total / 5))
    ax.yaxis.set_major_locator(MultipleLocator(lr_max / 5))
    ax.grid(True, zorder=0)
    ax.set_xlabel("training step")
    ax.set_ylabel("learning rate")


def draw_lr_step_decay(total: int = 1000, lr0: float = 0.1, drop: float = 0.5, every: int = 200):
    fig, ax = _figure(4.2)
    t = np.arange(total)  # stop before the drop at `total` itself
    _schedule_axes(ax, total, lr0)
    ax.plot(t, maths.step_decay(t, lr0, drop, every), color=BLUE, zorder=3)
    return fig


def draw_lr_exponential_decay(total: int = 1000, lr0: float = 0.1, gamma: float = 0.997):
    fig, ax = _figure(4.2)
    t = np.arange(total + 1)
    _schedule_axes(ax, total, lr0)
    ax.plot(t, maths.exponential_decay(t, lr0, gamma), color=BLUE, zorder=3)
    return fig


def draw_lr_cosine_annealing(total: int = 1000, lr_max: float = 0.1, lr_min: float = 0.0):
    fig, ax = _figure(4.2)
    t = np.arange(total + 1)
    _schedule_axes(ax, total, lr_max)
    ax.plot(t, maths.cosine_annealing(t, total, lr_max, lr_min), color=BLUE, zorder=3)
    return fig


def draw_lr_warmup_cosine(total: int = 1000, warmup: int = 100, lr_max: float = 0.1, lr_min: float = 0.0):
    fig, ax = _figure(4.2)
    t = np.arange(total + 1)
    _schedule_axes(ax, total, lr_max)
    ax.plot(t, maths.warmup_cosine(t, warmup, total, lr_max, lr_min), color=BLUE, zorder=3)
    return fig


# ----------------------------------------------------------------- sampling
def draw_softmax_temperature(tokens: tuple = ("cat", "dog", "car", "sky", "tea", "pen"),
                             logits: tuple = (3.0, 2.0, 1.0, 0.5, 0.0, -1.0),
                             temperatures: tuple = (0.5, 1.0, 2.0)):
    fig, ax = _figure(4.8)
    n, m = len(logits), len(temperatures)
    pos = np.arange(n)
    width = 0.8 / m
    colors = ("#08306B", "#2879B9", "#9CC9E2")  # dark → light: low T → high T
    hatches = ("", "", "//")
    for j, temp in enumerate(temperatures):
        p = maths.softmax(logits, temp)
        ax.bar(pos + (j - (m - 1) / 2) * width, p, width, color=colors[j % 3], edgecolor="black",
               linewidth=1.2, hatch=hatches[j % 3], label=f"T = {temp:g}", zorder=3)
    ax.axhline(1 / n, color=VERMILLION, lw=2.5, ls=(0, (5, 3)), label="uniform", zorder=4)
    ax.set_xticks(pos, [_minus(f"{t}\n{z:g}") for t, z in zip(tokens, logits)])
    ax.set_xlabel("token and its logit")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.0)
    ax.grid(True, axis="y", zorder=0)
    ax.legend(loc="upper right")
    return fig


def draw_top_k_top_p(probs: tuple = (0.30, 0.18, 0.12, 0.09, 0.07, 0.06, 0.05, 0.04,
                                      0.03, 0.02, 0.015, 0.01, 0.008, 0.005, 0.002),
                     k: int = 5, p: float = 0.9):
    fig, (ax_a, ax_b) = _figure(6.6, 2, 1, sharex=True)
    probs_arr = np.asarray(probs)
    ranks = np.arange(1, probs_arr.size + 1)
    panels = ((ax_a, "A", maths.top_k_mask(probs_arr, k), BLUE),
              (ax_b, "B", maths.top_p_mask(probs_arr, p), ORANGE))
    for ax, name, mask, color in panels:
        ax.bar(ranks, probs_arr, 0.8, color=np.where(mask, color, GREY_BAR), edgecolor="black",
               linewidth=1.2, zorder=3)
        ax.set_title(name, loc="left")  # not the kept count or mass: "mass 0.91" would answer "p = 0.9"
        ax.set_ylim(0, 0.34)
        ax.set_yticks([0, 0.1, 0.2, 0.3])
        ax.grid(True, axis="y", zorder=0)
        ax.set_ylabel("probability")
    ax_b.set_xticks(ranks[::2])
    ax_b.set_xlabel("tokens sorted by probability (rank)")
    return fig


# ----------------------------------------------------------------- positional encoding
def draw_positional_encoding_heatmap(n_positions: int = 64, d_model: int = 128):
    fig, ax = _figure(4.9)
    pe = maths.positional_encoding(n_positions, d_model)
    im = ax.imshow(pe, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest",
                   origin="upper", extent=(-0.5, d_model - 0.5, n_positions - 0.5, -0.5))
    ax.set_xticks([0, 32, 64, 96, 127])
    ax.set_yticks([0, 16, 32, 48, 63])
    ax.set_xlabel("embedding dimension")
    ax.set_ylabel("position")
    cbar = fig.colorbar(im, ax=ax, ticks=[-1, -0.5, 0, 0.5, 1], fraction=0.06, pad=0.03)
    cbar.outline.set_linewidth(1.4)
    return fig


def draw_positional_encoding_waves(n_positions: int = 64, d_model: int = 128,
                                   dims: tuple = (0, 16, 32, 64)):
    fig, axes = _figure(6.4, len(dims), 1, sharex=True)
    pe = maths.positional_encoding(n_positions, d_model)
    pos = np.arange(n_positions)
    fine = np.linspace(0, n_positions - 1, 2001)
    colors = (BLUE, VERMILLION, GREEN, PINK)
    for ax, dim, color in zip(axes, dims, colors):
        ax.plot(fine, maths.positional_encoding_component(fine, dim, d_model), color=color, lw=2.6, zorder=3)
        ax.plot(pos, pe[:, dim], "o", color=color, ms=5.5, mec="black", mew=0.8, zorder=4)
        ax.set_ylim(-1.3, 1.3)
        ax.set_yticks([-1, 0, 1])
        ax.set_xlim(-0.5, n_positions - 0.5)
        ax.grid(True, zorder=0)
        ax.set_ylabel(f"dim {dim}")
    axes[-1].set_xticks([0, 16, 32, 48, 63])
    axes[-1].set_xlabel("position")
    return fig
