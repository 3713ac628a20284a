"""Qt-free code shared by the builder and the add-on (stdlib only, no Qt, no anki import)."""
