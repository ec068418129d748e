"""Every rule of SENTENCES.md, with exact expected sentences (all sentences written for these tests)."""

from __future__ import annotations

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from policy_nlp.text.sentences import detect_hard_wrap, sentence_offsets
from policy_nlp.components.sentences import set_sentences


def sents(text: str, **kwargs) -> list[str]:
    return [text[s:e] for s, e in sentence_offsets(text, **kwargs)]


# Rule 1: terminator runs; ASCII "." only after a non-digit and before white space or the end.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("要稳住投资。要扩大消费！能否完成？", ["要稳住投资。", "要扩大消费！", "能否完成？"]),
        ("真的完成了吗？！我们还要加油。", ["真的完成了吗？！", "我们还要加油。"]),
        ("第一句｡第二句．第三句", ["第一句｡", "第二句．", "第三句"]),
        ("Growth is strong. It will continue.", ["Growth is strong.", "It will continue."]),
        ("What now? Go!", ["What now?", "Go!"]),
        ("增速为3.5%，高于预期。", ["增速为3.5%，高于预期。"]),
        ("增速为３．５％，高于预期．好。", ["增速为３．５％，高于预期．", "好。"]),
        ("1. 加快项目建设。", ["1. 加快项目建设。"]),
        ("共计3. 其中新建项目两个。", ["共计3. 其中新建项目两个。"]),
        ("版本v2.0发布了", ["版本v2.0发布了"]),
        ("e.g.没有空格不算结束", ["e.g.没有空格不算结束"]),
    ],
)
def test_rule1_terminators(text, expected):
    assert sents(text) == expected


# Rule 2: closing marks after the terminator run belong to the sentence; opening marks start the next.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("他强调“要抓落实。”大家一致同意。", ["他强调“要抓落实。”", "大家一致同意。"]),
        ("（详见附件。）下面讲第二点。", ["（详见附件。）", "下面讲第二点。"]),
        ("她问‘行吗？’」』】》然后走了。", ["她问‘行吗？’」』】》", "然后走了。"]),
        ("会议结束。“十四五”开局良好。", ["会议结束。", "“十四五”开局良好。"]),
        ("会议结束。（掌声）", ["会议结束。", "（掌声）"]),
        ("他说“好！”。大家鼓掌。", ["他说“好！”。", "大家鼓掌。"]),
    ],
)
def test_rule2_closing_marks(text, expected):
    assert sents(text) == expected


# Rule 3: terminators inside quotes end sentences too.
def test_rule3_terminators_inside_quotes():
    text = "区长指出：“项目是根本。招商是关键。”各部门要抓紧落实。"
    assert sents(text) == ["区长指出：“项目是根本。", "招商是关键。”", "各部门要抓紧落实。"]


# Rule 4: a line break ends a sentence, except in hard-wrapped text.
def test_rule4_line_break_ends_sentence():
    assert sents("第一行没有句号\n第二行也没有\r\n第三行\r第四行") == ["第一行没有句号", "第二行也没有", "第三行", "第四行"]


PARAGRAPH = (
    "今年以来全区上下认真贯彻落实各项决策部署，经济运行总体平稳，稳中有进。固定资产投资保持较快增长，"
    "社会消费品零售总额稳步回升，财政收入完成预期目标。下一步，要坚持稳中求进工作总基调，持续扩大有效投资，"
    "着力激发消费潜力，切实保障和改善民生。"
)


def wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def test_rule4_hard_wrapped_lines_are_joined():
    wrapped = "一、总体情况\n" + wrap(PARAGRAPH, 24) + "\n\n二、下一步安排\n" + wrap("要狠抓落实，确保各项任务按期完成，坚决守住安全底线。", 24)
    assert detect_hard_wrap(wrapped).wrapped
    got = sents(wrapped)
    assert [s.replace("\n", "") for s in got] == [
        "一、总体情况",
        "今年以来全区上下认真贯彻落实各项决策部署，经济运行总体平稳，稳中有进。",
        "固定资产投资保持较快增长，社会消费品零售总额稳步回升，财政收入完成预期目标。",
        "下一步，要坚持稳中求进工作总基调，持续扩大有效投资，着力激发消费潜力，切实保障和改善民生。",
        "二、下一步安排",
        "要狠抓落实，确保各项任务按期完成，坚决守住安全底线。",
    ]
    # Offsets still point into the original text, line breaks included.
    assert "\n" in got[2]


def test_rule4_hard_wrap_stops_at_indented_or_numbered_line():
    body = wrap(PARAGRAPH[:72], 24)  # three full lines, the last one ending mid-sentence
    text = body + "\n\u3000\u3000新的段落从这里开始。\n" + body + "\n（一）加快项目建设"
    got = sents(text)
    assert detect_hard_wrap(text).wrapped
    new = got.index("新的段落从这里开始。")
    assert got[new - 1].replace("\n", "") == PARAGRAPH[35:72]  # the unfinished sentence stops at the indent
    assert got[-1] == "（一）加快项目建设"


def test_rule4_one_paragraph_per_line_is_not_hard_wrapped():
    text = "\n".join(["要稳投资，保增长。", "要促消费，扩内需，激发市场活力。", "要保民生。", "要防风险，守底线。"])
    assert not detect_hard_wrap(text).wrapped
    assert len(sents(text)) == 4


def test_rule4_hard_wrap_can_be_forced():
    text = "要持续扩大有效\n投资。"
    assert sents(text) == ["要持续扩大有效", "投资。"]
    assert sents(text, hard_wrap=True) == ["要持续扩大有效\n投资。"]
    assert sents(wrap(PARAGRAPH, 24), hard_wrap=False)[0] == PARAGRAPH[:24]


# Rule 5: a line without terminator is one sentence; so is unterminated text at the end.
def test_rule5_heading_line_and_trailing_text():
    text = "一、坚定项目为王，扩大有效投资\n要抓好落实。还有一点"
    assert sents(text) == ["一、坚定项目为王，扩大有效投资", "要抓好落实。", "还有一点"]


# Rule 6: ； ： ， 、 and ellipses do not end a sentence; clause mode splits on ；.
def test_rule6_no_split_on_clause_marks():
    text = "一要稳投资；二要促消费：三要保民生，四要、五要……六要…七要。"
    assert sents(text) == [text]


def test_rule6_clause_mode():
    text = "一要稳投资；二要促消费；三要保民生。"
    assert sents(text, clause_mode=True) == ["一要稳投资；", "二要促消费；", "三要保民生。"]
    assert sents(text) == [text]


# Rule 7: spans never start or end with white space; white-space-only lines give nothing.
def test_rule7_trimmed_spans():
    text = "  \u3000 要落实。 \r\n\r\n  \u3000\n好的。  "
    offsets = sentence_offsets(text)
    assert [text[s:e] for s, e in offsets] == ["要落实。", "好的。"]
    assert offsets == [(4, 8), (17, 20)]


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\u3000\u3000\r\n\t"])
def test_rule7_blank_text_has_no_sentences(text):
    assert sentence_offsets(text) == []


# Rule 8: inline enumerations follow the rules above.
def test_rule8_inline_enumerations():
    assert sents("一是抓项目。二是抓招商。") == ["一是抓项目。", "二是抓招商。"]
    assert sents("一要稳投资；二要促消费；") == ["一要稳投资；二要促消费；"]


def test_sentence_boundaries_split_tokens():
    doc = Doc(Vocab(), words=["落实。下", "一步", "工作"], spaces=[False, False, False])
    doc = set_sentences(doc, [(0, 3), (3, 8)])
    assert [t.text for t in doc] == ["落实。", "下", "一步", "工作"]
    assert [s.text for s in doc.sents] == ["落实。", "下一步工作"]
    assert [s.text for s in doc.spans["sentences"]] == ["落实。", "下一步工作"]


def test_pipeline_sentences_are_token_aligned(nlp):
    text = "区长指出：“项目是根本。招商是关键。”\n\n  各部门要抓紧落实。"
    doc = nlp(text)
    assert [s.text for s in doc._.sentences] == ["区长指出：“项目是根本。", "招商是关键。”", "各部门要抓紧落实。"]
    assert [(s.start_char, s.end_char) for s in doc._.sentences] == sentence_offsets(text)
    # doc.sents starts sentences at the same tokens; white space rides along with the sentence before.
    assert [s.start_char for s in doc.sents] == [s.start_char for s in doc._.sentences]
    assert [s.text.strip() for s in doc.sents] == [s.text for s in doc._.sentences]


def test_pipeline_clause_mode(nlp):
    import policy_nlp

    clause_nlp = policy_nlp.load(config={"components.policy_sentences.clause_mode": True})
    text = "一要稳投资；二要促消费。"
    assert [s.text for s in clause_nlp(text)._.sentences] == ["一要稳投资；", "二要促消费。"]
    assert [s.text for s in nlp(text)._.sentences] == [text]


def test_many_splits_rebuild_the_doc_and_keep_annotations():
    from policy_nlp.components.tokenizer import split_tokens_at

    words = ["甲乙"] * 100
    doc = Doc(Vocab(), words=words, spaces=[False] * 100)
    doc = set_sentences(doc, [(0, 100), (100, 200)])
    doc.user_data["kept"] = True
    doc = split_tokens_at(doc, [(2 * i + 1, 2 * i + 2) for i in range(100)])  # split every token: rebuilt
    assert len(doc) == 200 and doc.text == "甲乙" * 100
    assert [s.text for s in doc.spans["sentences"]] == ["甲乙" * 50, "甲乙" * 50]
    assert [s.start_char for s in doc.sents] == [0, 100]
    assert doc.user_data["kept"] is True


def test_few_splits_keep_sentence_starts_of_a_one_sentence_doc():
    """The retokenizer leaves split pieces without a sentence flag; a one-sentence Doc then
    lost its sentence annotation (doc.sents raised E030) when an entity split its token."""
    from policy_nlp.components.tokenizer import split_tokens_at

    doc = set_sentences(Doc(Vocab(), words=["二二一"], spaces=[False]), [(0, 3)])
    doc = split_tokens_at(doc, [(0, 2)])
    assert [t.text for t in doc] == ["二二", "一"]
    assert [s.text for s in doc.sents] == ["二二一"]
    doc = set_sentences(Doc(Vocab(), words=["甲乙", "丙丁"], spaces=[False, False]), [(0, 2), (2, 4)])
    doc = split_tokens_at(doc, [(1, 3)])
    assert [s.text for s in doc.sents] == ["甲乙", "丙丁"]
