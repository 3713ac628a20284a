"""The topic-mastery dashboard: data (stats, readiness), view, controller, dialog, study decks, report CLI."""
