"""Figures the deck builder renders itself: maths plots and labelled diagrams.

Public API
    catalogue()                        -> list[FigureSpec]   cheap: no rendering, no matplotlib
    render_all(out_dir, cache_dir=None) -> list[FigureAsset]  one PNG per figure in out_dir

Determinism: every figure is drawn inside ``plots.style_context()`` (Agg, matplotlib defaults +
a fixed style with DejaVu Sans), at a fixed size and dpi, and saved without the "Software"
PNG text chunk, so rendering twice gives byte-identical PNGs.

Caching: a figure's content hash is sha256 over its drawing function's source, its
parameters, the source of the shared helpers (style, maths, canvas, rasteriser),
RENDER_VERSION and the matplotlib version. The PNG is named
``genai-<id>-<12 hex of the hash>.png``; with a cache_dir, a hit (PNG + sidecar JSON whose
recorded sha256 matches the PNG) is copied instead of redrawn, and matplotlib is not even
imported. A stale file (another hash) has another name and is simply never used.

Ids are permanent (they become card GUIDs): never rename one; add a new figure instead.
Bump RENDER_VERSION to force every figure to be redrawn.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import io
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..atomic import write_atomic
from . import diagrams, maths, plots

RENDER_VERSION = "2026-05-1"

#: padding (PNG pixels) added around a label's rendered text extent to form its mask
MASK_PAD_PX = 6
MIN_LABELS, MAX_LABELS = 5, 10
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.png$")


@dataclass(frozen=True)
class Label:
    """One Image Occlusion mask: fractions of the image, top measured from the top edge."""
    text: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class FigureAsset:
    id: str
    kind: str
    filename: str
    title: str
    prompt: str
    answer_html: str
    keywords: tuple[str, ...]
    labels: tuple[Label, ...]
    width: int
    height: int


@dataclass(frozen=True)
class FigureSpec:
    """A figure before rendering: everything a card needs except the PNG and its masks."""
    id: str
    kind: str                      # "plot" | "diagram"
    title: str
    prompt: str
    answer_html: str
    keywords: tuple[str, ...]
    draw: Callable = None          # plots.draw_* / diagrams.draw_*
    params: tuple = ()             # ((name, value), ...) keyword arguments for draw

    def content_hash(self) -> str:
        h = hashlib.sha256()
        for part in (self.id, self.kind, inspect.getsource(self.draw),
                     json.dumps(dict(self.params), sort_keys=True), _support_source(),
                     RENDER_VERSION, _matplotlib_version()):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    @property
    def filename(self) -> str:
        return _filename(self.id, self.content_hash())


def _filename(figure_id: str, digest: str) -> str:
    return f"genai-{figure_id}-{digest[:12]}.png"


class FigureError(RuntimeError):
    """A figure failed its layout checks (clipped, overlapping or too-small text, bad labels)."""


# ============================================================== catalogue
_ACT_PROMPT = "Which activation function is plotted?"
_LR_PROMPT = "Which learning-rate schedule is plotted (x: training step, y: learning rate)?"
_IO_PROMPT = "{what}: name the hidden part."


def _plots() -> list[FigureSpec]:
    P = plots
    return [
        FigureSpec(
            "plot-sigmoid", "plot", "Sigmoid activation", _ACT_PROMPT,
            r"<p><strong>Sigmoid (logistic function)</strong>: \(\sigma(x) = \dfrac{1}{1 + e^{-x}}\)</p>"
            r"<p>Notice: output in \((0, 1)\), \(\sigma(0) = 0.5\) and flat (saturated) tails. The derivative "
            r"\(\sigma(x)\,(1 - \sigma(x)) \le 0.25\) vanishes in the tails, which causes vanishing gradients in "
            r"deep networks, and the output is not zero-centred. Used for probabilities and gates (LSTM, GLU).</p>",
            ("sigmoid", "logistic function", "activation function", "vanishing gradient", "non-linearity"),
            P.draw_sigmoid),
        FigureSpec(
            "plot-tanh", "plot", "Tanh activation", _ACT_PROMPT,
            r"<p><strong>Hyperbolic tangent (tanh)</strong>: "
            r"\(\tanh(x) = \dfrac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\,\sigma(2x) - 1\)</p>"
            r"<p>Notice: output in \((-1, 1)\), odd and zero-centred (passes through the origin with slope 1), "
            r"saturates for \(|x| \gtrsim 3\). Its derivative \(1 - \tanh^2(x) \le 1\) still vanishes in the tails. "
            r"Used in RNN / LSTM cells.</p>",
            ("tanh", "hyperbolic tangent", "activation function", "vanishing gradient", "zero-centered"),
            P.draw_tanh),
        FigureSpec(
            "plot-relu", "plot", "ReLU activation", _ACT_PROMPT,
            r"<p><strong>ReLU (rectified linear unit)</strong>: \(\mathrm{ReLU}(x) = \max(0, x)\)</p>"
            r"<p>Notice the kink at 0: identity for \(x \gt 0\) (gradient 1, no saturation), exactly 0 for "
            r"\(x \lt 0\) (gradient 0). Cheap and gives sparse activations; units stuck in the negative region stop "
            r"learning (&ldquo;dying ReLU&rdquo;).</p>",
            ("relu", "rectified linear unit", "activation function", "dying relu", "non-linearity"),
            P.draw_relu),
        FigureSpec(
            "plot-leaky-relu", "plot", "Leaky ReLU activation", _ACT_PROMPT,
            r"<p><strong>Leaky ReLU</strong>: \(f(x) = x\) for \(x \ge 0\), \(f(x) = \alpha x\) for \(x \lt 0\) "
            r"(i.e. \(\max(\alpha x, x)\)), drawn with \(\alpha = 0.1\).</p>"
            r"<p>Notice the small non-zero slope for \(x \lt 0\) (the common default is \(\alpha = 0.01\); 0.1 is used "
            r"here so it is visible): negative inputs still get a gradient, which avoids dying ReLUs. "
            r"PReLU learns \(\alpha\).</p>",
            ("leaky relu", "relu", "activation function", "dying relu"),
            P.draw_leaky_relu),
        FigureSpec(
            "plot-gelu", "plot", "GELU activation", _ACT_PROMPT,
            r"<p><strong>GELU (Gaussian error linear unit)</strong>: "
            r"\(\mathrm{GELU}(x) = x\,\Phi(x) = \tfrac{x}{2}\bigl(1 + \operatorname{erf}(x/\sqrt{2})\bigr)"
            r"\approx \tfrac{x}{2}\bigl(1 + \tanh(\sqrt{2/\pi}\,(x + 0.044715\,x^3))\bigr)\)</p>"
            r"<p>Notice: a smooth ReLU-like curve with a small negative dip (minimum \(\approx -0.17\) at "
            r"\(x \approx -0.75\)), so it is non-monotonic and differentiable everywhere; each input is weighted by "
            r"the probability \(\Phi(x)\) that a standard normal variable is below it. Used in BERT, GPT-2/3 and "
            r"most transformer feed-forward layers.</p>",
            ("gelu", "gaussian error linear unit", "activation function", "feed-forward"),
            P.draw_gelu),
        FigureSpec(
            "plot-activation-comparison", "plot", "Activation functions compared",
            "Compare these activation functions: output range, zero-centring and behaviour for negative inputs.",
            r"<ul><li><strong>sigmoid</strong> \(1/(1 + e^{-x})\): range \((0, 1)\), not zero-centred, saturates.</li>"
            r"<li><strong>tanh</strong>: range \((-1, 1)\), zero-centred, saturates.</li>"
            r"<li><strong>ReLU</strong> \(\max(0, x)\): unbounded above, zero output and gradient for \(x \lt 0\).</li>"
            r"<li><strong>Leaky ReLU</strong> \(\max(\alpha x, x)\), \(\alpha = 0.1\) here: small slope for "
            r"\(x \lt 0\).</li>"
            r"<li><strong>GELU</strong> \(x\,\Phi(x)\): smooth, dips slightly below 0 near \(x \approx -0.75\), "
            r"close to ReLU for large \(|x|\).</li></ul>"
            r"<p>Saturating functions (sigmoid, tanh) shrink gradients in deep stacks; the ReLU family and GELU keep "
            r"a gradient of about 1 for positive inputs, which is why they dominate deep networks.</p>",
            ("activation function", "non-linearity", "sigmoid", "tanh", "relu", "gelu", "vanishing gradient"),
            P.draw_activation_comparison),
        FigureSpec(
            "plot-lr-step-decay", "plot", "Step-decay learning-rate schedule", _LR_PROMPT,
            r"<p><strong>Step decay</strong>: \(\eta_t = \eta_0\,\gamma^{\lfloor t / s \rfloor}\); here "
            r"\(\eta_0 = 0.1\) and the rate is halved (\(\gamma = 0.5\)) every \(s = 200\) steps.</p>"
            r"<p>Notice the constant plateaus with sudden drops (the classic ResNet recipe divides by 10 at fixed "
            r"epochs); each drop usually shows up as a drop in the training loss.</p>",
            ("learning rate", "learning rate schedule", "step decay", "learning rate decay"),
            P.draw_lr_step_decay),
        FigureSpec(
            "plot-lr-exponential-decay", "plot", "Exponential-decay learning-rate schedule", _LR_PROMPT,
            r"<p><strong>Exponential decay</strong>: \(\eta_t = \eta_0\,\gamma^{t}\) (equivalently "
            r"\(\eta_0 e^{-kt}\)); here \(\eta_0 = 0.1\), \(\gamma = 0.997\) per step.</p>"
            r"<p>Notice the smooth curve that falls fastest at the start and shrinks by the same factor every step "
            r"(a straight line on a log scale); it never reaches zero.</p>",
            ("learning rate", "learning rate schedule", "exponential decay", "learning rate decay"),
            P.draw_lr_exponential_decay),
        FigureSpec(
            "plot-lr-cosine-annealing", "plot", "Cosine-annealing learning-rate schedule", _LR_PROMPT,
            r"<p><strong>Cosine annealing</strong>: "
            r"\(\eta_t = \eta_{\min} + \tfrac{1}{2}(\eta_{\max} - \eta_{\min})\bigl(1 + \cos(\pi t / T)\bigr)\); "
            r"here \(\eta_{\max} = 0.1\), \(\eta_{\min} = 0\), \(T = 1000\).</p>"
            r"<p>Notice: it starts at the maximum with zero slope, passes the midpoint "
            r"\((\eta_{\max} + \eta_{\min})/2\) at \(t = T/2\) and flattens out at \(\eta_{\min}\). "
            r"SGDR restarts it periodically (warm restarts).</p>",
            ("learning rate", "learning rate schedule", "cosine annealing", "cosine schedule",
             "learning rate decay"),
            P.draw_lr_cosine_annealing),
        FigureSpec(
            "plot-lr-warmup-cosine", "plot", "Linear warm-up + cosine-decay learning-rate schedule", _LR_PROMPT,
            r"<p><strong>Linear warm-up, then cosine decay</strong>: \(\eta_t = \eta_{\max}\,t / T_w\) for "
            r"\(t \lt T_w\), then "
            r"\(\eta_t = \eta_{\min} + \tfrac{1}{2}(\eta_{\max} - \eta_{\min})"
            r"\bigl(1 + \cos(\pi\,\tfrac{t - T_w}{T - T_w})\bigr)\); here \(T_w = 100\), \(T = 1000\), "
            r"\(\eta_{\max} = 0.1\).</p>"
            r"<p>Notice the linear ramp from 0: early Adam updates rely on poor moment estimates and large steps "
            r"destabilise a freshly initialised transformer, so the rate is raised gradually. The standard schedule "
            r"for transformer and LLM pre-training.</p>",
            ("learning rate", "learning rate schedule", "warm-up", "warmup", "cosine schedule",
             "training instability"),
            P.draw_lr_warmup_cosine),
        FigureSpec(
            "plot-softmax-temperature", "plot", "Softmax temperature",
            "The same logits are turned into probabilities at temperatures T = 0.5, 1 and 2. "
            "What does the temperature do?",
            r"<p><strong>Softmax with temperature</strong>: \(p_i = \dfrac{e^{z_i / T}}{\sum_j e^{z_j / T}}\)</p>"
            r"<p>Notice: \(T \lt 1\) sharpens the distribution (the top token gets 0.86 at \(T = 0.5\); "
            r"\(T \to 0\) is greedy argmax), \(T \gt 1\) flattens it towards the uniform distribution (dashed line, "
            r"\(T \to \infty\)), raising entropy and sampling diversity. The ranking of the tokens never "
            r"changes.</p>",
            ("temperature", "softmax", "sampling temperature", "decoding", "text generation"),
            P.draw_softmax_temperature),
        FigureSpec(
            "plot-top-k-top-p", "plot", "Top-k vs top-p (nucleus) sampling",
            "Both panels truncate the same sorted next-token distribution before sampling (coloured bars are "
            "kept). Which panel is top-k with k = 5 and which is top-p with p = 0.9?",
            r"<p><strong>A is top-k</strong> (k = 5): always keeps exactly the k most probable tokens (here "
            r"mass 0.76). <strong>B is top-p / nucleus sampling</strong> (p = 0.9): keeps the smallest set of most "
            r"probable tokens whose cumulative probability reaches p, "
            r"\(\min\{n : \sum_{i \le n} p_{(i)} \ge p\}\): here 8 tokens with mass 0.91.</p>"
            r"<p>In both the kept probabilities are renormalised before sampling. Top-p adapts the number of "
            r"candidates to the model's confidence (few when peaked, many when flat); a fixed k can be too many or "
            r"too few.</p>",
            ("top-k", "top-p", "nucleus sampling", "nucleus", "sampling", "decoding strategy"),
            P.draw_top_k_top_p),
        FigureSpec(
            "plot-positional-encoding-heatmap", "plot", "Sinusoidal positional encoding (heatmap)",
            "This fixed matrix (rows: positions 0–63, columns: 128 dimensions, values in [−1, 1]) is added to "
            "the token embeddings. What is it and how is it computed?",
            r"<p><strong>Sinusoidal positional encoding</strong> (Vaswani et al., 2017): "
            r"\[PE_{(pos,\,2i)} = \sin\!\Bigl(\frac{pos}{10000^{2i/d}}\Bigr),\qquad "
            r"PE_{(pos,\,2i+1)} = \cos\!\Bigl(\frac{pos}{10000^{2i/d}}\Bigr)\]</p>"
            r"<p>Notice: the low dimensions (left) oscillate quickly along the positions, the high ones barely "
            r"change: the frequencies fall geometrically with the dimension. Row 0 alternates 0 (sin) and 1 (cos). "
            r"It is fixed, not learned, gives every position a unique pattern, and \(PE_{pos+k}\) is a linear "
            r"function (a rotation) of \(PE_{pos}\), which makes relative offsets easy to attend to.</p>",
            ("positional encoding", "position encoding", "sinusoidal", "positional information", "transformer"),
            P.draw_positional_encoding_heatmap),
        FigureSpec(
            "plot-positional-encoding-waves", "plot", "Sinusoidal positional encoding: single dimensions",
            "Single dimensions (0, 16, 32, 64) of the sinusoidal positional encoding (d = 128) plotted against "
            "position. Why do they have different wavelengths?",
            r"<p>Dimension pair \(i\) uses the angle \(pos / 10000^{2i/d}\), so its wavelength is "
            r"\(\lambda_i = 2\pi \cdot 10000^{2i/d}\): a geometric progression from \(2\pi\) to "
            r"\(2\pi \cdot 10000\). Here dim 0 \(\approx 6.3\), dim 16 \(\approx 19.9\), dim 32 \(\approx 62.8\) "
            r"and dim 64 \(\approx 628\) positions.</p>"
            r"<p>Fast dimensions tell neighbouring positions apart, slow ones encode coarse position, like the "
            r"digits of a binary counter but smooth, so every position gets a unique code.</p>",
            ("positional encoding", "position encoding", "sinusoidal", "positional information"),
            P.draw_positional_encoding_waves),
    ]


def _diagrams() -> list[FigureSpec]:
    D = diagrams
    return [
        FigureSpec(
            "diagram-transformer", "diagram", "Transformer encoder–decoder",
            _IO_PROMPT.format(what="Transformer encoder–decoder"),
            r"<p><strong>Transformer</strong> (Vaswani et al., 2017, <em>Attention Is All You Need</em>).</p>"
            r"<ul><li><strong>Encoder</strong> (\(\times N\)): multi-head self-attention over the whole input, then "
            r"a position-wise feed-forward network; every sub-layer has a residual connection and layer norm "
            r"(Add &amp; Norm).</li>"
            r"<li><strong>Decoder</strong> (\(\times N\)): masked (causal) self-attention over the tokens generated "
            r"so far, cross-attention with queries from the decoder and keys/values from the encoder output, then a "
            r"feed-forward network.</li>"
            r"<li>Linear + softmax turn the top decoder state into next-token probabilities; the decoder input is "
            r"the target sequence shifted right by one.</li></ul>",
            ("transformer", "transformer architecture", "encoder-decoder", "self-attention", "cross-attention",
             "multi-head attention", "positional encoding"),
            D.draw_transformer),
        FigureSpec(
            "diagram-scaled-dot-product-attention", "diagram", "Scaled dot-product attention",
            _IO_PROMPT.format(what="Scaled dot-product attention"),
            r"<p>\[\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\Bigl(\frac{QK^{\top}}{\sqrt{d_k}} + M\Bigr)V\]</p>"
            r"<p>Query–key dot products measure similarity; dividing by \(\sqrt{d_k}\) keeps their variance near 1 "
            r"so the softmax does not saturate (tiny gradients); the optional mask \(M\) sets forbidden positions "
            r"(future tokens, padding) to \(-\infty\); each softmax row is a set of attention weights that averages "
            r"the values \(V\).</p>",
            ("attention", "self-attention", "scaled dot-product attention", "query key value",
             "attention mechanism"),
            D.draw_scaled_dot_product_attention),
        FigureSpec(
            "diagram-gan", "diagram", "Generative adversarial network (GAN)",
            _IO_PROMPT.format(what="GAN training"),
            r"<p><strong>GAN</strong> (Goodfellow et al., 2014): a generator \(G\) maps noise \(z \sim p(z)\) to "
            r"fake samples and a discriminator \(D\) classifies real vs fake. They play the minimax game "
            r"\[\min_G \max_D\; \mathbb{E}_{x \sim p_{\text{data}}}[\log D(x)] + "
            r"\mathbb{E}_{z \sim p(z)}[\log(1 - D(G(z)))]\]</p>"
            r"<p>The gradient of D's decision flows back into G (dashed feedback), so G learns to produce samples "
            r"D cannot tell from real data. Typical failure modes: mode collapse and unstable training.</p>",
            ("gan", "generative adversarial network", "generator", "discriminator", "adversarial training",
             "mode collapse"),
            D.draw_gan),
        FigureSpec(
            "diagram-vae", "diagram", "Variational autoencoder (VAE)",
            _IO_PROMPT.format(what="Variational autoencoder"),
            r"<p>The encoder \(q_\phi(z|x)\) outputs a mean \(\mu\) and a standard deviation \(\sigma\) (in "
            r"practice \(\log \sigma^2\)); the <strong>reparameterization trick</strong> samples "
            r"\(z = \mu + \sigma \odot \varepsilon\) with \(\varepsilon \sim \mathcal{N}(0, I)\), so gradients "
            r"flow through \(\mu\) and \(\sigma\); the decoder \(p_\theta(x|z)\) reconstructs \(x'\).</p>"
            r"<p>Training maximises the ELBO, reconstruction minus a KL regulariser: "
            r"\[\mathcal{L} = \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)] - "
            r"D_{\mathrm{KL}}\bigl(q_\phi(z|x)\,\|\,\mathcal{N}(0, I)\bigr)\]</p>",
            ("vae", "variational autoencoder", "reparameterization trick", "latent space", "elbo",
             "kl divergence"),
            D.draw_vae),
        FigureSpec(
            "diagram-diffusion", "diagram", "Diffusion model: forward and reverse process",
            _IO_PROMPT.format(what="Denoising diffusion model"),
            r"<p><strong>Forward process</strong> (fixed): Gaussian noise is added step by step, "
            r"\(q(x_t|x_{t-1}) = \mathcal{N}\bigl(x_t; \sqrt{1 - \beta_t}\,x_{t-1}, \beta_t I\bigr)\), until "
            r"\(x_T\) is pure noise; in closed form \(x_t = \sqrt{\bar\alpha_t}\,x_0 + "
            r"\sqrt{1 - \bar\alpha_t}\,\varepsilon\).</p>"
            r"<p><strong>Reverse process</strong> (learned): a network, usually a U-Net predicting the noise "
            r"\(\varepsilon_\theta(x_t, t)\), defines \(p_\theta(x_{t-1}|x_t)\); generation starts from noise "
            r"\(x_T\) and denoises step by step to a sample \(x_0\) (DDPM; Stable Diffusion does this in a latent "
            r"space).</p>",
            ("diffusion", "diffusion model", "denoising", "ddpm", "stable diffusion", "noise schedule"),
            D.draw_diffusion),
        FigureSpec(
            "diagram-rag", "diagram", "Retrieval-augmented generation (RAG) pipeline",
            _IO_PROMPT.format(what="RAG pipeline"),
            r"<p><strong>Indexing (offline)</strong>: documents are split into chunks; each chunk is embedded and "
            r"stored in a vector database.</p>"
            r"<p><strong>Query time</strong>: the query is embedded with the same model, the retriever returns the "
            r"top-k chunks with the highest similarity, usually cosine "
            r"\(\cos(q, d) = \dfrac{q \cdot d}{\lVert q \rVert\,\lVert d \rVert}\) (approximate nearest-neighbour "
            r"search), they are inserted into the "
            r"prompt with the question, and the LLM generates an answer grounded in them. This reduces "
            r"hallucination and adds fresh or private knowledge without retraining.</p>",
            ("rag", "retrieval-augmented generation", "retrieval", "vector database", "embedding", "chunking",
             "semantic search"),
            D.draw_rag),
        FigureSpec(
            "diagram-rlhf", "diagram", "RLHF pipeline",
            _IO_PROMPT.format(what="RLHF"),
            r"<ul><li><strong>SFT</strong>: fine-tune the pretrained LM on human-written demonstrations.</li>"
            r"<li><strong>Reward model</strong>: humans rank several responses per prompt; a model trained on "
            r"these pairwise preferences (Bradley–Terry loss) outputs a scalar reward.</li>"
            r"<li><strong>PPO</strong>: the policy, initialised from the SFT model, maximises "
            r"\(r_\phi(x, y) - \beta \log \dfrac{\pi_\theta(y|x)}{\pi_{\text{ref}}(y|x)}\); the KL penalty to the "
            r"frozen reference (SFT) model limits reward hacking and drift.</li></ul>"
            r"<p>DPO skips the explicit reward model and PPO by optimising on the preference pairs directly.</p>",
            ("rlhf", "reinforcement learning from human feedback", "human feedback", "reward model", "ppo",
             "alignment", "kl penalty"),
            D.draw_rlhf),
        FigureSpec(
            "diagram-lora", "diagram", "LoRA: low-rank adaptation",
            _IO_PROMPT.format(what="LoRA"),
            r"<p><strong>LoRA</strong> (Hu et al., 2021) freezes the pretrained weight "
            r"\(W \in \mathbb{R}^{d \times d}\) and learns a low-rank update \(\Delta W = BA\) with "
            r"\(A \in \mathbb{R}^{r \times d}\), \(B \in \mathbb{R}^{d \times r}\), \(r \ll d\): "
            r"\[h = Wx + \frac{\alpha}{r}\,BAx\]</p>"
            r"<p>Only \(2dr\) parameters per matrix are trained instead of \(d^2\). \(A\) starts random and "
            r"\(B = 0\), so training starts exactly from the pretrained model; afterwards \(BA\) can be merged into "
            r"\(W\), so inference is not slower. QLoRA applies the same idea to a 4-bit quantized \(W\).</p>",
            ("lora", "low-rank adaptation", "peft", "parameter-efficient fine-tuning", "qlora", "fine-tuning",
             "adapter"),
            D.draw_lora),
    ]


def catalogue() -> list[FigureSpec]:
    """All figures, in deck order, without rendering anything (matplotlib is not imported)."""
    return _plots() + _diagrams()


# ============================================================== hashing
@functools.lru_cache(maxsize=None)
def _support_source() -> str:
    """Source of everything shared that influences the pixels (not the per-figure draw functions)."""
    parts = [inspect.getsource(maths)]
    for mod in (plots, diagrams):
        for name, obj in sorted(vars(mod).items()):
            if name.startswith("draw_"):
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == mod.__name__:
                parts.append(inspect.getsource(obj))
            elif name.isupper() and isinstance(obj, (str, int, float, tuple, dict)):
                parts.append(f"{mod.__name__}.{name} = {obj!r}")
    for fn in (_rasterize, _check_layout, _label_boxes, _png_size):
        parts.append(inspect.getsource(fn))
    parts.append(f"MASK_PAD_PX = {MASK_PAD_PX}")
    return "\n".join(parts)


@functools.lru_cache(maxsize=None)
def _matplotlib_version() -> str:
    """From the installed distribution's metadata: no matplotlib import on the cache path, and
    the same answer whether or not matplotlib is already imported."""
    from importlib.metadata import version

    return version("matplotlib")


# ============================================================== rendering
@dataclass(frozen=True)
class _Drawn:
    png: bytes
    width: int
    height: int
    labels: tuple[Label, ...]


def _draw_figure(spec: FigureSpec) -> _Drawn:
    """The one entry point into matplotlib (tests replace it to prove the cache path never draws)."""
    return _rasterize(spec)


def _rasterize(spec: FigureSpec) -> _Drawn:
    with plots.style_context():
        result = spec.draw(**dict(spec.params))
        fig, label_texts = result if isinstance(result, tuple) else (result, [])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=plots.DPI, metadata={"Software": None})
        png = buf.getvalue()
        width, height = _png_size(png)
        renderer = fig.canvas.get_renderer()
        if (renderer.width, renderer.height) != (width, height):
            raise FigureError(f"{spec.id}: renderer {renderer.width}x{renderer.height} != PNG {width}x{height}")
        labels = _label_boxes(spec, label_texts, renderer, width, height)
        _check_layout(spec, fig, renderer, label_texts, labels, width, height)
    return _Drawn(png, width, height, labels)


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise FigureError("not a PNG")
    return struct.unpack(">II", png[16:24])


def _label_boxes(spec, label_texts, renderer, width, height) -> tuple[Label, ...]:
    """Each label's rendered text extent + MASK_PAD_PX, as fractions with a top-left origin,
    rounded outwards to 4 decimals and clipped to [0, 1]."""
    import math

    out = []
    for lt in label_texts:
        bb = lt.text.get_window_extent(renderer)  # pixels, origin bottom-left
        x0, x1 = (bb.x0 - MASK_PAD_PX) / width, (bb.x1 + MASK_PAD_PX) / width
        t0, t1 = (height - bb.y1 - MASK_PAD_PX) / height, (height - bb.y0 + MASK_PAD_PX) / height
        left, top = max(0.0, math.floor(x0 * 1e4) / 1e4), max(0.0, math.floor(t0 * 1e4) / 1e4)
        right, bottom = min(1.0, math.ceil(x1 * 1e4) / 1e4), min(1.0, math.ceil(t1 * 1e4) / 1e4)
        out.append(Label(lt.plain, round(left, 4), round(top, 4), round(right - left, 4), round(bottom - top, 4)))
    return tuple(out)


def _overlap(a, b) -> bool:
    """Positive-area intersection of two (x0, y0, x1, y1) rectangles."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 1e-9 and min(a[3], b[3]) - max(a[1], b[1]) > 1e-9


def _check_layout(spec, fig, renderer, label_texts, labels, width, height) -> None:
    """Refuse figures with clipped artists, text below MIN_FONT_PT, bad or overlapping labels."""
    from matplotlib.text import Text

    problems = []
    tight = fig.get_tightbbox(renderer)  # inches
    w_in, h_in = width / plots.DPI, height / plots.DPI
    tol = 0.5 / plots.DPI
    if tight.x0 < -tol or tight.y0 < -tol or tight.x1 > w_in + tol or tight.y1 > h_in + tol:
        problems.append(f"content {tight.bounds} exceeds the {w_in}x{h_in} in canvas (clipped)")
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    small = sorted({t.get_text() for t in texts if t.get_fontsize() < plots.MIN_FONT_PT})
    if small:
        problems.append(f"text below {plots.MIN_FONT_PT} pt: {small}")
    if spec.kind == "diagram":
        names = [lb.text for lb in labels]
        if not MIN_LABELS <= len(labels) <= MAX_LABELS:
            problems.append(f"{len(labels)} labels, want {MIN_LABELS}..{MAX_LABELS}")
        if any(not n.strip() for n in names) or len(set(names)) != len(names):
            problems.append(f"label texts must be non-empty and unique: {names}")
        rects = [(lb.left, lb.top, lb.left + lb.width, lb.top + lb.height) for lb in labels]
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                if _overlap(rects[i], rects[j]):
                    problems.append(f"masks overlap: {names[i]!r} / {names[j]!r}")
        for lt in label_texts:
            if lt.container is not None:
                tb, pb = lt.text.get_window_extent(renderer), lt.container.get_window_extent(renderer)
                if tb.x0 < pb.x0 + 4 or tb.x1 > pb.x1 - 4 or tb.y0 < pb.y0 + 4 or tb.y1 > pb.y1 - 4:
                    problems.append(f"label {lt.plain!r} does not fit its box")
        label_artists = {id(lt.text) for lt in label_texts}
        others = []
        for t in texts:
            if id(t) in label_artists:
                continue
            bb = t.get_window_extent(renderer)
            others.append((t.get_text(), (bb.x0 / width, (height - bb.y1) / height,
                                          bb.x1 / width, (height - bb.y0) / height)))
        for name, r in others:
            for lname, lr in zip(names, rects):
                if _overlap(r, lr):
                    problems.append(f"text {name!r} overlaps the mask of {lname!r}")
        for i in range(len(others)):
            for j in range(i + 1, len(others)):
                if _overlap(others[i][1], others[j][1]):
                    problems.append(f"texts overlap: {others[i][0]!r} / {others[j][0]!r}")
    if problems:
        raise FigureError(f"{spec.id}: " + "; ".join(problems))


# ============================================================== cache + output
def _sidecar(cache_dir: Path, filename: str) -> Path:
    return cache_dir / (filename[: -len(".png")] + ".json")


def _load_cached(cache_dir: Path, filename: str, digest: str) -> _Drawn | None:
    png_path, meta_path = cache_dir / filename, _sidecar(cache_dir, filename)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        png = png_path.read_bytes()
    except (OSError, ValueError):
        return None
    try:
        if meta.get("hash") != digest or meta.get("png_sha256") != hashlib.sha256(png).hexdigest():
            return None
        labels = tuple(Label(**lb) for lb in meta["labels"])
        return _Drawn(png, int(meta["width"]), int(meta["height"]), labels)
    except (KeyError, TypeError, ValueError):
        return None


def _store(cache_dir: Path, filename: str, digest: str, drawn: _Drawn) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(cache_dir / filename, drawn.png, sync=False)  # a cache: checked by hash when read
    meta = {"hash": digest, "png_sha256": hashlib.sha256(drawn.png).hexdigest(), "width": drawn.width,
            "height": drawn.height, "labels": [lb.__dict__ for lb in drawn.labels]}
    write_atomic(_sidecar(cache_dir, filename),
                 (json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"), sync=False)


def render_all(out_dir: Path, cache_dir: Path | None = None, *, only: Iterable[str] | None = None
               ) -> list[FigureAsset]:
    """Write one PNG per catalogue figure (or per id in `only`) into out_dir; return the assets.

    With cache_dir, figures whose content hash is already cached are copied, not redrawn."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    specs = catalogue()
    if only is not None:
        wanted = set(only)
        unknown = wanted - {s.id for s in specs}
        if unknown:
            raise KeyError(f"unknown figure ids: {sorted(unknown)}")
        specs = [s for s in specs if s.id in wanted]
    assets = []
    for spec in specs:
        digest = spec.content_hash()
        filename = _filename(spec.id, digest)
        drawn = _load_cached(cache_dir, filename, digest) if cache_dir is not None else None
        if drawn is None:
            drawn = _draw_figure(spec)
            if cache_dir is not None:
                _store(cache_dir, filename, digest, drawn)
        write_atomic(out_dir / filename, drawn.png, sync=False)
        assets.append(FigureAsset(spec.id, spec.kind, filename, spec.title, spec.prompt, spec.answer_html,
                                  tuple(spec.keywords), drawn.labels if spec.kind == "diagram" else (),
                                  drawn.width, drawn.height))
    return assets


__all__ = ["FigureAsset", "FigureError", "FigureSpec", "Label", "RENDER_VERSION", "catalogue", "render_all"]
