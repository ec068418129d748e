"""Speech outline: numbered headings and enumerated items with their nesting.

An item is a sentence that opens with an enumeration marker (see :mod:`policy_nlp.markers`).
Its *style* says where it stands: ``heading`` (the sentence is a whole line), ``paragraph``
(it opens a line that goes on) or ``inline`` (mid-paragraph, like 一要… 二是… inside a
paragraph). Items of the same marker family and style are siblings; a new family or
style opens a deeper level; an item whose number continues a list of the same family is
its sibling whatever its style.

Each item covers a *section* from its start to ``section_end``: a heading until the next
sibling or ancestor, a paragraph or inline item until its next sibling or the end of its
paragraph (or of its parent, if that comes first). A paragraph that opens with 同志们，
closes every open section (the speaker turns to the audience). ``span._.section`` is the text of the
innermost item whose section contains the span's start; ``span._.section_path`` lists all
enclosing items, outermost first.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .markers import Marker, match_marker
from .sentences import text_lines

# A paragraph opening with an address to the audience closes every open section.
_CLOSING = re.compile(r"同志们[，,：:！!]")


@dataclass
class _Frame:
    item: dict
    family: str
    style: str
    limit: int  # the latest end the section can have (paragraph end, parent's limit, or text end)


def _line_bounds(text: str, lines: list[tuple[int, int]], line_starts: list[int], start: int, end: int) -> tuple[bool, bool, int]:
    """(starts a line, is the whole line, end of its line) for the span ``text[start:end]``."""
    line_start, line_end = lines[bisect.bisect_right(line_starts, start) - 1]
    starts_line = text[line_start:start].strip() == ""
    return starts_line, starts_line and text[end:line_end].strip() == "", line_end


def build_outline(text: str, sentences: list[tuple[int, int]]) -> list[dict]:
    """Outline items ``{level, marker, number, text, start, end, section_end, block}`` of a text
    whose sentences are given as (start, end) offsets."""
    items: list[dict] = []
    stack: list[_Frame] = []
    blocks = -1
    last_top: int | None = None
    last_at_depth: dict[int, tuple[str, int]] = {}  # the latest item placed at each depth, open or closed

    lines = text_lines(text)
    line_starts = [s for s, _ in lines]

    def close(frame: _Frame, at: int) -> None:
        frame.item["section_end"] = min(at, frame.limit)

    for start, end in sentences:
        marker = match_marker(text, start)
        if marker is None:
            if stack and _CLOSING.match(text, start) and _line_bounds(text, lines, line_starts, start, end)[0]:
                while stack:  # 同志们，… at the start of a paragraph: the speaker leaves the list
                    close(stack.pop(), start)
            continue
        while stack and stack[-1].limit <= start:
            close(stack.pop(), start)
        line_start, whole_line, line_end = _line_bounds(text, lines, line_starts, start, end)
        style = "heading" if whole_line else ("paragraph" if line_start else "inline")
        depth = _sibling_depth(stack, marker, style)
        if depth is None:
            depth = len(stack)
            previous = last_at_depth.get(depth)
            continues = previous is not None and previous[0] == marker.family
            if marker.family == "sequence" and marker.number > 1 and not continues:
                continue  # 其次/最后 never open a list on their own
        else:
            style = stack[depth].style  # a list keeps the style of its first item
        for frame in stack[depth:][::-1]:
            close(frame, start)
        del stack[depth:]
        parent_limit = stack[-1].limit if stack else len(text)
        limit = parent_limit if style == "heading" else min(line_end, parent_limit)
        level = depth + 1
        last_at_depth[depth] = (marker.family, marker.number)
        for deeper in [d for d in last_at_depth if d > depth]:
            del last_at_depth[deeper]
        if level == 1:
            if last_top is None or marker.number <= last_top:
                blocks += 1
            last_top = marker.number
        item = {
            "level": level,
            "marker": marker.text,
            "number": marker.number,
            "text": text[start:end],
            "start": start,
            "end": end,
            "section_end": None,
            "block": max(blocks, 0),
        }
        items.append(item)
        stack.append(_Frame(item, marker.family, style, limit))
    for frame in stack[::-1]:
        close(frame, len(text))
    return items


def _sibling_depth(stack: list[_Frame], marker: Marker, style: str) -> int | None:
    """Stack index of the open item this marker continues, or None if it opens a new level."""
    for i in range(len(stack) - 1, -1, -1):
        frame = stack[i]
        if frame.family == marker.family and frame.style == style:
            return i
    for i in range(len(stack) - 1, -1, -1):
        frame = stack[i]
        if frame.family == marker.family and (
            marker.number == frame.item["number"] + 1 or marker.number == 99
        ):
            return i
    return None


def section_path_at(outline: list[dict] | None, char: int) -> list[dict]:
    """Outline items whose section contains character offset ``char``, outermost first."""
    if not outline:
        return []
    starts = [item["start"] for item in outline]
    upto = bisect.bisect_right(starts, char)
    return [item for item in outline[:upto] if item["start"] <= char < item["section_end"]]
