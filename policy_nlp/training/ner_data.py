"""The news NER sets of ``../shared/data/ner``, mapped to ANNOTATION.md labels.

Each example is ``(text, spans, scope)``: ``spans`` are ``(start, end, label)`` with ``end``
exclusive; ``ignore`` spans are characters whose label is unknown (CLUENER addresses beyond
the administrative part, CLUENER books that may not be documents), which training leaves out
of the loss. ``scope`` names the labels the set annotates (news sets mark only
PERSON/ORG/GPE, so their unlabelled dates or numbers must not teach the model "not an
entity"). People's Daily ``example.test`` is read only by evaluation.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

NEWS_SCOPE = ("PERSON", "ORG", "GPE")
BIO_MAP = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
CLUENER_MAP = {"name": "PERSON", "government": "ORG", "company": "ORG", "organization": "ORG"}
# The administrative part of a CLUENER address: a run of place names ending in an administrative unit.
ADMIN_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?(?:省|市|自治区|自治州|地区|盟|县|区|旗|镇|乡|街道))+")


@dataclass
class NerExample:
    text: str
    spans: list[tuple[int, int, str]]
    scope: tuple[str, ...] = NEWS_SCOPE
    ignore: list[tuple[int, int]] = field(default_factory=list)
    source: str = ""


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Spans of a BIO tag sequence (an ``I-`` without its ``B-`` starts a span), by the
    decoder's own ``crf.tag_spans`` over one-character offsets."""
    import numpy as np

    from ..ml.crf import tag_spans

    positions = np.arange(len(tags))
    return tag_spans(range(len(tags)), tags, np.stack([positions, positions + 1], axis=1))


def _mapped(spans, mapping):
    return [(s, e, mapping[label]) for s, e, label in spans if label in mapping]


def read_peoples_daily(path: Path) -> list[NerExample]:
    """``char TAG`` lines, a blank line between sentences."""
    examples, chars, tags = [], [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if len(parts) >= 2:
            chars.append(parts[0])
            tags.append(parts[1])
        elif chars:
            examples.append(NerExample("".join(chars), _mapped(bio_spans(tags), BIO_MAP), source=path.name))
            chars, tags = [], []
    return examples


def read_msra(shared: Path) -> list[NerExample]:
    folder = shared / "data" / "ner" / "msra"
    sentences = (folder / "lemonhu_val_sentences.txt").read_text(encoding="utf-8").splitlines()
    tags = (folder / "lemonhu_val_tags.txt").read_text(encoding="utf-8").splitlines()
    examples = []
    for chars, tag_line in zip(sentences, tags):
        chars, tag_seq = chars.split(), tag_line.split()
        if chars and len(chars) == len(tag_seq):
            examples.append(NerExample("".join(chars), _mapped(bio_spans(tag_seq), BIO_MAP), source="msra"))
    return examples


def read_cluener(path: Path) -> list[NerExample]:
    examples = []
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        spans, ignore = [], []
        for kind, mentions in row.get("label", {}).items():
            for positions in mentions.values():
                for start, end in positions:
                    end += 1
                    if kind in CLUENER_MAP:
                        spans.append((start, end, CLUENER_MAP[kind]))
                    elif kind == "address":
                        admin = ADMIN_PREFIX.match(row["text"][start:end])
                        if admin:
                            spans.append((start, start + admin.end(), "GPE"))
                            if start + admin.end() < end:
                                ignore.append((start + admin.end(), end))
                        else:
                            ignore.append((start, end))
                    elif kind == "book":
                        ignore.append((start, end))
        examples.append(NerExample(row["text"], sorted(spans), ignore=ignore, source=path.parent.name))
    return examples


def normalised(text: str) -> str:
    """``text`` as compared with the test set: NFKC (full-width digits and letters made
    half-width, as in the MSRA training file) without spaces, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c)[0] not in "PSZ")


def news_heldout(text: str) -> bool:
    """The tenth of the news sentences held out from training (a hash of the normalised text,
    so repeats of one sentence, in one set or across sets, fall on the same side)."""
    return zlib.crc32(normalised(text).encode("utf-8")) % 10 == 0


LEAK_STRETCH = 15  # characters (normalised) a training sentence may not share with a test sentence


def leak_filter(test_texts):
    """A predicate true for a text that equals a test sentence after ``normalised``, is
    contained in one, or shares a ``LEAK_STRETCH``-character stretch with one."""
    tests = [normalised(t) for t in test_texts]
    exact, joined = set(tests), "\n".join(tests)
    stretches = {t[i : i + LEAK_STRETCH] for t in tests for i in range(len(t) - LEAK_STRETCH + 1)}

    def leaks(text: str) -> bool:
        key = normalised(text)
        if key in exact:
            return True
        if len(key) < LEAK_STRETCH:
            return bool(key) and key in joined
        return any(key[i : i + LEAK_STRETCH] in stretches for i in range(len(key) - LEAK_STRETCH + 1))

    return leaks


def read_msra_train(shared: Path) -> list[NerExample]:
    """The MSRA training split without the People's Daily dev/test sentences
    (``data/ner/msra_train``; its README says how they were removed)."""
    path = shared / "data" / "ner" / "msra_train" / "train.bio"
    return [NerExample(e.text, e.spans, source="msra_train") for e in read_peoples_daily(path)]


def ner_training_examples(shared: Path, with_msra_train: bool = False) -> list[NerExample]:
    """Training examples: People's Daily dev, MSRA validation, CLUENER train, and with
    ``with_msra_train`` the MSRA training split.

    MSRA is People's Daily text too: 208 of its validation sentences stand verbatim in the
    People's Daily test set (283 once full-width digits, spaces and punctuation are set
    aside), so every news sentence that equals, is contained in or shares a 15-character
    stretch with a test sentence is left out here. The MSRA validation sentences are cut from
    the MSRA training split: with ``with_msra_train`` those it repeats (same normalised text)
    are kept once, as ``msra_train`` examples.
    """
    ner = shared / "data" / "ner"
    leaks = leak_filter(e.text for e in peoples_daily_test(shared))
    msra = read_msra(shared)
    if with_msra_train:
        msra_train = read_msra_train(shared)
        seen = {normalised(e.text) for e in msra_train}
        msra = [e for e in msra if normalised(e.text) not in seen] + msra_train
    examples = (read_peoples_daily(ner / "peoples_daily" / "example.dev") + msra
                + read_cluener(ner / "cluener2020" / "train.json"))
    return [e for e in examples if not leaks(e.text)]


def peoples_daily_test(shared: Path) -> list[NerExample]:
    """The People's Daily test set: evaluation only."""
    return read_peoples_daily(shared / "data" / "ner" / "peoples_daily" / "example.test")


def msra_train_heldout(shared: Path) -> list[NerExample]:
    """The held-out tenth of the MSRA training split (``news_heldout``): never trained on,
    it picks the tagger's epoch; with the People's Daily test, the news figure."""
    return [e for e in read_msra_train(shared) if news_heldout(e.text)]


def ner_training_texts(shared: Path) -> list[str]:
    return [e.text for e in ner_training_examples(shared)]


__all__ = ["NerExample", "NEWS_SCOPE", "bio_spans", "ner_training_examples", "news_heldout", "normalised",
           "peoples_daily_test", "msra_train_heldout", "ner_training_texts", "read_msra_train", "leak_filter"]
