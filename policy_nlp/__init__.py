"""policy_nlp: read Chinese policy speeches the way an analyst does.

``policy_nlp.load()`` returns a spaCy ``Language`` that segments words, splits sentences
(SENTENCES.md), finds the speech's outline, gives every sentence its policy area and
directive flag and tags entities (ANNOTATION.md); ``policy_nlp.to_record(doc)`` turns a
processed Doc into a JSON-able dict; ``policy_nlp.render(doc)`` shows it as HTML;
``policy_nlp.process(inputs, output)`` runs whole archives into an output folder.
"""

__version__ = "0.1.0"

from .batch import process  # noqa: E402
from .pipeline import PolicyChinese, assemble, blank, default_model_path, load  # noqa: E402
from .readers import DecodeError, decode_text, read_text_file  # noqa: E402
from .records import SCHEMA_VERSION, to_record  # noqa: E402
from .render import render  # noqa: E402
from .resources import sample_speech  # noqa: E402

__all__ = [
    "__version__",
    "PolicyChinese",
    "assemble",
    "blank",
    "default_model_path",
    "load",
    "DecodeError",
    "decode_text",
    "read_text_file",
    "SCHEMA_VERSION",
    "to_record",
    "render",
    "sample_speech",
    "process",
]
