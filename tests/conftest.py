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
    """A tiny random encoder and heads laid out as ``training.finetune`` writes them:
    the component machinery tested apart from the shipped weights."""
    import torch
    from transformers import BertConfig, BertModel

    from policy_nlp.char_tokenizer import build_tokenizer, count_characters
    from policy_nlp.entities import LABELS
    from policy_nlp.modeling import CharEncoder, DirectiveHead, EntityHead
    from policy_nlp.training.labelling import AREAS

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny")
    tokenizer = build_tokenizer(count_characters([policy_nlp.sample_speech(), "0123456789xX%"]), min_count=1)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id)
    CharEncoder(BertModel(config, add_pooling_layer=False), tokenizer).save_pretrained(folder / "encoder")
    DirectiveHead(32, AREAS).save(folder / "directives")
    EntityHead(32, LABELS).save(folder / "entities")
    return folder


@pytest.fixture(scope="session")
def tiny_nlp(tiny_parts, tmp_path_factory):
    from policy_nlp.pipeline import assemble

    out = tmp_path_factory.mktemp("tiny_pipeline") / "pipeline"
    assemble(policy_nlp.default_model_path() / "tokenizer" / "segmenter", out, tiny_parts)
    return policy_nlp.load(out)
