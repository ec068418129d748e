"""The plain-torch BERT encoder (``ml.bert``) against transformers' ``BertModel`` on the
shipped weights, its folder format both ways, its errors, and that loading the pipeline
does not import transformers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

import policy_nlp
from policy_nlp.ml.bert import BertConfig, BertModel

ENCODER = policy_nlp.default_model_path() / "policy_encoder" / "model"


def _batch(vocab: int):
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, vocab, (3, 40), generator=g)
    mask = torch.ones_like(ids)
    mask[1, 25:] = 0  # padded rows, as CharEncoder batches windows of unequal length
    mask[2, 7:] = 0
    ids[mask == 0] = 0
    types = torch.zeros_like(ids)
    types[:, 20:] = 1
    return ids, types, mask


def _states(model, ids, types, mask):
    with torch.no_grad():
        return model(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state


def test_same_states_as_transformers_on_the_shipped_encoder():
    transformers = pytest.importorskip("transformers")
    ours = BertModel.from_pretrained(ENCODER)
    theirs = transformers.BertModel.from_pretrained(str(ENCODER), add_pooling_layer=False).eval()
    batch = _batch(ours.config.vocab_size)
    a, b = _states(ours, *batch), _states(theirs, *batch)
    real = batch[2].bool()
    assert a.shape == b.shape == (3, 40, ours.config.hidden_size)
    assert torch.allclose(a[real], b[real], atol=1e-5)
    assert not torch.allclose(a[0], a[1])  # the check is not vacuous: rows differ


def test_save_pretrained_is_read_back_by_both(tmp_path):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(1)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, extra={"initializer_range": 0.02})
    model = BertModel(config).eval()
    model.save_pretrained(tmp_path)
    written = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    assert written["model_type"] == "bert" and written["hidden_size"] == 16 and written["initializer_range"] == 0.02
    again = BertModel.from_pretrained(tmp_path)
    theirs = transformers.BertModel.from_pretrained(str(tmp_path), add_pooling_layer=False).eval()
    batch = _batch(50)
    real = batch[2].bool()
    assert torch.equal(_states(model, *batch), _states(again, *batch))
    assert torch.allclose(_states(model, *batch)[real], _states(theirs, *batch)[real], atol=1e-5)


def test_training_mode_uses_dropout_and_passes_gradients():
    torch.manual_seed(2)
    model = BertModel(BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=16, max_position_embeddings=16)).train()
    ids, types, mask = (t[:, :16] for t in _batch(30))
    first = model(ids, types, mask).last_hidden_state
    assert not torch.allclose(first, model(ids, types, mask).last_hidden_state)
    first.sum().backward()
    assert model.embeddings.word_embeddings.weight.grad.abs().sum() > 0


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        BertModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="hidden_act"):
        BertConfig.from_dict({"vocab_size": 10, "hidden_act": "relu"})
    with pytest.raises(ValueError, match="not a BERT"):
        BertConfig.from_dict({"vocab_size": 10, "model_type": "roberta"})
    BertModel(BertConfig(vocab_size=10, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=16)).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    config["num_hidden_layers"] = 2
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ValueError, match="does not fit the config: missing"):
        BertModel.from_pretrained(tmp_path)


def test_loading_the_pipeline_does_not_import_transformers():
    code = "import sys, policy_nlp; policy_nlp.load(); print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
