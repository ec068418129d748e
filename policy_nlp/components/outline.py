"""``policy_outline``: the speech's outline (:func:`policy_nlp.text.outline.build_outline`) in ``doc._.outline``."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..text.outline import build_outline
from .extensions import SPANS_KEY


@Language.factory(
    "policy_outline",
    requires=["doc.spans"],
    assigns=["doc._.outline"],
)
def make_policy_outline(nlp: Language, name: str):
    return PolicyOutline(name)


class PolicyOutline:
    """spaCy component: ``doc._.outline`` from the sentences of ``policy_sentences``."""

    def __init__(self, name: str = "policy_outline"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if SPANS_KEY not in doc.spans:
            raise ValueError("policy_outline needs the sentences of policy_sentences earlier in the pipeline")
        offsets = [(s.start_char, s.end_char) for s in doc.spans[SPANS_KEY]]
        doc._.outline = build_outline(doc.text, offsets)
        return doc
