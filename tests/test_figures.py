"""Figures rendered by the builder: catalogue, PNGs, determinism, cache and label masks.

The plotted data is read back from the matplotlib artists and compared with independent
computations, so a plot that draws something else fails here (the maths: test_figure_maths.py).
"""
import io
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import builder.figures as F
from builder.figures import diagrams, plots
from test_figure_maths import _phi

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "decks" / "figures.yaml"

ACTIVATION_IDS = ["plot-sigmoid", "plot-tanh", "plot-relu", "plot-leaky-relu", "plot-gelu"]
SCHEDULE_IDS = ["plot-lr-step-decay", "plot-lr-exponential-decay", "plot-lr-cosine-annealing",
                "plot-lr-warmup-cosine"]
REQUIRED_IDS = ACTIVATION_IDS + SCHEDULE_IDS + [
    "plot-activation-comparison", "plot-softmax-temperature", "plot-top-k-top-p",
    "plot-positional-encoding-heatmap", "diagram-transformer", "diagram-scaled-dot-product-attention",
    "diagram-gan", "diagram-vae", "diagram-diffusion", "diagram-rag", "diagram-rlhf", "diagram-lora"]


def test_catalogue_ids_counts_and_texts():
    specs = F.catalogue(CATALOGUE)
    ids = [s.id for s in specs]
    assert len(ids) == len(set(ids))
    assert set(REQUIRED_IDS) <= set(ids)
    assert sum(s.kind == "plot" for s in specs) >= 13
    assert sum(s.kind == "diagram" for s in specs) >= 8
    allowed = {"p", "strong", "em", "ul", "li"}
    for s in specs:
        assert F.ID_RE.match(s.id) and s.id.startswith(s.kind + "-"), s.id
        assert s.kind in ("plot", "diagram")
        assert s.title and s.prompt.strip()
        assert s.keywords and all(k == k.lower().strip() and k for k in s.keywords), s.id
        tags = {t.lower() for t in re.findall(r"<\s*/?\s*([^\s>/]*)", s.answer_html)}
        assert tags <= allowed, (s.id, tags - allowed)  # also: no bare "<" (write \lt inside maths)
        assert r"\(" in s.answer_html or r"\[" in s.answer_html, s.id  # a MathJax formula
        assert s.answer_html.count(r"\(") == s.answer_html.count(r"\)"), s.id
        assert s.answer_html.count(r"\[") == s.answer_html.count(r"\]"), s.id
        assert re.fullmatch(r"genai-" + re.escape(s.id) + r"-[0-9a-f]{12}\.png", s.filename)
        assert (s.kind == "diagram") == bool(s.labels), s.id


def test_every_figure_has_a_topic_of_the_taxonomy():
    from builder.topics import load_taxonomy
    paths = set(load_taxonomy(ROOT / "decks/topics.yaml").paths)
    for s in F.catalogue(CATALOGUE):
        assert s.topic in paths, (s.id, s.topic)
    topics = {s.id: s.topic for s in F.catalogue(CATALOGUE)}
    assert topics["diagram-lora"].startswith("GenAI::LLMs::") and "Retrieval" not in topics["diagram-lora"]


def test_catalogue_and_hash_do_not_import_matplotlib():
    code = ("import sys; import builder.figures as f; specs = f.catalogue('decks/figures.yaml'); "
            "[s.filename for s in specs]; print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_content_hash_tracks_source_params_and_version(monkeypatch):
    spec = next(s for s in F.catalogue(CATALOGUE) if s.id == "plot-sigmoid")
    h = spec.content_hash()
    assert h == spec.content_hash()
    assert F.FigureSpec(**{**spec.__dict__, "params": (("x_min", -6.0),)}).content_hash() != h
    assert F.FigureSpec(**{**spec.__dict__, "draw": plots.draw_tanh}).content_hash() != h
    gan = next(s for s in F.catalogue(CATALOGUE) if s.id == "diagram-gan")
    texts = tuple(F.Text(t.key, t.text + "!", t.plain, t.masked) if t.key == "noise" else t for t in gan.texts)
    assert F.FigureSpec(**{**gan.__dict__, "texts": texts}).content_hash() != gan.content_hash()
    monkeypatch.setattr(F, "RENDER_VERSION", F.RENDER_VERSION + "-other")
    assert spec.content_hash() != h


# ============================================================== rendering
@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("figs")
    t0 = time.perf_counter()
    assets = F.render_all(base / "out", base / "cache", specs=F.catalogue(CATALOGUE))
    cold = time.perf_counter() - t0
    return {"assets": assets, "out": base / "out", "cache": base / "cache", "base": base, "cold": cold}


def test_every_png_exists_with_declared_size(rendered):
    assets = rendered["assets"]
    assert [a.id for a in assets] == [s.id for s in F.catalogue(CATALOGUE)]
    for a in assets:
        assert F.FILENAME_RE.match(a.filename) and re.fullmatch(r"[a-z0-9.-]+", a.filename), a.filename
        path = rendered["out"] / a.filename
        with Image.open(path) as im:
            im.load()
            assert im.format == "PNG"
            assert im.size == (a.width, a.height)
            assert 900 <= a.width <= 1200 and a.height >= 600
            rgb = np.asarray(im.convert("RGB"))
        assert tuple(rgb[0, 0]) == (255, 255, 255) and tuple(rgb[-1, -1]) == (255, 255, 255)  # white bg
        assert a.kind == "plot" and a.labels == () or a.kind == "diagram" and a.labels
        assert (rendered["cache"] / a.filename).read_bytes() == path.read_bytes()
        meta = json.loads((rendered["cache"] / (a.filename[:-4] + ".json")).read_text())
        assert (meta["width"], meta["height"]) == (a.width, a.height)
        assert [F.Label(**lb) for lb in meta["labels"]] == list(a.labels)


def test_render_is_deterministic(rendered, tmp_path):
    again = F.render_all(tmp_path / "again", specs=F.catalogue(CATALOGUE))  # no cache: everything is drawn again
    assert again == rendered["assets"]
    for a in again:
        assert (tmp_path / "again" / a.filename).read_bytes() == (rendered["out"] / a.filename).read_bytes(), a.id


def test_warm_cache_never_draws(rendered, tmp_path, monkeypatch):
    def boom(spec):
        raise AssertionError(f"{spec.id} was drawn despite a warm cache")

    monkeypatch.setattr(F, "_draw_figure", boom)
    t0 = time.perf_counter()
    warm = F.render_all(tmp_path / "warm", rendered["cache"], specs=F.catalogue(CATALOGUE))
    elapsed = time.perf_counter() - t0
    assert warm == rendered["assets"]
    for a in warm:
        assert (tmp_path / "warm" / a.filename).read_bytes() == (rendered["out"] / a.filename).read_bytes()
    assert elapsed < 1.0, f"warm render took {elapsed:.2f}s"


def test_warm_cache_in_fresh_process_is_fast_and_skips_matplotlib(rendered, tmp_path):
    code = ("import sys, time; from pathlib import Path; import builder.figures as f; t = time.perf_counter(); "
            f"f.render_all(Path({str(tmp_path / 'o')!r}), Path({str(rendered['cache'])!r}), specs=f.catalogue('decks/figures.yaml')); "
            "print(time.perf_counter() - t, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, imported = out.stdout.split()
    assert imported == "False"
    assert float(seconds) < 1.0


def test_stale_or_corrupt_cache_is_not_used(rendered, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = F.render_all(tmp_path / "a", cache, only=["plot-relu"], specs=F.catalogue(CATALOGUE))[0]
    # a corrupted PNG in the cache is detected by its recorded sha256 and redrawn
    (cache / first.filename).write_bytes(b"not a png")
    again = F.render_all(tmp_path / "b", cache, only=["plot-relu"], specs=F.catalogue(CATALOGUE))[0]
    assert again == first
    assert (tmp_path / "b" / first.filename).read_bytes() == (rendered["out"] / first.filename).read_bytes()
    # another RENDER_VERSION -> another hash and filename: the old file is never used
    calls = []
    real = F._draw_figure
    monkeypatch.setattr(F, "_draw_figure", lambda spec: calls.append(spec.id) or real(spec))
    monkeypatch.setattr(F, "RENDER_VERSION", F.RENDER_VERSION + "-bumped")
    bumped = F.render_all(tmp_path / "c", cache, only=["plot-relu"], specs=F.catalogue(CATALOGUE))[0]
    assert calls == ["plot-relu"] and bumped.filename != first.filename
    with pytest.raises(KeyError):
        F.render_all(tmp_path / "d", cache, only=["plot-nope"], specs=F.catalogue(CATALOGUE))


# ============================================================== labels / masks
def _rects(labels):
    return [(lb.left, lb.top, lb.left + lb.width, lb.top + lb.height) for lb in labels]


def test_diagram_labels_are_valid_masks(rendered):
    diagrams_ = [a for a in rendered["assets"] if a.kind == "diagram"]
    specs = {s.id: s for s in F.catalogue(CATALOGUE)}
    assert len(diagrams_) >= 8
    for a in diagrams_:
        texts = [lb.text for lb in a.labels]
        distinct = list(dict.fromkeys(texts))  # one card per label; a label drawn twice = 2 masks of one card
        assert 5 <= len(distinct) <= 10, a.id
        assert sorted(distinct) == sorted(t.plain for t in specs[a.id].labels), a.id
        assert all(t.strip() for t in texts), a.id
        for t in texts:  # short: at most 4 words (maths like "z = μ + σ ⊙ ε" does not count)
            assert len(re.findall(r"[A-Za-z]{3,}", t)) <= 4 and len(t) <= 40, (a.id, t)
        for lb in a.labels:
            for v in (lb.left, lb.top, lb.width, lb.height):
                assert 0.0 <= v <= 1.0 and round(v, 4) == v, (a.id, lb)
            assert lb.width > 0 and lb.height > 0
            assert lb.left + lb.width <= 1.0 + 1e-9 and lb.top + lb.height <= 1.0 + 1e-9, (a.id, lb)
            assert lb.height * a.height >= 35, (a.id, lb.text)  # >= 14 pt text at 200 dpi plus padding
        rects = _rects(a.labels)
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                assert not F._overlap(rects[i], rects[j]), (a.id, texts[i], texts[j])


def _png_array(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=plots.DPI, metadata={"Software": None})
    return buf.getvalue(), np.asarray(Image.open(buf).convert("RGB")).astype(int)


@pytest.mark.parametrize("figure_id", [s.id for s in F.catalogue(CATALOGUE) if s.kind == "diagram"])
def test_masks_cover_the_label_text(rendered, figure_id):
    """Hiding the label texts changes pixels only inside the masks, and inside every mask."""
    spec = next(s for s in F.catalogue(CATALOGUE) if s.id == figure_id)
    asset = next(a for a in rendered["assets"] if a.id == figure_id)
    with plots.style_context():
        fig, _ = spec.make()
        png, full = _png_array(fig)
        fig2, labels2 = spec.make()
        for lt in labels2:
            lt.text.set_visible(False)
        _, bare = _png_array(fig2)
    assert png == (rendered["out"] / asset.filename).read_bytes()  # same pixels as the deck's PNG
    h, w = full.shape[:2]
    changed = np.any(full != bare, axis=2)
    inside = np.zeros_like(changed)
    for lb in asset.labels:
        x0, y0 = int(math.floor(lb.left * w)), int(math.floor(lb.top * h))
        x1, y1 = int(math.ceil((lb.left + lb.width) * w)), int(math.ceil((lb.top + lb.height) * h))
        assert changed[y0:y1, x0:x1].sum() > 20, f"{figure_id}: no text under the mask of {lb.text!r}"
        inside[y0:y1, x0:x1] = True
    stray = changed & ~inside
    assert not stray.any(), f"{figure_id}: {int(stray.sum())} label pixels outside every mask"


# ============================================================== plotted content
def _draw(figure_id):
    spec = next(s for s in F.catalogue(CATALOGUE) if s.id == figure_id)
    with plots.style_context():
        result = spec.make()
        fig = result[0] if isinstance(result, tuple) else result
        fig.canvas.draw()
    return fig


def _texts(fig):
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _main_line(fig):
    lines = [ln for ax in fig.axes for ln in ax.get_lines() if len(ln.get_xdata()) > 100]
    assert len(lines) == 1
    return np.asarray(lines[0].get_xdata(), float), np.asarray(lines[0].get_ydata(), float)


@pytest.mark.parametrize("figure_id,reference", [
    ("plot-sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("plot-tanh", np.tanh),
    ("plot-relu", lambda x: np.where(x > 0, x, 0.0)),
    ("plot-leaky-relu", lambda x: np.where(x > 0, x, 0.1 * x)),
    ("plot-gelu", lambda x: np.array([v * _phi(v) for v in x])),
    ("plot-lr-step-decay", lambda t: 0.1 * 0.5 ** (t // 200)),
    ("plot-lr-exponential-decay", lambda t: 0.1 * np.exp(t * math.log(0.997))),
    ("plot-lr-cosine-annealing", lambda t: 0.05 * (1 + np.cos(np.pi * t / 1000))),
    ("plot-lr-warmup-cosine", lambda t: np.where(t < 100, 0.1 * t / 100,
                                                 0.05 * (1 + np.cos(np.pi * (t - 100) / 900)))),
])
def test_single_curve_plots_draw_the_right_function_unnamed(figure_id, reference):
    fig = _draw(figure_id)
    x, y = _main_line(fig)
    np.testing.assert_allclose(y, reference(x), atol=1e-9)
    if figure_id in ACTIVATION_IDS:
        assert x.min() <= -4.9 and x.max() >= 4.9
    else:
        assert x.min() == 0 and x.max() >= 999
    words = " ".join(_texts(fig)).lower()
    for name in ("sigmoid", "logistic", "tanh", "relu", "gelu", "leaky", "step decay", "exponential",
                 "cosine", "warm", "anneal", "decay"):
        assert name not in words, f"{figure_id} gives away the answer: {name!r}"
    assert not any(ax.get_title() for ax in fig.axes) and all(ax.get_legend() is None for ax in fig.axes)


def test_comparison_plot_names_all_five():
    fig = _draw("plot-activation-comparison")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:3] == ["sigmoid", "tanh", "ReLU"] and legend[3].startswith("Leaky ReLU") and legend[4] == "GELU"


def test_softmax_plot_bars_match_independent_softmax():
    fig = _draw("plot-softmax-temperature")
    ax = fig.axes[0]
    z = np.array([3.0, 2.0, 1.0, 0.5, 0.0, -1.0])
    heights = [[r.get_height() for r in c] for c in ax.containers]
    assert len(heights) == 3
    for T, h in zip((0.5, 1.0, 2.0), heights):
        e = np.exp(z / T)
        np.testing.assert_allclose(h, e / e.sum(), atol=1e-12)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["uniform", "T = 0.5", "T = 1", "T = 2"]


def test_top_k_top_p_plot_highlights_5_and_8_tokens():
    fig = _draw("plot-top-k-top-p")
    grey = tuple(int(F.plots.GREY_BAR[i:i + 2], 16) / 255 for i in (1, 3, 5))
    kept = []
    for ax in fig.axes:
        bars = ax.containers[0]
        kept.append([tuple(np.round(b.get_facecolor()[:3], 4)) != tuple(np.round(grey, 4)) for b in bars])
    assert kept[0] == [True] * 5 + [False] * 10
    assert kept[1] == [True] * 8 + [False] * 7
    # the titles name the panels only: "5 tokens kept" / "mass 0.91" would answer the prompt
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["A", "B"]
    assert not re.search(r"\d", " ".join(t for ax in fig.axes for t in (ax.get_title(loc="left"), ax.get_title())))


def test_positional_encoding_heatmap_is_the_sinusoid_matrix():
    fig = _draw("plot-positional-encoding-heatmap")
    img = fig.axes[0].get_images()[0].get_array()
    pos, i = np.arange(64)[:, None], np.arange(128)[None, :]
    angle = pos / 10000 ** ((i - i % 2) / 128)
    np.testing.assert_allclose(img, np.where(i % 2 == 0, np.sin(angle), np.cos(angle)), atol=1e-12)
    assert img.shape == (64, 128)


# ============================================================== layout checks refuse bad figures
def _bad_overlap():
    c = diagrams._Canvas(3.0)
    for i in range(5):
        c.note(1.0 + i * 0.2, 1.5, f"label {i}")
    return c.result()


def _bad_clipped():
    c = diagrams._Canvas(3.0)
    for i in range(4):
        c.note(1.2, 0.5 + i * 0.6, f"label {i}")
    c.note(5.4, 1.5, "far right edge")
    return c.result()


def _bad_small_font():
    fig, ax = plots._figure(4.0)
    ax.plot([0, 1], [0, 1])
    ax.text(0.5, 0.5, "tiny", fontsize=9)
    return fig


def _bad_text_overflows_box():
    c = diagrams._Canvas(3.0)
    c.box(2.75, 2.5, 1.0, 0.5, "a much too long label")
    for i in range(4):
        c.note(1.0 + i * 1.2, 1.0, f"l{i}")
    return c.result()


@pytest.mark.parametrize("draw,kind,message", [
    (_bad_overlap, "diagram", "masks overlap"),
    (_bad_clipped, "diagram", "clipped"),
    (_bad_small_font, "plot", "below 14 pt"),
    (_bad_text_overflows_box, "diagram", "does not fit its box"),
])
def test_layout_checks_reject_bad_figures(draw, kind, message):
    spec = F.FigureSpec("diagram-bad", kind, "t", "p", r"<p>\(x\)</p>", ("x",), draw)
    with pytest.raises(F.FigureError, match=message):
        F._rasterize(spec)


# ============================================================== the catalogue is data; occlusion give-aways
from builder.errors import InputError  # noqa: E402
from builder.figures import giveaway  # noqa: E402


def _catalogue_copy(tmp_path, edit):
    """decks/figures.yaml loaded, edited in Python, written to tmp_path; returns the path."""
    import yaml

    data = yaml.safe_load((ROOT / "decks/figures.yaml").read_text(encoding="utf-8"))
    edit({e["id"]: e for e in data["figures"]}, data)
    path = tmp_path / "figures.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_catalogue_round_trips_through_yaml(tmp_path):
    path = _catalogue_copy(tmp_path, lambda by_id, data: None)
    assert F.catalogue(path) == F.catalogue(CATALOGUE)


def test_giveaway_normalises_words():
    assert giveaway.content_words("Output embedding\n+ positional enc.") == \
        giveaway.content_words("outputs embeddings + Positional Encoding")
    assert giveaway.content_words("the scaled attention") == giveaway.content_words("scale attention")
    assert giveaway.content_words("of the and a") == set()
    assert giveaway.giveaways(["Feed-forward"], [("header", "Self-attention")]) == []


def test_giveaway_fires_on_the_old_transformer_twin_label():
    """The reviewed card: unmasked 'Output embedding + positional enc.' beside masked 'Input embedding …'."""
    problems = giveaway.giveaways(["Input embedding + positional encoding"],
                                  [("unmasked image text", "Output embedding\n+ positional enc.")])
    assert len(problems) == 1
    assert "embedding" in problems[0] and "encoding" in problems[0] and "positional" in problems[0]


def test_every_diagram_passes_the_giveaway_check():
    diagrams_ = [s for s in F.catalogue(CATALOGUE) if s.kind == "diagram"]
    assert len(diagrams_) >= 8
    for s in diagrams_:
        shown = [("header", s.prompt)] + [("unmasked image text", t.text) for t in s.texts if not t.masked]
        assert giveaway.giveaways([t.plain for t in s.labels], shown) == [], s.id
        assert "name the hidden part" in s.prompt, s.id


def _unmask(key):
    def edit(by_id, data):
        labels = by_id["diagram-transformer"]["labels"]
        by_id["diagram-transformer"].setdefault("visible", {})[key] = labels.pop(key)
    return edit


@pytest.mark.parametrize("edit,message", [
    (_unmask("shifted"), "'Output probabilities' is given away by the unmasked image text 'Outputs (shifted right)' "
                         "(shared: output)"),
    (lambda b, d: b["diagram-rag"]["visible"].update(online="Query time (online)"), "'Query' is given away"),
    (lambda b, d: b["diagram-diffusion"].update(prompt="Denoising diffusion model: name the hidden part."),
     "given away by the header"),
    (lambda b, d: b["diagram-lora"].update(topic="GenAI LLMs"), "malformed topic path"),
    (lambda b, d: b["plot-relu"].update(colour="red"), "unknown key 'colour'"),
    (lambda b, d: b["plot-relu"].pop("topic"), "topic is missing"),
    (lambda b, d: b["diagram-gan"]["labels"].update(feedback="Real data"), "label answers must be unique"),
    (lambda b, d: d["figures"].append(dict(b["plot-tanh"])), "duplicate id"),
    (lambda b, d: b["diagram-gan"]["labels"].pop("feedback"), "draw_gan draws texts ['feedback'] that are not declared"),
    (lambda b, d: b["diagram-gan"].update(visible={"extra": "Minimax"}), "texts ['extra'] are declared but draw_gan"),
    (lambda b, d: b["plot-relu"].update(params={"x_mn": -6}), "draw_relu takes no parameter 'x_mn'"),
])
def test_bad_catalogue_entries_are_refused(tmp_path, edit, message):
    path = _catalogue_copy(tmp_path, edit)
    with pytest.raises(InputError) as err:
        F.catalogue(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith(str(path) + ": ")


def test_a_giveaway_fails_the_build_with_one_line(tmp_path, decks_copy):
    """The check runs in the real build: exit status 2, one line naming the file and the figure."""
    path = _catalogue_copy(tmp_path, _unmask("shifted"))
    (decks_copy / "figures.yaml").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--decks", str(decks_copy), "build",
                           "--output-dir", str(out), "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "figures.yaml" in lines[0] and "diagram-transformer" in lines[0], lines
    assert "given away" in lines[0] and "Traceback" not in proc.stderr
    assert not list(out.glob("*.apkg"))


def test_a_topic_outside_the_taxonomy_fails_the_build(tmp_path, decks_copy):
    path = _catalogue_copy(tmp_path, lambda b, d: b["diagram-lora"].update(topic="GenAI::Fine_Tuning::LoRA"))
    (decks_copy / "figures.yaml").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--decks", str(decks_copy), "build",
                           "--output-dir", str(tmp_path / "dist"), "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "diagram-lora" in proc.stderr and "not a path of topics.yaml" in proc.stderr


def test_transformer_has_residuals_and_add_norm(rendered):
    spec = next(s for s in F.catalogue(CATALOGUE) if s.id == "diagram-transformer")
    asset = next(a for a in rendered["assets"] if a.id == "diagram-transformer")
    names = [t.plain for t in spec.labels]
    assert "Add & Norm" in names and "Feed-forward" in names
    assert not any("Output embedding" in t.text for t in spec.texts)  # the old give-away twin is gone
    masks = [lb.text for lb in asset.labels]
    sublayers = ("Multi-head self-attention", "Masked self-attention", "Cross-attention", "Feed-forward")
    # one Add & Norm after every sub-layer of the encoder (2) and the decoder (3)
    assert masks.count("Add & Norm") == sum(masks.count(n) for n in sublayers) == 5
    assert masks.count("Token embedding + positional encoding") == 2  # encoder and decoder: one card
    # residual arrows: a polyline around each sub-layer ends at the side of its Add & Norm box
    with plots.style_context():
        fig, labels = spec.make()
        fig.canvas.draw()
        from matplotlib.lines import Line2D
        ax = fig.axes[0]
        add_boxes = [lt.container.get_extents() for lt in labels if lt.plain == "Add & Norm"]
        polylines = [ln for ln in ax.get_lines() if isinstance(ln, Line2D) and len(ln.get_xdata()) >= 4]
        ends = [ax.transData.transform((ln.get_xdata()[-1], ln.get_ydata()[-1])) for ln in polylines]
        for box in add_boxes:
            assert any(box.y0 < y < box.y1 and abs(x - box.x0) < 60 or abs(x - box.x1) < 60 and box.y0 < y < box.y1
                       for x, y in ends), box


def _declared_but_not_drawn(t):
    c = diagrams._Canvas(3.0)
    for i, key in enumerate(("a", "b", "c", "d", "e")):
        c.note(0.6 + i * 1.0, 1.5, t[key])
    c.ax.text(2.75, 2.6, "undeclared", fontsize=15)
    return c.result()


def test_drawn_texts_must_be_the_declared_ones():
    texts = tuple(F.Text(k, f"label {k}", f"label {k}", True) for k in "abcde") + (
        F.Text("gone", "never drawn", "never drawn", False),)
    spec = F.FigureSpec("diagram-bad", "diagram", "t", "p", r"<p>\(x\)</p>", ("x",), _declared_but_not_drawn,
                        texts=texts)
    with pytest.raises(F.FigureError, match=r"unmasked texts drawn \['undeclared'\] != declared visible "
                                            r"texts \['never drawn'\]"):
        F._rasterize(spec)
