"""``policy_sentences``: the sentences of SENTENCES.md as spaCy sentences.

The component makes every sentence start and end a token boundary (splitting a token where
the segmenter joined across a boundary), sets ``token.is_sent_start`` so that ``doc.sents``
works, and stores the trimmed sentence spans in ``doc.spans["sentences"]`` (also
``doc._.sentences``). ``doc.sents`` follows spaCy's convention that every token belongs to a
sentence, so white-space tokens between sentences ride along with the sentence before
them; ``doc._.sentences`` are exactly the trimmed spans of rule 7. Sentence attributes
(``span._.area``, ``section`` …) answer on both (:mod:`policy_nlp.components.extensions`).
"""

from __future__ import annotations

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from ..text.sentences import sentence_offsets
from .extensions import SPANS_KEY
from .tokenizer import split_tokens_at


def set_sentences(doc: Doc, offsets: list[tuple[int, int]]) -> Doc:
    """Set ``is_sent_start`` and ``doc.spans["sentences"]`` from sentence offsets."""
    doc = split_tokens_at(doc, offsets)
    spans = [doc.char_span(s, e) for s, e in offsets]
    if any(span is None for span in spans):  # pragma: no cover - guarded by split_tokens_at
        raise RuntimeError("sentence offsets do not align with tokens")
    if len(doc):
        # Leading white space of the document stays in the first sentence of doc.sents.
        flags = np.full(len(doc), -1, dtype=np.int64)
        for span in spans[1:]:
            flags[span.start] = 1
        flags[0] = 1
        doc.from_array(["SENT_START"], flags.reshape(-1, 1).astype(np.uint64))
    doc.spans[SPANS_KEY] = spans
    return doc


@Language.factory(
    "policy_sentences",
    default_config={"clause_mode": False, "hard_wrap": None},
    requires=["token.idx"],
    assigns=["token.is_sent_start", "doc.sents", "doc.spans"],
)
def make_policy_sentences(nlp: Language, name: str, clause_mode: bool, hard_wrap: bool | None):
    return PolicySentences(name, clause_mode=clause_mode, hard_wrap=hard_wrap)


class PolicySentences:
    """spaCy component: sentences by SENTENCES.md (``clause_mode`` also splits on ；)."""

    def __init__(self, name: str = "policy_sentences", *, clause_mode: bool = False, hard_wrap: bool | None = None):
        self.name = name
        self.clause_mode = clause_mode
        self.hard_wrap = hard_wrap

    def __call__(self, doc: Doc) -> Doc:
        offsets = sentence_offsets(doc.text, clause_mode=self.clause_mode, hard_wrap=self.hard_wrap)
        return set_sentences(doc, offsets)
