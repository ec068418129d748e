"""Every ``Doc._`` and ``Span._`` attribute of policy_nlp, installed in one place.

Sentence attributes are stored once per sentence, keyed by the sentence's trimmed character
range, in ``doc._.sentence_attrs``; the ``Span`` getters look a span up there. So they answer on
every span that is a sentence of the doc, however it was obtained: ``doc._.sentences`` (the
trimmed spans), ``doc.sents`` (which carry the white space after them), ``span.sent``, or a
span re-created with ``doc[i:j]`` or ``doc.char_span``. Any other span gets ``None``.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

from ..text.entity_rules import entity_value
from ..text.outline import section_path_at
from ..text.script import to_simplified

SPANS_KEY = "sentences"
# Attributes a sentence component writes with :func:`set_sentence_attr`.
SENTENCE_ATTRS = ("area", "area_scores", "directive", "directive_score", "actors", "deadlines", "targets")
# Of those, the ones that hold spans: stored as (start, end, label) so that a Doc still
# serialises (to_bytes, pickling for nlp.pipe(n_process=k)); the getter makes the Spans.
SPAN_LIST_ATTRS = ("actors", "deadlines", "targets")


def trimmed_range(span: Span) -> tuple[int, int]:
    """The span's character range without the white space at its ends."""
    text = span.text
    start = span.start_char + (len(text) - len(text.lstrip()))
    return start, max(start, span.start_char + len(text.rstrip()))


def _key(span: Span) -> str:
    start, end = trimmed_range(span)
    return f"{start}:{end}"  # a string: user_data must survive msgpack (Doc.to_bytes)


def set_sentence_attr(sentence: Span, name: str, value: Any) -> None:
    """Store a sentence attribute for every span that is this sentence (see the module doc);
    a list of Spans is stored as (start, end, label) triples."""
    doc = sentence.doc
    if doc._.sentence_attrs is None:
        doc._.sentence_attrs = {}
    if name in SPAN_LIST_ATTRS:
        value = [(s.start_char, s.end_char, s.label_) for s in value]
    doc._.sentence_attrs.setdefault(_key(sentence), {})[name] = value


def _sentence_getter(name: str):
    def get(span: Span):
        attrs = span.doc._.sentence_attrs
        row = attrs.get(_key(span)) if attrs else None
        value = None if row is None else row.get(name)
        if value is not None and name in SPAN_LIST_ATTRS:
            return [span.doc.char_span(s, e, label=label) for s, e, label in value]
        return value
    return get


def model_view(doc: Doc) -> str:
    """The text the models read: the simplified twin of a traditional-script document (same
    offsets; set by the tokenizer), else ``doc.text``."""
    return doc._.model_text if doc._.model_text is not None else doc.text


def model_string(doc: Doc, text: str | None) -> str | None:
    """A string of ``doc`` (a section heading) as the models read it."""
    return to_simplified(text) if text is not None and doc._.model_text is not None else text


def _doc_sentences(doc: Doc) -> list[Span]:
    return list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []


def _section_path(span: Span) -> list[dict]:
    return section_path_at(span.doc._.outline, trimmed_range(span)[0])


def _span_section(span: Span) -> str | None:
    path = _section_path(span)
    return path[-1]["text"] if path else None


def _span_section_path(span: Span) -> list[str]:
    return [item["text"] for item in _section_path(span)]


def _doc_tasks(doc: Doc) -> list[dict]:
    """policy_tasks: one dict per directive sentence with at least one task span."""
    out = []
    for sent in _doc_sentences(doc):
        spans = {name: getattr(sent._, name) or [] for name in ("actors", "deadlines", "targets")}
        if sent._.directive and any(spans.values()):
            out.append({"sentence": sent, "area": sent._.area, **spans})
    return out


def install_extensions() -> None:
    """Register the attributes (idempotent; called when the package's components are imported)."""
    doc_attrs = {
        "outline": {"default": None},                  # policy_outline
        "sentences": {"getter": _doc_sentences},       # policy_sentences: trimmed sentence spans
        "policy_states": {"default": None},            # policy_encoder -> heads; released by policy_cleaner
        "sentence_attrs": {"default": None},           # per-sentence attributes (see set_sentence_attr)
        "tasks": {"getter": _doc_tasks},               # policy_tasks: directive sentences with task spans
        "model_text": {"default": None},               # tokenizer: simplified twin of a traditional text
    }
    span_attrs = {
        "section": {"getter": _span_section},
        "section_path": {"getter": _span_section_path},
        "value": {"getter": lambda span: entity_value(span.label_, span.text)},
        "placeholder": {"getter": lambda span: "XX" in span.text},
        **{name: {"getter": _sentence_getter(name)} for name in SENTENCE_ATTRS},
    }
    for name, kwargs in doc_attrs.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, **kwargs)
    for name, kwargs in span_attrs.items():
        if not Span.has_extension(name):
            Span.set_extension(name, **kwargs)


__all__ = ["SPANS_KEY", "SENTENCE_ATTRS", "install_extensions", "set_sentence_attr", "trimmed_range", "model_view",
           "model_string"]
