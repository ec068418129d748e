"""``policy_cleaner``: drops the encoder's per-character states once every head has read them.

The states of a long document take hundreds of MB; like spaCy's ``doc_cleaner`` this small
component releases them at the end of the pipeline, so that no head has to know whether it
runs last and a Doc leaves the pipeline with only its annotations.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("policy_cleaner", default_config={"attrs": ["policy_states"]})
def make_policy_cleaner(nlp: Language, name: str, attrs: list[str]):
    return PolicyCleaner(name, attrs=attrs)


class PolicyCleaner:
    """Sets the named ``doc._`` attributes to ``None``."""

    def __init__(self, name: str = "policy_cleaner", *, attrs: list[str] = ("policy_states",)):
        self.name, self.attrs = name, list(attrs)

    def __call__(self, doc: Doc) -> Doc:
        for attr in self.attrs:
            if doc.has_extension(attr):
                setattr(doc._, attr, None)
        return doc
