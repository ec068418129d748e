"""Hashed context features of each character, for the entity tagger's linear part.

A character's label depends on its neighbours (张|书记, 北京|市) and on the word the
segmenter put it in (首字 of 王建国, last character of 发改局). These are the templates of
the classic character CRF taggers: characters and character n-grams in a window of ±2, the
word holding the character with the character's place in it (B/M/E/S), the words beside
it, the first and last character of the word, and the shape (Han, digit, Latin, other) of
the window. Each template's value is hashed into ``buckets`` deterministically (no
``hash()``, which changes between processes), in one numpy pass over a sentence, with no
Python loop per character.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

PRIME = 2_147_483_647
MULTIPLIER = 1_000_003
BOS, EOS = 1, 2  # codes of the padding beyond the sentence (no character has them)
N_TEMPLATES = 20
_POWERS = np.array([pow(131, k, PRIME) for k in range(64)], dtype=np.int64)
_CN_DIGITS = np.array([ord(c) for c in "〇零一二三四五六七八九十百千万亿两"], dtype=np.int64)


def text_codes(text: str) -> np.ndarray:
    """The code points of ``text`` as int64 (one per character, offsets unchanged)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def normalised_codes(codes: np.ndarray) -> np.ndarray:
    """Full-width ASCII folded to ASCII and Latin letters lower-cased (NFKC would change
    lengths; this never does)."""
    wide = (codes >= 0xFF01) & (codes <= 0xFF5E)
    codes = np.where(wide, codes - 0xFEE0, codes)
    upper = (codes >= 65) & (codes <= 90)
    return np.where(upper, codes + 32, codes)


def _shapes(codes: np.ndarray) -> np.ndarray:
    """0 other, 1 Han, 2 digit (Arabic or Chinese numeral), 3 Latin letter."""
    han = (codes >= 0x3400) & (codes <= 0x9FFF)
    digit = ((codes >= 48) & (codes <= 57)) | np.isin(codes, _CN_DIGITS)
    latin = (codes >= 97) & (codes <= 122)
    return np.select([digit, latin, han], [2, 3, 1], 0)


def _combine(salt: int, *parts: np.ndarray) -> np.ndarray:
    h = np.full(len(parts[0]), salt, dtype=np.int64)
    for part in parts:
        h = (h * MULTIPLIER + part) % PRIME
    return h


def _hashed_columns(columns: list[tuple[np.ndarray, ...]], salt: int, buckets: int) -> np.ndarray:
    """[n, len(columns)] bucket ids: each template (a tuple of value arrays) hashed with its own salt."""
    out = np.empty((len(columns[0][0]), len(columns)), dtype=np.int64)
    for t, parts in enumerate(columns):
        out[:, t] = _combine(salt + 7919 * t, *parts) % buckets
    return out


def _word_hashes(codes: np.ndarray, word_of: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A polynomial hash of each word's characters (``word_of`` is non-decreasing)."""
    place = (np.arange(len(codes)) - starts[word_of]) % len(_POWERS)  # long runs wrap: still one hash per word
    terms = codes * _POWERS[place] % PRIME
    sums = np.zeros(len(starts), dtype=np.int64)
    np.add.at(sums, word_of, terms)
    return sums % PRIME


def sentence_characters(text: str, offsets: Sequence[np.ndarray], sentence_starts: Sequence[int],
                        word_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The characters to tag in ``text``, back to back: (codes, word_start flags, lengths).

    ``offsets`` are each sentence's [n, 2] character offsets of its tagged characters (the
    encoder's tokens), relative to the sentence start in ``sentence_starts``; ``word_starts``
    the offsets in ``text`` where the segmenter's words begin."""
    if not len(offsets):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.astype(bool), empty
    positions = np.concatenate([np.asarray(o, dtype=np.int64).reshape(-1, 2)[:, 0] + start
                                for o, start in zip(offsets, sentence_starts)])
    codes = text_codes(text)[positions]
    word_start = np.isin(positions, np.asarray(word_starts, dtype=np.int64))
    return codes, word_start, np.array([len(o) for o in offsets], dtype=np.int64)


def char_feature_ids(codes: np.ndarray, word_start: np.ndarray, buckets: int,
                     lengths: np.ndarray | None = None) -> np.ndarray:
    """[len(codes), N_TEMPLATES] bucket ids of each character's features.

    ``codes``: the code points of the characters to tag (``text_codes``), one sentence or
    several back to back with their ``lengths``: windows and neighbouring words never reach
    across a sentence boundary, so a sentence gets the same features alone or among others.
    ``word_start``: True where the segmenter's words begin (each sentence start counts as one).
    """
    n = len(codes)
    if n == 0:
        return np.zeros((0, N_TEMPLATES), dtype=np.int64)
    lengths = np.array([n] if lengths is None else lengths, dtype=np.int64)
    lengths = lengths[lengths > 0]
    if lengths.sum() != n:
        raise ValueError("sentence lengths do not add up to the number of characters")
    codes = normalised_codes(np.asarray(codes, dtype=np.int64))
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(n) - (np.cumsum(lengths) - lengths)[sentence]
    size = lengths[sentence]
    index = np.arange(n)

    def shifted(values: np.ndarray, k: int) -> np.ndarray:
        inside = (pos + k >= 0) & (pos + k < size)
        return np.where(inside, values[np.clip(index + k, 0, n - 1)], BOS if k < 0 else EOS)

    c = {k: shifted(codes, k) for k in (-2, -1, 0, 1, 2)}
    shape = {k: _shapes(v) for k, v in c.items()}

    word_start = np.asarray(word_start, dtype=bool) | (pos == 0)
    word_of = np.cumsum(word_start) - 1
    starts = np.flatnonzero(word_start)
    ends = np.append(starts[1:], n)
    first = word_start
    last = np.append(word_start[1:], True)
    place = np.select([first & last, first, last], [3, 0, 2], 1)  # S, B, E, M
    words = _word_hashes(codes, word_of, starts)
    word_sentence = sentence[starts]
    before = np.append([BOS], words[:-1])
    before[1:][word_sentence[1:] != word_sentence[:-1]] = BOS
    after = np.append(words[1:], [EOS])
    after[:-1][word_sentence[1:] != word_sentence[:-1]] = EOS
    word, prev_word, next_word = words[word_of], before[word_of], after[word_of]
    first_char, last_char = codes[starts][word_of], codes[ends - 1][word_of]
    length = np.minimum((ends - starts)[word_of], 6)

    columns = [
        (c[0],), (c[-1],), (c[1],), (c[-2],), (c[2],),
        (c[-1], c[0]), (c[0], c[1]), (c[-2], c[-1]), (c[1], c[2]), (c[-1], c[1]),
        (c[-1], c[0], c[1]), (c[-2], c[-1], c[0]), (c[0], c[1], c[2]),
        (word, place), (c[0], place, length), (prev_word, place), (next_word, place),
        (first_char, place, length), (last_char, place, length),
        (shape[-2] * 256 + shape[-1] * 64 + shape[0] * 16 + shape[1] * 4 + shape[2],),
    ]
    return _hashed_columns(columns, 0x9E3779B1, buckets)


def gazetteer_feature_ids(codes: np.ndarray, place: np.ndarray, length: np.ndarray, buckets: int) -> np.ndarray:
    """[len(codes), lists + 2] bucket ids of each character's name-list features
    (``gazetteer.Gazetteer.places``): per list, the character's place in the longest listed
    word and its length; the places in all lists together; and that signature with the
    character itself (a listed 李 at a word start is not a listed 的)."""
    codes = normalised_codes(np.asarray(codes, dtype=np.int64))
    n_lists = len(place)
    signature = np.zeros(len(codes), dtype=np.int64)
    for t in range(n_lists):
        signature = signature * 4 + place[t]
    columns = [(np.full(len(codes), t), place[t], length[t]) for t in range(n_lists)]
    columns += [(signature,), (signature, codes)]
    return _hashed_columns(columns, 0x27D4EB2F, buckets)


__all__ = ["N_TEMPLATES", "char_feature_ids", "gazetteer_feature_ids", "normalised_codes", "sentence_characters", "text_codes"]
