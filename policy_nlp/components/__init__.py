"""spaCy components, the tokenizer and the Doc/Span attributes of policy_nlp.

Importing this package registers the factories (``policy_sentences``, ``policy_outline``,
``policy_encoder``, ``policy_directives``, ``policy_entities``, ``policy_cleaner``), the
tokenizer ``policy_nlp.tokenizer.v1`` and the extensions; the entry points in ``setup.cfg``
point here too, so ``spacy.load`` finds them.
"""

from .extensions import install_extensions

install_extensions()

from . import cleaner, directives, encoder, entities, outline, sentences, tasks, tokenizer  # noqa: E402,F401

__all__ = ["install_extensions"]
