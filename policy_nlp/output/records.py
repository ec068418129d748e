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
    ``[{"id", "start", "end", "text", "section", "section_path"}]`` in text order; with
    ``policy_directives`` in the pipeline also ``"area"``, ``"area_scores"`` (six
    probabilities summing to 1), ``"directive"`` and ``"directive_score"``.
``outline``
    ``[{"level", "marker", "number", "text", "start", "end", "section_end", "block"}]``.
``entities``
    ``[{"start", "end", "label", "text", "value", "placeholder"}]`` in text order (ANNOTATION.md labels).
``tasks`` (with ``policy_tasks`` in the pipeline; TASKS.md)
    ``[{"sentence", "actors", "deadlines", "targets"}]``: one per directive sentence with at
    least one span; ``sentence`` is its id in ``sentences``, each span ``{"start", "end", "text"}``.
``tokens`` (only with ``tokens=True``)
    ``[[start, end], ...]`` of every non-space token.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from .. import __version__
from ..text.outline import section_path_at
from .tasks import task_records

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
        entry: dict[str, Any] = {"id": i, "start": sent.start_char, "end": sent.end_char}
        if text:
            entry["text"] = sent.text
        entry.update(_section_fields(outline, sent.start_char))
        if sent._.area is not None:
            entry.update(area=sent._.area, area_scores=sent._.area_scores, directive=sent._.directive,
                         directive_score=sent._.directive_score)
        record["sentences"].append(entry)
    record["entities"] = [
        {"start": e.start_char, "end": e.end_char, "label": e.label_, "text": e.text, "value": e._.value,
         "placeholder": e._.placeholder}
        for e in doc.ents
    ]
    if any(s._.actors is not None for s in doc._.sentences):  # policy_tasks ran
        record["tasks"] = task_records(doc)
    if tokens:
        record["tokens"] = [[t.idx, t.idx + len(t.text)] for t in doc if not t.is_space]
    return record

def _section_fields(outline: list[dict], char: int) -> dict[str, Any]:
    """``section`` (innermost enclosing item) and ``section_path`` (outermost first) at ``char``."""
    path = [item["text"] for item in section_path_at(outline, char)]
    return {"section": path[-1] if path else None, "section_path": path}


# Offsets in a record that move when a piece of a document is placed back into the whole.
_OFFSET_FIELDS = {"sentences": ("start", "end"), "outline": ("start", "end", "section_end"), "entities": ("start", "end")}


def merge_records(text: str, pieces: list[tuple[int, dict]]) -> dict:
    """One record for ``text`` from records of its pieces, each given with its start offset.

    Offsets are moved into the whole text, sentence ids renumbered, and the outline and
    every sentence's section rebuilt over the whole text, so that a document processed in
    paragraph chunks gets the same record shape as one processed whole.
    """
    from ..text.outline import build_outline

    merged: dict = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "policy_nlp_version": __version__,
        "text_length": len(text),
    }
    for offset, record in pieces:
        first_sentence = len(merged.get("sentences", []))
        for key, value in record.items():
            if key in merged and key not in _OFFSET_FIELDS and key not in ("tokens", "tasks"):
                continue
            if key == "tasks":  # sentence ids and span offsets move with the piece
                merged.setdefault("tasks", []).extend(
                    {"sentence": task["sentence"] + first_sentence,
                     **{role: [{**span, "start": span["start"] + offset, "end": span["end"] + offset}
                               for span in task[role]] for role in ("actors", "deadlines", "targets")}}
                    for task in value)
            elif key == "tokens":
                merged.setdefault("tokens", []).extend([[s + offset, e + offset] for s, e in value])
            elif key in _OFFSET_FIELDS:
                fields = _OFFSET_FIELDS[key]
                for entry in value:
                    moved = dict(entry)
                    for f in fields:
                        if moved.get(f) is not None:
                            moved[f] += offset
                    merged.setdefault(key, []).append(moved)
            else:
                merged[key] = value
    sentences = merged.setdefault("sentences", [])
    outline = build_outline(text, [(s["start"], s["end"]) for s in sentences])
    merged["outline"] = outline
    for i, sentence in enumerate(sentences):
        sentence["id"] = i
        sentence.update(_section_fields(outline, sentence["start"]))
    return merged
