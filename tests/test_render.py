"""render(): displaCy HTML with entities and, per sentence, its area and directive flag."""

from __future__ import annotations

import html
import re

import pytest

import policy_nlp


def test_render_sample_speech(nlp):
    doc = nlp(policy_nlp.sample_speech())
    page = policy_nlp.render(doc)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    blocks = re.findall(r'<div class="pnlp-sent"[^>]*data-start="(\d+)" data-end="(\d+)">', page)
    assert [(int(a), int(b)) for a, b in blocks] == [(s.start_char, s.end_char) for s in doc._.sentences]
    for sent in doc._.sentences:
        assert f'<span class="pnlp-area">{sent._.area}</span>' in page
    assert page.count('class="pnlp-directive"') == sum(bool(s._.directive) for s in doc._.sentences) > 0
    marks = re.findall(r'<mark class="entity".*?>\s*(.*?)\s*<span[^>]*>(\w+)</span>', page, flags=re.S)
    assert [(m[0].strip(), m[1]) for m in marks] == [(e.text, e.label_) for e in doc.ents]


def test_render_escapes_text_and_gives_fragments(nlp):
    doc = nlp("要落实<script>alert(1)</script>。")
    fragment = policy_nlp.render(doc, page=False)  # whatever the tagger marks, its text is escaped too
    assert "<script>" not in fragment and "</script>" not in fragment and "alert(1)" in fragment
    assert all(html.escape(e.text, quote=False) in fragment for e in doc.ents)
    assert not fragment.startswith("<!DOCTYPE")
    doc.ents = ()
    assert "要落实&lt;script&gt;alert(1)&lt;/script&gt;。" in policy_nlp.render(doc, page=False)


def test_render_rejects_non_docs():
    with pytest.raises(TypeError, match="Doc"):
        policy_nlp.render("要落实。")
