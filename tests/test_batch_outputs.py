"""What users of batch outputs rely on: records in input order, Excel-readable CSV with the
area scores and the task spans, archive-wide totals in summary.json, notes for empty files."""

from __future__ import annotations

import csv
import json

import pytest

from policy_nlp.batch.run import process
from policy_nlp.batch.writers import read_records
from policy_nlp.labels import AREAS

SPEECHES = {
    "c_third.txt": "二、守牢安全底线\n各镇街要在汛期前完成隐患排查整治。\n",
    "a_first.txt": "一、抓项目扩投资\n区发改局要会同区自然资源局在6月底前完成XX个项目开工。\n一季度固投增长12%。\n",
    "b_second.txt": "三、促进消费\n要举办春季消费季活动，力争社会消费品零售总额增长8%以上。\n",
}


@pytest.fixture(scope="module")
def speeches(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speeches")
    for name, text in SPEECHES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "d_empty.txt").write_text("\n \n", encoding="utf-8")
    return folder


def test_records_in_input_order_with_totals(speeches, tmp_path):
    summary = process([speeches], tmp_path / "out", batch_size=2, quiet=True)
    assert (summary.done, summary.skipped, summary.failed) == (3, 1, 0)
    ids = [r["id"].rsplit("/", 1)[-1] for r in read_records(tmp_path / "out")]
    assert ids == ["a_first.txt", "b_second.txt", "c_third.txt"]  # sorted input order, whatever finishes first
    totals = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    records = list(read_records(tmp_path / "out"))
    areas = [s["area"] for r in records for s in r["sentences"]]
    assert totals["area_shares_total"] == {a: round(areas.count(a) / len(areas), 4) for a in sorted(set(areas))}
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["id"].rsplit("/", 1)[-1], e["kind"], e["reason"]) for e in errors] == \
        [("d_empty.txt", "skipped", "empty document: no text")]
    first = records[0]
    assert first["tasks"] and first["tasks"][0]["sentence"] == 1
    actors = [a["text"] for a in first["tasks"][0]["actors"]]
    assert actors == ["区发改局", "区自然资源局"]
    assert [d["text"] for d in first["tasks"][0]["deadlines"]] == ["6月底前"]


def test_csv_tables_open_in_excel_and_carry_scores_and_tasks(speeches, tmp_path):
    process([speeches], tmp_path / "csv", format="csv", quiet=True)
    sentences_file = next((tmp_path / "csv" / "sentences").glob("*.csv"))
    assert sentences_file.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    with open(sentences_file, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(f"score_{a}" in rows[0] for a in AREAS)
    for row in rows:
        scores = {a: float(row[f"score_{a}"]) for a in AREAS}
        assert sum(scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert max(scores, key=scores.get) == row["area"]
    with open(next((tmp_path / "csv" / "tasks").glob("*.csv")), encoding="utf-8-sig", newline="") as handle:
        tasks = list(csv.DictReader(handle))
    assert {"ACTOR", "DEADLINE"} <= {t["role"] for t in tasks}
    actor = next(t for t in tasks if t["text"] == "区发改局")
    text = SPEECHES["a_first.txt"]
    assert text[int(actor["start"]):int(actor["end"])] == "区发改局"
