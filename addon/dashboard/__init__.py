"""The topic-mastery dashboard: data (stats.py, readiness.py), page (view.py, web/dashboard.*), controller
(controller.py), dialog (dialog.py), study decks (study.py) and the report CLI (report.py, snapshot.py).

Importing the package loads no Qt: the plain modules run in tests and in `python -m addon.report`.
"""


def register(mw):
    """Register the dashboard in Anki's main window (once)."""
    from ..common.menu import install
    from . import controller
    return install(controller, controller.DashboardController, mw, web_assets=True)
