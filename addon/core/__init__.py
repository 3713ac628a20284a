"""Qt-free code shared by the add-on and the builder (stdlib only)."""
