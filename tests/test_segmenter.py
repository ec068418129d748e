"""The CRF segmenter: same output as pkuseg's own decoder, our model format, user words, long input."""

from __future__ import annotations

import re

import numpy as np
import pytest

import policy_nlp
from policy_nlp.ml.segmenter import MAX_CHUNK, CRFSegmenter, normalise

TEXTS = [
    "今年以来，全区固定资产投资同比增长12.5%，社会消费品零售总额完成XX亿元。",
    "要深化“放管服”改革，持续优化营商环境，培育更多专精特新企业。",
    "ＡＢＣ公司２０２４年营收增长百分之五，带动就业3000人。",
    "区发改局、区商务局要加强调度，确保项目早开工、早投产、早见效。",
]


@pytest.fixture(scope="module")
def tiny_pkuseg(tmp_path_factory):
    """A pkuseg model trained in the test on text segmented by the shipped model."""
    import spacy_pkuseg

    nlp = policy_nlp.load()
    lines = []
    for line in policy_nlp.sample_speech().splitlines() + TEXTS:
        words = nlp.tokenizer.segmenter.cut(line)
        if words:
            lines.append("  ".join(words))
    root = tmp_path_factory.mktemp("pkuseg")
    (root / "train.txt").write_text("\n".join(lines * 2) + "\n", encoding="utf-8")
    (root / "test.txt").write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    spacy_pkuseg.train(str(root / "train.txt"), str(root / "test.txt"), str(root / "model"), train_iter=2)
    return root / "model"


def test_same_tags_as_pkuseg(tiny_pkuseg):
    import spacy_pkuseg
    import srsly

    from policy_nlp.training.segmenter import _from_pkuseg_data

    data = srsly.read_msgpack(tiny_pkuseg / "features.msgpack")
    weights = np.load(tiny_pkuseg / "weights.npz", allow_pickle=False)["w"]
    ours = _from_pkuseg_data(data, weights)
    reference = spacy_pkuseg.pkuseg(str(tiny_pkuseg.resolve()), user_dict=None)
    texts = TEXTS + policy_nlp.sample_speech().splitlines() + ["单", "两字", "１２３４５６７８９０ａｂｃ—－／・"]
    for text in texts:
        assert ours.crf_words(text) == reference.cut(text), text


def test_round_trip_on_disk(nlp, tmp_path):
    segmenter = nlp.tokenizer.segmenter
    segmenter.to_disk(tmp_path / "seg")
    loaded = CRFSegmenter.from_disk(tmp_path / "seg")
    for text in TEXTS:
        assert loaded.cut(text) == segmenter.cut(text)
    assert loaded.user_words == segmenter.user_words
    # Weights are stored only as safetensors; nothing in the folder is a pickle.
    assert sorted(p.name for p in (tmp_path / "seg").iterdir()) == ["features.msgpack", "user_dict.txt", "weights.safetensors"]


def test_word_spans_cover_non_space_characters(nlp):
    text = "  要加快推进\t重点项目建设，\n确保早开工早投产。😀 ok"
    spans = list(nlp.tokenizer.segmenter.word_spans(text))
    covered = "".join(text[s:e] for s, e in spans)
    assert covered == re.sub(r"\s", "", text)
    assert all(e > s for s, e in spans) and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_policy_terms_stay_whole(nlp):
    words = nlp.tokenizer.segmenter.cut("持续优化营商环境，地区生产总值和社会消费品零售总额稳步增长。")
    for term in ("营商环境", "地区生产总值", "社会消费品零售总额"):
        assert term in words


def test_user_words_can_be_added(tmp_path, nlp):
    segmenter = CRFSegmenter.from_disk(policy_nlp.default_model_path() / "tokenizer" / "segmenter")
    text = "推行一挂钩两调度机制"
    assert "一挂钩两调度" not in segmenter.cut(text)
    segmenter.add_user_words(["一挂钩两调度"])
    assert "一挂钩两调度" in segmenter.cut(text)


def test_long_runs_are_chunked_without_losing_text(nlp):
    run = "要加快推进重点项目建设确保早开工早投产" * 100  # no punctuation, 1,900 characters
    spans = list(nlp.tokenizer.segmenter.word_spans(run))
    assert "".join(run[s:e] for s, e in spans) == run
    assert max(e - s for s, e in spans) <= MAX_CHUNK


def test_normalise_keeps_length():
    text = "2024年Ｑ1增长3.5%，ＡＢ-区"
    assert len(normalise(text)) == len(text)
    assert normalise("1.5") == "\x01&\x01"


def test_weights_shape_is_checked():
    with pytest.raises(ValueError, match="do not fit"):
        CRFSegmenter.from_pkuseg(["$$", "c.一"], [], np.zeros(7), ["B", "I"])
