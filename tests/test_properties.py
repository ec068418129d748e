"""Property tests: sentences are ordered, disjoint, trimmed and cover all text; tokens cover the text exactly."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_nlp.text.sentences import sentence_offsets

# Text built from the characters that matter to the rules, plus arbitrary Unicode.
PIECES = st.sampled_from(
    list("要抓落实项目投资一二三是、，；：。！？!?.．｡…”’」』）)】》“‘（《0123456789XＸ３ab \u3000\t\r\n")
    + ["一要", "（一）", "1.", "3.5%", "一、", "\r\n", "\n\n", "……", "同志们，", "。”"]
)
TEXT = st.one_of(
    st.lists(PIECES, max_size=60).map("".join),
    st.text(max_size=80),
)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.booleans(), st.sampled_from([None, True, False]))
def test_sentence_spans_are_ordered_trimmed_and_complete(text, clause_mode, hard_wrap):
    spans = sentence_offsets(text, clause_mode=clause_mode, hard_wrap=hard_wrap)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert text[previous_end:start].strip() == ""  # nothing but white space between sentences
        previous_end = end
    assert text[previous_end:].strip() == ""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_pipeline_tokens_and_sentences_cover_text(nlp, text):
    doc = nlp(text)
    assert doc.text == re.sub("[\ud800-\udfff]", "\ufffd", text)  # lone surrogates: U+FFFD, one for one
    assert "".join(t.text_with_ws for t in doc) == doc.text
    positions = [t.idx for t in doc]
    assert positions == sorted(positions)
    sents = doc._.sentences
    assert [(s.start_char, s.end_char) for s in sents] == sentence_offsets(doc.text)
    for sent in sents:  # sentence starts and ends are token boundaries
        assert doc[sent.start].idx == sent.start_char
        assert doc[sent.end - 1].idx + len(doc[sent.end - 1].text) == sent.end_char
    if len(doc):
        assert [s.start for s in doc.sents][1:] == [s.start for s in sents][1:]
