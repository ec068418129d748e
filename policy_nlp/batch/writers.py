"""Output of batch runs, written in atomic chunks so that an interrupted run resumes exactly.

Layout of an output folder::

    documents/part-00001.jsonl       one record per document (format "jsonl")
    documents/ sentences/ entities/ tasks/   part-00001.parquet or .csv (formats "parquet", "csv")
    _chunks/chunk-00001.json         manifest: which documents, errors and files the chunk holds
    errors.jsonl                     every failed or skipped input with its reason
    summary.json                     counts, area shares over the archive and per document

A chunk's data files are written to temporary names and renamed; its manifest is written
last, the same way. A chunk counts only once its manifest exists: on resume, documents
listed in manifests are skipped and data files no manifest names (left by a kill between
the two renames) are removed, so every document ends with exactly one record.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterable

from ..labels import AREAS

FORMATS = ("jsonl", "parquet", "csv")
CHUNKS_DIR = "_chunks"
# The columns of the Parquet/CSV tables and their types: the one place both writers read.
COLUMNS = {
    "documents": {"id": "string", "source": "string", "member": "string", "encoding": "string", "sha256": "string",
                  "title": "string", "date": "string", "level": "string", "chars": "int64", "n_sentences": "int64"},
    "sentences": {"doc_id": "string", "sentence_id": "int64", "start": "int64", "end": "int64", "text": "string",
                  "section": "string", "section_path": "list<string>", "area": "string",
                  **{f"score_{area}": "float64" for area in AREAS}, "directive": "bool",
                  "directive_score": "float64"},
    "entities": {"doc_id": "string", "start": "int64", "end": "int64", "label": "string", "text": "string",
                 "value": "string", "placeholder": "bool"},
    # one row per task span (TASKS.md): role ACTOR, DEADLINE or TARGET, in its directive sentence
    "tasks": {"doc_id": "string", "sentence_id": "int64", "role": "string", "start": "int64", "end": "int64",
              "text": "string"},
}
TABLES = tuple(COLUMNS)


def atomic_write(path: Path, write) -> None:
    """Write ``path`` through ``write(handle_path)`` on a temporary name, then rename."""
    tmp = path.with_name(f".tmp-{path.name}")
    write(tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def sentence_rows(record: dict) -> list[dict]:
    rows = []
    for s in record.get("sentences", []):
        rows.append({
            "doc_id": record["id"], "sentence_id": s["id"], "start": s["start"], "end": s["end"],
            "text": s.get("text"), "section": s.get("section"), "section_path": s.get("section_path", []),
            "area": s.get("area"), **{f"score_{a}": (s.get("area_scores") or {}).get(a) for a in AREAS},
            "directive": s.get("directive"), "directive_score": s.get("directive_score"),
        })
    return rows


def entity_rows(record: dict) -> list[dict]:
    return [
        {"doc_id": record["id"], "start": e["start"], "end": e["end"], "label": e["label"], "text": e.get("text"),
         "value": None if e.get("value") is None else str(e["value"]), "placeholder": e.get("placeholder")}
        for e in record.get("entities", [])
    ]


def task_rows(record: dict) -> list[dict]:
    roles = {"actors": "ACTOR", "deadlines": "DEADLINE", "targets": "TARGET"}
    return [{"doc_id": record["id"], "sentence_id": task["sentence"], "role": role, "start": span["start"],
             "end": span["end"], "text": span.get("text")}
            for task in record.get("tasks", []) for key, role in roles.items() for span in task[key]]


def document_row(record: dict) -> dict:
    row = {c: record.get(c) for c in COLUMNS["documents"]}
    row["chars"] = record.get("text_length")
    row["n_sentences"] = len(record.get("sentences", []))
    return row


def area_shares(record: dict) -> dict[str, float]:
    """Share of the document's sentences in each policy area (empty until areas are predicted)."""
    areas = [s["area"] for s in record.get("sentences", []) if s.get("area")]
    if not areas:
        return {}
    return {a: round(areas.count(a) / len(areas), 4) for a in sorted(set(areas))}


class ChunkedOutput:
    """An output folder written chunk by chunk (see module docstring)."""

    def __init__(self, path: str | Path, format: str = "jsonl", resume: bool = True):
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        if format == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise ImportError("format='parquet' needs pyarrow: pip install pyarrow") from None
        self.path = Path(path)
        self.format = format
        if self.path.exists() and not self.path.is_dir():
            raise NotADirectoryError(f"output {self.path} exists and is not a folder")
        self.path.mkdir(parents=True, exist_ok=True)
        if not resume:
            self._clear()
        (self.path / CHUNKS_DIR).mkdir(exist_ok=True)
        self.manifests = self._read_manifests()
        previous = {m.get("format") for m in self.manifests}
        if previous - {format}:
            raise ValueError(f"{self.path} holds a run in format {sorted(previous)[0]!r}; resume it in that "
                             "format or start over with resume=False (--no-resume)")
        self._remove_orphans()

    # ---------------------------------------------------------------- state
    @property
    def done_ids(self) -> set[str]:
        ids = set()
        for manifest in self.manifests:
            ids.update(d["id"] for d in manifest["documents"])
            ids.update(e["id"] for e in manifest["errors"])
        return ids

    def _next_index(self) -> int:
        return max((m["chunk"] for m in self.manifests), default=0) + 1

    def _read_manifests(self) -> list[dict]:
        return read_manifests(self.path)

    def _owned(self) -> list[Path]:
        return [self.path / name for name in (*TABLES, CHUNKS_DIR, "errors.jsonl", "summary.json")]

    def _clear(self) -> None:
        for path in self._owned():
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def _remove_orphans(self) -> None:
        named = {f for m in self.manifests for f in m["files"]}
        for table in TABLES:
            folder = self.path / table
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if path.is_file() and f"{table}/{path.name}" not in named:
                    path.unlink()
        for tmp in (self.path / CHUNKS_DIR).glob(".tmp-*"):
            tmp.unlink()

    # ---------------------------------------------------------------- writing
    def write_chunk(self, records: list[dict], errors: list[dict]) -> None:
        """Write one chunk: data files first, then its manifest (the commit point)."""
        if not records and not errors:
            return
        index = self._next_index()
        files = []
        if records:
            files = self._write_tables(index, records)
        manifest = {
            "chunk": index,
            "format": self.format,
            "files": files,
            "documents": [{"id": r["id"], "chars": r.get("text_length", 0), "sentences": len(r.get("sentences", [])),
                           "area_shares": area_shares(r)} for r in records],
            "errors": errors,
        }
        target = self.path / CHUNKS_DIR / f"chunk-{index:05d}.json"
        atomic_write(target, lambda p: p.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8"))
        self.manifests.append(manifest)

    def _write_tables(self, index: int, records: list[dict]) -> list[str]:
        name = f"part-{index:05d}"
        if self.format == "jsonl":
            folder = self.path / "documents"
            folder.mkdir(exist_ok=True)

            def write_jsonl(p: Path) -> None:
                with open(p, "w", encoding="utf-8") as handle:
                    for record in records:
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")

            atomic_write(folder / f"{name}.jsonl", write_jsonl)
            return [f"documents/{name}.jsonl"]
        tables = {
            "documents": [document_row(r) for r in records],
            "sentences": [row for r in records for row in sentence_rows(r)],
            "entities": [row for r in records for row in entity_rows(r)],
            "tasks": [row for r in records for row in task_rows(r)],
        }
        writer = _write_parquet if self.format == "parquet" else _write_csv
        files = []
        for table, rows in tables.items():
            folder = self.path / table
            folder.mkdir(exist_ok=True)
            target = folder / f"{name}.{self.format}"
            atomic_write(target, lambda p, rows=rows, table=table: writer(p, rows, table))
            files.append(f"{table}/{target.name}")
        return files

    # ---------------------------------------------------------------- closing
    def finalize(self, extra: dict[str, Any] | None = None) -> dict:
        """Write errors.jsonl and summary.json from all manifests; returns the summary."""
        errors = [e for m in self.manifests for e in m["errors"]]
        atomic_write(self.path / "errors.jsonl", lambda p: p.write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors), encoding="utf-8"))
        documents = [d for m in self.manifests for d in m["documents"]]
        summary = {
            "format": self.format,
            "documents": len(documents),
            "failed": sum(1 for e in errors if e.get("kind") == "failed"),
            "skipped": sum(1 for e in errors if e.get("kind") == "skipped"),
            "chars": sum(d["chars"] for d in documents),
            "sentences": sum(d["sentences"] for d in documents),
            "chunks": len(self.manifests),
            "area_shares_total": _total_shares(documents),
            "area_shares": {d["id"]: d["area_shares"] for d in documents},
        }
        summary.update(extra or {})
        atomic_write(self.path / "summary.json", lambda p: p.write_text(
            json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"))
        return summary


def _total_shares(documents: list[dict]) -> dict[str, float]:
    """Share of each area among all sentences of the archive (documents weighted by their sentences)."""
    counts: dict[str, float] = {}
    for d in documents:
        for area, share in (d.get("area_shares") or {}).items():
            counts[area] = counts.get(area, 0.0) + share * d["sentences"]
    total = sum(counts.values())
    return {a: round(c / total, 4) for a, c in sorted(counts.items())} if total else {}


def _write_csv(path: Path, rows: list[dict], table: str) -> None:
    # UTF-8 with a byte-order mark: Excel opens it as UTF-8 (without one it guesses a legacy
    # code page and garbles Chinese); pandas, csv and pyarrow read it as usual.
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS[table]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                             for k, v in row.items()})


def _write_parquet(path: Path, rows: list[dict], table: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
             "list<string>": pa.list_(pa.string())}
    schema = pa.schema([(name, types[kind]) for name, kind in COLUMNS[table].items()])
    data = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    pq.write_table(data, path)


def read_manifests(path: str | Path) -> list[dict]:
    """The committed chunk manifests of an output folder, in chunk order."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(path, CHUNKS_DIR).glob("chunk-*.json"))]


def read_records(path: str | Path) -> Iterable[dict]:
    """All JSONL records of a finished or interrupted run (committed chunks only), chunk by chunk."""
    for manifest in read_manifests(path):
        for name in manifest["files"]:
            if name.endswith(".jsonl"):
                with open(Path(path, name), encoding="utf-8") as handle:
                    for line in handle:
                        yield json.loads(line)
