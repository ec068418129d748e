"""Merging the entity head's spans with the rules: one documented precedence, no overlaps,
exact offsets; and the shipped model on written sentences."""

from __future__ import annotations

import pytest

from policy_nlp.text.entity_rules import Candidate, merge_spans


def pattern(s, e, label, priority=5):
    return Candidate(s, e, label, priority, "pattern")


def phrase(s, e, label):
    return Candidate(s, e, label, 3, "phrase")


def test_patterns_of_format_labels_beat_the_model():
    # 一季度 (DATE pattern) against a model span 一季度全 (DATE, wrong boundary).
    assert merge_spans([(0, 4, "DATE")], [pattern(0, 3, "DATE")]) == [(0, 3, "DATE")]
    assert merge_spans([(2, 8, "MONEY")], [pattern(2, 7, "MONEY")]) == [(2, 7, "MONEY")]


def test_model_beats_phrases_and_other_patterns():
    # The phrase list says 生物医药 INDUSTRY inside the model's ORG 生物医药产业园管委会.
    assert merge_spans([(0, 10, "ORG")], [phrase(0, 4, "INDUSTRY")]) == [(0, 10, "ORG")]
    # An ORG pattern (not a format label) yields to the model's longer ORG.
    assert merge_spans([(0, 6, "ORG")], [pattern(2, 6, "ORG", 4)]) == [(0, 6, "ORG")]


def test_a_pattern_with_the_model_spans_bounds_gives_the_label():
    # XX镇: the tagger says QUANTITY, the GPE pattern has the same bounds -> GPE
    assert merge_spans([(0, 3, "QUANTITY")], [pattern(0, 3, "GPE", 4)]) == [(0, 3, "GPE")]
    # of two patterns with those bounds, the higher priority names it
    assert merge_spans([(0, 3, "PERSON")], [pattern(0, 3, "GPE", 4), pattern(0, 3, "ORG", 2)]) == [(0, 3, "GPE")]
    # other bounds, or a phrase, leave the model's label alone
    assert merge_spans([(0, 4, "QUANTITY")], [pattern(0, 3, "GPE", 4)]) == [(0, 4, "QUANTITY")]
    assert merge_spans([(0, 3, "ORG")], [phrase(0, 3, "INDUSTRY")]) == [(0, 3, "ORG")]


def test_a_quote_pattern_yields_to_the_models_names():
    # “华瑞”集团: the quote pattern says PROGRAM over 华瑞; a model name with exactly those
    # bounds keeps its label, and the pattern candidate is gone.
    quote = Candidate(1, 3, "PROGRAM", 1, "pattern", ("PERSON", "ORG", "GPE"))
    assert merge_spans([(1, 3, "ORG")], [quote]) == [(1, 3, "ORG")]
    assert merge_spans([(1, 3, "GPE")], [quote]) == [(1, 3, "GPE")]
    # a model label the pattern does not yield to takes the pattern's label, as before
    assert merge_spans([(1, 3, "QUANTITY")], [quote]) == [(1, 3, "PROGRAM")]
    # other bounds: the rule-first PROGRAM pattern wins over the model's overlapping name
    assert merge_spans([(0, 3, "ORG")], [quote]) == [(1, 3, "PROGRAM")]
    # a second pattern with the same bounds and a higher priority decides first
    law = pattern(1, 3, "LAW", 6)
    assert merge_spans([(1, 3, "ORG")], [quote, law]) == [(1, 3, "LAW")]


def test_shipped_quote_rule_keeps_quoted_names_and_slogans():
    from policy_nlp.text.entity_rules import default_rules

    text = "“华瑞”公司推行“最多跑一次”改革。"
    quotes = [c for c in default_rules().candidates(text) if c.label == "PROGRAM" and c.source == "pattern"]
    assert [(text[c.start:c.end], c.yields_to) for c in quotes] == [
        ("华瑞", ("PERSON", "ORG", "GPE")), ("最多跑一次", ("PERSON", "ORG", "GPE"))]
    slogan = (text.index("最多"), text.index("”改革"))
    model = [(1, 3, "ORG"), (*slogan, "PERSON")]
    # the model's ORG stays; its PERSON for the slogan is one of the yielded labels too
    assert merge_spans(model, default_rules().candidates(text)) == [(1, 3, "ORG"), (*slogan, "PERSON")]
    assert merge_spans([(*slogan, "INDUSTRY")], default_rules().candidates(text)) == [(1, 3, "PROGRAM"), (*slogan, "PROGRAM")]


def test_a_pattern_cannot_yield_to_an_unknown_label():
    from policy_nlp.text.entity_rules import EntityRules

    with pytest.raises(ValueError, match="BRAND"):
        EntityRules([{"label": "PROGRAM", "priority": 1, "pattern": "“(.+?)”", "group": 1,
                      "yields_to": ["BRAND"]}], {})


def test_a_no_entity_pattern_blocks_the_model_and_other_rules_and_is_never_returned():
    from policy_nlp.text.entity_rules import NO_ENTITY, EntityRules, default_rules

    # a book and a film named as such: the tagger's LAW spans over their titles are dropped,
    # the document title beside them stays LAW
    text = "组织编写了《生态文明学习问答》一书，电影《长津湖》上映，《乡村振兴促进法》施行。"
    book, film, law = (text.index(t) for t in ("生态文明学习问答", "长津湖", "乡村振兴促进法"))
    model = [(book, book + 8, "LAW"), (film, film + 3, "GPE"), (law, law + 7, "LAW")]
    assert merge_spans(model, default_rules().candidates(text)) == [(law, law + 7, "LAW")]
    assert default_rules()(text) == [(law, law + 7, "LAW")]
    # with the rules alone as well, a no-entity span outranks a longer candidate over it
    assert merge_spans([], [pattern(0, 4, NO_ENTITY, 9), phrase(2, 8, "INDUSTRY"), pattern(9, 12, "DATE")],
                       rule_first=()) == [(9, 12, "DATE")]
    # NONE is a pattern label only: nothing may yield to it
    with pytest.raises(ValueError, match="NONE"):
        EntityRules([{"label": "PROGRAM", "priority": 1, "pattern": "“(.+?)”", "group": 1,
                      "yields_to": [NO_ENTITY]}], {})


def test_rules_fill_the_gaps_the_model_leaves():
    assert merge_spans([(0, 3, "PERSON")], [phrase(5, 9, "INDICATOR"), pattern(10, 13, "PERCENT")]) == [
        (0, 3, "PERSON"), (5, 9, "INDICATOR"), (10, 13, "PERCENT")]


def test_never_overlapping_and_sorted():
    model = [(0, 4, "ORG"), (3, 6, "GPE"), (8, 9, "ORG")]
    rules = [pattern(5, 8, "QUANTITY"), phrase(0, 2, "ORG"), pattern(8, 10, "PERCENT")]
    merged = merge_spans(model, rules)
    assert merged == sorted(merged)
    assert all(a[1] <= b[0] for a, b in zip(merged, merged[1:]))
    assert merged == [(0, 4, "ORG"), (5, 8, "QUANTITY"), (8, 10, "PERCENT")]


def test_rules_alone_resolve_as_before():
    # Longer first, then priority, then earlier.
    assert merge_spans([], [pattern(0, 2, "DATE", 6), pattern(0, 3, "QUANTITY", 2), phrase(3, 5, "INDUSTRY")],
                       rule_first=()) == [(0, 3, "QUANTITY"), (3, 5, "INDUSTRY")]


@pytest.fixture(scope="module")
def model_nlp():
    import policy_nlp

    return policy_nlp.load(config={"components.policy_entities.use_model": True})


def test_head_on_gives_exact_token_aligned_non_overlapping_entities(model_nlp, rules_nlp):
    import policy_nlp

    text = policy_nlp.sample_speech()
    doc = model_nlp(text)
    spans = [(e.start_char, e.end_char) for e in doc.ents]
    assert spans and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    token_starts = {t.idx for t in doc} | {len(text)}
    assert all(s in token_starts and e in token_starts for s, e in spans)
    # Pattern spans of the form labels survive the merge unchanged.
    form = {(e.start_char, e.end_char, e.label_) for e in rules_nlp(text).ents if e.label_ in ("MONEY", "PERCENT", "LAW")}
    assert form and form <= {(e.start_char, e.end_char, e.label_) for e in doc.ents}
    assert doc._.policy_states is None


# Written for this test by ANNOTATION.md: people, places and bodies, most of which no pattern
# or phrase list knows.
WRITTEN = [
    ("国务院总理李强在北京会见了美国国务卿布林肯。",
     [("国务院", "ORG"), ("李强", "PERSON"), ("北京", "GPE"), ("美国", "GPE"), ("布林肯", "PERSON")]),
    ("区委书记张建国主持召开区委常委会会议，区发改局、区商务局负责同志列席。",
     [("区委", "ORG"), ("张建国", "PERSON"), ("区委常委会", "ORG"), ("区发改局", "ORG"), ("区商务局", "ORG")]),
    ("副区长刘志强同志分管XX区招商工作。", [("刘志强", "PERSON"), ("XX区", "GPE")]),
    ("浙江省杭州市余杭区人民政府与阿里巴巴集团签署战略合作协议。",
     [("浙江省", "GPE"), ("杭州市", "GPE"), ("余杭区人民政府", "ORG"), ("阿里巴巴集团", "ORG")]),
    ("省委书记王宁到昆明市调研。", [("省委", "ORG"), ("王宁", "PERSON"), ("昆明市", "GPE")]),
    ("腾讯公司与华为技术有限公司在深圳签署协议。", [("腾讯公司", "ORG"), ("华为技术有限公司", "ORG"), ("深圳", "GPE")]),
    ("市长陈刚听取了市统计局和市财政局的工作汇报。", [("陈刚", "PERSON"), ("市统计局", "ORG"), ("市财政局", "ORG")]),
    ("俄罗斯总统普京同法国总统马克龙通了电话。",
     [("俄罗斯", "GPE"), ("普京", "PERSON"), ("法国", "GPE"), ("马克龙", "PERSON")]),
    ("山东省枣庄市将与江苏省徐州市共建产业园。", [("山东省", "GPE"), ("枣庄市", "GPE"), ("江苏省", "GPE"), ("徐州市", "GPE")]),
    ("中国人民银行行长潘功胜出席了论坛。", [("中国人民银行", "ORG"), ("潘功胜", "PERSON")]),
    ("来自广东省深圳市的企业家王晓红介绍了经验。", [("广东省", "GPE"), ("深圳市", "GPE"), ("王晓红", "PERSON")]),
    ("教育部、财政部联合印发通知。", [("教育部", "ORG"), ("财政部", "ORG")]),
]
# Sentences every tagger trained by `policy-nlp train entities` got exactly right (three
# seeds, with and without the name lists); on the others single names flip between
# training runs (布林肯, 区委常委会, 潘功胜), so they count towards the F1 below instead.
EXACT = [2, 4, 5, 6, 8, 10, 11]


def _written_f1(nlp) -> float:
    tp = n_pred = n_gold = 0
    for (text, expected), doc in zip(WRITTEN, nlp.pipe(text for text, _ in WRITTEN)):
        predicted = {(e.text, e.label_) for e in doc.ents if e.label_ in ("PERSON", "ORG", "GPE")}
        tp, n_pred, n_gold = tp + len(predicted & set(expected)), n_pred + len(predicted), n_gold + len(expected)
    return 2 * tp / (n_pred + n_gold)


@pytest.mark.parametrize("index", EXACT)
def test_shipped_tagger_on_written_sentences(nlp, index):
    text, expected = WRITTEN[index]
    doc = nlp(text)
    assert [(e.text, e.label_) for e in doc.ents] == expected
    assert all(text[e.start_char:e.end_char] == e.text for e in doc.ents)


def test_shipped_tagger_finds_what_the_rules_cannot(nlp, rules_nlp):
    # 43 people, places and bodies: 0.90-0.975 F1 for the taggers trained so far; the rules
    # (patterns and the phrases mined from the labelled sentences) 0.40-0.57.
    assert _written_f1(nlp) >= 0.88
    assert _written_f1(rules_nlp) <= _written_f1(nlp) - 0.25


def test_shipped_tagger_is_deterministic_and_batch_independent(nlp):
    texts = ["国务院总理李强在北京会见了美国国务卿布林肯。", "副区长刘志强同志分管XX区招商工作。"]
    ents = lambda doc: [(e.start_char, e.end_char, e.label_) for e in doc.ents]  # noqa: E731
    alone = [ents(nlp(t)) for t in texts]
    assert [ents(d) for d in nlp.pipe(texts)] == alone
    assert [ents(nlp(t)) for t in texts] == alone
