"""Entity rules (the shipped pipeline with the tagger off, and what the merge keeps of them with it on): written sentences per label,
placeholders, full-width digits, overlaps, values."""

from __future__ import annotations

import json
import re

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


# ---------------------------------------------------------------------------
# Patterns of the rules layer for forms the tagger and the old patterns cut or missed:
# placeholder dates, period ends, durations, placeholder counts and ranks, laws without 《》,
# meeting and festival names, Latin-script text. Each case lists the spans of the labels it
# is about, in text order; the helper turns them into exact offsets.
# ---------------------------------------------------------------------------

def spans_of(text, expected):
    """(start, end, label) of the expected (substring, label) pairs, found left to right."""
    out, pos = [], 0
    for sub, label in expected:
        start = text.index(sub, pos)
        out.append((start, start + len(sub), label))
        pos = start + len(sub)
    return out


@pytest.fixture(scope="module")
def rules():
    return EntityRules.from_resources()


PATTERN_CASES = [
    # placeholder dates in full; a deadline's 前 stays outside, a period end (底, 末) inside; 年内 is a DATE
    ("请各镇街于2025年X月XX日前报送材料，本办法自XXXX年XX月XX日起施行。", ("DATE",),
     [("2025年X月XX日", "DATE"), ("XXXX年XX月XX日", "DATE")]),
    ("确保10月底前全面完工，二季度末前完成XX%，年底前实现全覆盖，6月30日前提交方案，力争年内开工。", ("DATE", "PERCENT"),
     [("10月底", "DATE"), ("二季度末", "DATE"), ("XX%", "PERCENT"), ("年底", "DATE"), ("6月30日", "DATE"), ("年内", "DATE")]),
    ("2024年1—4月份，全区固投增长；2024—2025年连续两年保持增长。", ("DATE",),
     [("2024年1—4月份", "DATE"), ("2024—2025年", "DATE"), ("两年", "DATE")]),
    # durations are DATE, hours and minutes too (a following 内 stays outside); seconds are QUANTITY
    ("企业开办压缩至1个工作日，审批时限压缩至3个工作日以内，两天内办结，48小时内反馈，30分钟响应，一个月内整改到位，30秒内接通。", ("DATE", "QUANTITY"),
     [("1个工作日", "DATE"), ("3个工作日", "DATE"), ("两天", "DATE"), ("48小时", "DATE"), ("30分钟", "DATE"), ("一个月", "DATE"),
      ("30秒", "QUANTITY")]),
    # "N years ago" keeps its 前; a deadline's 前 (6月15日前) and a calendar year's (2020年前) stay outside, as does 前后
    ("5年前我们提出目标，3个月前开工，两周前通过验收，要在6月15日前完成，2020年前基本建成，一九六二年前后达到高峰。", ("DATE",),
     [("5年前", "DATE"), ("3个月前", "DATE"), ("两周前", "DATE"), ("6月15日", "DATE"), ("2020年", "DATE"), ("一九六二年", "DATE")]),
    # 人民币 after 元 belongs to the amount; 岁末年初 is one period; 辆次 is a unit
    ("提供3500亿元人民币贷款，岁末年初做好保障，累计检查XX万辆次。", ("MONEY", "DATE", "QUANTITY"),
     [("3500亿元人民币", "MONEY"), ("岁末年初", "DATE"), ("XX万辆次", "QUANTITY")]),
    # multiples are no amount
    ("高新技术企业是2015年的3.75倍，实际利用外资增长1.33倍，新增5个项目。", ("QUANTITY", "PERCENT"), [("5个", "QUANTITY")]),
    # placeholder counts and ranks in full; a bare unit is no entity
    ("新建X所学校，新增市场主体XX个，实施XXX项重点工程，全市排名第X名，全省排名第XX位。", ("QUANTITY", "ORDINAL"),
     [("X所", "QUANTITY"), ("XX个", "QUANTITY"), ("XXX项", "QUANTITY"), ("第X名", "ORDINAL"), ("第XX位", "ORDINAL")]),
    ("新签约亿元以上项目XX个，百亿元级产业集群加快成形。", ("MONEY", "QUANTITY"), [("XX个", "QUANTITY")]),
    # articles and session numbers are not counts
    ("第七条 本办法由市政府负责解释。", ("QUANTITY",), []),
    # laws and plans without 《》
    ("要认真贯彻安全生产法和优化营商环境条例，严格执行中华人民共和国安全生产法，落实XX省优化营商环境条例。", ("LAW",),
     [("安全生产法", "LAW"), ("优化营商环境条例", "LAW"), ("中华人民共和国安全生产法", "LAW"), ("XX省优化营商环境条例", "LAW")]),
    ("印发XX区制造业高质量发展三年行动计划，出台林业碳票管理办法，提请审议民营经济促进法草案。", ("LAW",),
     [("XX区制造业高质量发展三年行动计划", "LAW"), ("林业碳票管理办法", "LAW"), ("民营经济促进法草案", "LAW")]),
    ("市政府印发了关于进一步优化营商环境的实施意见。", ("LAW",), [("关于进一步优化营商环境的实施意见", "LAW")]),
    # ordinary words ending in 法/办法/规定/方案 are no documents
    ("坚持依法行政，改进工作方法，转变执法方式，听取群众的看法和想法，推广好的做法，这种说法不合法，打击违法行为，"
     "加强立法工作，要想办法解决问题，拿出管用的办法，按规定办理，制定具体实施方案，完善人才引进和奖励办法。", ("LAW",), []),
    ("加强安全生产法律法规宣传，推进安全生产法治建设。", ("LAW",), []),
    # meeting names keep their scope prefix and year
    ("今天，我们召开全市招商引资工作大会，全区经济工作会议已经部署，全县安全生产工作会议要抓好落实。", ("EVENT",),
     [("全市招商引资工作大会", "EVENT"), ("全区经济工作会议", "EVENT"), ("全县安全生产工作会议", "EVENT")]),
    ("在XX县2021年重点项目建设推进会上的讲话", ("EVENT", "GPE"), [("XX县", "GPE"), ("2021年重点项目建设推进会", "EVENT")]),
    # festivals, promotions and short forms, quoted or not; other quoted names are PROGRAM
    ("要办好XX消费季、第二届XX美食文化节和XX年货购物节，筹备好市人代会和两会。", ("EVENT",),
     [("XX消费季", "EVENT"), ("第二届XX美食文化节", "EVENT"), ("XX年货购物节", "EVENT"), ("市人代会", "EVENT"), ("两会", "EVENT")]),
    ("商务局牵头策划“XX消费季”系列活动，以“安全生产月”为契机，开展民营企业招聘月，办好乡村美食节，落实“一企一策”。",
     ("EVENT", "PROGRAM"), [("XX消费季", "EVENT"), ("安全生产月", "EVENT"), ("民营企业招聘月", "EVENT"), ("乡村美食节", "EVENT"),
                            ("一企一策", "PROGRAM")]),
    # games, expos and summits, with their place
    ("成功举办杭州亚运会和数字中国建设峰会。", ("EVENT",),
     [("杭州亚运会", "EVENT"), ("数字中国建设峰会", "EVENT")]),
    # meeting names after a scope prefix keep joined topics and quoted campaigns; local congress sessions
    ("今天召开全区安全生产和防汛工作会议，开好全县重点项目“百日攻坚”行动动员会和全市惠企政策落实暨中小企业服务工作会议。", ("EVENT",),
     [("全区安全生产和防汛工作会议", "EVENT"), ("全县重点项目“百日攻坚”行动动员会", "EVENT"),
      ("全市惠企政策落实暨中小企业服务工作会议", "EVENT")]),
    ("在XX市第十七届人民代表大会第五次会议上", ("EVENT",), [("XX市第十七届人民代表大会第五次会议", "EVENT")]),
    # a dated header: the session starts at its place, not at the date's 日 or at 在/于 (于都县 is a place)
    ("2025年1月14日在XX市第十七届人民代表大会第五次会议上，二〇二四年一月九日于于都县政协第十届委员会第三次会议上",
     ("DATE", "EVENT"), [("2025年1月14日", "DATE"), ("XX市第十七届人民代表大会第五次会议", "EVENT"),
                         ("二〇二四年一月九日", "DATE"), ("于都县政协第十届委员会第三次会议", "EVENT")]),
    # ranks after their scope (without it), 前N位/后N位; a bare 第一 stays an enumerator
    ("实际使用外资居全省第四位，综合得分居全市第二位，增速进入全市前三，考核排名后三位。第一，要抓项目。", ("ORDINAL",),
     [("第四位", "ORDINAL"), ("第二位", "ORDINAL"), ("前三", "ORDINAL"), ("后三位", "ORDINAL")]),
    # town and street offices, park committees; not 社区 read as a scope, nor a title (镇党委书记) as a body
    ("镇经发办、街道社会事务办、县融媒体中心和园区管委会要配合，社区便民服务中心做好登记，镇党委书记XX带队。", ("ORG",),
     [("镇经发办", "ORG"), ("街道社会事务办", "ORG"), ("县融媒体中心", "ORG"), ("园区管委会", "ORG")]),
    # hotlines and unquoted campaigns are PROGRAM; quoted figures of speech are no entity
    ("畅通12345政务服务便民热线和12315，12345热线办要督办，深入开展安全生产治本攻坚三年行动。", ("PROGRAM",),
     [("12345政务服务便民热线", "PROGRAM"), ("12315", "PROGRAM"), ("安全生产治本攻坚三年行动", "PROGRAM")]),
    ("干部要当好“店小二”，打通“最后一公里”，不搞“吃拿卡要”。", ("PROGRAM",), []),
    # the hotline office is a body, with or without its scope and 公室
    ("12345热线办要督办，区12345热线办公室牵头。", ("ORG", "PROGRAM"), [("12345热线办", "ORG"), ("区12345热线办公室", "ORG")]),
    ("重视“三农”工作，打好政策“组合拳”，牵住“牛鼻子”，从“小切口”入手，做好“加法”和“减法”，抓好“两客一危”。", ("PROGRAM",), []),
    # a title in 《》 is a LAW, but not a programme, show or newspaper
    ("学习《中华人民共和国安全生产法》和《关于促进民营经济发展壮大的意见》，收看《新闻联播》和《中国梦·祖国颂-2022国庆特别节目》，"
     "《人民日报》刊发评论。", ("LAW",), [("中华人民共和国安全生产法", "LAW"), ("关于促进民营经济发展壮大的意见", "LAW")]),
    # works named as such are no LAW (电影《…》, 专题片《…》, 《…》一书); a law stops before 及其 and starts after 实现
    ("落实中央八项规定及其实施细则，要提前实现农业发展纲要，电影《哪吒之魔童闹海》上映，专题片《新时代》播出，"
     "组织编写了《生态文明学习问答》一书。", ("LAW",), [("中央八项规定", "LAW"), ("农业发展纲要", "LAW")]),
    # a place's work report as a title; 实施细则 with a name
    ("XX县2025年政府工作报告提出，出台企业引才补贴实施细则。", ("LAW",), [("XX县2025年政府工作报告", "LAW"), ("企业引才补贴实施细则", "LAW")]),
    # a meeting name starts after its verb (落实好, 组织好), never at the speaker (我代表…向大会); generic meetings are none
    ("我代表县人民政府向大会报告工作，要落实好中央经济工作会议部署，组织好泉城电商大会，预祝会议圆满成功，这次代表大会很重要，出席了一些国际会议。",
     ("EVENT",), [("中央经济工作会议", "EVENT"), ("泉城电商大会", "EVENT")]),
    # generic meetings are not named ones
    ("会议研究了相关会议精神，区长主持召开专题会议，会后在人民大会堂合影。", ("EVENT",), []),
]


@pytest.mark.parametrize("text, labels, expected", PATTERN_CASES)
def test_pattern_spans(rules, text, labels, expected):
    assert [s for s in rules(text) if s[2] in labels] == spans_of(text, expected)


@pytest.mark.parametrize("text, labels, expected", [
    c for c in PATTERN_CASES if c[2] and {l for _, l in c[2]} <= set(RULE_FIRST_LABELS) and "MONEY" not in c[1]])
def test_shipped_pipeline_keeps_the_new_pattern_spans(nlp, text, labels, expected):
    """With the tagger on, the labels whose pattern spans win the merge come out as the rules give them."""
    assert [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents if e.label_ in labels] == spans_of(text, expected)


@pytest.mark.parametrize("text, span, label, plausible", [
    ("新签约亿元以上项目XX个", "亿元", "MONEY", False),
    ("打造销售额超千万元的品牌", "千万元", "MONEY", True),
    ("支持千家企业产学研协同创新", "千家", "QUANTITY", True),
    ("是几百位科学家集体劳动的成果", "几百位", "QUANTITY", True),
    ("增长5.2%", "5.2%", "PERCENT", True),
    ("要落实<script>alert(1)</script>。", "script>alert(1)</script", "PROGRAM", False),
    ("印发<建设高标准市场体系行动方案>的通知", "印发<建设高标准市场体系行动方案>的通知", "LAW", True),
    ("有几亿人", "几亿", "QUANTITY", True),
    ("The State Council will increase", "The State Council will i", "ORG", False),
    ("The State Council will increase", "The State Council", "ORG", True),
    ("开通5G基站", "5G", "INDUSTRY", True),
])
def test_plausible_span(text, span, label, plausible):
    from policy_nlp.components.entities import plausible_span

    start = text.index(span)
    assert plausible_span(text, start, start + len(span), label) is plausible


def test_shipped_pipeline_tags_no_bare_unit(nlp):
    """A unit without a number is no amount: the tagger's number-less MONEY/QUANTITY/PERCENT spans are dropped."""
    assert [e.text for e in nlp("新签约亿元以上项目XX个。").ents if e.label_ == "MONEY"] == []
    assert [(e.text, e.label_) for e in nlp("新签约亿元以上项目XX个，总投资XX亿元。").ents
            if e.label_ in ("MONEY", "QUANTITY")] == [("XX个", "QUANTITY"), ("XX亿元", "MONEY")]


@pytest.mark.parametrize("text", [
    "The State Council will increase support for SMEs; Law enforcement in 2025 improved by 3%.",
    "Mr. MAXX市 said TEXX个 and boxX所 are placeholders inside words.",
    "Xi Jinping met Xavier in Xiamen on 5月6日.",
])
def test_latin_text_is_never_cut_mid_word(rules, text):
    for start, end, _ in rules(text):
        assert not (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha() and text[start].isalnum())
        assert not (end < len(text) and text[end].isascii() and text[end].isalpha() and text[end - 1].isalnum())
    assert [text[s:e] for s, e, label in rules(text) if label in ("GPE", "QUANTITY", "LAW")] == []


@pytest.mark.parametrize("text", [
    "The State Council will increase support for SMEs; Law enforcement in 2025 improved by 3%.",
    "Mr. MAXX市 said TEXX个 and boxX所 are placeholders inside words.",
    "Xi Jinping met Xavier in Xiamen on 5月6日.",
    "Premier Li Qiang presented the Government Work Report at the NPC in Beijing.",
])
def test_shipped_pipeline_cuts_no_latin_word(nlp, text):
    """The tagger's spans keep the rules' word boundaries: on these sentences the bare tagger
    gives 'The State Council will i', 'Jinping met Xavie', 'nted the Governmen' and 'xX所'."""
    for ent in nlp(text).ents:
        s, e = ent.start_char, ent.end_char
        assert not (s > 0 and text[s - 1].isascii() and text[s - 1].isalpha() and text[s].isascii() and text[s].isalpha()), ent.text
        assert not (e < len(text) and text[e].isascii() and text[e].isalpha() and text[e - 1].isascii() and text[e - 1].isalpha()), ent.text


def test_shipped_pipeline_marks_no_markup(nlp):
    """Markup is never an entity (the bare tagger marks 'script>alert(1)</script>' as PROGRAM)."""
    doc = nlp("要落实<script>alert(1)</script>。2025年要新建{x}个项目。")
    assert [(e.text, e.label_) for e in doc.ents if any(c in e.text for c in "<>{}")] == []
    assert [(e.text, e.label_) for e in doc.ents if e.label_ == "DATE"] == [("2025年", "DATE")]


def test_anchored_patterns_find_what_a_full_scan_finds(rules):
    """A pattern's ``anchor`` only limits where it is tried: the candidates equal a scan of every position."""
    assert any("anchor" in p for p in rules.patterns)
    plain = EntityRules([{k: v for k, v in p.items() if k not in ("anchor", "window")} for p in rules.patterns], rules.phrase_lists,
                        fragments=rules.fragments)
    text = policy_nlp.sample_speech() + "".join(case[0] for case in PATTERN_CASES)
    assert sorted(rules.candidates(text)) == sorted(plain.candidates(text))


def test_shipped_patterns_equal_the_package_patterns():
    from policy_nlp.models import PIPELINE
    from policy_nlp.text.entity_rules import PATTERNS_FILE, RESOURCES

    def document(path):
        return json.loads(path.read_text(encoding="utf-8"))

    assert document(PIPELINE / "policy_entities" / PATTERNS_FILE) == document(RESOURCES / PATTERNS_FILE)


def test_shared_word_lists_are_expanded_where_a_pattern_names_them(rules):
    """``{NAME}`` in a pattern is the file's fragment NAME; a name the file lacks is an error, not a literal."""
    assert rules.fragments and all(not re.search(r"\{[A-Z_]+\}", r.regex.pattern) for r in rules.rules)
    meeting = EntityRules([{"label": "EVENT", "priority": 1, "pattern": "{SCOPE}[\u4e00-\u9fff]{2,8}?大会"}], {},
                          fragments={"SCOPE": "全[省市区县]"})
    assert meeting("召开全县招商引资大会。") == [(2, 10, "EVENT")]
    with pytest.raises(ValueError, match=r"unknown fragment \{SCOPE\}"):
        EntityRules([{"label": "EVENT", "priority": 1, "pattern": "{SCOPE}大会"}], {})


def test_rules_written_back_keep_their_files_documentation(tmp_path):
    """Assembling a pipeline writes the rules again: the files come out byte for byte, "_about" notes included."""
    from policy_nlp.models import PIPELINE
    from policy_nlp.text.entity_rules import PATTERNS_FILE, PHRASES_FILE

    shipped = PIPELINE / "policy_entities"
    EntityRules.from_resources(shipped).to_disk(tmp_path)
    for name in (PATTERNS_FILE, PHRASES_FILE):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes()
    assert "_about" in json.loads((tmp_path / PATTERNS_FILE).read_text(encoding="utf-8"))
