"""Entity rules (the shipped pipeline with the tagger off, and what the merge keeps of them with it on): written sentences per label,
placeholders, full-width digits, overlaps, values."""

from __future__ import annotations

import json

import pytest

import policy_nlp
from policy_nlp.text.entity_rules import RULE_FIRST_LABELS, EntityRules, entity_value, parse_number


def ents(nlp, text):
    return [(e.text, e.label_) for e in nlp(text).ents]


WRITTEN = [
    ("一季度，全县固投完成XX亿元，同比增长12.5%。", [("一季度", "DATE"), ("固投", "INDICATOR"), ("XX亿元", "MONEY"), ("12.5%", "PERCENT")]),
    ("全年新增就业1.2万人，帮扶XX户，改造3000亩农田。", [("全年", "DATE"), ("1.2万人", "QUANTITY"), ("XX户", "QUANTITY"), ("3000亩", "QUANTITY")]),
    ("２０２３年财政总收入增长百分之五，高于全省３个百分点。", [("２０２３年", "DATE"), ("财政总收入", "INDICATOR"), ("百分之五", "PERCENT"), ("３个百分点", "PERCENT")]),
    ("我区实际利用外资居全市倒数第一位，工业投资居首位。", [("实际利用外资", "INDICATOR"), ("倒数第一位", "ORDINAL"), ("工业投资", "INDICATOR"), ("首位", "ORDINAL")]),
    ("市政府办公厅印发了《XX区促进消费十条措施》。", [("市政府办公厅", "ORG"), ("XX区促进消费十条措施", "LAW")]),
    ("区发改局要落实“一网通办”和“XXXX”行动。", [("区发改局", "ORG"), ("一网通办", "PROGRAM"), ("XXXX", "PROGRAM")]),
    ("“十四五”时期，XX镇要发展新能源和生物医药产业。", [("十四五", "DATE"), ("XX镇", "GPE"), ("新能源", "INDUSTRY"), ("生物医药", "INDUSTRY")]),
    ("去年以来，党中央、国务院出台了一系列政策。", [("去年以来", "DATE"), ("党中央", "ORG"), ("国务院", "ORG")]),
]


@pytest.mark.parametrize("text, expected", WRITTEN)
def test_entities_in_written_sentences(rules_nlp, text, expected):
    assert ents(rules_nlp, text) == expected


@pytest.mark.parametrize("text, expected", WRITTEN)
def test_shipped_pipeline_keeps_the_pattern_entities(nlp, text, expected):
    """With the tagger on, the forms the patterns know (XX amounts, full-width digits, ranks,
    《》 and “” titles) come out exactly as the rules give them (merge precedence)."""
    form = [e for e in expected if e[1] in RULE_FIRST_LABELS]
    assert [e for e in ents(nlp, text) if e[1] in RULE_FIRST_LABELS] == form


@pytest.mark.parametrize("pipeline", ["rules_nlp", "nlp"])
def test_no_entities_in_deictic_or_vague_text(request, pipeline):
    assert ents(request.getfixturevalue(pipeline), "当前，我区各镇街、园区和企业要抓好落实。") == []


def test_entity_offsets_are_exact_and_token_aligned(rules_nlp):
    text = "近期，区商务局在XX区开展促销，销售额达500万元，增长3.5％。"
    doc = rules_nlp(text)
    for e in doc.ents:
        assert text[e.start_char : e.end_char] == e.text
        assert doc[e.start].idx == e.start_char
    assert [(e.text, e.label_) for e in doc.ents] == [("区商务局", "ORG"), ("XX区", "GPE"), ("500万元", "MONEY"), ("3.5％", "PERCENT")]


def test_overlaps_resolve_to_the_longer_span_then_priority():
    rules = EntityRules(
        [{"label": "QUANTITY", "priority": 3, "pattern": "XX个"}, {"label": "PROGRAM", "priority": 1, "pattern": "XX个重点"},
         {"label": "EVENT", "priority": 1, "pattern": "项目"}],
        {"INDICATOR": ["重点项目投资"], "ORG": ["项目"]},
    )
    # The 6-character phrase beats the 5-character pattern it overlaps; the 3-character one still fits.
    assert rules("完成XX个重点项目投资") == [(2, 5, "QUANTITY"), (5, 11, "INDICATOR")]
    # Same span, two labels: the higher priority (phrases: 3) wins.
    assert rules("项目") == [(0, 2, "ORG")]


def test_unknown_labels_are_refused():
    with pytest.raises(ValueError, match="unknown entity label"):
        EntityRules([{"label": "MONEYS", "priority": 1, "pattern": "元"}], {})


def test_values_and_placeholders(rules_nlp):
    doc = rules_nlp("完成XX亿元，增长49%，新增1.35万亿元贷款，惠及1亿3千多万人，2021年3月5日起施行。")
    found = {e.text: (e.label_, e._.value, e._.placeholder) for e in doc.ents}
    assert found["XX亿元"] == ("MONEY", None, True)
    assert found["49%"] == ("PERCENT", 0.49, False)
    assert found["1.35万亿元"] == ("MONEY", 1.35e12, False)
    assert found["1亿3千多万人"] == ("QUANTITY", 1.3e8, False)
    assert found["2021年3月5日"] == ("DATE", "2021-03-05", False)


@pytest.mark.parametrize("text, value", [("1万6千", 16000), ("5千多", 5000), ("2100多万", 2.1e7), ("３．５", 3.5), ("两次", 2), ("XX个", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_percent_forms():
    assert entity_value("PERCENT", "三分之二") == pytest.approx(2 / 3)
    assert entity_value("PERCENT", "0.6个百分点") == pytest.approx(0.006)


def test_records_carry_entities(rules_nlp):
    record = policy_nlp.to_record(rules_nlp("上半年，地区生产总值增长5.2%。"))
    assert record["entities"] == [
        {"start": 0, "end": 3, "label": "DATE", "text": "上半年", "value": None, "placeholder": False},
        {"start": 4, "end": 10, "label": "INDICATOR", "text": "地区生产总值", "value": None, "placeholder": False},
        {"start": 12, "end": 16, "label": "PERCENT", "text": "5.2%", "value": 0.052, "placeholder": False},
    ]
    assert json.loads(json.dumps(record)) == record


def test_entities_are_deterministic(nlp):
    text = policy_nlp.sample_speech()
    assert [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents] == [
        (e.start_char, e.end_char, e.label_) for e in nlp(text).ents
    ]


def test_entity_splits_keep_sentence_spans(rules_nlp):
    # The segmenter keeps 落0项 as one token; the QUANTITY 0项 splits it after sentences were set.
    doc = rules_nlp("落0项")
    assert [s.text for s in doc._.sentences] == ["落0项"]
    sent = doc._.sentences[0]
    assert doc[sent.end - 1].idx + len(doc[sent.end - 1].text) == sent.end_char == 3
    assert [(e.text, e.label_) for e in doc.ents] == [("0项", "QUANTITY")]
