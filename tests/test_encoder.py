"""The character tokenizer, the encoder pass (windows, batching, offsets) and the neural
components' machinery, on a tiny random model and on the shipped one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch

import policy_nlp
from policy_nlp.ml.char_tokenizer import build_tokenizer, count_characters
from policy_nlp.ml.modeling import CharEncoder, DirectiveHead


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(count_characters(["要加快推进重点项目建设，确保XX个项目早开工。同比增长49%。Abc"]), min_count=1)


def test_tokenizer_one_token_per_character_with_offsets(tokenizer):
    text = "增长４９％，ＸＸ个项目 Abc"
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    # NFKC: full-width digits, letters and punctuation reach the model as ASCII (lower-cased); the space is dropped.
    assert tokens == ["增", "长", "4", "9", "%", ",", "x", "x", "个", "项", "目", "a", "b", "c"]
    assert [text[s:e] for s, e in enc["offset_mapping"]] == [c for c in text if c != " "]


def test_tokenizer_keeps_placeholders_and_numbers_known(tokenizer):
    ids = tokenizer("XX亿元，增长49%", add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id not in ids[:2] + ids[-3:]
    assert tokenizer("鑫", add_special_tokens=False)["input_ids"] == [tokenizer.unk_token_id]


def test_tokenizer_pair_template(tokenizer):
    enc = tokenizer("要开工", "项目", return_token_type_ids=True)
    assert tokenizer.convert_ids_to_tokens(enc["input_ids"]) == ["[CLS]", "要", "开", "工", "[SEP]", "项", "目", "[SEP]"]
    assert enc["token_type_ids"] == [0, 0, 0, 0, 0, 1, 1, 1]


def test_tokenizer_round_trips_through_save_pretrained(tokenizer, tmp_path):
    from policy_nlp.ml.char_tokenizer import load_tokenizer

    from transformers import PreTrainedTokenizerFast

    tokenizer.save_pretrained(tmp_path)
    again = load_tokenizer(tmp_path)  # the pipeline's reader: tokenizers alone
    text = "ＸＸ个项目，增长４９％"
    reference = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    encoding = again.encode([text])[0]
    assert encoding.ids == reference["input_ids"] and encoding.offsets == [tuple(o) for o in reference["offset_mapping"]]
    assert (again.cls_token_id, again.sep_token_id, again.pad_token_id) == (
        tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
    # and what it saves, transformers reads back (pre-training reads the pipeline's tokenizer so)
    again.save_pretrained(tmp_path / "again")
    assert PreTrainedTokenizerFast.from_pretrained(tmp_path / "again")(text)["input_ids"] == tokenizer(text)["input_ids"]


@pytest.fixture(scope="module")
def tiny_encoder(tiny_parts):
    return CharEncoder.from_pretrained(tiny_parts / "encoder", max_length=40, section_chars=8, overlap=6)


def test_windows_cover_every_character_with_overlap(tiny_encoder):
    windows = tiny_encoder._windows(list(range(100)), [1, 2, 3])
    assert windows[0][0] == 0 and windows[-1][1] == 100
    width = 40 - 3 - 3
    assert all(end - start <= width for start, end in windows)
    assert all(b[0] == a[1] - 6 for a, b in zip(windows, windows[1:]))


def test_long_sentence_is_windowed_not_truncated(tiny_encoder):
    sentence = "要加快推进重点项目建设，确保早开工早投产" * 15  # 300 characters, window 29
    short = "确保早开工。"
    with torch.inference_mode():
        long_enc, short_enc = tiny_encoder.encode([sentence, short], ["一、项目为王", None])
    assert long_enc.tokens.shape == (300, 32)
    assert [tuple(o) for o in long_enc.offsets] == [(i, i + 1) for i in range(300)]
    assert torch.isfinite(long_enc.tokens).all()
    # The short sentence does not depend on what it was batched with.
    alone = tiny_encoder.encode([short], [None])[0]
    assert torch.allclose(alone.tokens, short_enc.tokens, atol=1e-5)


def test_encode_checks_its_arguments(tiny_encoder):
    with pytest.raises(ValueError, match="one section"):
        tiny_encoder.encode(["要开工。"], [])
    assert tiny_encoder.encode([], []) == []


def test_heads_round_trip(tmp_path):
    torch.manual_seed(1)
    head = DirectiveHead(8, ["a", "b", "other"], area_temperature=1.7)
    head.save(tmp_path / "d")
    again = DirectiveHead.load(tmp_path / "d")
    x = torch.randn(3, 16)
    head.eval()
    assert again.area_temperature == 1.7 and again.labels == ["a", "b", "other"]
    assert torch.equal(head.probabilities(x)[0], again.probabilities(x)[0])
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["head.safetensors", "head_config.json"]


def test_tiny_pipeline_sets_every_attribute(tiny_nlp):
    assert tiny_nlp.pipe_names == ["policy_sentences", "policy_outline", "policy_encoder", "policy_directives", "policy_entities",
                                   "policy_tasks", "policy_cleaner"]
    doc = tiny_nlp("一、扩大有效投资。要加快推进重点项目建设。")
    for sent in doc._.sentences:
        assert sent._.area in sent._.area_scores
        assert sum(sent._.area_scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert 0.0 <= sent._.directive_score <= 1.0
        assert sent._.directive == (sent._.directive_score >= 0.5)
    assert doc._.policy_states is None  # policy_cleaner released the states
    entities = [(e.start_char, e.end_char) for e in doc.ents]
    assert all(a[1] <= b[0] for a, b in zip(entities, entities[1:]))


def test_tiny_pipeline_round_trips_to_disk(tiny_nlp, tmp_path):
    tiny_nlp.to_disk(tmp_path / "copy")
    again = policy_nlp.load(tmp_path / "copy")
    text = policy_nlp.sample_speech()
    a, b = tiny_nlp(text), again(text)
    assert [s._.area_scores for s in a._.sentences] == [s._.area_scores for s in b._.sentences]
    assert [(e.start_char, e.end_char, e.label_) for e in a.ents] == [(e.start_char, e.end_char, e.label_) for e in b.ents]
    files = {p.name for p in (tmp_path / "copy").rglob("*") if p.is_file()}
    assert "model.safetensors" in files and "head.safetensors" in files
    assert not any(f.endswith((".pt", ".pth", ".pkl", ".pickle", ".ckpt")) or f == "pytorch_model.bin" for f in files)


def test_directives_without_encoder_is_a_clear_error(tiny_nlp):
    with pytest.raises(ValueError, match="policy_directives needs policy_encoder"):
        tiny_nlp("要开工。", disable=["policy_encoder"])


def test_entities_fall_back_to_rules_without_encoder(tiny_nlp, rules_nlp):
    text = "一季度，全区固投完成XX亿元，同比增长49%。"
    doc = tiny_nlp(text, disable=["policy_encoder", "policy_directives"])
    assert [(e.text, e.label_) for e in doc.ents] == [(e.text, e.label_) for e in rules_nlp(text).ents]


def test_missing_weights_are_a_clear_error(tiny_nlp, tmp_path):
    tiny_nlp.to_disk(tmp_path / "broken")
    (tmp_path / "broken" / "policy_encoder" / "model" / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        policy_nlp.load(tmp_path / "broken")


def test_cuda_on_a_machine_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        policy_nlp.load(device="cuda")


def test_cpu_run_never_touches_cuda():
    """Loading and running on the CPU never initialises CUDA (checked in a fresh interpreter)."""
    code = textwrap.dedent("""
        import json, torch, policy_nlp
        nlp = policy_nlp.load()
        doc = nlp(policy_nlp.sample_speech())
        print(json.dumps({"cuda_initialised": torch.cuda.is_initialized(), "sentences": len(doc._.sentences)}))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"cuda_initialised": False, "sentences": report["sentences"]} and report["sentences"] > 20
