"""Batch processing: readers, writers, never losing or duplicating a document, resume, parity."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import policy_nlp
from policy_nlp.batch.run import analyse_text, paragraph_chunks, process
from policy_nlp.batch.readers import extract_text, iter_sources, safe_member_name
from policy_nlp.batch.writers import read_manifests, read_records

SPEECH_A = "在全县经济工作会议上的讲话\n同志们：\n一要稳投资。要加快重点项目建设。\n二要促消费。要办好促销活动。"
SPEECH_B = "关于优化营商环境的实施方案\n一、总体要求\n持续深化“放管服”改革。\n二、主要任务\n（一）推行“一网通办”。"
SPEECH_C = "XX区2023年上半年工作总结\n上半年，全区地区生产总值增长5.1%。下半年，我们要确保完成全年目标任务。"


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal .docx (only what readers need: word/document.xml)."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def pdf_bytes(lines: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        page.drawString(72, 760 - 18 * i, line)
    page.save()
    return buffer.getvalue()


def corrupt_zip_member(path: Path, member: str) -> None:
    """Flip bytes inside one member's compressed data so that it fails its CRC or inflating."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + min(12, info.compress_size)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture()
def archive_dir(tmp_path):
    """A folder with a zip of mixed formats and encodings, a tar.gz, loose files and bad inputs."""
    root = tmp_path / "in"
    root.mkdir()
    with zipfile.ZipFile(root / "speeches.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("county/a_utf8.txt", SPEECH_A.encode("utf-8"))
        archive.writestr("county/b_gb18030.txt", SPEECH_B.encode("gb18030"))
        archive.writestr("county/c_utf16.md", SPEECH_C.encode("utf-16"))
        archive.writestr("web/page.html", ('<html><head><meta charset="gbk"><title>通知</title><style>p{}</style>'
                                           '</head><body><p>要持续优化营商环境。</p><script>var x="不要";</script>'
                                           '<div>确保政策落实。</div></body></html>').encode("gbk"))
        archive.writestr("office/plan.docx", docx_bytes(["一、总体要求", "要稳中求进。"]))
        archive.writestr("office/report.pdf", pdf_bytes(["要加快项目建设。", "确保早开工早投产。"]))
        archive.writestr("corrupt.txt", ("要落实。" * 400).encode("utf-8"))
        archive.writestr("../escape.txt", "越界".encode("utf-8"))
        archive.writestr("/abs.txt", "越界".encode("utf-8"))
        archive.writestr("big.txt", ("大" * 5000).encode("utf-8"))
        archive.writestr("tool.exe", b"MZ\x90\x00")
        archive.writestr("binary.txt", bytes(range(256)) * 8)
    corrupt_zip_member(root / "speeches.zip", "corrupt.txt")
    with tarfile.open(root / "more.tar.gz", "w:gz") as archive:
        data = SPEECH_A.replace("县", "区").encode("big5", "replace")
        info = tarfile.TarInfo("old/speech_big5.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    (root / "loose.txt").write_text(SPEECH_C, encoding="utf-8-sig")
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    return root


def run(archive_dir, out, **kwargs):
    kwargs.setdefault("quiet", True)
    kwargs.setdefault("max_member_bytes", 10_000)
    return process([archive_dir], out, **kwargs)


def errors_by_id(out: Path) -> dict[str, dict]:
    lines = (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()
    return {e["id"]: e for e in map(json.loads, lines)}


def test_mixed_archive(archive_dir, tmp_path):
    out = tmp_path / "out"
    summary = run(archive_dir, out, batch_size=3)
    records = {r["id"]: r for r in read_records(out)}
    zip_id = f"{archive_dir / 'speeches.zip'}::"
    assert records[zip_id + "county/a_utf8.txt"]["encoding"] == "utf-8"
    assert records[zip_id + "county/b_gb18030.txt"]["encoding"] == "gb18030"
    assert records[zip_id + "county/c_utf16.md"]["encoding"] == "utf-16"
    assert records[str(archive_dir / "loose.txt")]["encoding"] == "utf-8-sig"
    html = records[zip_id + "web/page.html"]
    assert [s["text"] for s in html["sentences"]] == ["通知", "要持续优化营商环境。", "确保政策落实。"]
    assert html["encoding"] == "gbk"
    docx = records[zip_id + "office/plan.docx"]
    assert [s["text"] for s in docx["sentences"]] == ["一、总体要求", "要稳中求进。"]
    assert docx["sentences"][1]["section"] == "一、总体要求"
    pdf = records[zip_id + "office/report.pdf"]
    assert [s["text"] for s in pdf["sentences"]] == ["要加快项目建设。", "确保早开工早投产。"]
    tar_record = records[f"{archive_dir / 'more.tar.gz'}::old/speech_big5.txt"]
    assert tar_record["encoding"] in ("big5", "gb18030") and tar_record["sentences"]

    a = records[zip_id + "county/a_utf8.txt"]
    assert a["title"] == "在全县经济工作会议上的讲话" and a["level"] == "county"
    assert [o["text"] for o in a["outline"]] == ["一要稳投资。", "二要促消费。"]
    import hashlib

    assert a["sha256"] == hashlib.sha256(SPEECH_A.encode("utf-8")).hexdigest()

    errors = errors_by_id(out)
    assert "CRC" in errors[zip_id + "corrupt.txt"]["reason"] or "corrupt" in errors[zip_id + "corrupt.txt"]["reason"]
    assert "unsafe member path" in errors[zip_id + "../escape.txt"]["reason"]
    assert "unsafe member path" in errors[zip_id + "/abs.txt"]["reason"]
    assert "exceeds" in errors[zip_id + "big.txt"]["reason"]
    assert "unsupported" in errors[zip_id + "tool.exe"]["reason"]
    assert "binary" in errors[zip_id + "binary.txt"]["reason"]
    assert "broken zip" in errors[str(archive_dir / "broken.zip")]["reason"]
    assert errors[zip_id + "corrupt.txt"]["kind"] == "failed" and errors[zip_id + "tool.exe"]["kind"] == "skipped"

    # Nothing escaped: the run wrote only inside its output folder.
    assert not (tmp_path / "escape.txt").exists() and not Path("/abs.txt").exists()
    totals = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert totals["documents"] == len(records) == summary.done == 8
    assert totals["failed"] + totals["skipped"] == len(errors) == summary.failed + summary.skipped == 7
    assert set(totals["area_shares"]) == set(records)


def test_rerun_resumes_without_duplicates(archive_dir, tmp_path):
    out = tmp_path / "out"
    run(archive_dir, out, batch_size=2)
    again = run(archive_dir, out, batch_size=2)
    assert again.done == again.failed == again.skipped == 0 and again.already_done == 15
    ids = [r["id"] for r in read_records(out)]
    assert len(ids) == len(set(ids)) == 8
    fresh = run(archive_dir, out, batch_size=2, resume=False)
    assert fresh.done == 8 and len(list(read_records(out))) == 8


def test_orphan_data_files_are_removed_on_resume(archive_dir, tmp_path):
    out = tmp_path / "out"
    run(archive_dir, out, batch_size=100)
    # A kill between writing a chunk's data and its manifest leaves a file no manifest names.
    orphan = out / "documents" / "part-00099.jsonl"
    orphan.write_text('{"id": "ghost"}\n', encoding="utf-8")
    (out / "_chunks" / ".tmp-chunk-00099.json").write_text("{", encoding="utf-8")
    run(archive_dir, out)
    assert not orphan.exists() and not (out / "_chunks" / ".tmp-chunk-00099.json").exists()
    assert "ghost" not in {r["id"] for r in read_records(out)}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_keyed_by_document(archive_dir, tmp_path, fmt):
    out = tmp_path / fmt
    run(archive_dir, out, format=fmt, batch_size=3)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        docs = pq.read_table(out / "documents").to_pylist()
        sentences = pq.read_table(out / "sentences").to_pylist()
        entities = pq.read_table(out / "entities")
        assert entities.column_names[:4] == ["doc_id", "start", "end", "label"]
    else:
        import csv

        def rows(table):
            return [row for p in sorted((out / table).glob("*.csv")) for row in csv.DictReader(open(p, encoding="utf-8-sig"))]

        docs, sentences = rows("documents"), rows("sentences")
    assert len(docs) == 8
    ids = {d["id"] for d in docs}
    assert {s["doc_id"] for s in sentences} == ids
    first = next(s for s in sentences if s["doc_id"].endswith("a_utf8.txt") and str(s["sentence_id"]) == "3")
    assert first["text"] == "要加快重点项目建设。" and first["section"] == "一要稳投资。"


def test_include_and_exclude(archive_dir, tmp_path):
    out = tmp_path / "out"
    run(archive_dir, out, include=["*.txt"], exclude=["*gb18030*"])
    ids = {r["id"].rsplit("::", 1)[-1] for r in read_records(out)}
    assert ids == {"county/a_utf8.txt", "old/speech_big5.txt", str(archive_dir / "loose.txt")}


def test_timeout_is_a_failure_not_a_crash(archive_dir, tmp_path):
    out = tmp_path / "out"
    summary = process([archive_dir / "loose.txt"], out, quiet=True, timeout=1e-6)
    assert summary.failed == 1 and "timed out" in errors_by_id(out)[str(archive_dir / "loose.txt")]["reason"]


def test_huge_document_in_paragraph_chunks(nlp):
    text = (policy_nlp.sample_speech() + "\n") * 6 + "同志们，" + "要狠抓落实，" * 100 + "确保完成任务。"
    whole = analyse_text(nlp, text, max_chars=10**9)
    chunked = analyse_text(nlp, text, max_chars=700)
    assert len(paragraph_chunks(text, 700)) > 6
    assert [(s["start"], s["end"]) for s in chunked["sentences"]] == [(s["start"], s["end"]) for s in whole["sentences"]]
    assert chunked["outline"] == whole["outline"]
    assert [s["section_path"] for s in chunked["sentences"]] == [s["section_path"] for s in whole["sentences"]]
    for s in chunked["sentences"]:
        assert text[s["start"] : s["end"]] == s["text"]


def test_paragraph_chunks_never_cut_sentences():
    text = "要稳投资。" * 50 + "\n" + "促消费" * 10
    pieces = paragraph_chunks(text, 42)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 42 for _, p in pieces)
    assert all(p.endswith("。") or p.endswith("\n") or o + len(p) == len(text) for o, p in pieces)


def test_safe_member_names():
    assert safe_member_name("a/./b.txt") == "a/b.txt"
    assert safe_member_name("..\\evil.txt") is None
    assert safe_member_name("C:/evil.txt") is None
    assert safe_member_name("a/../../b") is None


def test_sources_are_listed_in_a_stable_order(archive_dir):
    first = [s.id for s in iter_sources([archive_dir])]
    assert first == [s.id for s in iter_sources([archive_dir])]
    assert extract_text("<p>甲&amp;乙</p>".encode(), ".html").text == "甲&乙"


def test_parity_across_process_counts_and_dask(archive_dir, tmp_path, same_records):
    def records(out):
        return sorted(read_records(out), key=lambda r: r["id"])

    run(archive_dir, tmp_path / "one")
    run(archive_dir, tmp_path / "two", n_process=2)
    assert same_records(records(tmp_path / "one"), records(tmp_path / "two"))

    from distributed import Client, LocalCluster

    from policy_nlp.batch.dask import process_on_dask

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            process_on_dask([archive_dir], tmp_path / "dask", scheduler=client, quiet=True, max_member_bytes=10_000)
    assert same_records(records(tmp_path / "one"), records(tmp_path / "dask"))
    assert errors_by_id(tmp_path / "one") == errors_by_id(tmp_path / "dask")


def many_speeches(folder: Path, n: int, repeat: int) -> set[str]:
    """``n`` speeches of ``repeat`` sample speeches each: large enough that a run is still
    going when the test interrupts it."""
    folder.mkdir()
    ids = set()
    for i in range(n):
        path = folder / f"speech_{i:03d}.txt"
        path.write_text(f"第{i}号讲话\n" + policy_nlp.sample_speech() * repeat, encoding="utf-8")
        ids.add(str(path))
    return ids


def wait_for_chunks(out: Path, n: int, proc: subprocess.Popen, limit: float = 300) -> None:
    deadline = time.time() + limit
    while time.time() < deadline and proc.poll() is None:
        if len(list((out / "_chunks").glob("chunk-*.json"))) >= n:
            return
        time.sleep(0.05)
    proc.kill()  # leave no run (and, through it, no worker) behind
    raise AssertionError("the run did not get far enough before the test's deadline")


def test_kill_and_resume_gives_exactly_one_record_per_document(tmp_path):
    ids = many_speeches(tmp_path / "in", 40, repeat=30)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "policy_nlp", "process", str(tmp_path / "in"), "-o", str(out), "--batch-size", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_chunks(out, 3, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = [r["id"] for r in read_records(out)]
    assert 0 < len(written) < 40
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    final = [r["id"] for r in read_records(out)]
    assert sorted(final) == sorted(ids)
    assert json.loads((out / "summary.json").read_text())["documents"] == 40


def test_a_killed_worker_process_loses_no_document(tmp_path):
    ids = many_speeches(tmp_path / "in", 30, repeat=30)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "policy_nlp", "process", str(tmp_path / "in"), "-o", str(out),
           "--batch-size", "2", "--n-process", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_chunks(out, 2, proc)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    workers = [c for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]
    assert workers, "no worker process found"
    os.kill(int(workers[0]), signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 0, stderr
    records = [r["id"] for r in read_records(out)]
    assert sorted(records) == sorted(ids)
    assert json.loads((out / "summary.json").read_text())["failed"] == 0
    assert "worker process died" in stderr  # the pool was really broken and replaced
    assert len(read_manifests(out)) >= 2


def test_cli_process_reports_counts(archive_dir, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "policy_nlp", "process", str(archive_dir), "-o", str(tmp_path / "out"), "--quiet",
         "--max-member-bytes", "10000"],
        capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr  # two documents failed: exit code 1
    assert result.stdout.strip().startswith("done 8, failed 2, skipped 5, already done 0")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="format"):
        process([tmp_path], tmp_path / "out", format="xml")
    with pytest.raises(ValueError, match="n_process"):
        process([tmp_path], tmp_path / "out2", n_process=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        process([tmp_path], tmp_path / "file")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_release_memory_returns_freed_heap_to_the_system():
    """What a worker does after each document: memory the document freed leaves the process."""
    from policy_nlp.batch.run import release_memory

    def rss_mb():
        status = Path(f"/proc/{os.getpid()}/status").read_text().splitlines()
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) / 1024

    blocks = [bytearray(100_000) for _ in range(1500)]  # 150 MB in heap-sized pieces
    last = blocks[-1]  # kept: the heap cannot simply shrink from its top
    del blocks
    held = rss_mb()
    release_memory()
    assert rss_mb() < held - 100
    assert len(last) == 100_000
