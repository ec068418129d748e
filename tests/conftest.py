"""Shared fixtures: the shipped pipeline, and the project's shared data (skipped when absent, required in CI)."""

from __future__ import annotations

import os

import pytest

import policy_nlp
from policy_nlp.training.data import shared_dir


@pytest.fixture(scope="session")
def nlp():
    return policy_nlp.load()


@pytest.fixture(scope="session")
def shared():
    path = shared_dir(required=False)
    if path is None:
        message = "the shared data folder (../shared or $POLICY_NLP_SHARED) is absent"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ", and CI=true requires it")
        pytest.skip(message)
    return path



@pytest.fixture(scope="session")
def rules_nlp():
    """The shipped pipeline with the entity rules alone (the model head switched off)."""
    return policy_nlp.load(config={"components.policy_entities.use_model": False})


@pytest.fixture(scope="session")
def tiny_parts(tmp_path_factory):
    """A tiny random encoder and heads laid out as ``training.finetune`` (and ``entities``) write them:
    the component machinery tested apart from the shipped weights."""
    import torch
    from transformers import BertConfig, BertModel

    from policy_nlp.ml.char_tokenizer import build_tokenizer, count_characters
    from policy_nlp.labels import ENTITY_LABELS as LABELS
    from policy_nlp.ml.modeling import CharEncoder, DirectiveHead, EntityHead
    from policy_nlp.labels import AREAS

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny")
    tokenizer = build_tokenizer(count_characters([policy_nlp.sample_speech(), "0123456789xX%"]), min_count=1)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id)
    CharEncoder(BertModel(config, add_pooling_layer=False), tokenizer).save_pretrained(folder / "encoder")
    DirectiveHead(32, AREAS).save(folder / "directives")
    EntityHead(32, LABELS, buckets=1024, feature_dim=4).save(folder / "entities")
    return folder


@pytest.fixture(scope="session")
def tiny_nlp(tiny_parts, tmp_path_factory):
    from policy_nlp.pipeline import assemble

    out = tmp_path_factory.mktemp("tiny_pipeline") / "pipeline"
    assemble(policy_nlp.default_model_path() / "tokenizer" / "segmenter", out, tiny_parts)
    return policy_nlp.load(out)


def _same(a, b, tolerance: float) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tolerance * max(1.0, abs(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k], tolerance) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y, tolerance) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="session")
def same_records():
    """Records equal in every label, offset and text, with scores equal to 1e-6: the encoder's
    matrix products add up in another order with another number of threads (one per worker
    process), which moves float32 scores in their last digits."""
    return lambda a, b: _same(a, b, 1e-6)
