"""GenAI Interview Prep — linked explanations panel for the Anki desktop reviewer.

Registration only: every hook is registered in one place, `hooks.register()`.
The plain modules (links, sanitize, panel_html, config) import without Qt.
"""
from . import hooks

hooks.register()
