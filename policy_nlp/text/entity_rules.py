"""Entity rules with the labels of ANNOTATION.md, on plain text (no spaCy).

The rules are data, not code: regular expressions with a label and a priority in
``resources/entity_patterns.json`` (numbers with units, money, percentages, dates and
periods, ranks, 《》 titles and unmarked law and document names, “” programmes, meeting
and festival names, government bodies, XX places; a costly pattern names an ``anchor``
that limits where it is tried, see :class:`Rule`; the word lists several patterns share are
written once, as the file's ``fragments``, see :func:`expand_fragments`) and phrase lists
in ``resources/entity_phrases.json`` (mined from the project's labelled sentences by
``python -m policy_nlp.training.entity_phrases``). Where candidates overlap, the longer
span wins, then the higher priority, then the earlier one. :func:`merge_spans` merges them
with the tagger's spans; :func:`entity_value` normalises numbers, percentages (as
fractions), money (in yuan) and definite dates (ISO).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..labels import ENTITY_LABELS as LABELS
from .markers import cn_to_int

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
PHRASE_PRIORITY = 3
# The label of a pattern that marks text as no entity by the style sheet (a film's or a book's
# title named as such: 电影《…》, 《…》一书): its span goes first in every merge, so that neither
# the tagger nor another rule labels it, and is then dropped.
NO_ENTITY = "NONE"
PATTERNS_FILE, PHRASES_FILE = "entity_patterns.json", "entity_phrases.json"


class Candidate(NamedTuple):
    """A span proposed by the rules (``source`` is ``"pattern"`` or ``"phrase"``) or the model.
    ``yields_to``: the model labels that keep a model span with exactly this pattern's bounds
    (its pattern's ``"yields_to"`` field)."""

    start: int
    end: int
    label: str
    priority: int
    source: str
    yields_to: tuple[str, ...] = ()


_FRAGMENT = re.compile(r"\{([A-Z][A-Z_]*)\}")


def expand_fragments(pattern: str, fragments: dict[str, str]) -> str:
    """``pattern`` with each ``{NAME}`` replaced by ``fragments[NAME]``: the stop-word lists
    that several name patterns share (the words a name starts after, the words it never
    contains) are kept once in the patterns file. A regex quantifier holds digits only, so
    the upper-case names cannot be mistaken for one."""
    def fragment(m: re.Match) -> str:
        if m.group(1) not in fragments:
            raise ValueError(f"unknown fragment {{{m.group(1)}}} in an entity pattern")
        return fragments[m.group(1)]
    return _FRAGMENT.sub(fragment, pattern)


@dataclass(frozen=True)
class Rule:
    """One pattern. With an ``anchor`` (a regex that every match contains, such as the 法|条例
    that ends a law's name), the pattern is tried only at the characters from ``window[0]``
    before an anchor match to its start, reading at most ``window[1]`` characters past it:
    the matches of a scan of every character, without trying a pattern that opens with
    lookbehinds or a free-form name at every character of a long document."""

    label: str
    priority: int
    regex: re.Pattern
    group: int = 0
    anchor: re.Pattern | None = None
    window: tuple[int, int] = (0, 0)
    yields_to: tuple[str, ...] = ()

    @classmethod
    def from_pattern(cls, p: dict, fragments: dict[str, str] | None = None) -> "Rule":
        window = p.get("window", 0)
        window = (window, window) if isinstance(window, int) else tuple(window)
        anchor = re.compile(p["anchor"]) if p.get("anchor") else None
        regex = re.compile(expand_fragments(p["pattern"], fragments or {}))
        return cls(p["label"], p["priority"], regex, p.get("group", 0), anchor, window, tuple(p.get("yields_to", ())))

    def finditer(self, text: str):
        """The matches in ``text``, left to right, not overlapping (as ``regex.finditer``)."""
        if self.anchor is None:
            yield from self.regex.finditer(text)
            return
        before, reach = self.window
        last_end = 0
        lo = hi = stop = -1  # starts in [lo, hi) are tried, reading text up to ``stop``
        for a in self.anchor.finditer(text):
            s, h, e = max(0, a.start() - before), a.start() + 1, min(len(text), a.end() + reach)
            if s <= hi:
                hi, stop = max(hi, h), max(stop, e)
                continue
            if hi > lo:
                for m in self.regex.finditer(text, max(lo, last_end), stop):
                    if m.start() >= hi:
                        break
                    last_end = m.end()
                    yield m
            lo, hi, stop = s, h, e
        if hi > lo:
            for m in self.regex.finditer(text, max(lo, last_end), stop):
                if m.start() >= hi:
                    break
                yield m


class EntityRules:
    """Candidates from patterns and phrases, resolved to non-overlapping spans."""

    def __init__(self, patterns: list[dict], phrases: dict[str, list[str]], about: dict[str, str] | None = None,
                 fragments: dict[str, str] | None = None):
        self.patterns, self.phrase_lists = patterns, {k: v for k, v in phrases.items() if not k.startswith("_")}
        self.fragments = dict(fragments or {})
        # the files' "_" keys (their documentation), written back by to_disk
        self.about = dict(about or {})
        self.phrase_about = {k: v for k, v in phrases.items() if k.startswith("_")}
        self.rules = [Rule.from_pattern(p, self.fragments) for p in patterns]
        for rule in self.rules:
            for label in ({rule.label} - {NO_ENTITY}) | set(rule.yields_to):
                if label not in LABELS:
                    raise ValueError(f"unknown entity label {label!r} in a pattern")
        self.phrases: dict[str, str] = {}
        for label, words in phrases.items():
            if label.startswith("_"):
                continue
            if label not in LABELS:
                raise ValueError(f"unknown entity label {label!r} in the phrase list")
            for word in words:
                self.phrases.setdefault(word, label)
        self._first_chars = {w[0] for w in self.phrases}
        self._lengths = sorted({len(w) for w in self.phrases}, reverse=True)

    @classmethod
    def from_resources(cls, folder: Path = RESOURCES, phrases: dict[str, list[str]] | None = None,
                       patterns_file: Path | None = None) -> "EntityRules":
        """The rules of ``folder`` (the package's by default); ``phrases`` or ``patterns_file``
        replace one of its two files (to compare phrase lists or pattern files)."""
        document = json.loads((patterns_file or folder / PATTERNS_FILE).read_text(encoding="utf-8"))
        if phrases is None:
            phrases = json.loads((folder / PHRASES_FILE).read_text(encoding="utf-8"))
        return cls(document["patterns"], phrases, {k: v for k, v in document.items() if k.startswith("_")},
                   document.get("fragments"))

    def to_disk(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        document = {**self.about, **({"fragments": self.fragments} if self.fragments else {}), "patterns": self.patterns}
        (folder / PATTERNS_FILE).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        (folder / PHRASES_FILE).write_text(json.dumps({**self.phrase_about, **self.phrase_lists}, ensure_ascii=False, indent=0),
                                           encoding="utf-8")

    def candidates(self, text: str) -> list["Candidate"]:
        found = []
        for rule in self.rules:
            for m in rule.finditer(text):
                s, e = m.span(rule.group)
                if e > s:
                    found.append(Candidate(s, e, rule.label, rule.priority, "pattern", rule.yields_to))
        phrases, first, lengths = self.phrases, self._first_chars, self._lengths
        for i, c in enumerate(text):
            if c not in first:
                continue
            for n in lengths:
                if i + n > len(text):
                    continue
                label = phrases.get(text[i : i + n])
                if label is not None:
                    found.append(Candidate(i, i + n, label, PHRASE_PRIORITY, "phrase"))
                    break
        return found

    def __call__(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, label) spans in text order."""
        return self.resolve(self.candidates(text))

    @staticmethod
    def resolve(candidates: list["Candidate"]) -> list[tuple[int, int, str]]:
        """The longer candidate wins, then the higher priority, then the earlier one."""
        return merge_spans([], candidates, rule_first=())


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇两一二三四五六七八九十百]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def parse_number(text: str) -> float | None:
    """The number in ``text`` with 百/千/万/亿 multipliers (1.35万亿 → 1.35e12, 1亿3千多万 → 1.3e8,
    1万6千 → 16000); None for XX placeholders or text without a number."""
    if "XX" in text:
        return None
    above_yi = below_yi = below_wan = 0.0
    current: float | None = None
    seen = False
    i = 0
    while i < len(text):
        m = _NUMBER.match(text, i)
        if m:
            raw = m.group().translate(_FULLWIDTH)
            value = float(raw) if raw[0].isdigit() else cn_to_int(raw.replace("两", "二"))
            if value is None:
                return None
            current, seen = float(value), True
            i = m.end()
            continue
        c = text[i]
        if c in "百千":
            below_wan += (current if current is not None else 1.0) * (100 if c == "百" else 1000)
            current = None
        elif c == "万":
            below_yi += (below_wan + (current or 0.0) or 1.0) * 1e4
            below_wan, current = 0.0, None
        elif c == "亿":
            above_yi += (below_yi + below_wan + (current or 0.0) or 1.0) * 1e8
            below_yi = below_wan = 0.0
            current = None
        i += 1
    if not seen:
        return None
    return above_yi + below_yi + below_wan + (current or 0.0)


def entity_value(label: str, text: str):
    """Normalised value of an entity, or None when there is none to give."""
    if label == "PERCENT":
        if "个百分点" in text:
            number = parse_number(text.replace("个百分点", ""))
            return None if number is None else round(number / 100, 10)
        if text.startswith("百分之"):
            number = parse_number(text[3:].replace("点", "."))
            return None if number is None else round(number / 100, 10)
        if "分之" in text:
            den, _, num = text.partition("分之")
            a, b = cn_to_int(num), cn_to_int(den)
            return None if not a or not b else a / b
        number = parse_number(text.rstrip("%％"))
        return None if number is None else round(number / 100, 10)
    if label in ("MONEY", "QUANTITY"):
        return parse_number(text)
    if label == "DATE":
        m = re.fullmatch(r"((?:19|20)\d\d)年(?:(\d{1,2})月(?:(\d{1,2})日)?)?", text.translate(_FULLWIDTH))
        if m:
            return "-".join(f"{int(p):02d}" if i else p for i, p in enumerate(m.groups()) if p)
    return None



@lru_cache(maxsize=1)
def default_rules() -> EntityRules:
    return EntityRules.from_resources()


# Labels whose form the patterns know best: where a pattern span of one of these overlaps a
# model span, the pattern wins. Everywhere else the model wins, and phrase-list and other
# pattern spans fill the gaps the model leaves. benchmarks/accuracy.py prints this merge
# beside the alternatives (rules alone, model alone, rules first or model first for every label).
# EVENT joined them on the local speeches labelled after the tagger was trained (chosen on
# speech_601-630, checked on speech_631-660: the tagger rarely knows a local meeting's name).
RULE_FIRST_LABELS = ("DATE", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "LAW", "PROGRAM", "EVENT")


def merge_spans(model: list[tuple[int, int, str]], rules: list[Candidate],
                rule_first: tuple[str, ...] = RULE_FIRST_LABELS) -> list[tuple[int, int, str]]:
    """One non-overlapping span list from model spans and rule candidates.

    Order of precedence: pattern candidates of ``rule_first`` labels, then model spans, then
    the remaining rule candidates; within a tier the longer span, then the higher priority,
    then the earlier one, as in ``EntityRules``. A model span with exactly the bounds of a
    pattern candidate takes the pattern's label (of the highest priority there): where both
    agree on the span, the pattern's form (XX镇, 12345热线办) tells the label better, unless
    the model's label is one the pattern ``yields_to``: then the model span keeps its label
    and the pattern candidates of those bounds are dropped (quotation marks enclose slogans,
    PROGRAM, but also the names of firms and places: “华瑞”, “四人帮”). A ``NO_ENTITY``
    pattern span comes first of all and blocks what overlaps it; it is not returned.
    """
    def tier(c: Candidate) -> int:
        if c.source == "model":
            return 1
        return 0 if c.source == "pattern" and (c.label in rule_first or c.label == NO_ENTITY) else 2

    pattern_at = {(c.start, c.end): c for c in sorted(rules, key=lambda c: c.priority) if c.source == "pattern"}
    relabelled, kept = [], set()
    for s, e, label in model:
        pattern = pattern_at.get((s, e))
        if pattern is not None and label in pattern.yields_to:
            kept.add((s, e))
        elif pattern is not None:
            label = pattern.label
        relabelled.append(Candidate(s, e, label, 0, "model"))
    candidates = relabelled + [c for c in rules if not (c.source == "pattern" and (c.start, c.end) in kept)]
    chosen: list[tuple[int, int, str]] = []
    taken = bytearray(max((c.end for c in candidates), default=0))
    for c in sorted(candidates, key=lambda c: (tier(c), -(c.end - c.start), -c.priority, c.start)):
        if c.end > c.start and not any(taken[c.start:c.end]):
            chosen.append((c.start, c.end, c.label))
            taken[c.start:c.end] = b"\x01" * (c.end - c.start)
    return sorted(span for span in chosen if span[2] != NO_ENTITY)
