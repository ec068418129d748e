"""Scoring predictions against gold labels: per-label F1, exact-span entity F1, and the
pipeline's predictions for gold sentences. Used by ``benchmarks/accuracy.py`` and the
training scripts, so every figure in the README comes from one implementation."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence


def f1_scores(gold: Sequence, pred: Sequence, labels: Iterable) -> dict:
    """F1 of each label (one-vs-rest) over paired gold and predicted labels."""
    from collections import Counter

    tp, fp, fn = Counter(), Counter(), Counter()  # one pass, whatever the number of labels
    for g, p in zip(gold, pred):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    return {label: (2 * tp[label] / (2 * tp[label] + fp[label] + fn[label]) if tp[label] + fp[label] + fn[label] else 0.0)
            for label in labels}


def calibration_error(confidences, correct, bins: int = 10) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width bins, weighted by size."""
    total, error = len(confidences), 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if lo < c <= hi or (b == 0 and c == 0)]
        if members:
            acc = sum(correct[i] for i in members) / len(members)
            conf = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(acc - conf)
    return error


def span_scores(rows: Iterable[tuple[set, set]], labels: Iterable[str]) -> tuple[dict, float]:
    """Exact-span F1 per label and micro-F1 over ``(gold spans, predicted spans)`` pairs of
    ``(start, end, label)`` sets; only ``labels`` count."""
    labels = tuple(labels)
    counts = {label: [0, 0, 0] for label in labels}  # tp, predicted, gold
    for gold, pred in rows:
        for label in labels:
            g = {e for e in gold if e[2] == label}
            p = {e for e in pred if e[2] == label}
            counts[label][0] += len(g & p)
            counts[label][1] += len(p)
            counts[label][2] += len(g)
    per_label = {k: (2 * tp / (p + g) if p + g else 0.0) for k, (tp, p, g) in counts.items()}
    tp, p, g = (sum(c[i] for c in counts.values()) for i in range(3))
    return per_label, 2 * tp / (p + g) if p + g else 0.0


def sentence_predictions(nlp, documents: dict[str, str], rows: Sequence[dict],
                         attribute: Callable = lambda s: (s._.area, s._.directive)) -> list:
    """For each gold row (``doc``, ``start``, ``end``), the attribute of the pipeline's sentence
    that starts there (or, where the splitter cut differently, the one containing ``start``),
    with the whole document processed as a user would."""
    docs = dict(zip(documents, nlp.pipe(documents.values())))
    out = []
    for row in rows:
        sentences = docs[row["doc"]]._.sentences
        match = next((s for s in sentences if s.start_char == row["start"]), None)
        if match is None:
            match = next(s for s in sentences if s.start_char <= row["start"] < s.end_char)
        out.append(attribute(match))
    return out


__all__ = ["f1_scores", "calibration_error", "span_scores", "sentence_predictions"]
