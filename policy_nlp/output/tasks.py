"""The task list of a speech (任务分解表): one row per directive sentence with task spans.

``task_rows(doc)`` (or ``task_table(doc, as_frame=True)`` for a pandas DataFrame) gives the
columns a supervision office fills in: 序号, 领域, 任务 (the sentence), 责任单位, 完成时限,
目标, 所在部分 (the section), and the sentence's document offsets ``start``/``end``.
``write_tasks(rows, path)`` writes them as ``.xlsx`` (openpyxl), ``.csv`` (UTF-8 with a BOM,
so Excel reads the Chinese) or ``.md`` (a Markdown table). ``task_records(doc)`` gives the
``tasks`` entries of a record (TASKS.md). Needs ``policy_tasks`` in the pipeline.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable, Mapping

from spacy.tokens import Doc

COLUMNS = ("序号", "领域", "任务", "责任单位", "完成时限", "目标", "所在部分", "start", "end")
AREA_NAMES = {"invest": "项目投资", "business_env": "营商环境", "consumption": "促进消费",
              "livelihood": "民生保障", "safety": "安全生产", "other": "其他"}
SEPARATOR = "、"
FORMATS = (".xlsx", ".csv", ".md")
# Column widths in the xlsx file (characters; a Chinese character counts two).
_MAX_WIDTH = {"任务": 80, "所在部分": 40}


def _tasks(doc: Doc) -> list[dict]:
    if not isinstance(doc, Doc):
        raise TypeError(f"expected a spaCy Doc, got {type(doc).__name__}")
    return doc._.tasks


def task_rows(doc: Doc) -> list[dict[str, Any]]:
    """One dict per directive sentence with at least one task span, in text order (see module doc)."""
    rows = []
    for number, task in enumerate(_tasks(doc), start=1):
        sent = task["sentence"]
        rows.append({
            "序号": number,
            "领域": AREA_NAMES.get(task["area"], task["area"] or ""),
            "任务": sent.text,
            "责任单位": SEPARATOR.join(span.text for span in task["actors"]),
            "完成时限": SEPARATOR.join(span.text for span in task["deadlines"]),
            "目标": SEPARATOR.join(span.text for span in task["targets"]),
            "所在部分": sent._.section or "",
            "start": sent.start_char,
            "end": sent.end_char,
        })
    return rows


def task_table(doc: Doc, *, as_frame: bool = False):
    """The rows of :func:`task_rows`, or a pandas ``DataFrame`` of them with ``as_frame=True``."""
    rows = task_rows(doc)
    if not as_frame:
        return rows
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("task_table(as_frame=True) needs pandas: pip install pandas "
                          "(or call it without as_frame for a list of dicts)") from None
    return pd.DataFrame(rows, columns=list(COLUMNS))


def task_records(doc: Doc, sentence_ids: Mapping[tuple[int, int], int] | None = None) -> list[dict]:
    """The ``tasks`` list of a record (TASKS.md): ``{sentence, actors, deadlines, targets}`` per
    directive sentence with at least one span, each span ``{start, end, text}`` in document
    offsets. ``sentence`` is the sentence's id in the record's ``sentences``: looked up in
    ``sentence_ids`` by the sentence's ``(start, end)``, by default its index in ``doc._.sentences``
    (which is how ``to_record`` numbers them)."""
    if sentence_ids is None:
        sentence_ids = {(s.start_char, s.end_char): i for i, s in enumerate(doc._.sentences)}
    out = []
    for task in _tasks(doc):
        sent = task["sentence"]
        out.append({
            "sentence": sentence_ids[(sent.start_char, sent.end_char)],
            **{key: [{"start": span.start_char, "end": span.end_char, "text": span.text} for span in task[key]]
               for key in ("actors", "deadlines", "targets")},
        })
    return out


# ------------------------------------------------------------------ writers

def _as_rows(rows) -> list[dict]:
    if hasattr(rows, "to_dict"):  # a pandas DataFrame
        rows = rows.to_dict("records")
    return [dict(row) for row in rows]


def write_tasks(rows: Iterable[Mapping] | Any, path: str | Path) -> Path:
    """Write task rows (from :func:`task_rows`, or a DataFrame of them) to ``path``; the suffix
    chooses the format: ``.xlsx``, ``.csv`` (UTF-8 with BOM) or ``.md``. Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".xlsx": _write_xlsx, ".csv": _write_csv, ".md": _write_markdown}
    if suffix not in writers:
        raise ValueError(f"cannot write tasks to {path.name!r}: the file name must end in "
                         f"{', '.join(FORMATS)}")
    rows = _as_rows(rows)
    columns = list(COLUMNS) + [key for row in rows for key in row if key not in COLUMNS]
    columns = list(dict.fromkeys(columns))
    writers[suffix](rows, columns, path)
    return path


def _cell(value) -> Any:
    return "" if value is None else value


def _write_csv(rows: list[dict], columns: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _cell(row.get(c)) for c in columns})


def _md_escape(value) -> str:
    return str(_cell(value)).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def markdown_table(rows: Iterable[Mapping] | Any, columns: list[str] | None = None) -> str:
    """Task rows as a Markdown table (the terminal view of ``policy-nlp tasks``, and ``.md`` files)."""
    rows = _as_rows(rows)
    columns = columns or list(COLUMNS)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_md_escape(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _write_markdown(rows: list[dict], columns: list[str], path: Path) -> None:
    path.write_text(markdown_table(rows, columns), encoding="utf-8")


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _write_xlsx(rows: list[dict], columns: list[str], path: Path) -> None:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise ImportError(f"writing {path.name} needs openpyxl: pip install openpyxl "
                          "(or write .csv, which Excel opens too)") from None
    book = Workbook()
    sheet = book.active
    sheet.title = "任务分解表"
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(columns, start=1):
        values = [str(column)] + [str(_cell(row.get(column))) for row in rows]
        width = min(max(_display_width(v) for v in values) + 2, _MAX_WIDTH.get(column, 30))
        sheet.column_dimensions[get_column_letter(index)].width = max(width, 6)
        if column in _MAX_WIDTH or column in ("责任单位", "目标"):
            for cell in sheet[get_column_letter(index)][1:]:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    book.save(path)


__all__ = ["AREA_NAMES", "COLUMNS", "task_records", "task_rows", "task_table", "write_tasks"]
