"""Plumbing both features share: error containment, background jobs, menu actions, the HTML cleaner."""
