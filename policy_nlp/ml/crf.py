"""A linear-chain CRF over BIO tags: learned transitions, partial-label training, batched Viterbi.

Per-character softmax taggers choose each tag alone and break spans apart (B-ORG I-ORG O
I-ORG); a CRF scores whole tag sequences, so neighbouring tags agree. Transitions that BIO
forbids (``I-X`` after anything but ``B-X``/``I-X``, ``I-X`` first) are masked, in training
and decoding alike.

Training maximises the probability of the tag sequences the annotation allows: the
log-partition over all sequences minus the log-partition over the allowed ones. With one
allowed tag per character that is the usual CRF likelihood; news NER sets, which mark only
people, places and organisations, allow ``O`` or any tag of an unmarked label elsewhere.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

FORBIDDEN = -1e4  # not -inf: keeps gradients finite where a row is entirely masked


def bio_tags(labels: Sequence[str]) -> list[str]:
    """``O`` then ``B-X``, ``I-X`` for each label, in that order."""
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]


def bio_transition_mask(tags: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """([previous, next] additive mask, [tags] start mask): 0 where BIO allows, FORBIDDEN where not."""
    k = len(tags)
    pairs = torch.zeros((k, k))
    start = torch.zeros(k)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            start[j] = FORBIDDEN
            for i, prev in enumerate(tags):
                if prev not in (f"B-{tag[2:]}", f"I-{tag[2:]}"):
                    pairs[i, j] = FORBIDDEN
    return pairs, start


def log_partition(emissions: torch.Tensor, mask: torch.Tensor, transitions: torch.Tensor,
                  start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """log Z per sequence: emissions [B, T, K], mask [B, T] (True for real characters, a prefix)."""
    alpha = start + emissions[:, 0]
    for t in range(1, emissions.shape[1]):
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
        alpha = torch.where(mask[:, t : t + 1], step, alpha)
    return torch.logsumexp(alpha + end, dim=1)


def partial_label_nll(emissions: torch.Tensor, mask: torch.Tensor, allowed: torch.Tensor,
                      transitions: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """Mean of -log P(the tag sequence lies in ``allowed`` [B, T, K])."""
    total = log_partition(emissions, mask, transitions, start, end)
    constrained = log_partition(emissions.masked_fill(~allowed, FORBIDDEN), mask, transitions, start, end)
    return (total - constrained).mean()


def viterbi(emissions: np.ndarray, transitions: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Best tag sequence for ``emissions`` [n, K] of one sentence.

    Runs spacy-pkuseg's compiled first-order Viterbi (the one our segmenter decodes with),
    with the start and end scores folded into the first and last characters' scores."""
    from spacy_pkuseg.inference import run_viterbi

    n = len(emissions)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    node = np.array(emissions, dtype=np.float64)
    node[0] += start
    node[-1] += end
    _, path = run_viterbi(node, np.ascontiguousarray(transitions, dtype=np.float64))
    return np.asarray(path, dtype=np.int64)


def tag_spans(path: Sequence[int], tags: Sequence[str], offsets: np.ndarray) -> list[tuple[int, int, str]]:
    """Character spans of a BIO tag path (``offsets`` [n, 2] of the tagged characters)."""
    spans, current = [], None
    for k, tag_id in enumerate(path):
        tag = tags[tag_id]
        if tag == "O":
            current = None
            continue
        kind, label = tag.split("-", 1)
        if kind == "I" and current is not None and current[2] == label:
            current[1] = int(offsets[k][1])
        else:
            current = [int(offsets[k][0]), int(offsets[k][1]), label]
            spans.append(current)
    return [tuple(s) for s in spans]


__all__ = ["FORBIDDEN", "bio_tags", "bio_transition_mask", "log_partition", "partial_label_nll", "viterbi", "tag_spans"]
