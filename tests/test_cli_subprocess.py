"""Every ``policy-nlp`` command end-to-end, as a user runs it: a subprocess, with files,
standard input and bad paths, checking output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SPEECH = "同志们：\n一、抓项目扩投资\n各镇街要在6月底前完成XX亿元投资。\n二、保安全\n全区安全生产形势总体平稳。\n"


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "policy_nlp", *args], input=stdin, capture_output=True,
                          cwd=cwd, env=env, timeout=600)


def test_version_and_help_do_not_load_models():
    import policy_nlp

    version = run("--version")
    assert version.returncode == 0 and version.stdout.decode().strip() == f"policy_nlp {policy_nlp.__version__}"
    help_ = run("--help")
    assert help_.returncode == 0 and "process" in help_.stdout.decode()
    # the fast path: neither torch nor spaCy is imported for these
    probe = subprocess.run([sys.executable, "-c", "import sys; from policy_nlp.cli import build_parser; build_parser(); "
                            "print(sorted(m for m in ('torch', 'spacy', 'transformers') if m in sys.modules))"],
                           capture_output=True, text=True, timeout=120)
    assert probe.stdout.strip() == "[]"


def test_render_file_stdin_and_bad_path(tmp_path):
    source = tmp_path / "speech.txt"
    source.write_bytes(SPEECH.encode("gb18030"))
    out = tmp_path / "speech.html"
    done = run("render", str(source), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert "全区安全生产形势总体平稳。" in page and page.count('class="pnlp-sent"') == 5
    assert "XX亿元" in page and "MONEY" in page  # the entity, marked
    missing = run("render", str(tmp_path / "nope.txt"), "-o", str(out))
    assert missing.returncode == 2 and "nope.txt" in missing.stderr.decode()
    assert "Traceback" not in missing.stderr.decode()


def test_split_file_stdin_and_bad_path(tmp_path):
    source = tmp_path / "speech.txt"
    source.write_text(SPEECH, encoding="utf-8")
    from_file = run("split", str(source))
    from_stdin = run("split", "-", stdin=SPEECH.encode("utf-16"))
    assert from_file.returncode == from_stdin.returncode == 0
    lines = from_file.stdout.decode().splitlines()
    assert lines == from_stdin.stdout.decode().splitlines()
    start = SPEECH.index("各镇街")
    assert lines[2] == f"{start}\t{start + 18}\t各镇街要在6月底前完成XX亿元投资。"
    bad = run("split", str(tmp_path))  # a folder, not a file
    assert bad.returncode == 2 and "cannot read" in bad.stderr.decode()


def test_info_and_demo():
    info = run("info")
    assert info.returncode == 0 and "policy_cleaner" in info.stdout.decode()
    demo = run("demo")
    assert demo.returncode == 0 and "== Entities ==" in demo.stdout.decode()


def test_process_exit_codes(tmp_path):
    good = tmp_path / "in"
    good.mkdir()
    (good / "a.txt").write_text(SPEECH, encoding="utf-8")
    (good / "empty.txt").write_text("   \n", encoding="utf-8")
    ok = run("process", str(good), "-o", str(tmp_path / "out1"), "--quiet")
    assert ok.returncode == 0, ok.stderr.decode()
    assert "done 1, failed 0, skipped 1" in ok.stdout.decode()
    errors = [json.loads(line) for line in (tmp_path / "out1" / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["kind"], e["reason"]) for e in errors] == [("skipped", "empty document: no text")]
    nothing = run("process", str(tmp_path / "missing"), "-o", str(tmp_path / "out2"), "--quiet")
    assert nothing.returncode == 3 and "done 0" in nothing.stdout.decode()
    (good / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    failed = run("process", str(good), "-o", str(tmp_path / "out1"), "--quiet")
    assert failed.returncode == 1 and "failed 1" in failed.stdout.decode() and "already done 2" in failed.stdout.decode()
    usage = run("process", str(good), "-o", str(tmp_path / "out3"), "--format", "xml")
    assert usage.returncode == 2


@pytest.mark.slow
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    """kill -9 of a ``--n-process 2`` run leaves no worker behind."""
    import signal
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i:02d}.txt").write_text(SPEECH * 30, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, "-m", "policy_nlp", "process", str(folder), "-o", str(tmp_path / "out"),
                               "--n-process", "2", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    deadline = time.time() + 120
    while time.time() < deadline and len(children) < 2:
        children = {int(p) for p in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()} \
            if Path(f"/proc/{parent.pid}").exists() else set()
        time.sleep(0.5)
    assert len(children) >= 2, "the workers did not start"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(Path(f"/proc/{pid}").exists() and
                                         "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
                                         for pid in children):
        time.sleep(0.5)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
    assert not alive, f"worker processes {alive} outlived their parent"
