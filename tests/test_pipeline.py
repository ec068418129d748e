"""The pipeline object: loading (also offline and through spacy.load), bad input, multiprocessing."""

from __future__ import annotations

import socket

import pytest
import spacy

import policy_nlp
from policy_nlp.pipeline import PolicyChinese


def test_load_returns_spacy_language(nlp):
    assert isinstance(nlp, spacy.language.Language)
    assert nlp.lang == "zh"
    assert nlp.pipe_names == ["policy_sentences", "policy_outline", "policy_encoder", "policy_directives", "policy_entities",
                              "policy_tasks", "policy_cleaner"]
    assert nlp.tokenizer.segmenter is not None


def test_loads_with_networking_disabled(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    nlp = policy_nlp.load()
    assert [s.text for s in nlp("要扩大有效投资。要优化营商环境。")._.sentences] == ["要扩大有效投资。", "要优化营商环境。"]


def test_spacy_load_uses_registered_factories(nlp):
    other = spacy.load(policy_nlp.default_model_path())
    text = policy_nlp.sample_speech()
    assert other.pipe_names == nlp.pipe_names
    assert [t.text for t in other(text)] == [t.text for t in nlp(text)]
    assert [s.text for s in other(text)._.sentences] == [s.text for s in nlp(text)._.sentences]


def test_round_trip_to_disk(nlp, tmp_path):
    nlp.to_disk(tmp_path / "copy")
    again = policy_nlp.load(tmp_path / "copy")
    text = policy_nlp.sample_speech()
    assert [t.text for t in again(text)] == [t.text for t in nlp(text)]
    assert again(text)._.outline == nlp(text)._.outline
    assert [(e.start_char, e.end_char, e.label_) for e in again(text).ents] == [
        (e.start_char, e.end_char, e.label_) for e in nlp(text).ents
    ]
    assert (tmp_path / "copy" / "policy_entities" / "entity_patterns.json").exists()


def test_bytes_round_trip(nlp):
    data = nlp.to_bytes()
    again = PolicyChinese.from_config(nlp.config).from_bytes(data)
    text = "持续优化营商环境。"
    assert [t.text for t in again(text)] == [t.text for t in nlp(text)]


def test_missing_pipeline_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No policy_nlp pipeline"):
        policy_nlp.load(tmp_path)


def test_bad_device_is_a_clear_error():
    with pytest.raises(ValueError, match="device"):
        policy_nlp.load(device="tpu")


@pytest.mark.parametrize("text", ["", " ", "\n\n\u3000\t "])
def test_empty_and_blank_text(nlp, text):
    doc = nlp(text)
    assert doc.text == text
    assert doc._.sentences == []
    assert doc._.outline == []
    assert policy_nlp.to_record(doc)["sentences"] == []


@pytest.mark.parametrize("value", [None, 42, 3.5, ["要落实。"], b"\xe8\xa6\x81", bytearray(b"x")])
def test_non_text_raises_type_error(nlp, value):
    with pytest.raises(TypeError, match=type(value).__name__):
        nlp(value)


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Hello world. It works!", ["Hello world.", "It works!"]),
        ("Привет мир. Всё хорошо.", ["Привет мир.", "Всё хорошо."]),
        ("要落实😀👍🏽。好的！", ["要落实😀👍🏽。", "好的！"]),
        ("控制\x00字符\x07也行。下一句。", ["控制\x00字符\x07也行。", "下一句。"]),
        ("ＡＢＣ公司２０２４年增长３．５％。ABC公司2024年增长3.5%。", ["ＡＢＣ公司２０２４年增长３．５％。", "ABC公司2024年增长3.5%。"]),
    ],
)
def test_unusual_text(nlp, text, sentences):
    doc = nlp(text)
    assert doc.text == text
    assert [s.text for s in doc._.sentences] == sentences
    assert "".join(t.text_with_ws for t in doc) == text


def test_lone_surrogates_keep_offsets(nlp):
    text = "前\ud800后。下一句。"
    doc = nlp(text)
    assert len(doc.text) == len(text)
    assert doc.text == "前\ufffd后。下一句。"
    assert [(s.start_char, s.end_char) for s in doc._.sentences] == [(0, 4), (4, 8)]


def test_pipe_with_two_processes_equals_sequential(nlp, same_records):
    """Each document is encoded on its own, so batching changes no score, and processes
    (one thread each) change scores only in their last float digits."""
    texts = [policy_nlp.sample_speech(), "", "一要稳投资。二要促消费。", "Hello world. 你好。"] * 3
    sequential = [policy_nlp.to_record(doc, tokens=True) for doc in nlp.pipe(texts)]
    parallel = [policy_nlp.to_record(doc, tokens=True) for doc in nlp.pipe(texts, n_process=2, batch_size=2)]
    alone = [policy_nlp.to_record(nlp(text), tokens=True) for text in texts]
    assert sequential == alone
    assert same_records(parallel, sequential)
