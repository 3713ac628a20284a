"""The linked-explanations panel beside the reviewer: data (links), view, controller, dock, preview."""
