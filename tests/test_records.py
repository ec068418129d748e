"""to_record: a JSON-able, versioned record with exact offsets."""

from __future__ import annotations

import json

import pytest

import policy_nlp


def test_record_of_sample_speech(nlp):
    text = policy_nlp.sample_speech()
    record = policy_nlp.to_record(nlp(text), tokens=True)
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record
    assert record["schema"] == "policy_nlp.record"
    assert record["schema_version"] == policy_nlp.SCHEMA_VERSION == 1
    assert record["policy_nlp_version"] == policy_nlp.__version__
    assert record["text_length"] == len(text)
    for sent in record["sentences"]:
        assert text[sent["start"] : sent["end"]] == sent["text"]
    ids = [s["id"] for s in record["sentences"]]
    assert ids == list(range(len(ids)))
    heading = next(s for s in record["sentences"] if s["text"] == "二要破解要素瓶颈。")
    assert heading["section"] == "二要破解要素瓶颈。"
    assert heading["section_path"] == ["一、坚定不移抓项目、扩投资", "（一）加快重点项目建设。", "二要破解要素瓶颈。"]
    assert record["outline"][0] == {
        "level": 1, "marker": "一、", "number": 1, "text": "一、坚定不移抓项目、扩投资",
        "start": text.index("一、坚定"), "end": text.index("一、坚定") + 13,
        "section_end": text.index("二、持续"), "block": 0,
    }
    assert all(text[s:e].strip() == text[s:e] and text[s:e] for s, e in record["tokens"])


def test_record_options(nlp):
    doc = nlp("要落实。")
    record = policy_nlp.to_record(doc, text=False)
    (sentence,) = record["sentences"]
    assert "text" not in sentence
    assert {k: sentence[k] for k in ("id", "start", "end", "section", "section_path")} == {
        "id": 0, "start": 0, "end": 4, "section": None, "section_path": []}
    assert set(sentence) == {"id", "start", "end", "section", "section_path", "area", "area_scores", "directive",
                             "directive_score"}
    assert "tokens" not in record


def test_record_needs_a_doc():
    with pytest.raises(TypeError, match="str"):
        policy_nlp.to_record("要落实。")
