"""Card CSS shared by all note types: readable on a 360 px phone, night mode, no external resources."""

CSS = """
.card {
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px;
  line-height: 1.5;
  text-align: left;
  color: #1d1d1f;
  background-color: #ffffff;
  margin: 0;
  padding: 12px;
  overflow-wrap: anywhere;
  word-wrap: break-word;
}
.qa-card { max-width: 46em; margin: 0 auto; }
.qa-question { font-size: 1.15em; font-weight: 600; margin-bottom: .4em; }
.qa-answer p, .qa-extra p, .qa-origin p { margin: .45em 0; }
.qa-answer ul, .qa-answer ol, .qa-others ul, .qa-others ol, .qa-origin ul, .qa-origin ol {
  padding-left: 1.3em; margin: .4em 0;
}
.qa-answer li, .qa-others li { margin: .15em 0; }
h4, h5, h6 { font-size: 1em; margin: .8em 0 .3em; }
li > p { margin: .1em 0; }
img { max-width: 100%; height: auto; }
pre {
  max-width: 100%; overflow-x: auto; white-space: pre; font-size: .82em;
  background: #f4f4f6; border-radius: 6px; padding: .6em;
}
code { font-size: .9em; background: #f4f4f6; border-radius: 4px; padding: 0 .2em; }
pre code { background: none; padding: 0; }
.qa-table { max-width: 100%; overflow-x: auto; margin: .5em 0; }
.qa-table table { border-collapse: collapse; font-size: .85em; }
.qa-table th, .qa-table td { border: 1px solid #c9c9cf; padding: .3em .45em; vertical-align: top; }
.qa-table th { background: #f0f0f3; }
.math-block { overflow-x: auto; max-width: 100%; }
.qa-figures { margin: .8em 0; }
.qa-figure { margin: .6em 0; text-align: center; }
.qa-figure-caption { font-size: .85em; color: #55555c; }
.qa-figure-image { text-align: center; margin: .5em 0; }
details { margin: .6em 0; border: 1px solid #dcdce2; border-radius: 8px; padding: .4em .7em; }
details > summary { cursor: pointer; font-weight: 600; }
.qa-others .qa-source-title, .qa-label { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: #6e6e76; }
.qa-related { margin-top: .9em; }
.qa-related ul { padding-left: 1.2em; margin: .3em 0; }
.qa-related details.qa-rel { margin: .3em 0; padding: .3em .6em; }
.qa-related details.qa-rel > summary { font-weight: 500; }
.qa-related .qa-rel-points { font-size: .92em; margin: .35em 0 .1em; }
.qa-related .qa-topic { font-size: .8em; color: #6e6e76; }
.qa-meta { margin-top: 1em; font-size: .78em; color: #6e6e76; border-top: 1px solid #e2e2e7; padding-top: .5em; }
.qa-meta ul { padding-left: 1.2em; margin: .2em 0; }
/* permanent ids stay in the markup (the desktop add-on reads them) but are never shown */
.qa-id { display: none; }
.qa-cz-source { font-size: .85em; color: #6e6e76; margin-top: .3em; }
.qa-extra { margin-top: .6em; }
.qa-key-points {
  background: #eef4ff; border-left: 4px solid #0a58ca; border-radius: 6px;
  padding: .35em .7em; margin: .3em 0 .8em;
}
.qa-key-points ul { padding-left: 1.2em; margin: .25em 0; }
.qa-key-points li { margin: .2em 0; }
.qa-explanation > .qa-label { margin-bottom: .2em; }
.qa-correction {
  background: #fff6e0; border-left: 4px solid #c98a00; border-radius: 6px;
  padding: .35em .7em; margin: .3em 0 .8em; font-size: .92em;
}
.cloze { font-weight: 700; color: #0a58ca; }
.qa-cloze { font-size: 1.05em; }
.qa-io-header { font-weight: 600; margin-bottom: .4em; }
#image-occlusion-container { max-width: 100%; }
a { color: #0a58ca; }

.nightMode .card, .night_mode .card, .card.nightMode, .card.night_mode {
  color: #e6e6ea; background-color: #1e1e22;
}
.nightMode pre, .nightMode code, .night_mode pre, .night_mode code { background: #2c2c33; }
.nightMode .qa-table th, .night_mode .qa-table th { background: #2c2c33; }
.nightMode .qa-table th, .nightMode .qa-table td, .night_mode .qa-table th, .night_mode .qa-table td { border-color: #4a4a52; }
.nightMode details, .night_mode details { border-color: #44444c; }
.nightMode .qa-key-points, .night_mode .qa-key-points { background: #1f2a3d; border-left-color: #7fb2ff; }
.nightMode .qa-correction, .night_mode .qa-correction { background: #3a3020; border-left-color: #e0a82e; }
.nightMode .cloze, .night_mode .cloze, .nightMode a, .night_mode a { color: #7fb2ff; }
.nightMode .qa-label, .night_mode .qa-label, .nightMode .qa-meta, .night_mode .qa-meta,
.nightMode .qa-figure-caption, .night_mode .qa-figure-caption { color: #a0a0aa; }
.nightMode .qa-figure img, .night_mode .qa-figure img, .nightMode .qa-figure-image img,
.night_mode .qa-figure-image img { background: #ffffff; border-radius: 6px; }
"""
