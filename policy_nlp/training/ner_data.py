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


def ner_training_examples(shared: Path) -> list[NerExample]:
    """Training examples: People's Daily dev, MSRA validation, CLUENER train.

    MSRA is People's Daily text too: 208 of its sentences stand verbatim in the People's
    Daily test set, so every sentence of that test set is left out here.
    """
    ner = shared / "data" / "ner"
    test = {e.text for e in peoples_daily_test(shared)}
    examples = (read_peoples_daily(ner / "peoples_daily" / "example.dev") + read_msra(shared)
                + read_cluener(ner / "cluener2020" / "train.json"))
    return [e for e in examples if e.text not in test]


def peoples_daily_test(shared: Path) -> list[NerExample]:
    """The People's Daily test set: evaluation only."""
    return read_peoples_daily(shared / "data" / "ner" / "peoples_daily" / "example.test")


def ner_training_texts(shared: Path) -> list[str]:
    return [e.text for e in ner_training_examples(shared)]


__all__ = ["NerExample", "NEWS_SCOPE", "bio_spans", "ner_training_examples", "peoples_daily_test", "ner_training_texts"]
