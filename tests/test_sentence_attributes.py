"""Sentence attributes answer on every span that is a sentence of the doc: ``doc.sents`` (which
carries the white space after a sentence), ``doc._.sentences``, ``span.sent`` and spans made
again with ``doc[i:j]`` or ``doc.char_span``; any other span gets None."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ATTRS = ("area", "area_scores", "directive", "directive_score", "section", "section_path")

SENTENCES = st.sampled_from([
    "一季度，全区固投完成XX亿元，同比增长49%。", "各镇街要在6月底前完成项目开工。", "要抓好安全生产隐患排查！",
    "三是融资渠道单一。", "刚才，几位同志作了很好的发言", "社会消费品零售总额增长XX%。", "我们将持续优化营商环境？",
])
HEADINGS = st.sampled_from(["一、抓项目扩投资", "（二）优化营商环境", "1.守牢安全底线", "二是民生保障"])
BREAKS = st.sampled_from(["", "\n", "\n\n", " ", "\u3000\u3000", "\r\n", "  \n"])


@st.composite
def speeches(draw):
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["", "\u3000\u3000"])) + draw(HEADINGS) + "\n")
        for _ in range(draw(st.integers(1, 3))):
            parts.append(draw(SENTENCES) + draw(BREAKS))
    return draw(st.sampled_from(["", "  ", "\n"])) + "".join(parts)


def values(span):
    return tuple(getattr(span._, a) for a in ATTRS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(speeches())
def test_doc_sents_have_the_attributes_of_their_trimmed_twins(nlp, text):
    doc = nlp(text)
    trimmed = {(s.start_char, s.end_char): s for s in doc._.sentences}
    assert all(s._.area is not None and isinstance(s._.directive, bool) for s in doc._.sentences)
    for sent in doc.sents:
        if not sent.text.strip():
            continue
        start = sent.start_char + len(sent.text) - len(sent.text.lstrip())
        twin = trimmed[(start, start + len(sent.text.strip()))]
        assert values(sent) == values(twin)
        assert values(doc[sent.start:sent.end]) == values(twin)
        assert values(sent[0].sent) == values(twin)
        assert values(doc.char_span(twin.start_char, twin.end_char)) == values(twin)


def test_spans_that_are_not_sentences_get_none(nlp):
    doc = nlp("一、抓项目扩投资\n各镇街要在6月底前完成项目开工。\n\n要抓好安全生产。")
    first = doc._.sentences[1]
    part = doc.char_span(first.start_char, first.start_char + 3)
    assert part.text == "各镇街" and part._.area is None and part._.directive is None
    both = doc[first.start:doc._.sentences[2].end]  # two sentences together are no sentence
    assert both._.area is None
    assert [s._.section for s in doc.sents] == ["一、抓项目扩投资"] * 3
    assert list(doc.sents)[1].text.endswith("\n\n")  # doc.sents carries the white space ...
    assert list(doc.sents)[1]._.area == first._.area is not None  # ... and still answers
