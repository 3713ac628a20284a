#!/usr/bin/env python3
"""GenAI interview prep: build the question set, the Anki decks and the add-on.

Run with the system python3: it sets up .venv/ with the pinned packages on first use.
`python3 build.py --help` lists the subcommands; no subcommand runs the main job.
"""
import sys

from builder.bootstrap import ensure_venv

if __name__ == "__main__":
    ensure_venv()
    from builder.cli import main

    sys.exit(main(sys.argv[1:]))
