"""``policy_entities``: ``doc.ents`` with the labels of ANNOTATION.md.

The rules of :mod:`policy_nlp.text.entity_rules` merged with the CRF tagger
(:class:`policy_nlp.ml.modeling.EntityHead`) on the encoder's character states. Entity
boundaries become token boundaries, so ``doc.ents`` holds exact character spans.
``span._.value`` and ``span._.placeholder`` come from :mod:`policy_nlp.components.extensions`.
"""

from __future__ import annotations

import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..text.entity_rules import EntityRules, default_rules, merge_spans
from .encoder import states_of
from .extensions import model_view
from .serialization import DiskBytesMixin
from .tokenizer import split_tokens_at

HEAD_DIR = "head"
# Amounts need a number: a tagger span of these labels without one (亿元 in 亿元以上项目) is dropped;
# 百, 千, 几, 数 and 半 are numbers (百亿元, 千家, 几亿, 数公顷, 半数 are labelled amounts).
AMOUNT_LABELS = ("MONEY", "QUANTITY", "PERCENT")
_NUMBER = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千几数半XＸ]")
# Markup: a tag's bracket beside Latin letters or a slash, braces, '=', '|', '\'. No labelled
# entity holds one; '<' and '>' around Chinese text stand for 〈〉 in some titles and are kept.
_MARKUP = re.compile(r"</?[A-Za-z!]|[A-Za-z\"'/]>|[{}=\\|]")


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def plausible_span(text: str, start: int, end: int, label: str) -> bool:
    """Whether a tagger span of ``text`` can be an entity: amounts hold a number, no span holds
    markup (``script>alert(1)</script>``) and none starts or ends inside a word of Latin letters
    (``The State Council will incre``), the word boundaries the rules keep too."""
    span = text[start:end]
    if not span or _MARKUP.search(span) or (label in AMOUNT_LABELS and _NUMBER.search(span) is None):
        return False
    cut_start = start > 0 and _latin(text[start - 1]) and _latin(text[start])
    cut_end = end < len(text) and _latin(text[end]) and _latin(text[end - 1])
    return not (cut_start or cut_end)


@Language.factory(
    "policy_entities",
    requires=["token.idx"],
    assigns=["doc.ents"],
    default_config={"use_model": True},
)
def make_policy_entities(nlp: Language, name: str, use_model: bool):
    return PolicyEntities(name, use_model=use_model)


class PolicyEntities(DiskBytesMixin):
    """spaCy component: ``doc.ents`` from the rules layer merged with the CRF tagger
    (``modeling.EntityHead``, or an ``EntityEnsemble`` of several).

    A new component starts from the rules shipped in the package; ``to_disk`` stores them
    (and the head, when there is one, in ``head/``) in the pipeline directory, which
    ``from_disk`` reads back, as spaCy's EntityRuler does. Without a head, or with
    ``use_model=False``, or with ``policy_encoder`` disabled (no ``doc._.policy_states``),
    only the rules run. The tagger reads the character states of ``policy_encoder`` and the
    segmenter's words.
    """

    def __init__(self, name: str = "policy_entities", rules: EntityRules | None = None, head=None, *,
                 use_model: bool = True):
        self.name = name
        self._rules = rules
        self.head, self.use_model = head, use_model

    @property
    def rules(self) -> EntityRules:
        """The rules given or read by ``from_disk``; the packaged ones otherwise (built on first
        use, so that loading a pipeline does not build them twice)."""
        return self._rules if self._rules is not None else default_rules()

    @rules.setter
    def rules(self, rules: EntityRules) -> None:
        self._rules = rules

    def initialize(self, get_examples=None, *, nlp=None, head_dir=None) -> None:
        """spaCy's set-up hook: load a tagger trained by ``policy_nlp.training entities``."""
        if head_dir is not None:
            from ..ml.modeling import load_entity_head

            self.head = load_entity_head(Path(head_dir))

    def to_disk(self, path, *, exclude=tuple()) -> None:
        self.rules.to_disk(Path(path))
        if self.head is not None and "head" not in exclude:
            self.head.save(Path(path) / HEAD_DIR)

    def from_disk(self, path, *, exclude=tuple()) -> "PolicyEntities":
        self.rules = EntityRules.from_resources(Path(path))
        if (Path(path) / HEAD_DIR).exists() and "head" not in exclude:  # exclude=["head"]: the rules alone
            from ..ml.modeling import load_entity_head

            self.head = load_entity_head(Path(path) / HEAD_DIR)
        return self

    def to_device(self, device: str) -> None:
        """The head is small and runs on the CPU states the encoder hands over."""

    def model_spans(self, doc: Doc, text: str | None = None) -> list[tuple[int, int, str]]:
        """Spans of the head, as document character offsets (all sentences in one pass;
        ``text`` is what the models read, ``model_view(doc)``)."""
        from spacy.attrs import IDX

        states = states_of(doc, self.name)
        sentences = doc._.sentences
        if not len(sentences):
            return []
        starts = [sent.start_char for sent in sentences]
        text = model_view(doc) if text is None else text
        features = self.head.feature_ids(text, states["offsets"], starts, doc.to_array([IDX]).reshape(-1))
        per_sentence = self.head.decode(states["tokens"], features, states["offsets"])
        return [(start + s, start + e, label) for start, spans in zip(starts, per_sentence) for s, e, label in spans
                if plausible_span(text, start + s, start + e, label)]

    def __call__(self, doc: Doc) -> Doc:
        text = model_view(doc)  # doc.text, or the simplified twin of a traditional text (same offsets)
        candidates = self.rules.candidates(text)
        if self.head is not None and self.use_model and doc._.policy_states is not None:
            spans = merge_spans(self.model_spans(doc, text), candidates)
        else:
            spans = self.rules.resolve(candidates)
        if not spans:
            return doc
        doc = split_tokens_at(doc, [(s, e) for s, e, _ in spans])
        ents = [doc.char_span(s, e, label=label) for s, e, label in spans]
        doc.set_ents([e for e in ents if e is not None], default="outside")
        return doc
