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
        return [text[s:e] for m in re.finditer(r"\S+", text) for s, e in self._crf_spans(m.group(), m.start())]

    def word_spans(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) character offsets of the words of ``text``; white space is never part of a word."""
        for match in re.finditer(r"\S+", text):
            yield from self._run_spans(match.group(), match.start())

    def _run_spans(self, run: str, offset: int) -> Iterator[tuple[int, int]]:
        pos = 0
        if self._user_re is not None:
            for m in self._user_re.finditer(run):
                if m.start() > pos:
                    yield from self._model_spans(run[pos : m.start()], offset + pos)
                yield offset + m.start(), offset + m.end()
                pos = m.end()
        if pos < len(run):
            yield from self._model_spans(run[pos:], offset + pos)

    def _model_spans(self, run: str, offset: int) -> Iterator[tuple[int, int]]:
        pos = 0
        for m in _FOREIGN_WORD.finditer(run):
            if m.start() > pos:
                yield from self._crf_spans(run[pos : m.start()], offset + pos)
            yield offset + m.start(), offset + m.end()
            pos = m.end()
        if pos < len(run):
            yield from self._crf_spans(run[pos:], offset + pos)

    def _crf_spans(self, run: str, offset: int) -> Iterator[tuple[int, int]]:
        for chunk_start, chunk in _chunks(run):
            starts = self._word_starts(chunk)
            bounds = np.flatnonzero(starts).tolist() + [len(chunk)]
            base = offset + chunk_start
            for s, e in zip(bounds, bounds[1:]):
                yield base + s, base + e

    def _word_starts(self, chunk: str) -> np.ndarray:
        from spacy_pkuseg.inference import run_viterbi

        if len(chunk) == 1:
            return np.array([True])
        scores = self.node_scores(normalise(chunk))
        _, states = run_viterbi(scores, self._edge)
        starts = self._starts_word[np.asarray(states)]
        starts[0] = True
        return starts

    # -------------------------------------------------------------- features
    def _set_tables(self, tables: dict) -> None:
        self._tables = tables
        self._char_id = {c: i + 1 for i, c in enumerate(tables["chars"])}
        self._n_chars = len(tables["chars"]) + 1  # id 0: a character no feature mentions
        uni = np.asarray(tables["uni"], dtype=np.int64)
        self._uni = np.where(uni < 0, self._absent, uni)
        self._bi_keys = [np.asarray(k, dtype=np.int64) for k in tables["bi_keys"]]
        self._bi_vals = [np.asarray(v, dtype=np.int64) for v in tables["bi_vals"]]
        self._word_end, self._word_start = tables["word_end"], tables["word_start"]
        self._pairs = (tables["pairs_l"], tables["pairs_r"])

    def _bigram_ids(self, template: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        keys, vals = self._bi_keys[template], self._bi_vals[template]
        query = left * self._n_chars + right
        if not len(keys):
            return np.full(len(query), self._absent, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return np.where(keys[pos] == query, vals[pos], self._absent)

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
        """pkuseg's lexicon features: words of 2-6 characters that end or start at, before or
        after each character, and all pairs of (word before, word after) around it."""
        n = len(t)
        unigram = self._unigram
        starts: list[list[str]] = [[] for _ in range(n + 1)]
        ends: list[list[str]] = [[] for _ in range(n + 1)]  # ends[i + 1]: words ending at i
        for length in range(self.word_min, self.word_max + 1):
            for s in [s for s in range(n - length + 1) if t[s : s + length] in unigram]:
                w = t[s : s + length]
                starts[s].append(w)
                ends[s + length].append(w)
        k = self.word_max - self.word_min + 1
        word_end, word_start = self._word_end.get, self._word_start.get
        pairs_l, pairs_r = self._pairs
        rows: list[int] = []
        cols: list[int] = []
        mult: list[float] = []
        for i in range(n):
            pre_ex, post_in, pre_in, post_ex = ends[i], starts[i], ends[i + 1], starts[i + 1]
            for w in pre_in:
                f = word_end(w)
                if f is not None:
                    rows.append(i), cols.append(f), mult.append(1.0)
            for w in post_in:
                f = word_start(w)
                if f is not None:
                    rows.append(i), cols.append(f), mult.append(1.0)
            if pre_ex or post_in:
                _pair_features(pairs_l, pre_ex, post_in, k, i, rows, cols, mult)
            if pre_in or post_ex:
                _pair_features(pairs_r, pre_in, post_ex, k, i, rows, cols, mult)
        # The "no word on either side" pairs, which every position has, in one vectorised step.
        n_starts = np.fromiter(map(len, starts), dtype=np.float64, count=n + 1)
        n_ends = np.fromiter(map(len, ends), dtype=np.float64, count=n + 1)
        nn_l = pairs_l.get((NO_WORD, NO_WORD), self._absent)
        nn_r = pairs_r.get((NO_WORD, NO_WORD), self._absent)
        scores += np.outer((k - n_ends[:n]) * (k - n_starts[:n]), self._node[nn_l])
        scores += np.outer((k - n_ends[1:]) * (k - n_starts[1:]), self._node[nn_r])
        if rows:
            np.add.at(scores, np.array(rows), self._node[np.array(cols)] * np.array(mult)[:, None])


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


def _pair_features(pairs: dict, pre: list[str], post: list[str], k: int, i: int, rows, cols, mult) -> None:
    """Pairs (word before, word after) with at least one real word; "no word" fills the other slots."""
    get = pairs.get
    n_pre_none, n_post_none = k - len(pre), k - len(post)
    if n_pre_none:
        for q in post:
            f = get((NO_WORD, q))
            if f is not None:
                rows.append(i), cols.append(f), mult.append(float(n_pre_none))
    for p in pre:
        if n_post_none:
            f = get((p, NO_WORD))
            if f is not None:
                rows.append(i), cols.append(f), mult.append(float(n_post_none))
        for q in post:
            f = get((p, q))
            if f is not None:
                rows.append(i), cols.append(f), mult.append(1.0)


def _chunks(run: str) -> Iterator[tuple[int, str]]:
    """Split a run into pieces of at most ``MAX_CHUNK`` characters, preferably after punctuation."""
    if len(run) <= MAX_CHUNK:
        yield 0, run
        return
    start = 0
    while len(run) - start > MAX_CHUNK:
        window = run[start : start + MAX_CHUNK]
        cuts = [m.start() for m in _CHUNK_CUT.finditer(window) if m.start() > 0]
        cut = cuts[-1] if cuts else MAX_CHUNK
        yield start, run[start : start + cut]
        start += cut
    yield start, run[start:]


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
