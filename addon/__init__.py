"""GenAI Interview Prep — the Anki desktop add-on: linked explanations beside the reviewer (panel/),
the topic-mastery dashboard (dashboard/) and the clean-up of retired notes (lifecycle_ui.py).

Registration only. Hooks are registered inside Anki only: `import addon.dashboard.stats` or
`python -m addon.report` must work without aqt (and without importing Qt) — aqt is always
imported before Anki loads add-ons.
"""
import sys

if "aqt" in sys.modules:
    import aqt

    from . import dashboard, lifecycle_ui, panel

    for feature in (panel, dashboard, lifecycle_ui):
        feature.register(aqt.mw)
