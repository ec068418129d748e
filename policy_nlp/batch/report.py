"""One self-contained HTML report of a ``policy-nlp process`` output folder.

``build_report(out_dir)`` returns the page; ``policy-nlp report OUT_DIR -o report.html``
writes it. The page opens offline: its charts are inline SVG drawn by matplotlib (no
pyplot: each chart is a ``Figure`` saved with ``format="svg"``), its style and its small
click-to-sort script are inline, and a Content-Security-Policy forbids every fetch. It shows:

* documents done, failed and skipped, and every error of ``errors.jsonl``;
* the policy areas over the archive (share of sentences, and the directive share within
  each area) and per document (stacked bars, at most :data:`MAX_DOCUMENT_BARS`; the other
  documents are pooled into one bar);
* the areas by year and by administrative level, where the record's guessed ``date`` and
  ``level`` allow;
* the units charged most often (``ACTOR`` spans of the tasks), deadlines by the month they
  name (6月底前 → 6), and a sortable table of all tasks.

Reads JSONL output folders and the tables (documents, sentences, tasks) of Parquet
(needs pyarrow) or CSV ones. Percentages are shares of the sentences that have an area,
counted from the records themselves. Chinese text needs a CJK font that matplotlib can
find (Noto Sans CJK, WenQuanYi, …, or any font ``fc-list :lang=zh`` lists); without one the
charts are labelled in English and their Chinese names (units, titles) are left to the
browser's fonts (SVG text instead of glyph outlines). Needs matplotlib:
``pip install 'policy_nlp[report]'``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import html
import io
import json
import re
import subprocess
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from ..labels import AREAS
from ..output.render import AREA_COLORS
from ..output.tasks import AREA_NAMES, SEPARATOR
from .writers import CHUNKS_DIR, COLUMNS, read_manifests, read_records

MAX_DOCUMENT_BARS = 40
TOP_ACTORS = 20
MAX_ERRORS_LISTED = 1000
LEVELS = ("national", "provincial", "city", "county", "township")
LEVEL_NAMES = {"national": "全国", "provincial": "省级", "city": "市级", "county": "县级", "township": "乡镇"}
MATPLOTLIB_MISSING = "policy-nlp report needs matplotlib: pip install 'policy_nlp[report]'"
# Families tried first (sans before serif), then whatever fontconfig lists for Chinese.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
                "Noto Sans CJK TC", "Noto Sans CJK JP", "Droid Sans Fallback", "AR PL UMing CN", "Noto Serif CJK SC")
_MONTH = re.compile(r"(?<![\d.])(1[0-2]|0?[1-9])\s*月|(?<![一二三四五六七八九十〇零两])(十[一二]?|[一二三四五六七八九])月")
_CN_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}


class ReportError(ValueError):
    """An output folder the report cannot read (the CLI exits with code 2)."""


# ---------------------------------------------------------------------------
# Reading an output folder
# ---------------------------------------------------------------------------

@dataclass
class OutputFolder:
    """What a report needs from an output folder: the records (one per document done), the
    errors (failed and skipped inputs) and ``summary.json`` (``{}`` when the run never finished)."""

    path: Path
    format: str
    records: list[dict]
    errors: list[dict]
    summary: dict = field(default_factory=dict)


def load_output(out_dir: str | Path) -> OutputFolder:
    """Read an output folder written by ``policy-nlp process`` (any format), committed chunks only."""

    path = Path(out_dir)
    if not path.is_dir():
        raise ReportError(f"{path} is not a folder: give the output folder of `policy-nlp process INPUTS -o {path}`")
    summary_file, chunks = path / "summary.json", path / CHUNKS_DIR
    if not summary_file.is_file() and not chunks.is_dir():
        raise ReportError(f"{path} is not a policy-nlp output folder (it has no summary.json and no {CHUNKS_DIR}/): "
                          f"make one with `policy-nlp process INPUTS -o {path}`")
    try:
        summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.is_file() else {}
        manifests = read_manifests(path)
    except (ValueError, OSError) as err:
        raise ReportError(f"{path}: cannot read its summary or chunk manifests: {err}") from err
    if not manifests and (summary.get("documents") or summary.get("failed") or summary.get("skipped")):
        raise ReportError(f"{path}: summary.json counts documents but the {CHUNKS_DIR}/ folder that lists them "
                          "is missing or empty")
    formats = {m.get("format") for m in manifests} or {summary.get("format", "jsonl")}
    fmt = sorted(f for f in formats if f)[0] if any(formats) else "jsonl"
    if fmt == "jsonl":
        records = list(read_records(path))
    elif fmt in ("parquet", "csv"):
        records = _records_from_tables(path, manifests, fmt)
    else:
        raise ReportError(f"{path}: unknown output format {fmt!r}; process the inputs again with --format jsonl")
    errors_file = path / "errors.jsonl"
    if errors_file.is_file():
        errors = [json.loads(line) for line in errors_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:  # interrupted before finalize: the manifests hold them too
        errors = [e for m in manifests for e in m.get("errors", [])]
    return OutputFolder(path, fmt, records, errors, summary)


def _read_table(file: Path, table: str, fmt: str) -> list[dict]:

    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ImportError("reading a parquet output folder needs pyarrow: pip install pyarrow "
                              "(or process the inputs with --format jsonl)") from None
        return pq.read_table(file).to_pylist()
    types = COLUMNS[table]
    convert = {"int64": int, "float64": float, "bool": lambda v: v == "True", "list<string>": json.loads}
    with open(file, encoding="utf-8-sig", newline="") as handle:
        return [{k: (None if v in ("", None) else convert.get(types.get(k, "string"), str)(v)) for k, v in row.items()}
                for row in csv.DictReader(handle)]


def _records_from_tables(path: Path, manifests: list[dict], fmt: str) -> list[dict]:
    """Records rebuilt from the documents, sentences and tasks tables (the fields the report uses)."""
    rows: dict[str, list[dict]] = defaultdict(list)
    try:
        for manifest in manifests:
            for name in manifest["files"]:
                table = name.split("/", 1)[0]
                if table in ("documents", "sentences", "tasks"):
                    rows[table].extend(_read_table(path / name, table, fmt))
    except (OSError, ValueError, KeyError) as err:
        raise ReportError(f"{path}: cannot read its {fmt} tables ({err}); process the inputs again with "
                          "--format jsonl") from err
    records = {}
    for row in rows["documents"]:
        records[row["id"]] = {**row, "text_length": row.get("chars"), "sentences": [], "tasks": []}
    for row in rows["sentences"]:
        record = records.get(row["doc_id"])
        if record is None:
            continue
        scores = {a: row.get(f"score_{a}") for a in AREAS}
        record["sentences"].append({
            "id": row["sentence_id"], "start": row["start"], "end": row["end"], "text": row.get("text"),
            "section": row.get("section"), "section_path": row.get("section_path") or [], "area": row.get("area"),
            "area_scores": scores if any(v is not None for v in scores.values()) else None,
            "directive": row.get("directive"), "directive_score": row.get("directive_score")})
    tasks: dict[tuple[str, int], dict] = {}
    roles = {"ACTOR": "actors", "DEADLINE": "deadlines", "TARGET": "targets"}
    for row in rows["tasks"]:
        if row["doc_id"] not in records or row.get("role") not in roles:
            continue
        key = (row["doc_id"], row["sentence_id"])
        if key not in tasks:
            tasks[key] = {"sentence": row["sentence_id"], "actors": [], "deadlines": [], "targets": []}
            records[row["doc_id"]]["tasks"].append(tasks[key])
        tasks[key][roles[row["role"]]].append({"start": row["start"], "end": row["end"], "text": row.get("text")})
    for record in records.values():
        record["sentences"].sort(key=lambda s: s["id"])
        record["tasks"].sort(key=lambda t: t["sentence"])
    return list(records.values())


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

def area_name(area: str | None) -> str:
    """The Chinese name of an area (as in the task list), or the code for an unknown one."""
    return AREA_NAMES.get(area, area or "")


def percent(share: float) -> str:
    """How shares are printed in the report: ``0.1724`` → ``17.2%``."""
    return f"{100 * share:.1f}%"


def deadline_month(text: str) -> int | None:
    """The month a deadline names (``6月底前`` → 6, ``十二月`` → 12), ``None`` without one
    (年内, 年底前, 三个月内)."""
    m = _MONTH.search(text or "")
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else _CN_MONTHS[m.group(2)]


def _ordered_areas(counts: Iterable[str]) -> list[str]:
    present = set(counts)
    return [a for a in AREAS if a in present] + sorted(present - set(AREAS))


def document_name(record: dict) -> str:
    """The guessed title, else the file name (of the archive member or the file)."""
    if record.get("title"):
        return str(record["title"])
    name = record.get("member") or record.get("source") or record.get("id") or "?"
    return str(name).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Stats:
    """Everything the report prints, computed from the records."""

    documents: int = 0
    sentences: int = 0
    area_sentences: Counter = field(default_factory=Counter)       # area -> sentences
    area_directives: Counter = field(default_factory=Counter)      # area -> directive sentences
    per_document: list[tuple[dict, Counter]] = field(default_factory=list)
    by_year: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    docs_by_year: Counter = field(default_factory=Counter)
    by_level: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    docs_by_level: Counter = field(default_factory=Counter)
    actors: Counter = field(default_factory=Counter)                # actor text -> task count
    actor_documents: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    months: Counter = field(default_factory=Counter)                # 1..12 -> deadlines
    deadlines_without_month: Counter = field(default_factory=Counter)
    task_rows: list[dict] = field(default_factory=list)

    @property
    def areas(self) -> list[str]:
        return _ordered_areas(self.area_sentences)

    @property
    def area_total(self) -> int:
        return sum(self.area_sentences.values())

    def share(self, area: str) -> float:
        return self.area_sentences[area] / self.area_total if self.area_total else 0.0

    def directive_share(self, area: str) -> float:
        n = self.area_sentences[area]
        return self.area_directives[area] / n if n else 0.0


def compute_stats(records: Iterable[dict]) -> Stats:
    stats = Stats()
    for record in records:
        stats.documents += 1
        sentences = record.get("sentences") or []
        stats.sentences += len(sentences)
        counts = Counter(s["area"] for s in sentences if s.get("area"))
        stats.area_sentences.update(counts)
        stats.area_directives.update(s["area"] for s in sentences if s.get("area") and s.get("directive"))
        stats.per_document.append((record, counts))
        year = str(record.get("date") or "")[:4]
        if year.isdigit():
            stats.by_year[year].update(counts)
            stats.docs_by_year[year] += 1
        if record.get("level"):
            stats.by_level[record["level"]].update(counts)
            stats.docs_by_level[record["level"]] += 1
        by_id = {s.get("id"): s for s in sentences}
        for task in record.get("tasks") or []:
            sentence = by_id.get(task.get("sentence"), {})
            for actor in task.get("actors", []):
                stats.actors[actor["text"]] += 1
                stats.actor_documents[actor["text"]].add(record.get("id"))
            for deadline in task.get("deadlines", []):
                month = deadline_month(deadline.get("text"))
                if month is None:
                    stats.deadlines_without_month[deadline.get("text")] += 1
                else:
                    stats.months[month] += 1
            text = sentence.get("text")
            if text is None and sentence:
                text = f"[{sentence.get('start')}:{sentence.get('end')}]"
            stats.task_rows.append({
                "document": document_name(record), "doc_id": record.get("id"), "date": record.get("date"),
                "area": sentence.get("area"), "sentence": text or "",
                "actors": SEPARATOR.join(s["text"] for s in task.get("actors", [])),
                "deadlines": SEPARATOR.join(s["text"] for s in task.get("deadlines", [])),
                "targets": SEPARATOR.join(s["text"] for s in task.get("targets", [])),
            })
    return stats


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def find_cjk_font() -> str | None:
    """A font family with Chinese glyphs that matplotlib can use, or ``None``.

    Families matplotlib already knows come first; fonts installed after its font cache was
    built are found through ``fc-list :lang=zh`` and added."""
    from matplotlib import font_manager

    def known() -> set[str]:
        return {f.name for f in font_manager.fontManager.ttflist}

    names = known()
    for family in CJK_FAMILIES:
        if family in names:
            return family
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "--format", "%{file}\n"], capture_output=True, text=True,
                                 timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    added = []
    for file in dict.fromkeys(line.strip() for line in listing.splitlines()):
        if not file.lower().endswith((".ttf", ".otf", ".ttc")):
            continue
        try:
            font_manager.fontManager.addfont(file)
            added.append(font_manager.FontProperties(fname=file).get_name())
        except Exception:  # an unreadable font file: try the next
            continue
    names = known()
    for family in CJK_FAMILIES:
        if family in names:
            return family
    sans = [f for f in added if "serif" not in f.lower() and "mono" not in f.lower()]
    return (sans or added or [None])[0]


class Charts:
    """Draws the report's charts as inline SVG strings (matplotlib ``Figure``, no pyplot state)."""

    def __init__(self, font: str | None):
        self.font = font
        self.cjk = font is not None
        self.rc = {
            "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
            # glyph outlines with a CJK font; otherwise SVG text, so that the browser's fonts draw Chinese
            "svg.fonttype": "path" if font else "none",
            "font.size": 10, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.spines.top": False,
            "axes.spines.right": False, "axes.edgecolor": "#888888", "axes.labelcolor": "#333333",
            "xtick.color": "#333333", "ytick.color": "#333333", "legend.frameon": False,
        }

    # -- labels ---------------------------------------------------------------
    def area_label(self, area: str, newline: bool = True) -> str:
        if not self.cjk:
            return area
        return f"{area_name(area)}{chr(10) if newline else ' '}{area}"

    def text(self, chinese: str, english: str) -> str:
        return f"{chinese} {english}" if self.cjk else english

    @staticmethod
    def color(area: str) -> str:
        return AREA_COLORS.get(area, "#bcbd22")

    # -- drawing --------------------------------------------------------------
    def _draw(self, width: float, height: float, draw, **subplots) -> str:
        import matplotlib
        from matplotlib.figure import Figure

        with matplotlib.rc_context(self.rc), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Glyph … missing from font" without a CJK font
            figure = Figure(figsize=(width, height), layout="constrained")
            axes = figure.subplots(**subplots) if subplots else figure.add_subplot()
            draw(figure, axes)
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        return _inline_svg(buffer.getvalue())

    def area_bars(self, stats: Stats) -> str:
        areas = stats.areas

        def draw(figure, axes):
            left, right = axes
            y = list(range(len(areas)))
            for ax, values, title in (
                    (left, [stats.share(a) for a in areas], self.text("各领域句子占比", "share of sentences")),
                    (right, [stats.directive_share(a) for a in areas],
                     self.text("领域内部署性句子占比", "directive share within each area"))):
                bars = ax.barh(y, values, color=[self.color(a) for a in areas], height=0.7)
                ax.bar_label(bars, labels=[percent(v) for v in values], padding=3, fontsize=9)
                top = max(values + [0.01])
                ax.set_xlim(0, top * 1.2)
                if top > 0.7:  # room for the labels, but no tick beyond 100%
                    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
                ax.xaxis.set_major_formatter(_percent_formatter())
                ax.set_title(title, loc="left")
            left.set_yticks(y, [self.area_label(a, newline=False) for a in areas])
            left.invert_yaxis()

        return self._draw(11, 0.9 + 0.42 * len(areas), draw, nrows=1, ncols=2, sharey=True)

    def document_bars(self, rows: list[tuple[str, Counter]], areas: list[str]) -> str:
        height = 1.0 + 0.28 * len(rows)

        def draw(figure, ax):
            y = list(range(len(rows)))
            left = [0.0] * len(rows)
            for area in areas:
                values = [(c[area] / sum(c.values())) if sum(c.values()) else 0.0 for _, c in rows]
                ax.barh(y, values, left=left, color=self.color(area), label=self.area_label(area, newline=False),
                        height=0.72, edgecolor="white", linewidth=0.5)
                for i, (v, l) in enumerate(zip(values, left)):
                    if v >= 0.09:
                        ax.text(l + v / 2, i, percent(v).replace(".0%", "%"), ha="center", va="center", fontsize=7.5,
                                color="white")
                left = [l + v for l, v in zip(left, values)]
            ax.set_yticks(y, [label for label, _ in rows])
            ax.set_ylim(len(rows) - 0.5, -0.5)  # first document on top, no empty margin
            ax.set_xlim(0, 1)
            ax.xaxis.set_major_formatter(_percent_formatter())
            ax.xaxis.tick_top()
            figure.legend(*ax.get_legend_handles_labels(), loc="outside upper center", ncol=len(areas), fontsize=9,
                          handlelength=1, columnspacing=1.2)

        return self._draw(11, height, draw)

    def group_bars(self, groups: list[tuple[str, str, Counter]], areas: list[str], title: str) -> str:
        """Stacked area shares per group (year or level), with the number of documents above each bar."""

        def draw(figure, ax):
            x = list(range(len(groups)))
            bottom = [0.0] * len(groups)
            for area in areas:
                values = [(c[area] / sum(c.values())) if sum(c.values()) else 0.0 for _, _, c in groups]
                ax.bar(x, values, bottom=bottom, color=self.color(area), label=self.area_label(area, newline=False),
                       width=0.65, edgecolor="white", linewidth=0.5)
                bottom = [b + v for b, v in zip(bottom, values)]
            for i, (_, note, _) in enumerate(groups):
                ax.text(i, 1.02, note, ha="center", va="bottom", fontsize=8.5, color="#444444")
            ax.set_xticks(x, [label for label, _, _ in groups], rotation=45 if len(groups) > 16 else 0)
            ax.set_xlim(-0.6, len(groups) - 0.4)
            ax.set_ylim(0, 1.12)
            ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
            ax.yaxis.set_major_formatter(_percent_formatter())
            ax.set_title(title, loc="left")
            figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=9,
                          handlelength=1, columnspacing=1.2)

        return self._draw(self.group_width(len(groups)), 4.0, draw)

    @staticmethod
    def group_width(n: int) -> float:
        """Inches: half the page up to 8 groups (year and level side by side), wider beyond."""
        return 5.6 if n <= 8 else min(11.0, 1.5 + 0.5 * n)

    def actor_bars(self, actors: list[tuple[str, int]]) -> str:
        def draw(figure, ax):
            y = list(range(len(actors)))
            bars = ax.barh(y, [n for _, n in actors], color="#4c72b0", height=0.7)
            ax.bar_label(bars, padding=3, fontsize=8.5)
            ax.set_xlim(0, max(n for _, n in actors) * 1.12)
            ax.set_yticks(y, [_shorten(a, 24) for a, _ in actors])
            ax.invert_yaxis()
            ax.set_xlabel(self.text("任务数", "tasks naming the unit"))
            ax.set_title(self.text(f"责任单位 前{len(actors)}", f"top {len(actors)} charged units"), loc="left")
            ax.xaxis.get_major_locator().set_params(integer=True)

        return self._draw(5.6, 1.0 + 0.26 * len(actors), draw)

    def month_bars(self, months: Counter) -> str:
        def draw(figure, ax):
            x = list(range(1, 13))
            bars = ax.bar(x, [months[m] for m in x], color="#dd8452", width=0.7)
            ax.bar_label(bars, labels=[str(months[m]) if months[m] else "" for m in x], padding=2, fontsize=8.5)
            names = [f"{m}月" for m in x] if self.cjk else ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                                            "Sep", "Oct", "Nov", "Dec"]
            ax.set_xticks(x, names)
            ax.set_ylim(0, max([months[m] for m in x] + [1]) * 1.2)
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_ylabel(self.text("时限数", "deadlines"))
            ax.set_title(self.text("完成时限所在月份", "deadlines by the month they name"), loc="left")

        return self._draw(5.4, 3.4, draw)


def _percent_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{100 * v:.0f}%")


_SVG_START = re.compile(r"<svg\b")
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG file as an element for an HTML page: no XML prolog, no RDF metadata,
    scaled to the page's width."""
    svg = svg[_SVG_START.search(svg).start():]
    svg = _SVG_METADATA.sub("", svg, count=1)
    return svg.replace("<svg ", '<svg class="chart" role="img" ', 1)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------

_STYLE = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.5 "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
       system-ui, sans-serif; color: var(--ink); margin: 0; padding: 1.5em 2em 4em; max-width: 1200px; }
h1 { font-size: 1.6em; margin: 0 0 .2em; } h2 { font-size: 1.25em; margin: 2em 0 .6em; padding-bottom: .2em;
  border-bottom: 1px solid var(--line); } h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
.en { color: var(--muted); font-weight: normal; font-size: .85em; margin-left: .4em; }
.meta, .note { color: var(--muted); font-size: .9em; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; padding: 0; list-style: none; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5em 1em; min-width: 8.5em; background: var(--bg); }
.card b { display: block; font-size: 1.7em; line-height: 1.2; }
.card.failed b { color: #cf222e; } .card.skipped b { color: #9a6700; } .card.done b { color: #1a7f37; }
.row { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.row > * { flex: 1 1 380px; min-width: 0; }
.row > .wide { flex-basis: 100%; }
svg.chart { max-width: 100%; height: auto; display: block; }
figure { margin: .5em 0; }
table { border-collapse: collapse; font-size: .92em; margin: .5em 0; }
th, td { border: 1px solid var(--line); padding: .25em .55em; text-align: left; vertical-align: top; }
th { background: var(--bg); position: sticky; top: 0; white-space: nowrap; }
td.area { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sentence { min-width: 24em; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .35em;
  vertical-align: -.05em; }
.scroll { max-height: 36em; overflow: auto; border: 1px solid var(--line); }
.scroll table { margin: 0; } .scroll th { border-top: 0; }
table.tasks { width: 100%; }
.js table.sortable th { cursor: pointer; user-select: none; }
.js table.sortable th::after { content: " \\2195"; color: #8c959f; font-size: .8em; }
.js table.sortable th[aria-sort=ascending]::after { content: " \\2191"; color: var(--ink); }
.js table.sortable th[aria-sort=descending]::after { content: " \\2193"; color: var(--ink); }
.hint { display: none; } .js .hint { display: inline; }
.kind-failed { color: #cf222e; font-weight: bold; } .kind-skipped { color: #9a6700; font-weight: bold; }
details summary { cursor: pointer; color: #0969da; }
"""

# Click a column header to sort (numbers by value, text by Chinese collation); inline, no network.
_SCRIPT = """
document.documentElement.classList.add('js');
(function () {
  var collator = new Intl.Collator('zh', {numeric: true});
  function value(row, col) {
    var c = row.cells[col];
    return c ? (c.getAttribute('data-sort') || c.textContent.trim()) : '';
  }
  function sort(table, th, col) {
    var asc = th.getAttribute('aria-sort') !== 'ascending', numeric = th.classList.contains('num');
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, col), y = value(b, col), d;
      if (x === '' || y === '') return (x === '') - (y === '');
      d = numeric ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
      return asc ? d : -d;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (r) { fragment.appendChild(r); });
    body.appendChild(fragment);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('thead th').forEach(function (th, col) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sort(table, th, col); });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(table, th, col); } });
    });
  });
})();
"""

# Nothing may be fetched: no scripts, styles, fonts or images from anywhere.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _heading(chinese: str, english: str, level: int = 2, anchor: str | None = None) -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f'<h{level}{ident}>{_e(chinese)}<span class="en">{_e(english)}</span></h{level}>'


def _figure(svg: str, caption: str, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return f'<figure{cls}>{svg}<figcaption class="note">{_e(caption)}</figcaption></figure>'


def _area_cell(area: str | None) -> str:
    if not area:
        return "<td></td>"
    return (f'<td class="area" data-sort="{_e(area_name(area))}">'
            f'<span class="swatch" style="background:{Charts.color(area)}"></span>{_e(area_name(area))} '
            f'<span class="en">{_e(area)}</span></td>')


def _cards(out: OutputFolder, stats: Stats) -> str:
    failed = sum(1 for e in out.errors if e.get("kind") == "failed")
    skipped = sum(1 for e in out.errors if e.get("kind") == "skipped")
    directives = sum(stats.area_directives.values())
    cards = [("done", "完成文档", "documents done", stats.documents), ("failed", "失败", "failed", failed),
             ("skipped", "跳过", "skipped", skipped), ("sentences", "句子", "sentences", stats.sentences),
             ("directives", "部署性句子", "directive sentences", directives),
             ("tasks", "任务", "tasks", len(stats.task_rows))]
    items = "".join(f'<li class="card {key}" id="n-{key}"><b>{n:,}</b>{_e(zh)}<span class="en">{_e(en)}</span></li>'
                    for key, zh, en, n in cards)
    return f'<ul class="cards">{items}</ul>'


def _errors_section(out: OutputFolder) -> str:
    parts = [_heading("失败与跳过的输入", "failed and skipped inputs (errors.jsonl)", anchor="errors")]
    if not out.errors:
        return parts[0] + '<p class="note">None: every input was processed.</p>'
    rows = []
    for error in out.errors[:MAX_ERRORS_LISTED]:
        kind = error.get("kind") or ""
        where = error.get("id") or error.get("source") or ""
        rows.append(f'<tr><td class="kind-{_e(kind)}">{_e(kind)}</td><td>{_e(where)}</td>'
                    f'<td>{_e(error.get("reason"))}</td></tr>')
    more = len(out.errors) - MAX_ERRORS_LISTED
    note = f'<p class="note">{more:,} more in errors.jsonl.</p>' if more > 0 else ""
    parts.append('<div class="scroll"><table class="sortable errors"><thead><tr><th>kind</th><th>input</th>'
                 f'<th>reason</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>{note}')
    return "".join(parts)


def _area_section(stats: Stats, charts: Charts) -> str:
    head = _heading("政策领域", "policy areas across the archive", anchor="areas")
    if not stats.area_total:
        return head + '<p class="note">No sentence has an area (the pipeline ran without policy_directives).</p>'
    rows = "".join(
        f'<tr data-area="{_e(a)}">{_area_cell(a)}<td class="num">{stats.area_sentences[a]:,}</td>'
        f'<td class="num share" data-area="{_e(a)}">{percent(stats.share(a))}</td>'
        f'<td class="num">{stats.area_directives[a]:,}</td>'
        f'<td class="num directive-share" data-area="{_e(a)}">{percent(stats.directive_share(a))}</td></tr>'
        for a in stats.areas)
    table = ('<table class="sortable areas"><thead><tr><th>领域 area</th><th class="num">句子 sentences</th>'
             '<th class="num">占比 share</th><th class="num">部署性 directives</th>'
             f'<th class="num">部署性占比 directive share</th></tr></thead><tbody>{rows}</tbody>'
             f'<tfoot><tr><td>合计 total</td><td class="num">{stats.area_total:,}</td><td class="num">100%</td>'
             f'<td class="num">{sum(stats.area_directives.values()):,}</td><td></td></tr></tfoot></table>')
    caption = ("Left: each area's share of all sentences that have an area. Right: within each area, the share of "
               "sentences that are directives (部署性句子: instructions rather than descriptions).")
    return head + _figure(charts.area_bars(stats), caption) + table


def _document_section(stats: Stats, charts: Charts) -> str:
    head = _heading("各文档的领域构成", "areas per document", anchor="documents")
    docs = [(r, c) for r, c in stats.per_document if sum(c.values())]
    if not docs:
        return head + '<p class="note">No document has sentences with an area.</p>'
    shown = docs
    rest: list[tuple[dict, Counter]] = []
    if len(docs) > MAX_DOCUMENT_BARS:  # the longest documents, in archive order
        keep = {id(r) for r, c in sorted(docs, key=lambda rc: -sum(rc[1].values()))[:MAX_DOCUMENT_BARS]}
        shown = [(r, c) for r, c in docs if id(r) in keep]
        rest = [(r, c) for r, c in docs if id(r) not in keep]
    rows = []
    for record, counts in shown:
        label = _shorten(document_name(record), 22)
        if record.get("date"):
            label += f" ({record['date']})"
        rows.append((label, counts))
    if rest:
        pooled = Counter()
        for _, c in rest:
            pooled.update(c)
        rows.append((charts.text(f"其余 {len(rest)} 篇", f"other {len(rest)} documents"), pooled))
    note = (f"The {len(shown)} longest of {len(docs)} documents (by sentences with an area), in archive order; "
            f"the last bar pools the other {len(rest)}." if rest else
            f"All {len(docs)} documents, in archive order: each bar is a document's sentences by area.")
    return head + _figure(charts.document_bars(rows, stats.areas), note) + _documents_table(stats)


def _documents_table(stats: Stats) -> str:
    rows = []
    tasks_per_doc = Counter(row["doc_id"] for row in stats.task_rows)
    for record, counts in stats.per_document:
        total = sum(counts.values())
        top = counts.most_common(1)[0][0] if total else None
        rows.append(f'<tr><td title="{_e(record.get("id"))}">{_e(document_name(record))}</td>'
                    f'<td>{_e(record.get("date"))}</td><td data-sort="{_e(record.get("level"))}">'
                    f'{_e(LEVEL_NAMES.get(record.get("level"), record.get("level")))}</td>'
                    f'<td class="num">{len(record.get("sentences") or []):,}</td>'
                    f'<td class="num">{tasks_per_doc[record.get("id")]:,}</td>{_area_cell(top)}'
                    f'<td class="num" data-sort="{counts[top] / total if total else 0:.4f}">'
                    f'{percent(counts[top] / total) if total else ""}</td></tr>')
    return (f'<details><summary>All {len(rows):,} documents (title, guessed date and level, sentences, tasks, '
            'main area)</summary><div class="scroll"><table class="sortable documents"><thead><tr>'
            '<th>文档 document</th><th>日期 date</th><th>层级 level</th><th class="num">句子 sentences</th>'
            '<th class="num">任务 tasks</th><th>主要领域 main area</th><th class="num">占比 share</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></details>')


def _time_level_section(stats: Stats, charts: Charts) -> str:
    head = _heading("时间与层级", "areas by year and by administrative level (guessed)", anchor="time")
    n = stats.documents
    dated, leveled = sum(stats.docs_by_year.values()), sum(stats.docs_by_level.values())
    if not stats.area_total or (not dated and not leveled):
        return head + ('<p class="note">No document has a guessed date or administrative level '
                       '(dates come from file names or the first lines, levels from words such as 全市, 县委).</p>')
    parts = [head, f'<p class="note">Guessed from the text and file names: a date for {dated:,} of {n:,} documents, '
                   f'a level for {leveled:,} of {n:,}. Bars are shares of those documents\' sentences; the number '
                   'above a bar counts its documents.</p><div class="row">']
    if dated:
        years = sorted(stats.by_year)
        groups = [(y, f"n={stats.docs_by_year[y]}", stats.by_year[y]) for y in years]
        parts.append(_figure(charts.group_bars(groups, stats.areas, charts.text("按年份", "by year")),
                             "Areas by year of the guessed date.", wide=Charts.group_width(len(groups)) > 5.6))
    if leveled:
        levels = [lv for lv in LEVELS if lv in stats.by_level] + sorted(set(stats.by_level) - set(LEVELS))
        labels = {lv: (f"{LEVEL_NAMES[lv]}\n{lv}" if charts.cjk and lv in LEVEL_NAMES else lv) for lv in levels}
        groups = [(labels[lv], f"n={stats.docs_by_level[lv]}", stats.by_level[lv]) for lv in levels]
        parts.append(_figure(charts.group_bars(groups, stats.areas, charts.text("按行政层级", "by level")),
                             "Areas by the guessed administrative level of the speaker's body."))
    parts.append("</div>")
    return "".join(parts)


def _actors_deadlines_section(stats: Stats, charts: Charts) -> str:
    head = _heading("责任单位与完成时限", "charged units and deadlines", anchor="actors")
    if not stats.task_rows:
        return head + '<p class="note">No tasks (no directive sentence names a unit, deadline or target, or the ' \
                      'pipeline ran without policy_tasks).</p>'
    parts = [head, '<div class="row">']
    top = stats.actors.most_common(TOP_ACTORS)
    if top:
        rows = "".join(f'<tr><td class="num">{i}</td><td class="actor">{_e(a)}</td><td class="num">{n:,}</td>'
                       f'<td class="num">{len(stats.actor_documents[a]):,}</td></tr>'
                       for i, (a, n) in enumerate(top, 1))
        table = ('<table class="sortable actors"><thead><tr><th class="num">#</th><th>责任单位 unit</th>'
                 '<th class="num">任务 tasks</th><th class="num">文档 documents</th></tr></thead>'
                 f'<tbody>{rows}</tbody></table>')
        parts.append(f'<div>{_figure(charts.actor_bars(top), f"{len(stats.actors):,} distinct units in all.")}'
                     f'<details><summary>Top units (table, with the number of documents)</summary>{table}'
                     '</details></div>')
    else:
        parts.append('<p class="note">No task names a unit.</p>')
    with_month, without = sum(stats.months.values()), sum(stats.deadlines_without_month.values())
    if with_month or without:
        common = "、".join(f"{_e(t)} ×{n}" for t, n in stats.deadlines_without_month.most_common(8))
        month_rows = "".join(f'<tr><td class="num">{m}</td><td class="num month" data-month="{m}">{stats.months[m]:,}'
                             f'</td></tr>' for m in range(1, 13))
        parts.append(
            f'<div>{_figure(charts.month_bars(stats.months), "Deadlines that name a month (6月底前 → June).")}'
            f'<p class="note">{with_month:,} of {with_month + without:,} deadlines name a month. '
            f'Without one: {common or "none"}.</p>'
            '<details><summary>Deadlines by month (table)</summary><table class="months"><thead><tr>'
            f'<th class="num">月 month</th><th class="num">时限 deadlines</th></tr></thead><tbody>{month_rows}</tbody>'
            '</table></details></div>')
    else:
        parts.append('<p class="note">No task has a deadline.</p>')
    parts.append("</div>")
    return "".join(parts)


def _tasks_section(stats: Stats) -> str:
    head = _heading("任务分解表", "all tasks", anchor="tasks")
    if not stats.task_rows:
        return head + '<p class="note">No tasks.</p>'
    rows = "".join(
        f'<tr><td title="{_e(r["doc_id"])}">{_e(r["document"])}</td>{_area_cell(r["area"])}'
        f'<td class="sentence">{_e(r["sentence"])}</td><td>{_e(r["actors"])}</td><td>{_e(r["deadlines"])}</td>'
        f'<td>{_e(r["targets"])}</td></tr>' for r in stats.task_rows)
    return (f'{head}<p class="note">{len(stats.task_rows):,} tasks: directive sentences that name a unit, a deadline '
            'or a target (TASKS.md). <span class="hint">Click a column header to sort.</span></p>'
            '<div class="scroll"><table class="sortable tasks"><thead><tr><th>文档 document</th><th>领域 area</th>'
            '<th>任务 sentence</th><th>责任单位 units</th><th>完成时限 deadlines</th><th>目标 targets</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')


def build_report(out_dir: str | Path, *, title: str | None = None, cjk_font: bool | str = True) -> str:
    """The HTML report of the output folder ``out_dir`` (see the module docstring).

    ``cjk_font``: ``True`` finds a font with Chinese glyphs (falling back to English labels
    without one), ``False`` uses none, a string names the font family to use.
    Raises :class:`ReportError` for a folder that is not an output folder, ``ImportError``
    without matplotlib (or pyarrow for a parquet folder)."""
    out = load_output(out_dir)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(MATPLOTLIB_MISSING) from None
    font = find_cjk_font() if cjk_font is True else (cjk_font or None)
    charts = Charts(font)
    stats = compute_stats(out.records)
    title = title or f"policy_nlp report: {out.path.resolve().name}"
    last = out.summary.get("last_run") or {}
    if last:
        last_line = (f" Last run: done {last.get('done', 0):,}, failed {last.get('failed', 0):,}, skipped "
                     f"{last.get('skipped', 0):,}, already done {last.get('already_done', 0):,} in "
                     f"{last.get('seconds', 0):,.1f} s.")
    elif not out.summary:
        last_line = " (No summary.json: the run did not finish; the report shows its committed chunks.)"
    else:
        last_line = ""
    sections = [_cards(out, stats), _errors_section(out)]
    if stats.documents:
        sections += [_area_section(stats, charts), _document_section(stats, charts), _time_level_section(stats, charts),
                     _actors_deadlines_section(stats, charts), _tasks_section(stats)]
    else:
        sections.append(_heading("政策领域", "policy areas", anchor="areas")
                        + '<p class="note">No document was processed: nothing to chart.</p>')
    nav = " · ".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("errors", "errors"), ("areas", "areas"), ("documents", "documents"), ("time", "time &amp; level"),
        ("actors", "units &amp; deadlines"), ("tasks", "tasks")))
    font_note = "" if charts.cjk else (" No CJK font was found for the charts: they are labelled in English and "
                                       "their Chinese names are drawn by the browser.")
    generated = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta">Output folder <code>{_e(out.path)}</code> (format {_e(out.format)}), report made '
        f"{generated} by policy_nlp {__version__}.{_e(last_line)}{_e(font_note)}</p>"
        f'<p class="meta">{nav}</p>'
        + "\n".join(sections)
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )


def write_report(out_dir: str | Path, path: str | Path, **options) -> Path:
    """Write :func:`build_report` of ``out_dir`` to ``path`` (UTF-8); returns the path."""
    page = build_report(out_dir, **options)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


__all__ = ["ReportError", "build_report", "compute_stats", "deadline_month", "find_cjk_font", "load_output",
           "percent", "write_report"]
