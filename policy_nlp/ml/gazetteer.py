"""Name lists (people, places, organisations) read by the entity tagger as features.

A tagger trained on a few thousand sentences cannot know that 费孝通 is a person, 加纳 a
country or 新华社 an organisation unless it saw them; a list of names can tell it. The
tagger does not take the list's word as the answer: each character gets, for each list,
its place (B/M/E) in the longest listed word that covers it, and the tagger learns from
the labelled data how far to trust each list in each context (lists are noisy: idioms sit
among the person names of most Chinese dictionaries).

The shipped lists are built by ``policy_nlp.training.gazetteer`` from the person, place and
organisation words of jieba's dictionary (MIT licence) and stored as a text file (a
``## LIST`` line, then its words one per line) in the entity head's folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

GAZETTEER_FILE = "gazetteer.txt"
NONE, BEGIN, INSIDE, END = 0, 1, 2, 3
MAX_LENGTH = 6  # longer matches share one length value
_ODD_CHARACTER = re.compile(r"[ \t\r\f\v#]")


class Gazetteer:
    """Named word lists; ``places`` marks where listed words occur in a text."""

    def __init__(self, lists: Mapping[str, Iterable[str]], header: Iterable[str] = ()):
        self.lists = tuple(lists)
        self.words: dict[str, tuple[int, ...]] = {}
        for t, name in enumerate(self.lists):
            listed = dict.fromkeys((w for w in lists[name] if w), (t,))
            for word in listed.keys() & self.words.keys():
                listed[word] = self.words[word] + (t,)
            self.words.update(listed)
        self.longest = max(map(len, self.words), default=0)
        self.header = list(header)

    def __len__(self) -> int:
        return len(self.words)

    def __eq__(self, other) -> bool:
        return isinstance(other, Gazetteer) and (self.lists, self.words) == (other.lists, other.words)

    def places(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """([lists, len(text)] place codes, [lists, len(text)] word lengths): for each list,
        BEGIN/INSIDE/END of the longest listed word covering the character (the earlier one on
        a tie), NONE where no listed word does; lengths are capped at ``MAX_LENGTH``."""
        n = len(text)
        place = np.zeros((len(self.lists), n), dtype=np.int64)
        length = np.zeros((len(self.lists), n), dtype=np.int64)
        words = self.words
        found = []
        for i in range(n):  # a lookup per length: cheaper to build than a prefix set of every word
            for k in range(i + 1, min(i + self.longest, n) + 1):
                lists = words.get(text[i:k])
                if lists is not None:
                    found.append((k - i, -i, i, k, lists))
        if not found:
            return place, length
        found.sort()  # paint order: shorter first, then later first; the last painter of a cell wins
        painters = [(t, i, k) for _, _, i, k, lists in found for t in lists]
        lists_of, starts, ends = (np.array(column, dtype=np.int64) for column in zip(*painters))
        sizes = ends - starts
        painter = np.repeat(np.arange(len(painters)), sizes)
        position = starts[painter] + np.arange(len(painter)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        winner = np.full(place.size, -1, dtype=np.int64)
        np.maximum.at(winner, lists_of[painter] * n + position, painter)
        cells = np.flatnonzero(winner >= 0)
        won = winner[cells]
        at = cells % n
        place.reshape(-1)[cells] = np.where(at == starts[won], BEGIN, np.where(at == ends[won] - 1, END, INSIDE))
        length.reshape(-1)[cells] = np.minimum(sizes[won], MAX_LENGTH)
        return place, length

    def to_file(self, path: str | Path) -> None:
        """Header lines (``# ...``), then each list as a ``## NAME`` line and its words, one per line."""
        lines = [f"# {line}" for line in self.header]
        for t, name in enumerate(self.lists):
            lines.append(f"## {name}")
            lines.extend(sorted(w for w, lists in self.words.items() if t in lists))
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def from_file(cls, path: str | Path) -> "Gazetteer":
        text = Path(path).read_text(encoding="utf-8")
        head, *sections = ("\n" + text).split("\n## ")
        header = [line[1:].strip() for line in head.splitlines() if line]
        if any(not line.startswith("#") for line in head.splitlines() if line) or not sections:
            raise ValueError(f"{path}: expected '# ...' header lines, then '## LIST' lines each followed by its words")
        lists: dict[str, list[str]] = {}
        for section in sections:
            name, _, body = section.partition("\n")
            words = body.split("\n")
            if _ODD_CHARACTER.search(body):
                raise ValueError(f"{path}: list {name!r} has a line with spaces or a '#' in it (one word per line)")
            lists.setdefault(name.strip(), []).extend(w for w in words if w)
        return cls(lists, header)


__all__ = ["GAZETTEER_FILE", "Gazetteer"]
