"""Word segmentation with a pkuseg CRF model: our own loader and a vectorised feature extractor.

Why not ``spacy_pkuseg.pkuseg`` directly: it unpickles a bundled dictionary on every load,
treats model paths that look like model names as download requests, keeps its settings in
module-global state, and extracts features in a Python loop per character (about 20,000
chars/s). This module reads models trained by ``spacy_pkuseg.train`` (converted to
safetensors + msgpack by :mod:`policy_nlp.training.segmenter`), computes exactly the same
features as pkuseg, template by template over the whole text, and decodes with pkuseg's
compiled Viterbi. ``tests/test_segmenter.py`` checks that the tags equal pkuseg's own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import srsly

# pkuseg's normalisation: keyword characters become "&", numerals "**Num", full-width
# letters "**Letter". We map the two multi-character symbols to single control
# characters so that whole-text slicing works; feature strings are mapped the same way.
_KEYWORDS = "-._,|/*:"
_NUM = "0123456789.几二三四五六七八九十千万亿兆零１２３４５６７８９０％"
_LETTER = "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｇｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ／・－"
NUM_MARK, LETTER_MARK = "\x01", "\x02"
_NORMALISE = {ord(c): LETTER_MARK for c in _LETTER}
_NORMALISE.update({ord(c): NUM_MARK for c in _NUM})
_NORMALISE.update({ord(c): "&" for c in _KEYWORDS})  # renaming happens before numeral mapping
NO_WORD = "**noWord"

MODEL_FEATURES = "features.msgpack"
MODEL_WEIGHTS = "weights.safetensors"
USER_DICT = "user_dict.txt"

# The CRF never sees more than this many characters at once: long runs are cut after
# punctuation that is always a word of its own, which keeps memory flat and time linear.
MAX_CHUNK = 400
_CHUNK_CUT = re.compile(r"(?<=[。！？；，、：!?;])")
# CRF pieces are scored together, joined by two characters that no feature or lexicon word
# contains: every feature that would look across a piece's edge finds nothing, exactly as
# at the edge of a text, so each piece is scored as if alone.
_SEPARATOR = "\x00\x00"
_BATCH_CHARS = 20_000


# Words of alphabetic scripts (Latin, Greek, Cyrillic; letters first, digits may follow) and
# emoji sequences are tokens of their own: the CRF, trained on Chinese, would cut them apart.
_FOREIGN_WORD = re.compile(
    r"[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF][A-Za-z0-9\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF'’]*"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF][\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]*"
)


def normalise(text: str) -> str:
    """pkuseg's character normalisation, one output character per input character."""
    return text.translate(_NORMALISE)


def _to_marks(feature: str) -> str:
    return feature.replace("**Num", NUM_MARK).replace("**Letter", LETTER_MARK)


class CRFSegmenter:
    """A first-order CRF word segmenter with pkuseg's features and weights.

    Build one from a pkuseg model with :meth:`from_pkuseg` (feature strings in index order,
    the word lexicon, the flat weight vector: ``n_feature * n_tag`` node weights followed by
    ``n_tag * n_tag`` transition weights, and the tag names). On disk (:meth:`to_disk`) the
    features are stored already indexed by template, so loading is a few array reads.
    """

    def __init__(self, tables: dict, unigram: Iterable[str], weights: np.ndarray, tags: list[str],
                 word_min: int = 2, word_max: int = 6, user_words: Iterable[str] = ()):
        self.tags = list(tags)
        self.word_min, self.word_max = word_min, word_max
        n_tag = len(self.tags)
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size % n_tag or weights.size < n_tag * (n_tag + 1):
            raise ValueError(f"weights of shape {weights.shape} do not fit {n_tag} tags")
        self.n_features = weights.size // n_tag - n_tag
        self.weights = weights
        self._unigram = set(unigram)
        # One extra all-zero row so that "feature absent" can be gathered without masks.
        node = weights[: self.n_features * n_tag].reshape(self.n_features, n_tag)
        self._node = np.vstack([node, np.zeros((1, n_tag))])
        self._absent = self.n_features
        # pkuseg's getLogYY starts transition scores at 1.0: edge[prev, cur] = 1 + w[...]
        trans = weights[self.n_features * n_tag :].reshape(n_tag, n_tag)  # [cur, prev]
        self._edge = np.ascontiguousarray(1.0 + trans.T)
        self._starts_word = np.array(["B" in t for t in self.tags])
        self._set_tables(tables)
        self.user_words: set[str] = set()
        self._user_re: re.Pattern | None = None
        self.add_user_words(user_words)

    @classmethod
    def from_pkuseg(cls, features: list[str], unigram: Iterable[str], weights: np.ndarray, tags: list[str],
                    word_min: int = 2, word_max: int = 6, user_words: Iterable[str] = ()) -> "CRFSegmenter":
        """From pkuseg's model data (``feature_to_idx`` turned into a list in index order)."""
        n_tag = len(tags)
        if np.asarray(weights).shape != (n_tag * (len(features) + n_tag),):
            raise ValueError(f"{len(features)} features and {n_tag} tags do not fit weights of shape {np.shape(weights)}")
        return cls(_index_features(features), (_to_marks(w) for w in unigram), weights, tags,
                   word_min, word_max, user_words)

    # ------------------------------------------------------------------ I/O
    @classmethod
    def from_disk(cls, path: str | Path) -> "CRFSegmenter":
        """Load a model folder written by :meth:`to_disk` (msgpack + safetensors, no pickle)."""
        from safetensors.numpy import load_file

        path = Path(path)
        meta = srsly.read_msgpack(path / MODEL_FEATURES)
        arrays = load_file(str(path / MODEL_WEIGHTS))
        tables = {
            "chars": meta["chars"],
            "uni": arrays["uni"].astype(np.int64),
            "bi_keys": [arrays[f"bi_keys_{i}"] for i in range(len(_BI_TEMPLATES))],
            "bi_vals": [arrays[f"bi_vals_{i}"].astype(np.int64) for i in range(len(_BI_TEMPLATES))],
            "word_end": dict(zip(meta["word_end"], arrays["word_end"].tolist())),
            "word_start": dict(zip(meta["word_start"], arrays["word_start"].tolist())),
            "pairs_l": dict(zip(zip(*meta["pairs_l"]), arrays["pairs_l"].tolist())),
            "pairs_r": dict(zip(zip(*meta["pairs_r"]), arrays["pairs_r"].tolist())),
        }
        user_words = read_user_dict(path / USER_DICT) if (path / USER_DICT).exists() else []
        return cls(tables, meta["unigram"], arrays["weights"], meta["tags"],
                   meta["word_min"], meta["word_max"], user_words)

    def to_disk(self, path: str | Path) -> None:
        from safetensors.numpy import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        t = self._tables
        srsly.write_msgpack(path / MODEL_FEATURES, {
            "format": "policy_nlp.crf_segmenter.v1",
            "tags": self.tags,
            "word_min": self.word_min,
            "word_max": self.word_max,
            "chars": t["chars"],
            "unigram": sorted(self._unigram),
            "word_end": list(t["word_end"]),
            "word_start": list(t["word_start"]),
            "pairs_l": [list(x) for x in zip(*t["pairs_l"])] or [[], []],
            "pairs_r": [list(x) for x in zip(*t["pairs_r"])] or [[], []],
        })
        arrays = {
            "weights": self.weights.astype(np.float32),
            "uni": t["uni"].astype(np.int32),
            "word_end": np.array(list(t["word_end"].values()), dtype=np.int32),
            "word_start": np.array(list(t["word_start"].values()), dtype=np.int32),
            "pairs_l": np.array(list(t["pairs_l"].values()), dtype=np.int32),
            "pairs_r": np.array(list(t["pairs_r"].values()), dtype=np.int32),
        }
        for i in range(len(_BI_TEMPLATES)):
            arrays[f"bi_keys_{i}"] = t["bi_keys"][i].astype(np.int64)
            arrays[f"bi_vals_{i}"] = t["bi_vals"][i].astype(np.int32)
        save_file(arrays, str(path / MODEL_WEIGHTS))
        write_user_dict(path / USER_DICT, sorted(self.user_words))

    # ------------------------------------------------------------ user words
    def add_user_words(self, words: Iterable[str]) -> None:
        """Words that are always kept whole (longest match first, as pkuseg's user dictionary)."""
        self.user_words.update(w.strip() for w in words if w and w.strip() and not any(c.isspace() for c in w.strip()))
        if self.user_words:
            ordered = sorted(self.user_words, key=lambda w: (-len(w), w))
            self._user_re = re.compile("|".join(re.escape(w) for w in ordered))
        else:
            self._user_re = None

    # ---------------------------------------------------------- segmentation
    def cut(self, text: str) -> list[str]:
        """Words of ``text`` (white space dropped, as pkuseg does)."""
        return [text[s:e] for s, e in self.word_spans(text)]

    def crf_words(self, text: str) -> list[str]:
        """Words by the CRF alone (no user words, no script rules): what pkuseg's own decoder
        gives with the same model, white space dropped."""
        segments = [(s, e, True) for m in re.finditer(r"\S+", text) for s, e in _chunk_spans(m.start(), m.end(), text)]
        return [text[s:e] for s, e in self._decode(text, segments)]

    def word_spans(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) character offsets of the words of ``text``; white space is never part of a word."""
        return iter(self._decode(text, list(self._segments(text))))

    def _segments(self, text: str) -> Iterator[tuple[int, int, bool]]:
        """(start, end, needs the CRF) pieces of ``text``: user words and foreign words are
        words already; the rest goes to the CRF in chunks of at most ``MAX_CHUNK`` characters."""
        for run in re.finditer(r"\S+", text):
            pos, end = run.start(), run.end()
            fixed = list(self._user_re.finditer(text, pos, end)) if self._user_re is not None else []
            for gap_start, gap_end, word in _gaps(pos, end, fixed):
                if gap_end > gap_start:
                    foreign = list(_FOREIGN_WORD.finditer(text, gap_start, gap_end))
                    for piece_start, piece_end, other in _gaps(gap_start, gap_end, foreign):
                        if piece_end > piece_start:
                            for s, e in _chunk_spans(piece_start, piece_end, text):
                                yield s, e, True
                        if other is not None:
                            yield other.start(), other.end(), False
                if word is not None:
                    yield word.start(), word.end(), False

    def _decode(self, text: str, segments: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
        """Word spans for the segments: CRF pieces are decoded in batches (one feature pass
        over many pieces joined by separators that no feature or word contains)."""
        from spacy_pkuseg.inference import run_viterbi

        starts_of: dict[int, np.ndarray] = {}
        for batch in _batches([(s, e) for s, e, crf in segments if crf]):
            scores = self.node_scores(_SEPARATOR.join(normalise(text[a:b]) for a, b in batch))
            offset = 0
            for a, b in batch:
                n = b - a
                if n == 1:
                    starts = np.array([True])
                else:
                    _, states = run_viterbi(np.ascontiguousarray(scores[offset : offset + n]), self._edge)
                    starts = self._starts_word[np.asarray(states)]
                    starts[0] = True
                starts_of[a] = starts
                offset += n + len(_SEPARATOR)
        spans: list[tuple[int, int]] = []
        for s, e, crf in segments:
            if not crf:
                spans.append((s, e))
                continue
            bounds = (np.flatnonzero(starts_of[s]) + s).tolist() + [e]
            spans.extend(zip(bounds, bounds[1:]))
        return spans

    # -------------------------------------------------------------- features
    def _set_tables(self, tables: dict) -> None:
        self._tables = tables
        self._char_id = {c: i + 1 for i, c in enumerate(tables["chars"])}
        self._n_chars = len(tables["chars"]) + 1  # id 0: a character no feature mentions
        uni = np.asarray(tables["uni"], dtype=np.int64)
        self._uni = np.where(uni < 0, self._absent, uni)
        self._bi_keys = [np.asarray(k, dtype=np.int64) for k in tables["bi_keys"]]
        self._bi_vals = [np.asarray(v, dtype=np.int64) for v in tables["bi_vals"]]
        # Word features by word id: the lexicon's words get ids 0..V-1, "no word" gets V.
        words = sorted(self._unigram)
        self._word_id = {w: i for i, w in enumerate(words)}
        v = self._n_words = len(words)
        absent = self._absent

        def by_word(table: dict) -> np.ndarray:
            out = np.full(v + 1, absent, dtype=np.int64)
            for w, f in table.items():
                i = self._word_id.get(w, v if w == NO_WORD else None)
                if i is not None:
                    out[i] = f
            return out

        self._word_end_f, self._word_start_f = by_word(tables["word_end"]), by_word(tables["word_start"])
        self._pair_keys, self._pair_vals = [], []
        for pairs in (tables["pairs_l"], tables["pairs_r"]):
            entries = []
            for (left, right), f in pairs.items():
                a = v if left == NO_WORD else self._word_id.get(left)
                b = v if right == NO_WORD else self._word_id.get(right)
                if a is not None and b is not None:
                    entries.append((a * (v + 1) + b, f))
            entries.sort()
            self._pair_keys.append(np.array([k for k, _ in entries], dtype=np.int64))
            self._pair_vals.append(np.array([f for _, f in entries], dtype=np.int64))
        # Both sides "no word", which every position has: one feature per side.
        nn = np.array([v * (v + 1) + v])
        self._nn_pair = [int(_lookup(k, f, nn, absent)[0]) for k, f in zip(self._pair_keys, self._pair_vals)]

    def _bigram_ids(self, template: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return _lookup(self._bi_keys[template], self._bi_vals[template], left * self._n_chars + right, self._absent)

    def node_scores(self, t: str) -> np.ndarray:
        """Per-character tag scores, shape (len(t), n_tag), for normalised text ``t``."""
        n = len(t)
        char_id = self._char_id.get
        cid = np.array([char_id(c, 0) for c in t], dtype=np.int64)
        uni = self._uni
        ids = np.full((8, n), self._absent, dtype=np.int64)
        ids[0] = uni[0][cid]  # c.     current character
        ids[1, 1:] = uni[1][cid[:-1]]  # c-1.   previous
        ids[2, 1:] = self._bigram_ids(0, cid[:-1], cid[1:])  # c-1c.  previous + current
        ids[3, :-1] = uni[2][cid[1:]]  # c1.    next
        ids[4, :-1] = self._bigram_ids(1, cid[:-1], cid[1:])  # cc1.   current + next
        if n > 2:
            ids[5, 2:] = uni[3][cid[:-2]]  # c-2.   two before
            ids[6, 2:] = self._bigram_ids(2, cid[:-2], cid[1:-1])  # c-2c-1. two before + previous
            ids[7, :-2] = uni[4][cid[2:]]  # c2.    two after
        scores = self._node[ids].sum(axis=0)
        scores += self._node[0]  # pkuseg always adds feature 0 ("$$")
        self._add_word_features(t, scores)
        return scores

    def _add_word_features(self, t: str, scores: np.ndarray) -> None:
        """pkuseg's lexicon features, vectorised over lexicon matches.

        For character i pkuseg looks at the lexicon words (2-6 characters) that end at i
        (``w-1``) or start at i (``w1``), and at every pair (word ending before, word
        starting after) for the two cuts around i: ``ww.l`` for the cut before i (words
        ending at i-1 x words starting at i), ``ww.r`` for the cut after it (ending at i x
        starting at i+1). Each length slot without a word counts as "no word", so pairs
        with "no word" come with multiplicities.
        """
        n = len(t)
        k = self.word_max - self.word_min + 1
        v = self._n_words
        get = self._word_id.get
        start_pos, start_wid, lengths = [], [], []
        for length in range(self.word_min, self.word_max + 1):
            ids = [get(t[s : s + length], -1) for s in range(n - length + 1)]
            if not ids:
                continue
            ids_arr = np.array(ids, dtype=np.int64)
            hit = np.flatnonzero(ids_arr >= 0)
            start_pos.append(hit)
            start_wid.append(ids_arr[hit])
            lengths.append(np.full(len(hit), length, dtype=np.int64))
        if start_pos:
            s_pos = np.concatenate(start_pos)
            s_wid = np.concatenate(start_wid)
            e_pos = s_pos + np.concatenate(lengths) - 1
        else:
            s_pos = s_wid = e_pos = np.zeros(0, dtype=np.int64)
        # Words starting / ending at each position (one extra slot for position n).
        n_start = np.bincount(s_pos, minlength=n + 1).astype(np.float64)
        n_end = np.bincount(e_pos, minlength=n + 1).astype(np.float64)
        free_start = k - n_start  # "no word" slots among words starting at i
        free_end = k - n_end
        free_end_before = np.concatenate([[float(k)], free_end[: n - 1]])  # at i: words ending at i-1
        rows: list[np.ndarray] = []
        feats: list[np.ndarray] = []
        mults: list[np.ndarray] = []

        def add(row, feat, mult) -> None:
            keep = feat != self._absent
            if keep.any():
                rows.append(row[keep])
                feats.append(feat[keep])
                mults.append(np.broadcast_to(mult, row.shape)[keep].astype(np.float64))

        add(e_pos, self._word_end_f[s_wid], 1.0)  # w-1: word ending here
        add(s_pos, self._word_start_f[s_wid], 1.0)  # w1: word starting here
        for side in (0, 1):  # 0: ww.l (cut before i), 1: ww.r (cut after i)
            keys, vals = self._pair_keys[side], self._pair_vals[side]
            # (no word, word starting at the cut): at row s (l) or s-1 (r)
            row = s_pos if side == 0 else s_pos - 1
            ok = row >= 0
            mult = (free_end_before if side == 0 else free_end[:n])[row[ok]]
            add(row[ok], _lookup(keys, vals, v * (v + 1) + s_wid[ok], self._absent), mult)
            # (word ending at the cut, no word): at row e+1 (l) or e (r)
            row = e_pos + 1 if side == 0 else e_pos
            ok = row < n
            mult = free_start[e_pos[ok] + 1]
            add(row[ok], _lookup(keys, vals, s_wid[ok] * (v + 1) + v, self._absent), mult)
        # (word ending at e, word starting at e+1): ww.l at row e+1, ww.r at row e.
        order = np.argsort(s_pos, kind="stable")
        sorted_pos, sorted_wid = s_pos[order], s_wid[order]
        first = np.searchsorted(sorted_pos, e_pos + 1, side="left")
        count = np.searchsorted(sorted_pos, e_pos + 1, side="right") - first
        if count.any():
            left = np.repeat(s_wid, count)
            cut = np.repeat(e_pos, count)
            offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
            right = sorted_wid[np.repeat(first, count) + offsets]
            pair = left * (v + 1) + right
            add(cut + 1, _lookup(self._pair_keys[0], self._pair_vals[0], pair, self._absent), 1.0)
            add(cut, _lookup(self._pair_keys[1], self._pair_vals[1], pair, self._absent), 1.0)
        # Both sides "no word", which every position has.
        nn_l, nn_r = self._nn_pair
        scores += np.outer(free_end_before * free_start[:n], self._node[nn_l])
        scores += np.outer(free_end[:n] * free_start[1:], self._node[nn_r])
        if rows:
            row, feat, mult = np.concatenate(rows), np.concatenate(feats), np.concatenate(mults)
            weighted = self._node[feat] * mult[:, None]
            for tag in range(scores.shape[1]):
                scores[:, tag] += np.bincount(row, weights=weighted[:, tag], minlength=n)


def _lookup(keys: np.ndarray, vals: np.ndarray, query: np.ndarray, absent: int) -> np.ndarray:
    """``vals`` at the positions of ``query`` in sorted ``keys``; ``absent`` where not found."""
    if not len(keys) or not len(query):
        return np.full(len(query), absent, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[pos] == query, vals[pos], absent)


_UNI_TEMPLATES = {"c": 0, "c-1": 1, "c1": 2, "c-2": 3, "c2": 4}
_BI_TEMPLATES = {"c-1c": 0, "cc1": 1, "c-2c-1": 2}


def _index_features(features: list[str]) -> dict:
    """Index pkuseg feature strings by template, so that lookups need no string building.

    Character templates become arrays over a character vocabulary (unigrams) or sorted
    integer keys (bigrams); word templates become dicts keyed by words or word pairs.
    """
    chars: dict[str, int] = {}
    uni_entries: list[tuple[int, str, int]] = []
    bi_entries: list[tuple[int, str, str, int]] = []
    word_end: dict[str, int] = {}
    word_start: dict[str, int] = {}
    pairs: tuple[dict, dict] = ({}, {})
    for idx, raw in enumerate(features):
        head, _, body = _to_marks(raw).partition(".")
        if head in _UNI_TEMPLATES and len(body) == 1:
            uni_entries.append((_UNI_TEMPLATES[head], body, idx))
            chars.setdefault(body, len(chars) + 1)
        elif head in _BI_TEMPLATES and len(body) == 3 and body[1] == ".":
            bi_entries.append((_BI_TEMPLATES[head], body[0], body[2], idx))
            chars.setdefault(body[0], len(chars) + 1)
            chars.setdefault(body[2], len(chars) + 1)
        elif head == "w-1":
            word_end[body] = idx
        elif head == "w1":
            word_start[body] = idx
        elif head == "ww" and body[:2] in ("l.", "r."):
            pair = body[2:]
            if pair.startswith(NO_WORD + "*"):
                left, right = NO_WORD, pair[len(NO_WORD) + 1 :]
            else:
                left, _, right = pair.partition("*")
            pairs[0 if body[0] == "l" else 1][(left, right)] = idx
    n_chars = len(chars) + 1
    uni = np.full((len(_UNI_TEMPLATES), n_chars), -1, dtype=np.int64)
    for template, char, idx in uni_entries:
        uni[template, chars[char]] = idx
    bi_keys, bi_vals = [], []
    for template in range(len(_BI_TEMPLATES)):
        entries = sorted((chars[a] * n_chars + chars[b], idx) for t, a, b, idx in bi_entries if t == template)
        bi_keys.append(np.array([k for k, _ in entries], dtype=np.int64))
        bi_vals.append(np.array([v for _, v in entries], dtype=np.int64))
    return {
        "chars": sorted(chars, key=chars.get),
        "uni": uni,
        "bi_keys": bi_keys,
        "bi_vals": bi_vals,
        "word_end": word_end,
        "word_start": word_start,
        "pairs_l": pairs[0],
        "pairs_r": pairs[1],
    }


def _batches(pieces: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Consecutive pieces grouped so that each group, joined by separators, stays near ``_BATCH_CHARS``."""
    batch: list[tuple[int, int]] = []
    size = 0
    for s, e in pieces:
        if batch and size + e - s > _BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append((s, e))
        size += e - s + len(_SEPARATOR)
    if batch:
        yield batch


def _gaps(start: int, end: int, matches: list[re.Match]) -> Iterator[tuple[int, int, re.Match | None]]:
    """(gap start, gap end, match after the gap) over ``[start, end)`` split by ``matches``."""
    pos = start
    for m in matches:
        yield pos, m.start(), m
        pos = m.end()
    yield pos, end, None


def _chunk_spans(start: int, end: int, text: str) -> Iterator[tuple[int, int]]:
    """Split ``text[start:end]`` into pieces of at most ``MAX_CHUNK`` characters, cut after
    punctuation where possible."""
    while end - start > MAX_CHUNK:
        window = text[start : start + MAX_CHUNK]
        cuts = [m.start() for m in _CHUNK_CUT.finditer(window) if m.start() > 0]
        cut = cuts[-1] if cuts else MAX_CHUNK
        yield start, start + cut
        start += cut
    yield start, end


def read_user_dict(path: str | Path) -> list[str]:
    """One word per line; blank lines and lines starting with ``#`` are ignored."""
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.split()[0])
    return words


def write_user_dict(path: str | Path, words: Iterable[str]) -> None:
    Path(path).write_text("".join(w + "\n" for w in words), encoding="utf-8")
