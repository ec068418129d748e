"""The shipped pipeline directory, installed with the package as ``policy_nlp.models``."""

from pathlib import Path

PIPELINE = Path(__file__).resolve().parent / "policy_zh_sm"

__all__ = ["PIPELINE"]
