"""The linked-explanations panel beside the reviewer: data (links.py), view (view.py, web/panel.*),
controller (controller.py), dock (dock.py) and the preview of a linked question (preview.py).

Importing the package loads no Qt: the plain modules run in tests.
"""


def register(mw):
    """Register the panel in Anki's main window (once)."""
    from ..common.menu import install
    from . import controller
    return install(controller, controller.Controller, mw, web_assets=True)
