"""Traditional-script text for models trained on simplified text.

A speech in traditional characters (a Big5 file, a Hong Kong or Taiwan archive) is read by the
models through a one-to-one character map to simplified characters (``resources/t2s_chars.tsv``,
from OpenCC; built by ``python -m policy_nlp.training.script_table``). One character for one,
so every offset holds: Docs, spans and records keep the original text, and only what the
segmenter, encoder, classifiers and entity rules read is mapped.

Only texts that are written in traditional script are mapped (:func:`is_traditional`), so a
simplified text is read exactly as before, whatever rare character it holds.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

TABLE_FILE = Path(__file__).resolve().parent.parent / "resources" / "t2s_chars.tsv"
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
# A text is traditional when at least this share (5%) of its Han characters (and at least
# MIN_TRADITIONAL of them) exist only in traditional script. Simplified policy text has
# almost none (0.025% of the corpus's Han characters; no corpus text is flagged); traditional text ~20%.
MIN_SHARE, MIN_TRADITIONAL = 0.05, 3


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """``str.translate`` table of the one-to-one traditional -> simplified pairs."""
    table = {}
    for line in TABLE_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("\t")
            if len(key) != 1 or len(value) != 1:
                raise ValueError(f"{TABLE_FILE}: not a one-to-one pair: {line!r}")
            table[ord(key)] = value
    return table


def is_traditional(text: str) -> bool:
    """Whether ``text`` is written in traditional characters."""
    table = t2s_table()
    traditional = sum(1 for c in text if ord(c) in table)
    if traditional < MIN_TRADITIONAL:
        return False
    return traditional >= MIN_SHARE * len(_HAN.findall(text))


def to_simplified(text: str) -> str:
    """``text`` with every mapped traditional character replaced (same length, same offsets)."""
    return text.translate(t2s_table())


def model_text(text: str) -> str:
    """What the models read: the simplified twin of a traditional text, else the text itself."""
    return to_simplified(text) if is_traditional(text) else text


__all__ = ["is_traditional", "to_simplified", "model_text", "t2s_table"]
