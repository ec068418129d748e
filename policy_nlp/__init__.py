"""policy_nlp: read Chinese policy speeches the way an analyst does.

``policy_nlp.load()`` returns a spaCy ``Language`` that segments words, splits sentences
(SENTENCES.md), finds the speech's outline, gives every sentence its policy area and
directive flag and tags entities (ANNOTATION.md); ``policy_nlp.to_record(doc)`` turns a
processed Doc into a JSON-able dict; ``policy_nlp.render(doc)`` shows it as HTML;
``policy_nlp.process(inputs, output)`` runs whole archives into an output folder.

Layers (each imports only the ones above it): ``text`` (rules on plain text), ``ml``
(models), ``components`` (spaCy components and attributes), ``pipeline`` (load/assemble),
``output`` (records, HTML), ``batch`` (archives), ``training``. Names are imported on
first use, so ``import policy_nlp`` and ``policy-nlp --version`` stay fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it (PEP 562 lazy attributes)
_EXPORTS = {
    "PolicyChinese": "pipeline", "assemble": "pipeline", "blank": "pipeline",
    "default_model_path": "pipeline", "load": "pipeline",
    "DecodeError": "batch.readers", "decode_text": "batch.readers", "read_text_file": "batch.readers",
    "process": "batch.run",
    "SCHEMA_VERSION": "output.records", "to_record": "output.records",
    "render": "output.render",
    "task_table": "output.tasks",
    "sample_speech": "resources",
    "AREAS": "labels", "ENTITY_LABELS": "labels", "TASK_ROLES": "labels",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'policy_nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = ["__version__", *_EXPORTS]
