"""Builder: turns the interview-question documents into a normalized question set and Anki decks."""
