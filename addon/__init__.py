"""GenAI Interview Prep — linked explanations panel for the Anki desktop reviewer.

Registration only: every hook is registered in one place, `hooks.register()`.
The plain modules (links, sanitize, panel_html, config) import without Qt.
"""
import sys

# Register hooks only inside Anki: `import addon.stats` or `python -m addon.report` must work
# without aqt (and without importing Qt) — aqt is always imported before Anki loads add-ons.
if "aqt" in sys.modules:
    from .panel import controller as hooks

    hooks.register()
