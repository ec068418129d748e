"""The policy-nlp command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import policy_nlp
from policy_nlp.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"policy_nlp {policy_nlp.__version__}"


def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "policy_sentences, policy_outline" in out
    assert "segmenter:" in out and "features" in out
    assert "encoder:    BertModel" in out and "areas:      invest, business_env" in out
    from policy_nlp.ml.gazetteer import GAZETTEER_FILE, Gazetteer
    from policy_nlp.models import PIPELINE

    shipped = Gazetteer.from_file(PIPELINE / "policy_entities" / "head" / GAZETTEER_FILE)
    assert len(shipped) > 100_000  # jieba's names and China's divisions
    members = len(json.loads((PIPELINE / "policy_entities" / "head" / "head_config.json").read_text()).get("members", []))
    tagger = f"mean of {members} CRF taggers" if members else "CRF tagger"
    assert f"entities:   {tagger} over 13 labels, name lists of {len(shipped):,} words" in out


def test_render_writes_html(tmp_path, capsys):
    out = tmp_path / "speech.html"
    assert main(["render", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('class="pnlp-sent"') > 20


def test_train_needs_a_known_step(capsys):
    with pytest.raises(SystemExit):
        main(["train", "everything"])
    assert "invalid choice" in capsys.readouterr().err


def test_split_gb18030_file(tmp_path, capsys):
    path = tmp_path / "speech.txt"
    path.write_bytes("一要稳投资。\n二要促消费；扩内需。".encode("gb18030"))
    assert main(["split", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == ["0\t6\t一要稳投资。", "7\t17\t二要促消费；扩内需。"]
    assert main(["split", "--clauses", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["7\t13\t二要促消费；", "13\t17\t扩内需。"]


def test_split_json(tmp_path, capsys):
    path = tmp_path / "speech.txt"
    path.write_text("一、总体要求\n要稳中求进。", encoding="utf-16")
    assert main(["split", "--json", str(path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [s["section"] for s in record["sentences"]] == ["一、总体要求", "一、总体要求"]


def test_split_stdin_escapes_line_breaks():
    text = "要持续扩大有效\n投资。" * 1
    result = subprocess.run(
        [sys.executable, "-m", "policy_nlp", "split", "-"], input=text.encode("utf-8"), capture_output=True, check=True
    )
    assert result.stdout.decode("utf-8").splitlines() == ["0\t7\t要持续扩大有效", "8\t11\t投资。"]


def test_split_reports_bad_input(tmp_path, capsys):
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x00\x01\x02\x03" * 10)
    assert main(["split", str(binary)]) == 2
    assert "binary" in capsys.readouterr().err
    assert main(["split", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_demo(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "== Outline ==" in out and "  （一）加快重点项目建设。" in out
    assert "(二要破解要素瓶颈。) 区自然资源局要优先保障项目用地" in out


def test_console_script_is_installed():
    result = subprocess.run(["policy-nlp", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and policy_nlp.__version__ in result.stdout
