"""The four note types, with frozen ids, fields and templates.

Anki matches note types by id. Changing the list of fields or templates of an
existing type makes Anki import a renamed copy and report conflicts, so the
`FIELDS`/template *lists* below are frozen: a structural change needs a new
model id and name. CSS and template *text* may change freely (bump
`STYLE_REVISION` so clients take the new version).

Every card is complete without add-ons or JavaScript (phones run none); the
only script is Anki's own Image Occlusion setup on the IO type.
"""
from __future__ import annotations

import hashlib

import genanki

from addon.core import notetypes

from .style import CSS

# Bump (YYYYMMDDNN) whenever CSS or template text changes, so a re-import updates the
# note types on every client: Anki takes a note type only when it is newer.
STYLE_REVISION = 2026112902
# style_fingerprint() at that revision; a test fails when templates/CSS change without a bump.
STYLE_FINGERPRINT = "e0c50cbf94598edb"

# Ids, names and field lists are the note-type specs shared with the add-on (addon/core/notetypes.json).
SPECS = notetypes.specs()
QA_MODEL_ID, CLOZE_MODEL_ID, IO_MODEL_ID, FIGURE_MODEL_ID = (SPECS[k].model_id for k in ("qa", "cloze", "io", "figure"))
QA_FIELDS, CLOZE_FIELDS, IO_FIELDS, FIGURE_FIELDS = (list(SPECS[k].fields) for k in ("qa", "cloze", "io", "figure"))
# Template names are part of the frozen structure too (one template per type).
TEMPLATE_NAMES = {"qa": "Question → Answer", "cloze": "Cloze", "io": "Image Occlusion", "figure": "Figure → Answer"}

_QA_FRONT = """<div class="qa-card qa-front">
<div class="qa-question">{{Question}}</div>
</div>"""

_QA_BACK = """<div class="qa-card">
<div class="qa-question">{{Question}}</div>
<hr id="answer">
<div class="qa-answer">{{Answer}}</div>
{{#Figures}}<div class="qa-figures">{{Figures}}</div>{{/Figures}}
{{#OtherExplanations}}<div class="qa-others">{{OtherExplanations}}</div>{{/OtherExplanations}}
{{#Related}}<div class="qa-related"><div class="qa-label">Related questions</div>{{Related}}</div>{{/Related}}
<div class="qa-meta">
{{#Sources}}<div class="qa-sources"><span class="qa-label">Sources</span> {{Sources}}</div>{{/Sources}}
{{#Attribution}}<div class="qa-attribution"><span class="qa-label">Figures</span> {{Attribution}}</div>{{/Attribution}}
<div class="qa-id">{{ID}}</div>
</div>
</div>"""

_CLOZE_FRONT = """<div class="qa-card qa-cloze">{{cloze:Text}}</div>"""
_CLOZE_BACK = """<div class="qa-card qa-cloze">{{cloze:Text}}</div>
<hr id="answer">
{{#Back Extra}}<div class="qa-extra">{{Back Extra}}</div>{{/Back Extra}}
<details class="qa-origin"><summary>Full question and explanation</summary>{{Origin}}</details>
<div class="qa-meta"><div class="qa-id">{{ID}}</div></div>"""

# Anki's own Image Occlusion template (rslib), unchanged apart from our wrapper classes:
# the mask editor and AnkiDroid recognise the type by originalStockKind + field tags.
_IO_FRONT = """{{#Header}}<div class="qa-io-header">{{Header}}</div>{{/Header}}
<div style="display: none">{{cloze:Occlusion}}</div>
<div id="err"></div>
<div id="image-occlusion-container">
    {{Image}}
    <canvas id="image-occlusion-canvas"></canvas>
</div>
<script>
try {
    anki.imageOcclusion.setup();
} catch (exc) {
    document.getElementById("err").innerHTML = `Error loading image occlusion. Is your Anki version up to date?<br><br>${exc}`;
}
</script>
"""
_IO_BACK = _IO_FRONT + """
<div><button id="toggle">Toggle Masks</button></div>
{{#Back Extra}}<div class="qa-extra">{{Back Extra}}</div>{{/Back Extra}}
{{#Comments}}<div class="qa-meta">{{Comments}}</div>{{/Comments}}
"""

_FIG_FRONT = """<div class="qa-card qa-figure">
<div class="qa-question">{{Prompt}}</div>
<div class="qa-figure-image">{{Image}}</div>
</div>"""
_FIG_BACK = """<div class="qa-card qa-figure">
<div class="qa-question">{{Prompt}}</div>
<div class="qa-figure-image">{{Image}}</div>
<hr id="answer">
<div class="qa-answer">{{Answer}}</div>
{{#Related}}<div class="qa-related"><div class="qa-label">Questions this figure illustrates</div>{{Related}}</div>{{/Related}}
<div class="qa-meta"><div class="qa-id">{{ID}}</div></div>
</div>"""


def _fields(names: list[str], tags: bool = False) -> list[dict]:
    out = []
    for i, name in enumerate(names):
        f = {"name": name, "font": "Arial", "size": 20}
        if tags:
            f["tag"] = i
            f["preventDeletion"] = i < 4
        out.append(f)
    return out


class ImageOcclusionModel(genanki.Model):
    """genanki model that Anki recognises as Image Occlusion (`originalStockKind` 6)."""

    def to_json(self, timestamp: float, deck_id):
        data = super().to_json(timestamp, deck_id)
        data["originalStockKind"] = 6
        return data


def _model(kind: str, qfmt: str, afmt: str, cls=genanki.Model, **kwargs) -> genanki.Model:
    spec = SPECS[kind]
    return cls(spec.model_id, spec.name, fields=_fields(list(spec.fields), tags=kind == "io"),
               templates=[{"name": TEMPLATE_NAMES[kind], "qfmt": qfmt, "afmt": afmt}], css=CSS, **kwargs)


QA_MODEL = _model("qa", _QA_FRONT, _QA_BACK)
CLOZE_MODEL = _model("cloze", _CLOZE_FRONT, _CLOZE_BACK, model_type=genanki.Model.CLOZE)
IO_MODEL = _model("io", _IO_FRONT, _IO_BACK, ImageOcclusionModel, model_type=genanki.Model.CLOZE)
FIGURE_MODEL = _model("figure", _FIG_FRONT, _FIG_BACK)

MODELS = (QA_MODEL, CLOZE_MODEL, IO_MODEL, FIGURE_MODEL)
# What must never change for a given model id (checked by tests against the built models).
FROZEN_STRUCTURE = {SPECS[k].model_id: (list(SPECS[k].fields), [TEMPLATE_NAMES[k]]) for k in SPECS}

def style_fingerprint() -> str:
    """Hash of all CSS and template text: a test ties it to STYLE_REVISION."""
    h = hashlib.sha256()
    for m in MODELS:
        h.update(m.css.encode())
        for t in m.templates:
            h.update(t["qfmt"].encode() + b"\0" + t["afmt"].encode())
    return h.hexdigest()[:16]
