"""Policy area and directive flag of the shipped model on sentences written for the tests."""

from __future__ import annotations

import json

import pytest

import policy_nlp
from policy_nlp.labels import AREAS


def classify(nlp, text):
    sent = nlp(text)._.sentences[0]
    return sent._.area, sent._.directive


@pytest.mark.parametrize(
    "text, area, directive",
    [
        ("要加快推进重点项目建设，确保早开工早投产。", "invest", True),
        ("全区新签约招商引资项目XX个，总投资XX亿元。", "invest", False),
        ("要持续深化“放管服”改革，全面推行“一网通办”，为企业提供优质高效的政务服务。", "business_env", True),
        ("要落实落细各项惠企政策，帮助中小企业解决融资难融资贵问题。", "business_env", True),
        ("要组织开展家电以旧换新和汽车促销活动，进一步激发居民消费潜力。", "consumption", True),
        ("上半年，全区社会消费品零售总额增长XX%。", "consumption", False),
        ("要做好高校毕业生就业工作，加快补齐教育、医疗、养老等民生短板。", "livelihood", True),
        ("要全面开展安全生产隐患排查整治，坚决遏制重特大事故发生。", "safety", True),
        ("要扎实做好防汛抗旱各项准备，确保安全度汛。", "safety", True),
        ("各级党组织要加强理论学习，持续改进工作作风。", "other", True),
        ("下面，我讲三点意见。", "other", False),
    ],
)
def test_written_sentences_get_their_area_and_flag(nlp, text, area, directive):
    assert classify(nlp, text) == (area, directive)


def test_scores_are_probabilities(nlp):
    doc = nlp(policy_nlp.sample_speech())
    assert doc._.sentences
    for sent in doc._.sentences:
        assert list(sent._.area_scores) == list(AREAS)
        assert sum(sent._.area_scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert sent._.area == max(sent._.area_scores, key=sent._.area_scores.get)
        assert 0.0 <= sent._.directive_score <= 1.0


def test_section_is_context(nlp):
    """The same ambiguous sentence leans to the area of the section it stands in."""
    sentence = "要抓好农村市场建设。"
    under_consumption = nlp("三要激发市场活力，释放消费潜力。\n" + sentence)._.sentences[1]
    under_safety = nlp("四要守牢安全底线，防范化解风险。\n" + sentence)._.sentences[1]
    assert under_consumption._.section.startswith("三要")
    c, s = under_consumption._.area_scores, under_safety._.area_scores
    assert c["consumption"] > s["consumption"] and s["safety"] > c["safety"]


def test_results_are_identical_across_runs(nlp):
    text = policy_nlp.sample_speech()
    first = [(s._.area, s._.area_scores, s._.directive_score) for s in nlp(text)._.sentences]
    again = [(s._.area, s._.area_scores, s._.directive_score) for s in nlp(text)._.sentences]
    assert first == again


def test_three_thousand_character_sentence(nlp):
    text = "要" + "，".join(["加快推进重点项目建设"] * 272) + "。"
    assert len(text) > 2990
    doc = nlp(text)
    assert len(doc._.sentences) == 1
    sent = doc._.sentences[0]
    assert sent._.area == "invest" and sent._.directive


def test_records_carry_areas(nlp):
    record = policy_nlp.to_record(nlp("要加快推进重点项目建设。上半年，全区固投增长XX%。"))
    first, second = record["sentences"]
    assert (first["area"], first["directive"], second["directive"]) == ("invest", True, False)
    assert set(first["area_scores"]) == set(AREAS)
    assert json.loads(json.dumps(record)) == record
