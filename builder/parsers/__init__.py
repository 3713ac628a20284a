"""Document parsers, one module per source document (their formats differ too much to share one).

decks/documents.yaml names each document's module (`parser: doc004`) and its optional parse
hints; `builder.documents` loads the module and calls `parse(text, document[, hints])`.
"""
