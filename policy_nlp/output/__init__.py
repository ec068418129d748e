"""Outputs of a processed Doc: records (JSON-able dicts) and the HTML view."""
