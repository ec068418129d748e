"""The entity tagger's training data: the labelled local speeches are well formed, and a
cross-validation fold of documents never reaches training."""

from __future__ import annotations

import json

from policy_nlp.labels import ENTITY_LABELS
from policy_nlp.training.datasets import ENTITY_LABELS_DIR, document_text

LOCAL = sorted((ENTITY_LABELS_DIR / "local").glob("*.jsonl"))


def test_local_speech_labels_are_exact_and_cover_every_sentence():
    assert len(LOCAL) == 60
    for path in LOCAL:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        text = document_text(rows[0]["file"])
        assert rows[0]["file"] == f"synthetic/{path.stem}.txt"
        # sentences in order, not overlapping, and together every Han character after the synthetic marker line
        covered = bytearray(len(text))
        for a, b in zip(rows, rows[1:]):
            assert a["end"] <= b["start"], (path.name, b["id"])
        for r in rows:
            covered[r["start"]:r["end"]] = b"\x01" * (r["end"] - r["start"])
        body = text.index("\n") + 1
        assert all(covered[i] for i in range(body, len(text)) if "\u4e00" <= text[i] <= "\u9fff"), path.name
        for r in rows:
            end = 0
            for s, e, label in sorted(r["entities"]):
                assert label in ENTITY_LABELS and end <= s < e <= r["end"] - r["start"], (path.name, r["id"])
                span = text[r["start"] + s : r["start"] + e]
                assert span == span.strip() and span[0] not in "“《" and span[-1] not in "”》", (path.name, span)
                end = e


def test_a_test_fold_of_documents_never_reaches_training(shared):
    from policy_nlp.training.entity_tagger import training_examples

    fold = r"speech_6(3[1-9]|[45][0-9]|60)\.txt"
    train, held = training_examples(shared, folders=("local",), skip_documents=fold)
    local = [e for e in train + held if e.doc.startswith("synthetic/speech_6")]
    assert local and all(not e.doc[-7:-4] > "630" for e in local)
    assert {e.doc for e in local} == {f"synthetic/speech_{n}.txt" for n in range(601, 631)}
    assert any(e.doc == "msra" or e.doc == "example.dev" for e in train)  # the news sets are still there


def test_the_epoch_is_picked_from_one_count_per_held_out_sentence():
    import numpy as np

    from policy_nlp.training.entity_tagger import Example, f1, held_groups, selection_score

    rows = [{"example": Example("国务院", None, doc=doc)}
            for doc in ("synthetic/speech_601.txt", "corpus/a.txt", "msra_train", "example.dev")]
    # [true positives, predicted, gold] per sentence: policy 1/2 + 3/3 found, news 0/1 + 4/4
    counts = np.array([[1, 2, 2], [3, 3, 3], [0, 1, 1], [4, 4, 4]])
    assert held_groups(rows) == {"policy": [0, 1], "msra_train": [2], "other news": [3]}
    assert f1(counts[[0, 1]]) == 8 / 10 and f1(counts[[2, 3]]) == 8 / 10
    assert selection_score(rows, counts, "pooled") == 16 / 20
    counts[2] = [0, 5, 5]  # the news sentences get worse: balanced = mean of policy F1 and news F1
    assert selection_score(rows, counts, "balanced") == (8 / 10 + 8 / 18) / 2
    assert selection_score(rows, counts, "pooled") == 16 / 28
    assert f1(counts[:0]) == 0.0
