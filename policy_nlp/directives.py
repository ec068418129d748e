"""``policy_directives``: policy area and directive flag for every sentence (ANNOTATION.md §1–2).

Reads the sentence vectors that ``policy_encoder`` left in ``doc._.policy_states`` and sets,
on each sentence span: ``area`` (one of ``invest``, ``business_env``, ``consumption``,
``livelihood``, ``safety``, ``other``), ``area_scores`` (the six probabilities, summing to 1,
calibrated by a temperature fitted on held-out training sentences), ``directive`` and
``directive_score`` (calibrated probability; ``directive`` is ``score >= threshold``).
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from .encoder import states_of
from .serialization import DiskBytesMixin

HEAD_DIR = "head"


def register_extensions() -> None:
    for name in ("area", "area_scores", "directive", "directive_score"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


register_extensions()


@Language.factory(
    "policy_directives",
    requires=["doc._.policy_states"],
    assigns=["span._.area", "span._.area_scores", "span._.directive", "span._.directive_score"],
    default_config={"threshold": 0.5, "release_states": True},
)
def make_policy_directives(nlp: Language, name: str, threshold: float, release_states: bool):
    return PolicyDirectives(name, threshold=threshold, release_states=release_states)


class PolicyDirectives(DiskBytesMixin):
    """spaCy component with a ``DirectiveHead``; ``from_disk`` reads ``head/`` in its folder."""

    def __init__(self, name: str = "policy_directives", *, threshold: float = 0.5, release_states: bool = True,
                 head=None):
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie between 0 and 1, not {threshold}")
        self.name, self.threshold, self.release_states, self.head = name, threshold, release_states, head

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.head.labels) if self.head is not None else ()

    def to_disk(self, path, *, exclude=tuple()) -> None:
        if self.head is None:
            raise ValueError("policy_directives has no trained head to save")
        self.head.save(Path(path) / HEAD_DIR)

    def from_disk(self, path, *, exclude=tuple()) -> "PolicyDirectives":
        from .modeling import DirectiveHead

        self.head = DirectiveHead.load(Path(path) / HEAD_DIR)
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
            with torch.inference_mode():
                areas, directives = self.head.probabilities(torch.from_numpy(states["vectors"]),
                                                            [s.text for s in sentences])
            labels = self.head.labels
            for sent, scores, score in zip(sentences, areas.tolist(), directives.tolist()):
                best = max(range(len(labels)), key=scores.__getitem__)
                sent._.area = labels[best]
                sent._.area_scores = dict(zip(labels, scores))
                sent._.directive_score = score
                sent._.directive = score >= self.threshold
        if self.release_states:
            doc._.policy_states = None
        return doc


__all__ = ["PolicyDirectives", "make_policy_directives"]
