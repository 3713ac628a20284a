"""Labelled architecture diagrams drawn with matplotlib patches, arrows and text.

Each public ``draw_*`` function takes ``t`` (:class:`Texts`: the diagram's texts from
``decks/figures.yaml`` by key; the layout stays here) and returns ``(fig, labels)`` where
``labels`` is a list of :class:`LabelText`: one matplotlib Text per masked label, with its
plain-Unicode answer text and, for boxed labels, the box patch that must contain it. A
label drawn twice gives two masks of one card. The renderer in ``builder.figures``
turns every label's rendered text extent into an Image Occlusion mask and checks that
masks do not overlap, that every boxed text fits its box and that nothing is clipped.

Coordinates are inches: the single axes fills the figure and its limits equal the figure
size, so a 0.1 unit gap is 0.1 in (20 px at 200 dpi). Must run inside ``plots.style_context``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .catalogue_yaml import Text
from .plots import DPI, WIDTH_IN

INK = "#1A1A1A"
# (fill, edge) pairs: pastel fills, dark edges, black text -> high contrast.
C_BLUE = ("#DCEBF7", "#1F4E79")
C_ORANGE = ("#FDE6CC", "#8A4100")
C_GREEN = ("#DDF1D8", "#1B5E20")
C_PURPLE = ("#EAE1F8", "#4A2C82")
C_RED = ("#FADBD8", "#922B21")
C_GREY = ("#EFEFEF", "#404040")
C_FRAME = ("#F7F7F7", "#8C8C8C")

BOX_PT = 15
NOTE_PT = 14


@dataclass
class LabelText:
    text: Any            # matplotlib.text.Text
    plain: str           # the label's answer text (Unicode, single line)
    container: Any = None  # the patch the text must fit in, or None for free text


class Texts:
    """A diagram's texts by key (labels are masked, the others only drawn)."""

    def __init__(self, texts):
        self._by_key = {t.key: t for t in texts}

    def __getitem__(self, key: str) -> Text:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"decks/figures.yaml defines no text {key!r} for this diagram") from None


class _Canvas:
    """A figure whose data coordinates are inches, with helpers for boxes, notes and arrows."""

    def __init__(self, height: float, width: float = WIDTH_IN):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.set_axis_off()
        self.labels: list[LabelText] = []

    def result(self):
        return self.fig, self.labels

    def box(self, cx, cy, w, h, text, plain=None, colors=C_BLUE, *, label=True, dashed=False,
            fontsize=BOX_PT, bold=False, lw=2.2, round_size=0.1):
        from matplotlib.patches import FancyBboxPatch

        if isinstance(text, Text):
            text, plain, label = text.text, text.plain, text.masked
        fill, edge = colors
        patch = FancyBboxPatch((cx - w / 2, cy - h / 2), w, h,
                               boxstyle=f"round,pad=0,rounding_size={round_size}",
                               facecolor=fill, edgecolor=edge, linewidth=lw,
                               linestyle=(0, (4, 2.5)) if dashed else "-", zorder=2)
        self.ax.add_patch(patch)
        if text:
            t = self.ax.text(cx, cy, text, ha="center", va="center", multialignment="center",
                             fontsize=fontsize, color=INK, fontweight="bold" if bold else "normal",
                             zorder=4)
            if label:
                self.labels.append(LabelText(t, plain or " ".join(text.split()), patch))
        return _Box(cx, cy, w, h)

    def frame(self, x0, y0, x1, y1, colors=C_FRAME):
        """A light background panel grouping boxes (no label)."""
        from matplotlib.patches import FancyBboxPatch

        fill, edge = colors
        self.ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.15",
                                         facecolor=fill, edgecolor=edge, linewidth=1.8, zorder=1))

    def note(self, x, y, text, plain=None, *, label=True, ha="center", va="center",
             fontsize=NOTE_PT, color=INK, style="normal", weight="normal"):
        if isinstance(text, Text):
            text, plain, label = text.text, text.plain, text.masked
        t = self.ax.text(x, y, text, ha=ha, va=va, multialignment="center", fontsize=fontsize,
                         color=color, fontstyle=style, fontweight=weight, zorder=5)
        if label:
            self.labels.append(LabelText(t, plain or " ".join(text.split()), None))
        return t

    def arrow(self, *points, color=INK, dashed=False, lw=2.2, head=20):
        """A polyline through `points` with a (always solid) arrow head at the last point."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import FancyArrowPatch

        (x1, y1), (x2, y2) = points[-2], points[-1]
        tip_len = min(0.22, float(np.hypot(x2 - x1, y2 - y1)))
        ux, uy = (x2 - x1), (y2 - y1)
        norm = float(np.hypot(ux, uy)) or 1.0
        tail = (x2 - ux / norm * tip_len, y2 - uy / norm * tip_len)
        line_pts = list(points[:-1]) + [tail]
        if len(line_pts) >= 2 and (len(points) > 2 or tip_len < norm):
            xs, ys = zip(*line_pts)
            self.ax.add_line(Line2D(xs, ys, color=color, lw=lw, ls=(0, (4, 2.5)) if dashed else "-",
                                    solid_capstyle="butt", solid_joinstyle="miter",
                                    dash_capstyle="butt", zorder=3))
        self.ax.add_patch(FancyArrowPatch(tail, (x2, y2), arrowstyle="-|>", mutation_scale=head,
                                          color=color, lw=lw, shrinkA=0, shrinkB=0,
                                          joinstyle="miter", capstyle="butt", zorder=3))


@dataclass(frozen=True)
class _Box:
    cx: float
    cy: float
    w: float
    h: float

    @property
    def top(self):
        return (self.cx, self.cy + self.h / 2)

    @property
    def bottom(self):
        return (self.cx, self.cy - self.h / 2)

    @property
    def left(self):
        return (self.cx - self.w / 2, self.cy)

    @property
    def right(self):
        return (self.cx + self.w / 2, self.cy)

    def at_x(self, x, side="top"):
        return (x, self.cy + (self.h / 2 if side == "top" else -self.h / 2))

    def at_y(self, y, side="left"):
        return (self.cx + (-self.w / 2 if side == "left" else self.w / 2), y)


# ----------------------------------------------------------------- transformer
def _residual(c, branch_y, side_x, x, target):
    """A residual (skip) connection: from the sub-layer's input line at (x, branch_y) around
    the sub-layer into the side of its Add & Norm box."""
    c.arrow((x, branch_y), (side_x, branch_y), (side_x, target.cy),
            (target.cx + (-1 if side_x < target.cx else 1) * target.w / 2, target.cy), lw=2.0, head=16)


def draw_transformer(t):
    c = _Canvas(9.7)
    ex, dx, w, we = 1.45, 4.05, 2.0, 2.2   # column centres, sub-layer and embedding box widths
    two, one, an = 0.78, 0.56, 0.42        # box heights: two-line, one-line, Add & Norm
    gap_in, gap_an = 0.42, 0.28            # before a sub-layer (residual branches here), before Add & Norm
    c.note(ex, 0.45, t["inputs"], weight="bold", fontsize=15)
    c.note(dx, 0.45, t["shifted"], weight="bold", fontsize=15)
    e_emb = c.box(ex, 1.45, we, 0.82, t["embedding"], colors=C_GREY)
    d_emb = c.box(dx, 1.45, we, 0.82, t["embedding"], colors=C_GREY)
    c.arrow((ex, 0.8), e_emb.bottom)
    c.arrow((dx, 0.8), d_emb.bottom)

    def stack(x, sublayers, side_x):
        """Sub-layers bottom-up, each followed by Add & Norm with a residual around it."""
        y, prev, boxes = 2.25, None, []
        for text, h, colors in sublayers:
            bottom = y + gap_in
            sub = c.box(x, bottom + h / 2, w, h, text, colors=colors)
            c.arrow(prev.top if prev else (x, 1.45 + 0.41), sub.bottom)
            add = c.box(x, sub.cy + h / 2 + gap_an + an / 2, w, an, t["add_norm"], colors=C_GREY, lw=1.8)
            c.arrow(sub.top, add.bottom)
            _residual(c, y + 0.12, side_x, x, add)
            y, prev = add.cy + an / 2, add
            boxes.append((sub, add))
        return boxes, y

    pad = 0.12
    ffn = (t["feed_forward"], one, C_BLUE)
    enc, e_top = stack(ex, [(t["self_attention"], two, C_ORANGE), ffn], ex - w / 2 - 0.22)
    dec, d_top = stack(dx, [(t["masked_attention"], two, C_ORANGE), (t["cross_attention"], one, C_PURPLE), ffn],
                       dx + w / 2 + 0.22)
    c.frame(ex - w / 2 - 0.35, 2.2, ex + w / 2 + pad, e_top + 0.78)
    c.note(ex - w / 2 + 0.02, e_top + 0.42, t["encoder"], ha="left", style="italic", color="#444444")
    c.frame(dx - w / 2 - pad, 2.2, dx + w / 2 + 0.35, d_top + 0.78)
    c.note(dx - w / 2 + 0.02, d_top + 0.42, t["decoder"], ha="left", style="italic", color="#444444")
    # the encoder output (keys and values) feeds every decoder cross-attention
    gx, cross = (ex + w / 2 + dx - w / 2) / 2, dec[1][0]
    e_out = enc[-1][1]
    c.arrow(e_out.right, (gx, e_out.cy), (gx, cross.cy), cross.left)

    lin = c.box(dx, d_top + 1.2, we, one, t["linear_softmax"], colors=C_GREEN)
    c.arrow(dec[-1][1].top, lin.bottom)
    c.note(dx, lin.cy + one / 2 + 0.5, t["probabilities"], weight="bold", fontsize=15)
    c.arrow(lin.top, (dx, lin.cy + one / 2 + 0.3))
    return c.result()


# ----------------------------------------------------------------- scaled dot-product attention
def draw_scaled_dot_product_attention(t):
    c = _Canvas(7.7)
    x = 1.75
    q = c.box(1.05, 0.55, 0.8, 0.65, t["q"], colors=C_GREY, bold=True, fontsize=17)
    k = c.box(2.45, 0.55, 0.8, 0.65, t["k"], colors=C_GREY, bold=True, fontsize=17)
    v = c.box(4.45, 0.55, 0.8, 0.65, t["v"], colors=C_GREY, bold=True, fontsize=17)
    mm1 = c.box(x, 1.75, 2.7, 0.7, t["matmul_qk"], colors=C_PURPLE)
    c.arrow(q.top, mm1.at_x(q.cx, "bottom"))
    c.arrow(k.top, mm1.at_x(k.cx, "bottom"))
    scale = c.box(x, 2.95, 2.7, 0.75, t["scale"], colors=C_BLUE)
    mask = c.box(x, 4.15, 2.7, 0.7, t["mask"], colors=C_GREY, dashed=True)
    soft = c.box(x, 5.35, 2.7, 0.7, t["softmax"], colors=C_GREEN)
    c.arrow(mm1.top, scale.bottom)
    c.arrow(scale.top, mask.bottom)
    c.arrow(mask.top, soft.bottom)
    mm2 = c.box(3.1, 6.45, 3.4, 0.7, t["matmul_v"], colors=C_PURPLE)
    c.arrow(soft.top, mm2.at_x(x, "bottom"))
    c.arrow(v.top, mm2.at_x(v.cx, "bottom"))
    c.arrow(mm2.top, (mm2.cx, 7.05))
    c.note(mm2.cx, 7.35, t["output"], weight="bold", fontsize=15)
    return c.result()


# ----------------------------------------------------------------- GAN
def draw_gan(t):
    c = _Canvas(5.6)
    lx, rx = 1.75, 4.2
    noise = c.box(lx, 5.0, 1.9, 0.75, t["noise"], colors=C_GREY)
    real = c.box(rx, 5.0, 2.1, 0.75, t["real"], colors=C_GREEN)
    gen = c.box(lx, 3.7, 1.9, 0.75, t["generator"], colors=C_ORANGE)
    fake = c.box(lx, 2.4, 1.9, 0.75, t["fake"], colors=C_RED)
    disc = c.box(rx, 2.4, 2.1, 0.75, t["discriminator"], colors=C_BLUE)
    out = c.box(rx, 1.05, 2.1, 0.75, t["verdict"], colors=C_PURPLE)
    c.arrow(noise.bottom, gen.top)
    c.arrow(gen.bottom, fake.top)
    c.arrow(fake.right, disc.left)
    c.arrow(real.bottom, disc.top)
    c.arrow(disc.bottom, out.top)
    c.arrow(out.left, (0.3, out.cy), (0.3, gen.cy), gen.left, color="#B03A2E", dashed=True)
    c.note(1.75, 0.6, t["feedback"], color="#B03A2E")
    return c.result()


# ----------------------------------------------------------------- VAE
def draw_vae(t):
    c = _Canvas(8.0)
    cx = 2.75
    x_in = c.box(cx, 7.35, 2.0, 0.65, t["input"], colors=C_GREY)
    enc = c.box(cx, 6.15, 3.6, 0.75, t["encoder"], colors=C_ORANGE)
    mu = c.box(0.95, 4.85, 1.5, 0.7, t["mean"], colors=C_BLUE)
    sd = c.box(2.75, 4.85, 1.5, 0.7, t["std"], colors=C_BLUE)
    eps = c.box(4.55, 4.85, 1.6, 0.7, t["epsilon"], colors=C_GREY, dashed=True)
    z = c.box(cx, 3.55, 3.2, 0.75, t["z"], colors=C_PURPLE)
    dec = c.box(cx, 2.25, 3.6, 0.75, t["decoder"], colors=C_GREEN)
    rec = c.box(cx, 0.95, 3.0, 0.7, t["reconstruction"], colors=C_GREY)
    c.arrow(x_in.bottom, enc.top)
    c.arrow(enc.at_x(1.45, "bottom"), (mu.cx + 0.3, mu.cy + mu.h / 2))
    c.arrow(enc.bottom, sd.top)
    c.arrow((mu.cx + 0.3, mu.cy - mu.h / 2), z.at_x(1.75, "top"))
    c.arrow(sd.bottom, z.top)
    c.arrow((eps.cx - 0.3, eps.cy - eps.h / 2), z.at_x(3.75, "top"))
    c.arrow(z.bottom, dec.top)
    c.arrow(dec.bottom, rec.top)
    return c.result()


# ----------------------------------------------------------------- diffusion
def _diffusion_image(alpha_bar: float, size: int = 24, seed: int = 7) -> np.ndarray:
    """A ring-and-dot 'image' noised to x_t = sqrt(a) x0 + sqrt(1 - a) eps (fixed seed)."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    r = np.hypot(xx - size / 2, yy - size / 2)
    x0 = np.where((np.abs(r - size * 0.32) < size * 0.09) | (r < size * 0.1), 1.0, -1.0)
    eps = np.random.default_rng(seed).standard_normal((size, size))
    return np.sqrt(alpha_bar) * x0 + np.sqrt(1.0 - alpha_bar) * eps


def draw_diffusion(t, alpha_bars: tuple = (1.0, 0.7, 0.35, 0.0)):
    from matplotlib.patches import Rectangle

    c = _Canvas(4.4)
    fwd, rev = "#B03A2E", "#1F4E79"
    xs, y, s = (0.75, 2.08, 3.41, 4.74), 2.4, 0.85
    for x, a in zip(xs, alpha_bars):
        c.ax.imshow(_diffusion_image(a), cmap="gray", vmin=-1.8, vmax=1.8, interpolation="nearest",
                    extent=(x - s / 2, x + s / 2, y - s / 2, y + s / 2), zorder=2)
        c.ax.add_patch(Rectangle((x - s / 2, y - s / 2), s, s, fill=False, edgecolor=INK, lw=1.8, zorder=3))
    for x, text in zip(xs, (t["x_0"], t["x_prev"], t["x_t"], t["x_big_t"])):
        c.note(x, y - s / 2 - 0.3, text, fontsize=16)
    for i in range(3):
        a, b = xs[i] + s / 2 + 0.05, xs[i + 1] - s / 2 - 0.05
        dashed = i != 1  # the outer gaps stand for many steps
        c.arrow((a, y + 0.17), (b, y + 0.17), color=fwd, dashed=dashed, head=16)
        c.arrow((b, y - 0.17), (a, y - 0.17), color=rev, dashed=dashed, head=16)
    c.arrow((0.3, 3.3), (5.2, 3.3), color=fwd, lw=3.0, head=26)
    c.note(2.75, 3.8, t["forward"], color=fwd, fontsize=15)
    c.arrow((5.2, 1.2), (0.3, 1.2), color=rev, lw=3.0, head=26)
    c.note(2.75, 0.65, t["reverse"], color=rev, fontsize=15)
    return c.result()


# ----------------------------------------------------------------- RAG
def draw_rag(t):
    c = _Canvas(7.0)
    m, r = 2.6, 4.5
    c.note(0.2, 6.7, t["offline"], ha="left", style="italic", color="#444444")
    docs = c.box(0.9, 6.0, 1.4, 0.75, t["documents"], colors=C_GREY)
    chunks = c.box(m, 6.0, 1.2, 0.75, t["chunks"], colors=C_GREY)
    embs = c.box(r, 6.0, 1.6, 0.75, t["embeddings"], colors=C_BLUE)
    c.arrow(docs.right, chunks.left)
    c.arrow(chunks.right, embs.left)
    c.note(0.2, 5.15, t["online"], ha="left", style="italic", color="#444444")
    query = c.box(0.85, 4.25, 1.3, 0.75, t["query"], colors=C_ORANGE)
    qemb = c.box(m, 4.25, 1.5, 0.85, t["query_embedding"], colors=C_BLUE)
    vdb = c.box(r, 4.25, 1.6, 0.95, t["retriever"], colors=C_PURPLE)
    c.arrow(embs.bottom, vdb.top)
    c.arrow(query.right, qemb.left)
    c.arrow(qemb.right, vdb.left)
    topk = c.box(r, 2.65, 1.6, 0.85, t["top_k"], colors=C_PURPLE)
    aug = c.box(1.8, 2.65, 2.4, 0.85, t["prompt"], colors=C_ORANGE)
    c.arrow(vdb.bottom, topk.top)
    c.arrow(query.bottom, aug.at_x(query.cx, "top"))
    c.arrow(topk.left, aug.right)
    llm = c.box(1.8, 0.95, 2.4, 0.75, t["llm"], colors=C_GREEN, bold=True)
    ans = c.box(r, 0.95, 1.6, 0.75, t["answer"], colors=C_GREEN)
    c.arrow(aug.bottom, llm.top)
    c.arrow(llm.right, ans.left)
    return c.result()


# ----------------------------------------------------------------- RLHF
def draw_rlhf(t):
    c = _Canvas(7.9)
    lx, rx, w = 1.45, 4.1, 2.3
    pre = c.box(lx, 7.2, w, 0.75, t["pretrained"], colors=C_GREY)
    sft = c.box(lx, 5.9, w, 0.9, t["sft"], colors=C_BLUE)
    rank = c.box(rx, 5.9, w, 0.9, t["rankings"], colors=C_ORANGE)
    rm = c.box(rx, 4.4, w, 0.75, t["reward_model"], colors=C_ORANGE)
    ref = c.box(lx, 4.4, w, 0.9, t["reference"], colors=C_GREY)
    ppo = c.box(2.75, 2.55, 4.9, 0.9, t["ppo"], colors=C_GREEN)
    out = c.box(2.75, 0.85, 2.6, 0.75, t["aligned"], colors=C_PURPLE)
    c.arrow(pre.bottom, sft.top)
    c.arrow(sft.right, rank.left)
    c.arrow(rank.bottom, rm.top)
    c.arrow(sft.bottom, ref.top)
    c.arrow(rm.bottom, ppo.at_x(rx, "top"))
    c.note(rx + 0.15, 3.5, t["reward"], ha="left", color="#444444", style="italic")
    c.arrow(ref.bottom, ppo.at_x(lx, "top"), color="#B03A2E")
    c.note(lx + 0.15, 3.5, t["kl"], ha="left", color="#B03A2E")
    c.arrow(ppo.bottom, out.top)
    return c.result()


# ----------------------------------------------------------------- LoRA
def draw_lora(t):
    from matplotlib.patches import Circle

    c = _Canvas(7.6)
    lx, rx, cx = 1.45, 4.15, 2.75
    x_in = c.box(cx, 0.6, 1.9, 0.65, t["input"], colors=C_GREY)
    wbox = c.box(lx, 3.35, 2.3, 2.5, t["weight"], colors=C_BLUE)
    a = c.box(rx, 2.45, 1.9, 0.7, t["a"], colors=C_ORANGE)
    b = c.box(rx, 3.85, 1.9, 0.7, t["b"], colors=C_ORANGE)
    sc = c.box(rx, 5.1, 1.9, 0.65, t["scale"], colors=C_ORANGE)
    c.ax.plot([cx, cx], [x_in.cy + x_in.h / 2, 1.35], color=INK, lw=2.2, solid_capstyle="butt", zorder=3)
    c.arrow((cx, 1.35), (lx, 1.35), wbox.bottom)
    c.arrow((cx, 1.35), (rx, 1.35), a.bottom)
    c.arrow(a.top, b.bottom)
    c.arrow(b.top, sc.bottom)
    plus_y, r0 = 6.05, 0.27
    c.ax.add_patch(Circle((cx, plus_y), r0, facecolor="white", edgecolor=INK, lw=2.2, zorder=3))
    c.ax.text(cx, plus_y, t["plus"].text, ha="center", va="center", fontsize=22, fontweight="bold", zorder=4)
    c.arrow(wbox.top, (lx, plus_y), (cx - r0, plus_y))
    c.arrow(sc.top, (rx, plus_y), (cx + r0, plus_y))
    out = c.box(cx, 7.0, 4.2, 0.7, t["output"], colors=C_GREEN)
    c.arrow((cx, plus_y + r0), out.bottom)
    return c.result()
