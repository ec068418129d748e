"""``policy_tasks``: who is charged, by when and how much, in every directive sentence (TASKS.md).

Runs after ``policy_directives`` (it reads ``span._.directive``) and ``policy_entities`` (with
``use_entities``, the sentence's ``doc.ents`` help the rules of :mod:`policy_nlp.text.tasks`).
On each sentence it sets ``actors``, ``deadlines`` and ``targets``: lists of ``Span`` objects
labelled ``ACTOR``, ``DEADLINE`` and ``TARGET``, in text order; empty lists on sentences that
are not directives, which carry no task spans. Span boundaries become token boundaries, as
``policy_entities`` does for entities. ``doc._.tasks`` lists the directive sentences that have
at least one span (see :mod:`policy_nlp.components.extensions`).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..text.tasks import task_spans
from .extensions import set_sentence_attr, trimmed_range
from .tokenizer import split_tokens_at

ATTRS = {"ACTOR": "actors", "DEADLINE": "deadlines", "TARGET": "targets"}


@Language.factory(
    "policy_tasks",
    requires=["span._.directive"],
    assigns=["span._.actors", "span._.deadlines", "span._.targets"],
    default_config={"use_entities": True},
)
def make_policy_tasks(nlp: Language, name: str, use_entities: bool):
    return PolicyTasks(name, use_entities=use_entities)


class PolicyTasks:
    """Rules only: nothing to train, nothing to save (spaCy skips ``to_disk`` without it)."""

    def __init__(self, name: str = "policy_tasks", *, use_entities: bool = True):
        self.name, self.use_entities = name, bool(use_entities)

    def spans(self, doc: Doc) -> dict[tuple[int, int], list[tuple[int, int, str]]]:
        """Task spans of each directive sentence, as document offsets, keyed by the sentence's range."""
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents] if self.use_entities else []
        out = {}
        for sent in doc._.sentences:
            if sent._.directive is not True:
                continue
            start, end = trimmed_range(sent)
            text = doc.text[start:end]
            inside = [(s - start, e - start, label) for s, e, label in ents if start <= s and e <= end]
            out[(start, end)] = [(start + s, start + e, role) for s, e, role in task_spans(text, inside)]
        return out

    def __call__(self, doc: Doc) -> Doc:
        found = self.spans(doc)
        offsets = [(s, e) for spans in found.values() for s, e, _ in spans]
        if offsets:
            doc = split_tokens_at(doc, offsets)
        for sent in doc._.sentences:
            spans = found.get(trimmed_range(sent), [])
            values = {attr: [] for attr in ATTRS.values()}
            for s, e, role in spans:
                span = doc.char_span(s, e, label=role)
                if span is not None:
                    values[ATTRS[role]].append(span)
            for attr, value in values.items():
                set_sentence_attr(sent, attr, value)
        return doc


__all__ = ["PolicyTasks", "make_policy_tasks"]
