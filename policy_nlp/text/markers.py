"""Enumeration markers of Chinese official texts (一、 （一） 1. ① 第一， 一是 一要 首先 …).

Shared by the sentence splitter (a line that starts with a marker starts a new sentence
even in hard-wrapped text) and the outline (nesting of headings and items).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "零〇一二两三四五六七八九"
_CN_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_NUM = "[零〇一二三四五六七八九十百]+"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
SEQUENCE_WORDS = {"首先": 1, "其次": 2, "再次": 3, "然后": 4, "最后": 99}


@dataclass(frozen=True)
class Marker:
    family: str  # which numbering scheme: items of one family are siblings
    number: int  # position in the list (1-based); 99 for 最后
    text: str  # the marker as written, e.g. "（一）" or "一要"


# Order matters: the first pattern that matches at the start wins.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("chapter", re.compile(rf"第(?P<n>{_CN_NUM}|\d+)[章节部分篇](?=\s|$|[\u3000、，：:])")),
    ("cn_paren", re.compile(rf"[（(](?P<n>{_CN_NUM})[）)]")),
    ("arabic_paren", re.compile(r"[（(](?P<n>\d{1,3})[）)]")),
    ("circled", re.compile(rf"(?P<n>[{_CIRCLED}])")),
    # 一、2020年工作回顾 is a heading; 一.5 (a decimal) and 一、二季度 (a range) are not.
    ("cn_dun", re.compile(rf"(?P<n>{_CN_NUM})(?:、|[．.](?!\d))(?![一二三四五六七八九十]+[季月年期])")),
    ("arabic_dot", re.compile(r"(?P<n>\d{1,3})(?:[、．]|\.(?!\d))(?!\d)")),
    ("di", re.compile(rf"第(?P<n>{_CN_NUM})[，,、：:]")),
    ("cn_verb", re.compile(rf"(?P<n>{_CN_NUM})(?:是要|是|要)(?![的])")),
    ("sequence", re.compile(r"(?P<w>首先|其次|再次|然后|最后)[，,：:]")),
]


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (一 … 九十九, also 〇/零 digits) to int; None if it is not one."""
    if not s:
        return None
    if "百" in s:
        head, _, tail = s.partition("百")
        hundreds = cn_to_int(head) if head else 1
        rest = cn_to_int(tail.lstrip("零〇")) if tail.lstrip("零〇") else 0
        return None if hundreds is None or rest is None else hundreds * 100 + rest
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_VALUES.get(head, None) if head else 1
        ones = _CN_VALUES.get(tail, None) if tail else 0
        return None if tens is None or ones is None else tens * 10 + ones
    if all(c in _CN_VALUES for c in s):
        value = 0
        for c in s:
            value = value * 10 + _CN_VALUES[c]
        return value
    return None


def match_marker(text: str, pos: int = 0) -> Marker | None:
    """The enumeration marker at ``text[pos:]``, if any."""
    for family, pattern in _PATTERNS:
        m = pattern.match(text, pos)
        if not m:
            continue
        if family == "sequence":
            return Marker(family, SEQUENCE_WORDS[m.group("w")], m.group())
        raw = m.group("n")
        if family == "circled":
            number = _CIRCLED.index(raw) + 1
        elif raw.isdigit():
            number = int(raw)
        else:
            number = cn_to_int(raw)
        if number is None or number == 0:
            continue
        if family == "cn_verb" and number > 20:
            continue
        return Marker(family, number, m.group())
    return None
