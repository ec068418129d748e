"""Labelling tools: the validator and the entity converter refuse bad labels and keep offsets exact."""

from __future__ import annotations

import json

import pytest

from policy_nlp.training import labelling

SENTENCES = ["区发改局要加快推进XX个重点项目，确保一季度开工。", "中国风的中国产品很受欢迎。"]


@pytest.fixture()
def tasks(tmp_path, monkeypatch):
    monkeypatch.setattr(labelling, "TASKS_DIR", tmp_path / "tasks")
    (tmp_path / "tasks").mkdir()
    lines = [{"id": f"t001-{i:02d}", "file": "x.txt", "start": 10 * i, "end": 10 * i + len(s), "section": None,
              "previous": None, "text": s} for i, s in enumerate(SENTENCES)]
    (tmp_path / "tasks" / "t001.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in lines), encoding="utf-8")
    return lines


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_valid_directive_labels(tasks, tmp_path):
    rows = [{k: t[k] for k in ("id", "file", "start", "end")} | {"area": "invest", "directive": True} for t in tasks]
    assert labelling.validate(write(tmp_path / "t001.jsonl", rows)) == []


def test_invalid_directive_labels(tasks, tmp_path):
    rows = [
        {k: tasks[0][k] for k in ("id", "file", "start", "end")} | {"area": "projects", "directive": "yes"},
        {k: tasks[0][k] for k in ("id", "file", "start", "end")} | {"area": "invest", "directive": True},
        {"id": "t001-01", "file": "x.txt", "start": 0, "end": 3, "area": "other", "directive": False, "text": "copied"},
    ]
    problems = labelling.validate(write(tmp_path / "t001.jsonl", rows))
    assert any("not one of" in p for p in problems)
    assert any("true or false" in p for p in problems)
    assert any("labelled twice" in p for p in problems)
    assert any("keys must be exactly" in p for p in problems)
    assert any("unlabelled" in p for p in problems)


def test_entity_draft_becomes_offsets(tasks, tmp_path):
    draft = write(tmp_path / "t001.jsonl", [
        {"id": "t001-00", "entities": [{"text": "区发改局", "label": "ORG"}, {"text": "XX个", "label": "QUANTITY"},
                                       {"text": "一季度", "label": "DATE"}]},
        {"id": "t001-01", "entities": [{"text": "中国", "label": "GPE", "nth": 2}]},
    ])
    out = tmp_path / "out" / "t001.jsonl"
    assert labelling.convert_entities(draft, out) == []
    converted = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert converted[0]["entities"] == [[0, 4, "ORG"], [9, 12, "QUANTITY"], [19, 22, "DATE"]]
    assert converted[1]["entities"] == [[4, 6, "GPE"]]
    assert "text" not in converted[0]
    for row, sentence in zip(converted, SENTENCES):
        assert [sentence[s:e] for s, e, _ in row["entities"]] in (["区发改局", "XX个", "一季度"], ["中国"])


def test_entity_draft_errors(tasks, tmp_path):
    draft = write(tmp_path / "t001.jsonl", [
        {"id": "t001-00", "entities": [{"text": "一季度", "label": "DATE"}, {"text": "区发改局", "label": "ORG"},
                                       {"text": "项目", "label": "THING"}, {"text": "“重点”", "label": "PROGRAM"}]},
    ])
    out = tmp_path / "out" / "t001.jsonl"
    problems = labelling.convert_entities(draft, out)
    assert any("left to right" in p for p in problems)
    assert any("THING" in p for p in problems)
    assert any("quote" in p for p in problems)
    assert any("unlabelled" in p for p in problems)
    assert not out.exists()  # nothing is written while there are problems


def test_a_second_sample_numbers_its_batches_on(tmp_path, monkeypatch):
    monkeypatch.setattr(labelling, "TASKS_DIR", tmp_path / "tasks")
    monkeypatch.setattr(labelling, "LABELLED_DIR", tmp_path / "labels")
    rows = [{"file": "x.txt", "start": i, "end": i + 1, "section": None, "previous": None, "text": "句"}
            for i in range(labelling.BATCH_SIZE + 1)]
    assert labelling.write_batches(rows, "e") == 2
    assert labelling.write_batches(rows[:3], "e") == 1
    names = sorted(p.name for p in (tmp_path / "tasks").iterdir())
    assert names == ["e001.jsonl", "e002.jsonl", "e003.jsonl"]
    first = [json.loads(line) for line in (tmp_path / "tasks" / "e001.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(first) == labelling.BATCH_SIZE and first[0]["id"] == "e001-00"
    third = [json.loads(line)["id"] for line in (tmp_path / "tasks" / "e003.jsonl").read_text(encoding="utf-8").splitlines()]
    assert third == ["e003-00", "e003-01", "e003-02"]


def test_a_sample_in_a_fresh_clone_numbers_on_after_the_committed_labels(tmp_path, monkeypatch):
    # no task files (they are never committed), but labelled batches e001-e002 are
    monkeypatch.setattr(labelling, "TASKS_DIR", tmp_path / "tasks")
    monkeypatch.setattr(labelling, "LABELLED_DIR", tmp_path / "labels")
    (tmp_path / "labels" / "entities" / "corpus").mkdir(parents=True)
    for name in ("e001.jsonl", "e002.jsonl", "c007.jsonl"):
        (tmp_path / "labels" / "entities" / "corpus" / name).write_text("", encoding="utf-8")
    rows = [{"file": "x.txt", "start": 0, "end": 1, "section": None, "previous": None, "text": "句"}]
    assert labelling.write_batches(rows, "e") == 1
    assert labelling.write_batches(rows, "c") == 1
    assert sorted(p.name for p in (tmp_path / "tasks").iterdir()) == ["c008.jsonl", "e003.jsonl"]


def test_entity_agreement_per_label(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    write(first / "c001.jsonl", [{"id": "c001-00", "file": "x.txt", "start": 0, "end": 9,
                                  "entities": [[0, 3, "ORG"], [5, 7, "DATE"]]},
                                 {"id": "c001-01", "file": "x.txt", "start": 9, "end": 20, "entities": [[0, 2, "GPE"]]}])
    # the second labeller agrees on the ORG, cuts the DATE longer, adds an INDUSTRY; c001-01 is not shared
    write(second / "r001.jsonl", [{"id": "c001-00", "file": "x.txt", "start": 0, "end": 9,
                                   "entities": [[0, 3, "ORG"], [5, 8, "DATE"], [8, 9, "INDUSTRY"]]}])
    result = labelling.entity_agreement(first, second)
    assert result["n_sentences"] == 1
    assert (result["entities_first"], result["entities_second"]) == (2, 3)
    assert result["exact_span_f1"] == pytest.approx(2 * 1 / 5)
    assert result["per_label"] == {"ORG": {"first": 1, "second": 1, "f1": 1.0},
                                   "DATE": {"first": 1, "second": 1, "f1": 0.0},
                                   "INDUSTRY": {"first": 0, "second": 1, "f1": 0.0}}
    write(second / "r002.jsonl", [{"id": "c001-01", "file": "x.txt", "start": 9, "end": 20, "entities": [[0, 2, "GPE"]]}])
    assert labelling.entity_agreement(first, second)["n_sentences"] == 2
    only = labelling.entity_agreement(first, second, ids=r"-01$")  # one group of sentences
    assert (only["n_sentences"], only["exact_span_f1"], list(only["per_label"])) == (1, 1.0, ["GPE"])


def test_entity_sample_skips_held_out_documents_and_labelled_sentences(tmp_path, monkeypatch):
    from policy_nlp.training.finetune import heldout

    names = [f"src/doc{i}.txt" for i in range(200)]
    held = next(n for n in names if heldout(n))
    kept = [n for n in names if not heldout(n)][:3]
    labels = tmp_path / "entities"
    (labels / "corpus").mkdir(parents=True)
    write(labels / "corpus" / "c001.jsonl", [{"id": "c001-00", "file": kept[0], "start": 0, "end": 12, "entities": []}])
    monkeypatch.setattr(labelling, "ENTITY_LABELS_DIR", labels)

    def pool(rng, keep, cap):
        docs = [type("Doc", (), {"file": n})() for n in [held, *kept]]
        return [{"file": d.file, "start": start, "end": start + 12, "section": None, "previous": None,
                 "text": "山东省统计局发布生产总值数据。"} for d in docs if keep(d) for start in (0, 20)]

    monkeypatch.setattr(labelling, "_corpus_pool", pool)
    picked = labelling.sample_entity_sentences(10)
    assert {(t["file"], t["start"]) for t in picked} == {(kept[0], 20), (kept[1], 0), (kept[1], 20), (kept[2], 0), (kept[2], 20)}


def test_committed_entity_labels_are_exact_spans(shared):
    """Every committed entity label (all folders) is a label of ANNOTATION.md on an unpadded span
    inside its sentence, without quote or title marks, left to right without overlaps."""
    from policy_nlp.training.datasets import document_text

    problems, n = [], 0
    for path in sorted(labelling.ENTITY_LABELS_DIR.glob("*/*.jsonl")):
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            sentence = document_text(row["file"])[row["start"]:row["end"]]
            assert len(sentence) == row["end"] - row["start"], (path.name, row["id"])
            previous_end = 0
            for start, end, label in row["entities"]:
                n += 1
                surface = sentence[start:end]
                if (label not in labelling.ENTITY_LABELS or not previous_end <= start < end <= len(sentence)
                        or surface != surface.strip() or surface[0] in "“《" or surface[-1] in "”》"):
                    problems.append(f"{path.parent.name}/{path.name} {row['id']}: {surface!r} {label} at {start}-{end}")
                previous_end = end
    assert n > 20_000 and not problems, problems[:10]


def test_phrase_mining_never_reads_held_out_or_skipped_documents(monkeypatch, tmp_path):
    """A phrase labelled only in a held-out document (finetune.heldout) or in a skipped test
    speech never becomes a rule phrase; the same labels in a training document do."""
    from policy_nlp.training import datasets, entity_phrases
    from policy_nlp.training.crossval import UNSEEN_LOCAL_SPEECHES
    from policy_nlp.training.finetune import heldout

    held_doc, train_doc, test_doc = "news/doc_2.txt", "news/doc_1.txt", "synthetic/speech_640.txt"
    assert heldout(held_doc) and not heldout(train_doc) and not heldout(test_doc)
    sentence = "要支持毕节市发展文旅康养产业，落实春风行动。"
    labelled = [({"file": doc, "entities": [span]}, text, (), folder)
                for doc, text, span, folder in ((held_doc, "毕节市要发展。", [0, 3, "GPE"], "corpus"),
                                                (train_doc, sentence, [8, 12, "INDUSTRY"], "corpus"),
                                                (test_doc, sentence, [17, 21, "PROGRAM"], "local"))] * 2
    monkeypatch.setattr(datasets, "_labelled_sentences", lambda root, folders: iter(labelled))
    monkeypatch.setattr(entity_phrases, "TERMS", tmp_path / "none.txt")
    (tmp_path / "none.txt").write_text("", encoding="utf-8")
    mined = entity_phrases.mine(2, 0.3, 12, skip_documents=UNSEEN_LOCAL_SPEECHES)
    assert mined == {"INDUSTRY": ["文旅康养"]}
    assert "PROGRAM" in entity_phrases.mine(2, 0.3, 12)  # not skipped: the speech's label is mined


def test_entity_split_drops_training_sentences_that_repeat_held_out_ones(monkeypatch):
    """The same speech in two corpus sources: its sentence labelled in a training copy would be
    trained on and tested on. ``entity_split`` drops such a repeat (compared without spaces and
    punctuation) and keeps every other training sentence and every held-out one."""
    from policy_nlp.training import datasets
    from policy_nlp.training.finetune import heldout

    held_doc, copy_doc, other_doc = "news/doc_2.txt", "news/doc_1.txt", "news/doc_3.txt"
    assert heldout(held_doc) and not heldout(copy_doc) and not heldout(other_doc)
    rows = [(held_doc, "全年地区生产总值增长5.2%。"), (copy_doc, "全年地区生产总值增长 5.2% ，"),
            (copy_doc, "要支持毕节市发展。"), (other_doc, "全年地区生产总值增长5.3%。")]
    labelled = [({"file": doc, "entities": []}, text, (), "corpus") for doc, text in rows]
    monkeypatch.setattr(datasets, "_labelled_sentences", lambda root, folders: iter(labelled))
    train, held = datasets.entity_split(("corpus",))
    assert [(e.doc, e.text) for e in held] == [rows[0]]
    assert [(e.doc, e.text) for e in train] == [rows[2], rows[3]]
