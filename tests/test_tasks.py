"""Task spans (TASKS.md): the rules on sentences written for these tests, the ``policy_tasks``
component in the shipped pipeline, and the task list writers (xlsx, csv, md)."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_nlp.output.tasks import COLUMNS, task_records, task_rows, task_table, write_tasks
from policy_nlp.text.tasks import task_spans


def spans_of(text: str, expected: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """(start, end, role) of each expected (substring, role); every substring occurs once."""
    out = []
    for piece, role in expected:
        assert text.count(piece) == 1, f"{piece!r} must occur once in the test sentence"
        start = text.index(piece)
        out.append((start, start + len(piece), role))
    return sorted(out)


A, D, T = "ACTOR", "DEADLINE", "TARGET"

RULE_CASES = [
    # subject before 要, co-actor after 会同, a month deadline
    ("市发改委要会同市统计局加强投资统计监测，确保9月底前全部开工。",
     [("市发改委", A), ("市统计局", A), ("9月底前", D)]),
    # a 、-list with brackets (one span per unit), a title shared by the list stays with the last unit
    ("各镇（街道）、各部门主要负责同志要亲自抓、负总责。", [("各镇（街道）", A), ("各部门主要负责同志", A)]),
    ("各县（市、区）要在6月30日前上报项目清单。", [("各县（市、区）", A), ("6月30日前", D)]),
    ("县直各部门和各镇街要切实履行职责，年底之前完成整改。",
     [("县直各部门", A), ("各镇街", A), ("年底之前", D)]),
    # 由…牵头, …配合: both charged; a quarter's end
    ("由区发改局牵头，区财政局、区自然资源局配合，三季度末实现全部入库。",
     [("区发改局", A), ("区财政局", A), ("区自然资源局", A), ("三季度末", D)]),
    # generic subjects, 今年 as the period of the commitment, comparators that touch the number
    ("全区上下要坚定信心，确保全年固投增长10%左右。", [("全区上下", A), ("全年", D), ("10%左右", T)]),
    ("党员干部要带头攻坚，今年新增市场主体XX家以上。", [("党员干部", A), ("今年", D), ("XX家以上", T)]),
    ("力争全年新签约亿元以上项目不少于XX个，盘活存量土地XX亩以上。",
     [("全年", D), ("不少于XX个", T), ("XX亩以上", T)]),
    # a name with 和 inside stays whole; 100% is a target; the object of 督促 is not an actor
    ("区住房和城乡建设局要督促施工单位落实安全责任，确保100%到位。", [("区住房和城乡建设局", A), ("100%", T)]),
    ("各村（社区）“两委”要做好人居环境整治，新增就业XXXX人。", [("各村（社区）“两委”", A), ("XXXX人", T)]),
    # a period as the goal value is a target; one that limits the action is a deadline
    ("企业开办时间压缩到1个工作日以内，政务服务事项3个工作日内办结。",
     [("1个工作日以内", T), ("3个工作日内", D)]),
    ("区委组织部、区委宣传部等部门要于10月底前完成培训任务。",
     [("区委组织部", A), ("区委宣传部", A), ("10月底前", D)]),
    ("对此，区市场监管局要会同区商务局、区文旅局等单位，在春节前开展一轮专项检查。",
     [("区市场监管局", A), ("区商务局", A), ("区文旅局", A), ("春节前", D)]),
    # negatives: pronouns, objects of 支持/为/鼓励/引导, vague times, past figures, reference targets
    ("我们要支持企业加大研发投入，为企业搞好服务。", []),
    ("鼓励金融机构加大信贷投放，引导企业扩大有效投资。", []),
    ("要尽快完善建设手续，近期组织一次观摩，下一步抓好督导。", []),
    ("去年完成固定资产投资XX亿元，今年要力争增长15%以上。", [("今年", D), ("15%以上", T)]),
    ("上半年全区已完成投资XX亿元，下一步要继续加大招商引资力度。", []),
    ("要按照年初确定的增长7%的目标，对XX个重点项目逐一建立台账。", []),
    ("今年以来，各镇街要认真总结经验，抓好下半年工作。", [("各镇街", A)]),
    ("大家要统一思想，同志们要振奋精神。", []),
]


@pytest.mark.parametrize("text, expected", RULE_CASES, ids=[c[0][:12] for c in RULE_CASES])
def test_rules_find_exact_spans(text, expected):
    assert task_spans(text) == spans_of(text, expected)


def test_spans_are_sorted_within_the_sentence_and_never_overlap():
    for text, _ in RULE_CASES:
        spans = task_spans(text)
        assert spans == sorted(spans)
        assert all(0 <= s < e <= len(text) and role in (A, D, T) for s, e, role in spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert task_spans("") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="区县市镇各局委办部门单位要会同协同牵头配合负责我们企业支持、，。和（）“”"
                        "0123456789X月日年底前内末季度三今全以上下不少于%亿元个亩万人去已来的",
               max_size=60),
       st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8),
                          st.sampled_from(["ORG", "GPE", "DATE", "MONEY", "PERCENT", "QUANTITY", "LAW"])),
                max_size=4))
def test_any_text_gives_valid_spans(text, raw_entities):
    entities = [(s, s + n, label) for s, n, label in raw_entities]  # some fall outside: they are ignored
    for spans in (task_spans(text), task_spans(text, entities)):
        assert spans == sorted(spans)
        assert all(0 <= s < e <= len(text) and role in (A, D, T) for s, e, role in spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_entities_help():
    text = "农商行要加大信贷投放，十一前完成首批贷款发放。"
    assert task_spans(text) == []
    entities = [(0, 3, "ORG"), (11, 13, "DATE")]
    assert task_spans(text, entities) == spans_of(text, [("农商行", A), ("十一前", D)])
    # a money entity without a number is not a target
    text = "要引进亿元以上项目。"
    assert task_spans(text, [(3, 5, "MONEY")]) == []


# ------------------------------------------------------------------ the component

SPEECH = """在全区三季度重点工作推进会上的讲话

同志们：
上半年，全区固定资产投资完成XX亿元，同比增长8.5%。
下面，我讲两点意见。
一、全力以赴抓项目建设
区发改局要会同区统计局加强投资运行监测，9月底前完成项目入库工作。
各镇（街道）、区直各部门要切实履行属地责任，确保全年固投增长10%以上。
二、守牢安全生产底线
区应急管理局要牵头开展安全生产大排查，年底前隐患整改率达到100%。
"""


@pytest.fixture(scope="module")
def tasks_nlp(nlp):
    added = "policy_tasks" not in nlp.pipe_names
    if added:
        nlp.add_pipe("policy_tasks", before="policy_cleaner")
    yield nlp
    if added:
        nlp.remove_pipe("policy_tasks")


@pytest.fixture(scope="module")
def speech(tasks_nlp):
    return tasks_nlp(SPEECH)


def texts(spans):
    return [span.text for span in spans]


def sentence(doc, start: str):
    return next(s for s in doc._.sentences if s.text.startswith(start))


def test_component_sets_spans_on_directive_sentences(speech):
    first = sentence(speech, "区发改局要")
    assert first._.directive
    assert texts(first._.actors) == ["区发改局", "区统计局"]
    assert texts(first._.deadlines) == ["9月底前"]
    assert first._.targets == []
    assert {span.label_ for span in first._.actors} == {"ACTOR"}
    assert first._.deadlines[0].label_ == "DEADLINE"
    second = sentence(speech, "各镇（街道）")
    assert texts(second._.actors) == ["各镇（街道）", "区直各部门"]
    assert texts(second._.targets) == ["10%以上"]
    third = sentence(speech, "区应急管理局")
    assert (texts(third._.actors), texts(third._.deadlines), texts(third._.targets)) == \
        (["区应急管理局"], ["年底前"], ["100%"])
    for sent in speech._.sentences:
        for name in ("actors", "deadlines", "targets"):
            spans = getattr(sent._, name)
            assert isinstance(spans, list)
            if not sent._.directive:
                assert spans == []  # descriptive sentences carry no task spans
            for span in spans:
                assert sent.start_char <= span.start_char < span.end_char <= sent.end_char
                assert span.doc is speech


def test_attributes_answer_on_doc_sents_too(speech):
    from policy_nlp.components.extensions import trimmed_range

    sents = list(speech.sents)
    first = next(s for s in sents if s.text.startswith("区发改局要"))
    assert texts(first._.actors) == ["区发改局", "区统计局"]
    assert texts(first.sent._.deadlines) == ["9月底前"]
    trimmed = {trimmed_range(s): s for s in speech._.sentences}
    for sent in sents:
        same = trimmed[trimmed_range(sent)]
        for name in ("actors", "deadlines", "targets"):
            assert texts(getattr(sent._, name)) == texts(getattr(same._, name))


def test_doc_tasks_lists_directive_sentences_with_spans(speech):
    tasks = speech._.tasks
    assert [t["sentence"].text[:4] for t in tasks] == ["区发改局", "各镇（街", "区应急管"]
    for task in tasks:
        assert set(task) >= {"sentence", "area", "actors", "deadlines", "targets"}
        assert task["area"] == task["sentence"]._.area
        assert task["sentence"]._.directive


def test_component_without_entities(speech):
    from policy_nlp.components.tasks import PolicyTasks

    component = PolicyTasks(use_entities=False)
    assert component.use_entities is False
    found = component.spans(speech)
    start = sentence(speech, "区发改局要").start_char
    assert any(s == start for s, _ in found)


# ------------------------------------------------------------------ rows, records and files

def test_rows_and_records(speech):
    rows = task_rows(speech)
    assert [row["序号"] for row in rows] == [1, 2, 3]
    assert all(list(row) == list(COLUMNS) for row in rows)
    assert rows[0]["责任单位"] == "区发改局、区统计局"
    assert rows[0]["完成时限"] == "9月底前"
    assert rows[1]["目标"] == "10%以上"
    assert rows[2]["所在部分"] == "二、守牢安全生产底线"
    assert all(speech.text[row["start"]:row["end"]] == row["任务"] for row in rows)
    assert rows[0]["领域"] in ("项目投资", "营商环境", "促进消费", "民生保障", "安全生产", "其他")
    assert task_table(speech) == rows

    import policy_nlp

    record = policy_nlp.to_record(speech)
    tasks = task_records(speech)
    assert len(tasks) == 3
    for entry in tasks:
        sent = record["sentences"][entry["sentence"]]
        for key in ("actors", "deadlines", "targets"):
            for span in entry[key]:
                assert set(span) == {"start", "end", "text"}
                assert sent["start"] <= span["start"] < span["end"] <= sent["end"]
                assert speech.text[span["start"]:span["end"]] == span["text"]
    assert [s["text"] for s in tasks[0]["actors"]] == ["区发改局", "区统计局"]


def test_task_table_as_frame(speech):
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            task_table(speech, as_frame=True)
    else:
        frame = task_table(speech, as_frame=True)
        assert list(frame.columns) == list(COLUMNS) and len(frame) == 3


ROWS = [
    {"序号": 1, "领域": "项目投资", "任务": "区发改局要会同区统计局加强监测，9月底前完成入库。", "责任单位": "区发改局、区统计局",
     "完成时限": "9月底前", "目标": "", "所在部分": "一、抓项目", "start": 10, "end": 36},
    {"序号": 2, "领域": "安全生产", "任务": "区应急管理局要牵头排查|整改，年底前整改率达到100%。", "责任单位": "区应急管理局",
     "完成时限": "年底前", "目标": "100%", "所在部分": "二、守底线", "start": 50, "end": 79},
]


def test_write_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = write_tasks(ROWS, tmp_path / "tasks.xlsx")
    sheet = openpyxl.load_workbook(path).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == list(COLUMNS)
    assert values[1][:7] == [1, "项目投资", ROWS[0]["任务"], "区发改局、区统计局", "9月底前", None, "一、抓项目"]
    assert values[2][3:6] == ["区应急管理局", "年底前", "100%"]
    assert values[2][7:] == [50, 79]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width


def test_write_xlsx_without_openpyxl(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match="openpyxl"):
        write_tasks(ROWS, tmp_path / "tasks.xlsx")


def test_write_csv_with_bom(tmp_path):
    path = write_tasks(ROWS, tmp_path / "tasks.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1]["任务"] == ROWS[1]["任务"] and rows[0]["责任单位"] == "区发改局、区统计局"


def test_write_markdown(tmp_path):
    path = write_tasks(ROWS, tmp_path / "tasks.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    assert lines[1].startswith("|---|")
    assert len(lines) == 2 + len(ROWS)
    assert "排查\\|整改" in lines[3]  # a | inside a cell is escaped


def test_write_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.xlsx, \.csv, \.md"):
        write_tasks(ROWS, tmp_path / "tasks.json")
    assert not (tmp_path / "tasks.json").exists()
