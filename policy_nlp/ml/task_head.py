"""The task tagger of ``policy_tasks``: ``EntityHead`` over the roles of TASKS.md, with the
rules' spans as features.

``TaskHead`` is the entity tagger's wide-and-deep BIO CRF (``modeling.EntityHead``) with the
labels ``ACTOR``/``DEADLINE``/``TARGET``. With ``rule_features`` its wide part also reads,
for each character, the BIO tag the rules (``text.tasks.task_spans``) give it, hashed alone,
with the character, and with the rule tags of its neighbours: the tagger learns where to
trust the rules and where to move or drop their spans. ``rule_first`` names roles whose
rule spans are kept as they are (the tagger's spans of any role fill in only where they
overlap none of them; off by default: cross-validation found the tagger alone better): see :func:`merge_task_spans`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .modeling import EntityHead

RULE_TEMPLATES = 4
_RULE_SALT = 0x165667B1


def rule_tag_codes(lengths: Sequence[int], offsets: Sequence[np.ndarray],
                   rule_spans: Sequence[Sequence[tuple[int, int, str]]], roles: Sequence[str]) -> np.ndarray:
    """Per tagged character (sentences back to back): 0 outside the rules' spans, else
    1 + 2 * role index (+1 inside, +0 at the span's first character)."""
    out = []
    for o, spans in zip(offsets, rule_spans):
        o = np.asarray(o, dtype=np.int64).reshape(-1, 2)
        tags = np.zeros(len(o), dtype=np.int64)
        for s, e, role in spans or ():
            if role not in roles:
                continue
            inside = (o[:, 0] >= s) & (o[:, 0] < e)
            code = 1 + 2 * list(roles).index(role)
            tags[inside] = code + 1
            first = np.flatnonzero(inside)
            if len(first):
                tags[first[0]] = code
        out.append(tags)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def rule_feature_ids(codes: np.ndarray, tags: np.ndarray, lengths: np.ndarray, buckets: int) -> np.ndarray:
    """[n, RULE_TEMPLATES] buckets: the rule tag; with the character; with the previous and
    next characters' rule tags; with the previous character (never across sentences)."""
    from .char_features import _hashed_columns, normalised_codes

    n = len(codes)
    if n == 0:
        return np.zeros((0, RULE_TEMPLATES), dtype=np.int64)
    codes = normalised_codes(np.asarray(codes, dtype=np.int64))
    lengths = np.asarray(lengths, dtype=np.int64)
    lengths = lengths[lengths > 0]
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(n) - (np.cumsum(lengths) - lengths)[sentence]
    size = lengths[sentence]
    index = np.arange(n)

    def shifted(values: np.ndarray, k: int, pad: int) -> np.ndarray:
        inside = (pos + k >= 0) & (pos + k < size)
        return np.where(inside, values[np.clip(index + k, 0, n - 1)], pad)

    prev_tag, next_tag = shifted(tags, -1, 99), shifted(tags, 1, 99)
    prev_code = shifted(codes, -1, 1)
    columns = [(tags,), (tags, codes), (prev_tag, tags, next_tag), (tags, prev_code)]
    return _hashed_columns(columns, _RULE_SALT, buckets)


def merge_task_spans(model: Sequence[tuple[int, int, str]], rules: Sequence[tuple[int, int, str]],
                     rule_first: Sequence[str]) -> list[tuple[int, int, str]]:
    """The rules' spans of the ``rule_first`` roles, then the tagger's spans (of any role) that
    overlap none of those, in text order: the rules win where both found something, the
    tagger fills in where the rules found nothing."""
    kept = [tuple(s) for s in rules if s[2] in rule_first]
    rule_kept = list(kept)
    for s in model:
        if all(s[1] <= k[0] or k[1] <= s[0] for k in rule_kept):
            kept.append(tuple(s))
    return sorted(kept)


class TaskHead(EntityHead):
    """``EntityHead`` over the task roles, optionally reading the rules' spans (see the module doc)."""

    def __init__(self, hidden_size: int, labels: Sequence[str] = ("ACTOR", "DEADLINE", "TARGET"),
                 buckets: int = 2 ** 16, feature_dim: int = 12, deep_size: int = 256, dropout: float = 0.1,
                 gazetteer=None, rule_features: bool = True, rule_first: Sequence[str] = ()):
        super().__init__(hidden_size, labels, buckets=buckets, feature_dim=feature_dim, deep_size=deep_size,
                         dropout=dropout, gazetteer=gazetteer)
        self.rule_features, self.rule_first = bool(rule_features), list(rule_first)

    def config(self) -> dict:
        return {**super().config(), "rule_features": self.rule_features, "rule_first": self.rule_first}

    def feature_ids(self, text: str, offsets: Sequence[np.ndarray], sentence_starts: Sequence[int],
                    word_starts: np.ndarray, names: bool = True,
                    rule_spans: Sequence[Sequence[tuple[int, int, str]]] | None = None) -> np.ndarray:
        """``EntityHead.feature_ids``, plus with ``rule_features`` the rule-tag columns;
        ``rule_spans``: each sentence's rule spans, offsets relative to its start."""
        features = super().feature_ids(text, offsets, sentence_starts, word_starts, names=names)
        if not self.rule_features:
            return features
        if rule_spans is None or len(rule_spans) != len(offsets):
            raise ValueError("this task tagger reads the rules: pass the rule spans of each sentence")
        from .char_features import sentence_characters

        codes, _, lengths = sentence_characters(text, offsets, sentence_starts, word_starts)
        tags = rule_tag_codes(lengths, offsets, rule_spans, self.labels)
        return np.concatenate([features, rule_feature_ids(codes, tags, lengths, self.buckets)], axis=1)

    def spans(self, states: Sequence[np.ndarray], feature_ids: np.ndarray, offsets: Sequence[np.ndarray],
              rule_spans: Sequence[Sequence[tuple[int, int, str]]] | None = None) -> list[list[tuple[int, int, str]]]:
        """Decoded spans of each sentence, merged with its rule spans when ``rule_first`` is set."""
        decoded = self.decode(states, feature_ids, offsets)
        if not self.rule_first:
            return decoded
        rule_spans = rule_spans if rule_spans is not None else [[] for _ in decoded]
        return [merge_task_spans(d, r, self.rule_first) for d, r in zip(decoded, rule_spans)]


def load_task_head(folder: str | Path) -> TaskHead:
    return TaskHead.load(Path(folder))


__all__ = ["RULE_TEMPLATES", "TaskHead", "load_task_head", "merge_task_spans", "rule_feature_ids", "rule_tag_codes"]
