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


def test_the_epoch_is_picked_from_one_decoding_of_the_held_out_sentences():
    from policy_nlp.training.entity_tagger import Example, held_groups, micro_f1, selection_score

    rows = [{"example": Example("国务院", None, doc=doc)}
            for doc in ("synthetic/speech_601.txt", "corpus/a.txt", "msra_train", "example.dev")]
    a, b, c, d = ((0, 2, "ORG"), (3, 5, "GPE"), (6, 9, "PERSON"), (9, 12, "ORG"))
    # (gold, predicted) per sentence: policy 4 of 5 found, news 4 of 5
    pairs = [({a, b}, {a, (3, 6, "GPE")}), ({a, b, c}, {a, b, c}), ({d}, {(9, 11, "ORG")}), ({a, b, c, d}, {a, b, c, d})]
    assert held_groups(rows) == {"policy": [0, 1], "msra_train": [2], "other news": [3]}
    assert micro_f1(pairs[:2]) == 8 / 10 and micro_f1(pairs[2:]) == 8 / 10
    assert selection_score(rows, pairs, "pooled") == selection_score(rows, pairs, "balanced") == 16 / 20
    pairs[2] = ({a, b, c, d, (12, 14, "GPE")}, {(9, 11, "ORG")})  # news gets worse: 4 of 9 gold found, 5 predicted
    assert selection_score(rows, pairs, "balanced") == (8 / 10 + 8 / 14) / 2
    assert selection_score(rows, pairs, "pooled") == 16 / 24
    assert micro_f1([]) == 0.0
    # the task tagger picks its epoch with the same F1, over task roles instead of entity labels
    actor, deadline = (0, 3, "ACTOR"), (5, 9, "DEADLINE")
    assert micro_f1([({actor, deadline}, {actor}), ({deadline}, {deadline, (10, 12, "TARGET")})]) == 4 / 6


def test_rules_crossval_scores_folds_as_the_pipeline_merges():
    """fold_scores merges the tagger's spans with the rules as merge_spans does: with DATE rule
    first the pattern's 2025年底 beats the tagger's cut 2025年; without it the tagger's span
    stands. Phrases fill a gap only when the option gives them, and spans outside a local
    speech's labelled sentences are not scored."""
    from policy_nlp.text.entity_rules import RULE_FIRST_LABELS
    from policy_nlp.training.rules_crossval import fold_scores

    national = "到2025年底建成产业园。"
    local = "全县要落实春风行动。散会。春风行动"
    units = [("corpus/a.txt", national, {(1, 7, "DATE")}, None, [(1, 6, "DATE")], []),
             ("synthetic/speech_640.txt", local, {(5, 9, "PROGRAM")}, [(0, 10)], [], [])]
    folds = [{"corpus/a.txt", "synthetic/speech_640.txt"}]
    with_date = fold_scores(units, folds, lambda fold: {"PROGRAM": ["春风行动"]}, RULE_FIRST_LABELS)
    assert with_date == {"national": [1.0], "local": [1.0]}  # the second 春风行动 lies outside the labelled sentence
    without = fold_scores(units, folds, lambda fold: {}, tuple(l for l in RULE_FIRST_LABELS if l != "DATE"))
    assert without == {"national": [0.0], "local": [0.0]}
