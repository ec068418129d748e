"""Sentence splitting by the rules of SENTENCES.md, as pure functions on text.

Sentences are character spans of the original text, never rewritten; the spans are trimmed
of white space (rule 7). :mod:`policy_nlp.components.sentences` turns them into spaCy
sentences.

One reading of rule 1 goes beyond its letter: a full-width ``．`` between two digits
(``３．５％``) is a decimal point, like the ASCII ``.`` in ``3.5%``, and ends nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from .markers import match_marker

TERMINATORS = "。！？!?｡．"
CLOSERS = "”’」』）)】》"
CLAUSE_ENDS = "；;"
_C = re.escape(CLOSERS)
# Rule 1 and 2: a run of terminators (an ASCII "." only after a non-digit and before white
# space or the end), then any closing marks; repeated, so that 。”。 is one run.
# A full-width "．" between digits (３．５％) is a decimal point, as an ASCII "." is.
_END = re.compile(
    rf"(?:(?:(?:[{re.escape(TERMINATORS)}](?<![0-9０-９]．(?=[0-9０-９])))+|(?<![\d\s.])\.+(?=[{_C}]*(?:\s|$)))[{_C}]*)+"
)
_CLAUSE_END = re.compile(rf"[{CLAUSE_ENDS}]+[{_C}]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c|\x1c|\x1d|\x1e|\x85")
# Lines longer than this are never hard-wrapped lines; their width is not computed.
_MAX_WRAP_WIDTH = 240


@dataclass(frozen=True)
class HardWrap:
    """Result of hard-wrap detection: whether lines are fixed-width, and that width in columns."""

    wrapped: bool
    width: int = 0


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def text_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, without its line break."""
    spans, start = [], 0
    for m in _LINE_BREAK.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def detect_hard_wrap(text: str, lines: list[tuple[int, int]] | None = None) -> HardWrap:
    """Decide whether ``text`` is hard-wrapped (fixed-width lines that break mid-sentence).

    How it decides: look at the lines that are followed by another non-blank line. Find the
    display width W (CJK characters count 2 columns) that the most of them reach within 3
    columns. The text is hard-wrapped when at least 3 such lines reach W, they are at least
    half of all such lines, and at least half of them end without a sentence terminator
    (a text with one paragraph per line ends almost every line with 。, and its widths vary).
    """
    lines = text_lines(text) if lines is None else lines
    continued = []
    for (s, e), (ns, ne) in zip(lines, lines[1:]):
        body = text[s:e].rstrip()
        if body.strip() and text[ns:ne].strip() and len(body) <= _MAX_WRAP_WIDTH:
            continued.append(body)
    if len(continued) < 3:
        return HardWrap(False)
    widths = [_display_width(b) for b in continued]
    counts = Counter(widths)
    best_width, best_count = 0, 0
    for w in counts:
        n = sum(c for v, c in counts.items() if w - 3 <= v <= w)
        if n > best_count or (n == best_count and w > best_width):
            best_width, best_count = w, n
    if best_count < 3 or best_count * 2 < len(continued) or best_width < 20:
        return HardWrap(False)
    full = [b for b, w in zip(continued, widths) if best_width - 3 <= w <= best_width]
    open_ended = sum(1 for b in full if not _END.search(b[-3:]) or not _ends_sentence(b))
    return HardWrap(open_ended * 2 >= len(full), best_width)


def _ends_sentence(line: str) -> bool:
    m = None
    for m in _END.finditer(line):
        pass
    return m is not None and m.end() == len(line)


def _starts_paragraph(line: str) -> bool:
    """An indented line, or one that opens with an enumeration marker, starts a new paragraph."""
    if line[:1] in ("\u3000", "\t") or line.startswith("  "):
        return True
    stripped = line.lstrip()
    return match_marker(stripped) is not None


def sentence_offsets(text: str, clause_mode: bool = False, hard_wrap: bool | None = None) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of ``text``, by the rules of SENTENCES.md.

    ``clause_mode`` also ends sentences after ``；``. ``hard_wrap`` forces hard-wrap handling
    on or off; ``None`` detects it (see :func:`detect_hard_wrap`).
    """
    if not text:
        return []
    cuts = [m.end() for m in _END.finditer(text)]
    if clause_mode:
        cuts += [m.end() for m in _CLAUSE_END.finditer(text)]
    lines = text_lines(text)
    wrap = detect_hard_wrap(text, lines) if hard_wrap is None else HardWrap(hard_wrap, 0)
    if wrap.wrapped and wrap.width == 0:
        wrap = HardWrap(True, detect_hard_wrap(text, lines).width or 1)
    for (s, e), (ns, ne) in zip(lines, lines[1:]):
        if wrap.wrapped and _joins(text[s:e].rstrip(), text[ns:ne], wrap.width):
            continue
        cuts.append(e)
    cuts.append(len(text))
    spans = []
    start = 0
    for cut in sorted(set(cuts)):
        if cut <= start:
            continue
        s, e = start, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
        start = cut
    return spans


def _joins(line: str, next_line: str, width: int) -> bool:
    """In hard-wrapped text, a line break is no boundary when the line is full and the next
    line continues the paragraph (not blank, not indented, no enumeration marker)."""
    if not line.strip() or not next_line.strip():
        return False
    if len(line) > _MAX_WRAP_WIDTH or _display_width(line) < width - 3:
        return False
    return not _starts_paragraph(next_line)
