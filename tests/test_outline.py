"""Outline: headings and enumerated items with nesting, on the bundled sample speech and the seed speech."""

from __future__ import annotations

import pytest

import policy_nlp
from policy_nlp.text.markers import cn_to_int, match_marker
from policy_nlp.text.outline import build_outline
from policy_nlp.text.sentences import sentence_offsets


def outline_of(text: str) -> list[tuple[int, str]]:
    return [(item["level"], item["text"]) for item in build_outline(text, sentence_offsets(text))]


def test_sample_speech_outline(nlp):
    doc = nlp(policy_nlp.sample_speech())
    assert [(i["level"], i["marker"], i["text"]) for i in doc._.outline] == [
        (1, "一、", "一、坚定不移抓项目、扩投资"),
        (2, "（一）", "（一）加快重点项目建设。"),
        (3, "一要", "一要盯紧开工节点。"),
        (3, "二要", "二要破解要素瓶颈。"),
        (3, "三是", "三是强化调度督导。"),
        (2, "（二）", "（二）抓实招商引资。"),
        (1, "二、", "二、持续优化营商环境"),
        (2, "（一）", "（一）深化“放管服”改革。"),
        (2, "（二）", "（二）强化惠企政策落实。"),
        (1, "三、", "三、守牢安全发展底线"),
    ]
    text = doc.text
    for item in doc._.outline:
        assert text[item["start"] : item["end"]] == item["text"]


def test_sample_speech_sections(nlp):
    doc = nlp(policy_nlp.sample_speech())
    by_text = {s.text: s for s in doc._.sentences}
    opening = by_text["这些成绩来之不易。"]
    assert opening._.section is None and opening._.section_path == []
    # A heading sentence is in its own section.
    assert by_text["一要盯紧开工节点。"]._.section == "一要盯紧开工节点。"
    inner = by_text["区自然资源局要优先保障项目用地，区财政局要加快专项债券资金拨付。"]
    assert inner._.section == "二要破解要素瓶颈。"
    assert inner._.section_path == ["一、坚定不移抓项目、扩投资", "（一）加快重点项目建设。", "二要破解要素瓶颈。"]
    assert by_text["聚焦新能源、生物医药两大主导产业，开展产业链招商，力争全年新签约亿元以上项目20个。"]._.section_path == [
        "一、坚定不移抓项目、扩投资",
        "（二）抓实招商引资。",
    ]
    assert by_text["汛期将至，要提前落实防汛责任，确保安全度汛。"]._.section == "三、守牢安全发展底线"
    # The closing address leaves the last section.
    assert by_text["同志们，全年目标任务能否完成，关键在下半年。"]._.section is None


def test_paragraph_items_and_separate_closing_block():
    text = (
        "同志们：\n"
        "下面我讲两点意见。\n"
        "一要稳投资。一是抓开工。要倒排工期。二是抓招商。要精准对接。\n"
        "二要促消费。要办好促销活动。\n"
        "当前任务繁重，我们要统筹兼顾。\n"
        "一要加强领导。要压实责任。\n"
        "二要改进作风。要深入基层。\n"
        "同志们，让我们共同努力。\n"
    )
    items = build_outline(text, sentence_offsets(text))
    assert [(i["level"], i["text"], i["block"]) for i in items] == [
        (1, "一要稳投资。", 0),
        (2, "一是抓开工。", 0),
        (2, "二是抓招商。", 0),
        (1, "二要促消费。", 0),
        (1, "一要加强领导。", 1),
        (1, "二要改进作风。", 1),
    ]
    # A paragraph item's section ends with its paragraph; the text between lists belongs to none.
    between = text.index("当前任务繁重")
    assert all(not (i["start"] <= between < i["section_end"]) for i in items)
    assert items[2]["section_end"] == text.index("\n二要促消费")


def test_numbered_heading_levels():
    text = "第一章 总则\n一、目标\n（一）总体目标\n1. 稳增长\n（1）投资\n① 工业投资\n② 基建投资\n（2）消费\n2. 保民生\n二、措施\n"
    assert outline_of(text) == [
        (1, "第一章 总则"),
        (2, "一、目标"),
        (3, "（一）总体目标"),
        (4, "1. 稳增长"),
        (5, "（1）投资"),
        (6, "① 工业投资"),
        (6, "② 基建投资"),
        (5, "（2）消费"),
        (4, "2. 保民生"),
        (2, "二、措施"),
    ]


def test_sequence_words_and_ordinals():
    text = "首先，要统一思想。其次，要明确责任。最后，要狠抓落实。\n第一，稳投资。第二，促消费。"
    assert outline_of(text) == [
        (1, "首先，要统一思想。"),
        (1, "其次，要明确责任。"),
        (1, "最后，要狠抓落实。"),
        (1, "第一，稳投资。"),
        (1, "第二，促消费。"),
    ]


def test_heading_that_starts_with_a_year():
    """Government work reports: 一、2020年工作回顾 is a top-level heading, with 一是… under it."""
    text = ("一、2020年工作回顾\n过去一年，我们主要做了以下工作。\n一是稳住了经济基本盘。\n"
            "二是优先稳就业保民生。\n二、2021年重点工作\n一是保持宏观政策连续性。\n一.5倍于去年。")
    assert outline_of(text) == [
        (1, "一、2020年工作回顾"),
        (2, "一是稳住了经济基本盘。"),
        (2, "二是优先稳就业保民生。"),
        (1, "二、2021年重点工作"),
        (2, "一是保持宏观政策连续性。"),
    ]


def test_not_markers():
    # 最后 alone does not open a list; 一、二季度 is a date range; 第一 as a rank is no enumerator.
    text = "最后，我再强调一点。\n一、二季度经济运行平稳。\n我区居全市第一。\n1.5万家企业受益。"
    assert outline_of(text) == []


@pytest.mark.parametrize(
    "numeral, value",
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105), ("两", 2), ("〇", 0), ("廿", None)],
)
def test_chinese_numerals(numeral, value):
    assert cn_to_int(numeral) == value


def test_marker_details():
    m = match_marker("（十二）加强监管")
    assert (m.family, m.number, m.text) == ("cn_paren", 12, "（十二）")
    assert match_marker("③落实责任").number == 3
    assert match_marker("12、完善机制").number == 12
    assert match_marker("二要做好").family == "cn_verb"
    assert match_marker("一是要做好").text == "一是要"
    assert match_marker("要做好") is None


def test_seed_speech_outline(nlp, shared):
    text = next((shared / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    outline = nlp(text)._.outline
    top = [i["text"] for i in outline if i["level"] == 1]
    assert top == [
        "一要坚定项目为王，扩大有效投资。",
        "二要优化营商环境，护航企业发展。",
        "三要激发市场活力，释放消费潜力。",
        "四要聚力民生改善，提升生活品质。",
        "五要聚焦安全生产，加强风险防范。",
        "一要加强党的全面领导。",
        "二要巩固拓展党史学习教育成果。",
        "三要深化“XXXX”活动。",
    ]
    assert [i["block"] for i in outline if i["level"] == 1] == [0, 0, 0, 0, 0, 1, 1, 1]
    children = {}
    for item in outline:
        if item["level"] == 2:
            parent = [p for p in outline if p["level"] == 1 and p["start"] <= item["start"] < p["section_end"]]
            children.setdefault(parent[-1]["text"], []).append(item["text"])
    assert children["一要坚定项目为王，扩大有效投资。"] == [
        "一要全力以赴抓项目、保增长。",
        "二是千方百计抓招商、增后劲。",
        "三要用心用情优服务、强保障。",
    ]
    assert len(children["二要优化营商环境，护航企业发展。"]) == 3
    assert len(children["五要聚焦安全生产，加强风险防范。"]) == 3
    assert "三要激发市场活力，释放消费潜力。" not in children


def test_sequence_paragraphs_and_inline_items_end_with_their_paragraph():
    text = (
        "过去一年成效明显。一是投资增长较快。二是消费稳步回升。\n"
        "下面讲几点意见。\n"
        "首先，要稳投资。一是抓开工。二是抓入库。\n"
        "其次，要促消费。\n"
        "最后，要保民生。\n"
    )
    assert outline_of(text) == [
        (1, "一是投资增长较快。"),
        (1, "二是消费稳步回升。"),
        (1, "首先，要稳投资。"),
        (2, "一是抓开工。"),
        (2, "二是抓入库。"),
        (1, "其次，要促消费。"),
        (1, "最后，要保民生。"),
    ]
    items = build_outline(text, sentence_offsets(text))
    assert items[1]["section_end"] == text.index("\n下面")
