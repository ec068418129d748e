"""Plain JSON-able records of processed documents, with a versioned schema.

Schema ``policy_nlp.record`` version 1 (fields later components add are optional and
documented in README.md):

``schema``, ``schema_version``
    ``"policy_nlp.record"``, ``1``.
``policy_nlp_version``
    the library version that wrote the record.
``text_length``
    number of characters of the document; all offsets are character offsets into it.
``sentences``
    ``[{"id", "start", "end", "text", "section", "section_path"}]`` in text order.
``outline``
    ``[{"level", "marker", "number", "text", "start", "end", "section_end", "block"}]``.
``tokens`` (only with ``tokens=True``)
    ``[[start, end], ...]`` of every non-space token.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from . import __version__
from .outline import section_path_at

SCHEMA = "policy_nlp.record"
SCHEMA_VERSION = 1


def to_record(doc: Doc, *, tokens: bool = False, text: bool = True) -> dict[str, Any]:
    """A JSON-able dict of ``doc``: sentences with offsets and sections, the outline, optionally tokens.

    ``text=False`` leaves out sentence texts (offsets remain) to keep records small.
    """
    if not isinstance(doc, Doc):
        raise TypeError(f"to_record expects a spaCy Doc, got {type(doc).__name__}")
    outline = doc._.outline or []
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "policy_nlp_version": __version__,
        "text_length": len(doc.text),
        "sentences": [],
        "outline": [dict(item) for item in outline],
    }
    for i, sent in enumerate(doc._.sentences):
        path = [item["text"] for item in section_path_at(outline, sent.start_char)]
        entry: dict[str, Any] = {"id": i, "start": sent.start_char, "end": sent.end_char}
        if text:
            entry["text"] = sent.text
        entry["section"] = path[-1] if path else None
        entry["section_path"] = path
        record["sentences"].append(entry)
    if tokens:
        record["tokens"] = [[t.idx, t.idx + len(t.text)] for t in doc if not t.is_space]
    return record

