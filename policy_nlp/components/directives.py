"""``policy_directives``: policy area and directive flag for every sentence (ANNOTATION.md §1–2).

Reads the sentence vectors that ``policy_encoder`` left in ``doc._.policy_states`` and sets,
on each sentence span: ``area`` (one of ``invest``, ``business_env``, ``consumption``,
``livelihood``, ``safety``, ``other``), ``area_scores`` (the six probabilities, summing to 1,
calibrated by a temperature fitted on held-out training sentences), ``directive`` and
``directive_score`` (calibrated probability; ``directive`` is ``score >= threshold``).

Scores combine three sources, with weights fitted on held-out training documents
and then recalibrated
(``policy_nlp.training.lexical`` writes them to ``mixing.json``):
1. the neural head on the encoder's sentence vector (``head/``);
2. a TF-IDF + logistic-regression model over character n-grams (``lexical/``), trained
   apart, whose errors differ: the two probability vectors are averaged;
3. the sentence's neighbours in the document: a sentence's topic rarely changes alone, so
   each sentence's probabilities move towards the mean of the sentences before and after
   it. A document's scores thus depend on the document only, never on its batch;
4. two temperatures, fitted last, that keep the combined scores calibrated.
A folder without ``lexical/`` or ``mixing.json`` scores with the neural head alone.
"""

from __future__ import annotations

from pathlib import Path

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from ..text.metadata import guess_title
from .encoder import states_of
from .extensions import model_string, model_view, set_sentence_attr
from .serialization import DiskBytesMixin

HEAD_DIR, LEXICAL_DIR, MIXING_FILE = "head", "lexical", "mixing.json"

WEIGHTS = ("lexical_area", "lexical_directive", "context_area", "context_directive")
TEMPERATURES = ("area_temperature", "directive_temperature")
NO_MIXING = {**{key: 0.0 for key in WEIGHTS}, **{key: 1.0 for key in TEMPERATURES}}


def neighbour_mean(scores):
    """Mean of each row's neighbours (the row before and the row after; one at the edges)."""
    import torch

    if len(scores) < 2:
        return scores.clone()
    before = torch.cat([scores[1:2], scores[:-1]])  # the first row has only the row after it
    after = torch.cat([scores[1:], scores[-2:-1]])
    return (before + after) / 2


def combine_scores(neural: tuple, lexical: tuple | None, mixing: dict) -> tuple:
    """Area probabilities [n, labels] and directive probabilities [n] of one document's
    sentences, in document order, from the neural and (optional) lexical probabilities.
    Convex combinations and a softmax, so area rows still sum to 1."""
    import torch

    area, directive = neural
    if lexical is not None:
        a, d = mixing["lexical_area"], mixing["lexical_directive"]
        area = (1 - a) * area + a * lexical[0]
        directive = (1 - d) * directive + d * lexical[1]
    b, c = mixing["context_area"], mixing["context_directive"]
    area = (1 - b) * area + b * neighbour_mean(area)
    directive = (1 - c) * directive + c * neighbour_mean(directive)
    # Averages are less confident than their parts: temperatures fitted on held-out
    # sentences recalibrate them (the ranking, argmax and 0.5 threshold are unchanged).
    if mixing["area_temperature"] != 1.0:
        area = torch.softmax(torch.log(area.clamp_min(1e-12)) / mixing["area_temperature"], -1)
    if mixing["directive_temperature"] != 1.0:
        directive = torch.sigmoid(torch.logit(directive, eps=1e-6) / mixing["directive_temperature"])
    return area, directive


def check_mixing(mixing: dict) -> dict:
    """Four weights between 0 and 1 and two positive temperatures (temperatures absent from
    a file mean 1; a clear error for a hand-edited file)."""
    mixing = {**{key: 1.0 for key in TEMPERATURES}, **mixing}
    missing = set(NO_MIXING) - set(mixing)
    if missing:
        raise ValueError(f"mixing weights lack {sorted(missing)}")
    for key in WEIGHTS:
        if not 0.0 <= float(mixing[key]) <= 1.0:
            raise ValueError(f"mixing weight {key} must lie between 0 and 1, not {mixing[key]}")
    for key in TEMPERATURES:
        if not float(mixing[key]) > 0.0:
            raise ValueError(f"{key} must be positive, not {mixing[key]}")
    return {key: float(mixing[key]) for key in NO_MIXING}


@Language.factory(
    "policy_directives",
    requires=["doc._.policy_states"],
    assigns=["span._.area", "span._.area_scores", "span._.directive", "span._.directive_score"],
    default_config={"threshold": 0.5},
)
def make_policy_directives(nlp: Language, name: str, threshold: float):
    return PolicyDirectives(name, threshold=threshold)


class PolicyDirectives(DiskBytesMixin):
    """spaCy component with a ``DirectiveHead``, an optional ``LexicalClassifier`` and the
    weights that combine them; ``from_disk`` reads ``head/``, ``lexical/`` and ``mixing.json``."""

    def __init__(self, name: str = "policy_directives", *, threshold: float = 0.5,
                 head=None, lexical=None, mixing: dict | None = None):
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie between 0 and 1, not {threshold}")
        self.name, self.threshold, self.head = name, threshold, head
        self.lexical = lexical
        self.mixing = check_mixing(mixing if mixing is not None else NO_MIXING)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.head.labels) if self.head is not None else ()

    def initialize(self, get_examples=None, *, nlp=None, head_dir=None, lexical_dir=None, mixing_file=None) -> None:
        """spaCy's set-up hook: load a trained head and, where ``policy_nlp.training.lexical``
        fitted them for that head, the lexical model and its mixing weights."""
        from ..ml.modeling import DirectiveHead, LexicalClassifier

        if head_dir is not None:
            self.head = DirectiveHead.load(Path(head_dir))
        if lexical_dir is not None and mixing_file is not None:
            self.lexical = LexicalClassifier.load(Path(lexical_dir))
            self.mixing = check_mixing(srsly.read_json(mixing_file))

    def to_disk(self, path, *, exclude=tuple()) -> None:
        if self.head is None:
            raise ValueError("policy_directives has no trained head to save")
        path = Path(path)
        self.head.save(path / HEAD_DIR)
        if self.lexical is not None and "lexical" not in exclude:
            self.lexical.save(path / LEXICAL_DIR)
        srsly.write_json(path / MIXING_FILE, self.mixing)

    def from_disk(self, path, *, exclude=tuple()) -> "PolicyDirectives":
        from ..ml.modeling import DirectiveHead, LexicalClassifier

        path = Path(path)
        self.head = DirectiveHead.load(path / HEAD_DIR)
        # exclude=["lexical"]: the neural head (with the neighbour pull and temperatures) alone
        self.lexical = (LexicalClassifier.load(path / LEXICAL_DIR)
                        if (path / LEXICAL_DIR).exists() and "lexical" not in exclude else None)
        self.mixing = check_mixing(srsly.read_json(path / MIXING_FILE) if (path / MIXING_FILE).exists() else NO_MIXING)
        if self.lexical is not None and list(self.lexical.labels) != list(self.head.labels):
            raise ValueError(f"{path / LEXICAL_DIR}: labels {self.lexical.labels} differ from the head's {self.head.labels}")
        return self

    def to_device(self, device: str) -> None:
        """The head is a few kB and runs on the CPU vectors the encoder hands over."""

    def __call__(self, doc: Doc) -> Doc:
        import torch

        if self.head is None:
            raise ValueError("policy_directives has no trained head: load a pipeline directory")
        states = states_of(doc, self.name)
        sentences = doc._.sentences
        if sentences:
            view = model_view(doc)
            texts = [view[s.start_char:s.end_char] for s in sentences]
            with torch.inference_mode():
                neural = self.head.probabilities(torch.from_numpy(states["vectors"]), texts)
                lexical = (self.lexical.probabilities(texts, [[model_string(doc, h) for h in s._.section_path]
                                                              for s in sentences], [guess_title(view)] * len(texts))
                           if self.lexical is not None else None)
                areas, directives = combine_scores(neural, lexical, self.mixing)
            labels = self.head.labels
            for sent, scores, score in zip(sentences, areas.tolist(), directives.tolist()):
                best = max(range(len(labels)), key=scores.__getitem__)
                set_sentence_attr(sent, "area", labels[best])
                set_sentence_attr(sent, "area_scores", dict(zip(labels, scores)))
                set_sentence_attr(sent, "directive_score", score)
                set_sentence_attr(sent, "directive", score >= self.threshold)
        return doc


__all__ = ["PolicyDirectives", "make_policy_directives", "combine_scores", "neighbour_mean"]
