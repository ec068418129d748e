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

