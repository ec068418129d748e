"""``policy_tasks``: who is charged, by when and how much, in every directive sentence (TASKS.md).

Runs after ``policy_directives`` (it reads ``span._.directive``) and ``policy_entities`` (with
``use_entities``, the sentence's ``doc.ents`` help the rules of :mod:`policy_nlp.text.tasks`).
On each sentence it sets ``actors``, ``deadlines`` and ``targets``: lists of ``Span`` objects
labelled ``ACTOR``, ``DEADLINE`` and ``TARGET``, in text order; empty lists on sentences that
are not directives, which carry no task spans. Span boundaries become token boundaries, as
``policy_entities`` does for entities. ``doc._.tasks`` lists the directive sentences that have
at least one span (see :mod:`policy_nlp.components.extensions`).

With a trained task tagger (``ml.task_head.TaskHead``, written by ``python -m
policy_nlp.training tasks``) in the component's ``head/`` folder, or set by
``initialize(head_dir=...)``, the spans come from the tagger, which reads the encoder's
character states, the words and the rules' spans; without one, with ``use_model=False``
or without ``policy_encoder`` states, the rules alone run.
"""

from __future__ import annotations

import bisect

from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from ..text.tasks import task_spans
from .extensions import model_view, set_sentence_attr, trimmed_range
from .serialization import DiskBytesMixin
from .tokenizer import split_tokens_at

HEAD_DIR = "head"
ATTRS = {"ACTOR": "actors", "DEADLINE": "deadlines", "TARGET": "targets"}


@Language.factory(
    "policy_tasks",
    requires=["span._.directive"],
    assigns=["span._.actors", "span._.deadlines", "span._.targets"],
    default_config={"use_entities": True, "use_model": True},
)
def make_policy_tasks(nlp: Language, name: str, use_entities: bool, use_model: bool = True):
    return PolicyTasks(name, use_entities=use_entities, use_model=use_model)


class PolicyTasks(DiskBytesMixin):
    """The rules, or the task tagger when the component has a head (``head/`` in its folder)."""

    def __init__(self, name: str = "policy_tasks", *, use_entities: bool = True, use_model: bool = True,
                 head=None):
        self.name, self.use_entities = name, bool(use_entities)
        self.use_model, self.head = bool(use_model), head

    def initialize(self, get_examples=None, *, nlp=None, head_dir=None) -> None:
        """spaCy's set-up hook: load a tagger trained by ``policy_nlp.training tasks``."""
        if head_dir is not None:
            from ..ml.task_head import TaskHead

            self.head = TaskHead.load(Path(head_dir))

    def to_disk(self, path, *, exclude=tuple()) -> None:
        if self.head is not None:
            self.head.save(Path(path) / HEAD_DIR)

    def from_disk(self, path, *, exclude=tuple()) -> "PolicyTasks":
        folder = Path(path) / HEAD_DIR
        if folder.exists():
            from ..ml.task_head import TaskHead

            self.head = TaskHead.load(folder)
        return self

    def to_device(self, device: str) -> None:
        """The head is small and runs on the CPU states the encoder hands over."""

    def model_spans(self, doc: Doc, view: str, sentences: list, rules: list) -> list[list[tuple[int, int, str]]]:
        """The tagger's spans of each directive sentence (``sentences``: (index in
        ``doc._.sentences``, start, end)), offsets relative to the sentence start."""
        from spacy.attrs import IDX

        states = doc._.policy_states
        tokens, offsets, starts = [], [], []
        for i, start, end in sentences:
            sent = doc._.sentences[i]
            o = np.asarray(states["offsets"][i], dtype=np.int64).reshape(-1, 2) + (sent.start_char - start)
            keep = (o[:, 0] >= 0) & (o[:, 1] <= end - start)
            tokens.append(np.asarray(states["tokens"][i], dtype=np.float32)[keep])
            offsets.append(o[keep])
            starts.append(start)
        keep = [k for k, o in enumerate(offsets) if len(o)]
        out: list[list[tuple[int, int, str]]] = [[] for _ in sentences]
        if not keep:
            return out
        features = self.head.feature_ids(view, [offsets[k] for k in keep], [starts[k] for k in keep],
                                         doc.to_array([IDX]).reshape(-1), rule_spans=[rules[k] for k in keep])
        found = self.head.spans([tokens[k] for k in keep], features, [offsets[k] for k in keep],
                                [rules[k] for k in keep])
        for k, spans in zip(keep, found):
            out[k] = spans
        return out

    def spans(self, doc: Doc) -> dict[tuple[int, int], list[tuple[int, int, str]]]:
        """Task spans of each directive sentence, as document offsets, keyed by the sentence's range."""
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents] if self.use_entities else []
        starts = [s for s, _, _ in ents]  # doc.ents are in text order: each sentence's by bisection
        view = model_view(doc)  # the simplified twin of a traditional text (same offsets)
        chosen, rules = [], []
        for i, sent in enumerate(doc._.sentences):
            if not sent._.directive:
                continue
            start, end = trimmed_range(sent)
            text = view[start:end]
            inside = [(s - start, e - start, label)
                      for s, e, label in ents[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)] if e <= end]
            chosen.append((i, start, end))
            rules.append(task_spans(text, inside))
        if chosen and self.head is not None and self.use_model and doc._.policy_states is not None:
            rules = self.model_spans(doc, view, chosen, rules)
        return {(start, end): [(start + s, start + e, role) for s, e, role in spans]
                for (_, start, end), spans in zip(chosen, rules)}

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
