"""Document metadata guessed from text and file name: title, date, administrative level.

Guesses, documented as such in the record: each is ``None`` when nothing fits.
"""

from __future__ import annotations

import re
from collections import Counter

from .markers import cn_to_int

_TERMINATED = re.compile(r"[。！？!?；;：:]$")
_CN_DIGIT = "〇零一二三四五六七八九"
_DATE_CN = re.compile(rf"((?:19|20)\d\d|[一二{_CN_DIGIT}]{{4}})\s*年\s*(?:(\d{{1,2}}|[十{_CN_DIGIT}]{{1,3}})\s*月\s*(?:(\d{{1,2}}|[十{_CN_DIGIT}]{{1,3}})\s*日)?)?")
_DATE_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)")
_YEAR_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# (level, words that address or name a body of that level), most local first.
_LEVELS = [
    ("township", ("全镇", "全乡", "全街道", "镇党委", "镇政府", "乡党委", "街道党工委", "街道办事处")),
    ("county", ("全区", "全县", "区委", "县委", "区政府", "县政府", "区长", "县长", "全旗", "全市区")),
    ("city", ("全市", "市委", "市政府", "市长", "全州", "州委")),
    ("provincial", ("全省", "省委", "省政府", "省长", "全区各族", "自治区党委")),
    ("national", ("全国", "国务院", "党中央", "中央政府", "全国人民代表大会")),
]


_HAN = re.compile(r"[\u3400-\u9fff]")


def guess_title(text: str) -> str | None:
    """The first line with Chinese text when it looks like a title (short, no sentence-final
    mark); lines without a Han character (rules, page numbers, comments) are passed over."""
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line or not _HAN.search(line):
            continue
        if len(line) <= 80 and not _TERMINATED.search(line) and line not in ("同志们", "各位代表"):
            return line
        return None
    return None


def _cn_number(s: str) -> int | None:
    """Arabic digits, digit-by-digit Chinese years (二〇二一) or Chinese numerals (十二)."""
    if s.isdigit():
        return int(s)
    return cn_to_int(s)


def guess_date(text: str, name: str = "") -> str | None:
    """ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) from the file name, else from the first
    lines of the text (a date such as 2021年3月5日 or 二〇二一年三月)."""
    m = _DATE_NAME.search(name.rsplit("/", 1)[-1])
    if m:
        return "-".join(p for p in m.groups() if p)
    head = "\n".join(text.splitlines()[:8])
    for m in _DATE_CN.finditer(head):
        year = _cn_number(m.group(1))
        month = _cn_number(m.group(2)) if m.group(2) else None
        day = _cn_number(m.group(3)) if m.group(3) else None
        if year is None or not 1900 <= year <= 2100:
            continue
        if month is not None and not 1 <= month <= 12:
            month, day = None, None
        if day is not None and not 1 <= day <= 31:
            day = None
        return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")
    m = _YEAR_NAME.search(name.rsplit("/", 1)[-1])
    return m.group(1) if m else None


def guess_level(text: str) -> str | None:
    """Administrative level of the speaker's body: the level whose words (全区, 县委, 全市 …)
    occur most often in the first 5,000 characters; ties go to the more local level."""
    head = text[:5000]
    counts = Counter({level: sum(head.count(w) for w in words) for level, words in _LEVELS})
    best = max(counts.values(), default=0)
    if not best:
        return None
    for level, _ in _LEVELS:
        if counts[level] == best:
            return level
    return None
