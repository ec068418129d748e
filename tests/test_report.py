"""``policy-nlp report``: the HTML report of an output folder shows the numbers of its records."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

pytest.importorskip("matplotlib")

from policy_nlp.batch.run import process  # noqa: E402
from policy_nlp.batch.writers import ChunkedOutput, read_records  # noqa: E402
from policy_nlp.cli import main  # noqa: E402
from policy_nlp.batch.report import build_report, deadline_month, percent  # noqa: E402

SPEECHES = {
    "2023-03_county.txt": (
        "在全县2023年经济工作会议上的讲话\n同志们：\n今天召开全县经济工作会议，部署今年经济工作。\n"
        "一、抓好项目投资\n县发改局要会同县财政局加快重点项目建设，确保6月底前全部开工。\n"
        "县发改局要在9月底前完成100个项目的前期工作。\n各乡镇要全力抓好招商引资，全年签约项目不少于20个。\n"
        "二、优化营商环境\n县政务服务中心要推行“一网通办”，年底前网上可办率达到100%。\n"
        "三、促进消费\n县商务局要在5月底前举办汽车促销活动。\n"),
    "city_safety.txt": (
        "在全市安全生产工作会议上的讲话\n2024年7月10日\n同志们：\n一、压实安全生产责任\n"
        "市应急管理局要牵头开展安全生产大检查，8月底前完成全部排查。\n各区县要落实属地管理责任，隐患整改率达到100%。\n"
        "二、保障民生\n市人社局要做好高校毕业生就业工作，全年新增就业10000人以上。\n"
        "市民政局要在10月底前完成低保提标工作。\n上半年，全市地区生产总值增长5.1%。\n"),
    "provincial_consumption.txt": (
        "全省促进消费工作电视电话会议讲话\n同志们：\n今年以来，全省消费市场稳步恢复。\n"
        "各市要组织开展消费季活动，社会消费品零售总额增长8%以上。\n"
        "省发改委要加快推进重大项目建设，年内完成投资1000亿元。\n"),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """An output folder of three speeches, an empty file (skipped) and a binary file (failed)."""
    inputs = tmp_path_factory.mktemp("speeches")
    for name, text in SPEECHES.items():
        (inputs / name).write_text(text, encoding="utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "broken.txt").write_bytes(bytes(range(256)) * 8)
    out = tmp_path_factory.mktemp("run") / "out"
    process(inputs, out, quiet=True, timeout=None)
    records = list(read_records(out))
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"inputs": inputs, "out": out, "records": records, "errors": errors, "page": build_report(out)}


def _tbody(page: str, table_class: str) -> str:
    match = re.search(rf'<table class="sortable {table_class}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert match, f"no {table_class} table"
    return match.group(1)


def test_counts_and_errors(archive):
    page, records, errors = archive["page"], archive["records"], archive["errors"]
    assert len(records) == 3
    assert Counter(e["kind"] for e in errors) == {"failed": 1, "skipped": 1}
    assert re.search(r'id="n-done"><b>3</b>', page)
    assert re.search(r'id="n-failed"><b>1</b>', page)
    assert re.search(r'id="n-skipped"><b>1</b>', page)
    sentences = sum(len(r["sentences"]) for r in records)
    assert re.search(rf'id="n-sentences"><b>{sentences:,}</b>', page)
    error_rows = _tbody(page, "errors")
    assert error_rows.count("<tr>") == 2
    assert "broken.txt" in error_rows and "empty.txt" in error_rows and "empty document" in error_rows


def test_area_shares_are_those_of_the_records(archive):
    page, records = archive["page"], archive["records"]
    areas = Counter(s["area"] for r in records for s in r["sentences"] if s.get("area"))
    directives = Counter(s["area"] for r in records for s in r["sentences"] if s.get("area") and s["directive"])
    total = sum(areas.values())
    assert total and len(areas) >= 3
    summary = json.loads((archive["out"] / "summary.json").read_text(encoding="utf-8"))
    for area, n in areas.items():
        assert f'<td class="num share" data-area="{area}">{percent(n / total)}</td>' in page
        assert f'<td class="num directive-share" data-area="{area}">{percent(directives[area] / n)}</td>' in page
        assert abs(100 * n / total - 100 * summary["area_shares_total"][area]) < 0.1
    assert page.count('<td class="num share"') == len(areas)


def test_tasks_actors_and_deadlines_are_those_of_the_records(archive):
    page, records = archive["page"], archive["records"]
    tasks = [t for r in records for t in r["tasks"]]
    assert len(tasks) >= 6
    assert _tbody(page, "tasks").count("<tr>") == len(tasks)
    assert re.search(rf'id="n-tasks"><b>{len(tasks)}</b>', page)
    actors = Counter(a["text"] for t in tasks for a in t["actors"])
    top, n = actors.most_common(1)[0]
    assert n >= 2  # 县发改局 is charged twice
    first = re.search(r'<td class="actor">(.*?)</td><td class="num">(\d+)</td>', _tbody(page, "actors"))
    assert first.groups() == (top, str(n))
    months = Counter(deadline_month(d["text"]) for t in tasks for d in t["deadlines"])
    assert months[6] >= 1
    for month in range(1, 13):
        assert f'data-month="{month}">{months[month]}</td>' in page


def test_page_is_self_contained(archive):
    page = archive["page"]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<(?:img|link|iframe|object|embed)\b|@import|url\(\s*['\"]?(?:https?:)?//", page, re.I)
    assert "<script src" not in page and 'http-equiv="Content-Security-Policy"' in page
    figures = re.findall(r"<figure\b.*?</figure>", page, re.S)
    assert len(figures) >= 5  # areas, documents, year, level, actors, months
    for figure in figures:
        svgs = re.findall(r"<svg\b.*?</svg>", figure, re.S)
        assert len(svgs) == 1
        root = ET.fromstring(svgs[0])  # well-formed inline SVG
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not root.findall(".//{http://www.w3.org/2000/svg}image")
    assert page.count("<svg") == len(figures)


def test_report_without_a_cjk_font_labels_in_english(archive):
    page = build_report(archive["out"], cjk_font=False)
    assert "No CJK font" in page and "<text" in page  # SVG text: the browser's fonts draw the Chinese
    assert re.search(r'id="n-done"><b>3</b>', page)


def test_table_formats_give_the_same_numbers(archive, tmp_path):
    out = ChunkedOutput(tmp_path / "csv", format="csv")
    out.write_chunk(archive["records"], archive["errors"])
    out.finalize()
    page = build_report(tmp_path / "csv")
    numbers = r'id="n-\w+"><b>[\d,]+</b>|data-area="\w+">[\d.]+%|data-month="\d+">\d+'
    assert re.findall(numbers, page) == re.findall(numbers, archive["page"])
    assert _tbody(page, "tasks") == _tbody(archive["page"], "tasks")


@pytest.mark.parametrize("text, month", [("6月底前", 6), ("12月31日前", 12), ("十月底前", 10), ("十二月", 12),
                                         ("2025年3月前", 3), ("年内", None), ("三个月内", None), ("年底前", None)])
def test_deadline_month(text, month):
    assert deadline_month(text) == month


def test_cli(archive, tmp_path, capsys, monkeypatch):
    target = tmp_path / "report.html"
    assert main(["report", str(archive["out"]), "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", str(archive["inputs"]), "-o", str(tmp_path / "x.html")]) == 2
    assert "not a policy-nlp output folder" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)  # as if it were not installed
    assert main(["report", str(archive["out"]), "-o", str(target)]) == 2
    assert "pip install 'policy_nlp[report]'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
