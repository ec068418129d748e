"""The pipeline object: loading the shipped spaCy pipeline and assembling a new one from parts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from spacy.lang.zh import Chinese
from spacy.tokens import Doc
from spacy.util import load_config, load_meta

from . import components  # noqa: F401  (registers the factories, the tokenizer and the extensions)

DEFAULT_MODEL = "policy_zh_sm"
MODEL_ENV = "POLICY_NLP_MODEL"
# spaCy refuses texts over 1,000,000 characters by default, a guard for its parser and NER.
# Our components are linear in time and memory, so whole documents of up to 20 M
# characters (about 3 GB of tokens) are accepted; batch processing splits larger ones.
MAX_LENGTH = 20_000_000


class PolicyChinese(Chinese):
    """spaCy's ``Chinese`` with input checking suited to batch jobs: anything but text
    (or a Doc) raises ``TypeError`` naming the type, instead of spaCy's ``ValueError``."""

    def _ensure_doc(self, doc_like: Any) -> Doc:
        if isinstance(doc_like, (str, Doc)):
            return super()._ensure_doc(doc_like)
        if isinstance(doc_like, (bytes, bytearray)):
            raise TypeError(
                f"policy_nlp expects text as str, got {type(doc_like).__name__}: decode it first "
                "(policy_nlp.decode_text detects GB18030/GBK/UTF-16/UTF-8 with BOM)"
            )
        raise TypeError(f"policy_nlp expects text as str, got {type(doc_like).__name__}")


def default_model_path() -> Path:
    """The shipped pipeline: ``$POLICY_NLP_MODEL``, else the one installed with the package
    (``policy_nlp.models``, which is ``models/`` of the source tree)."""
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    from .models import PIPELINE

    return PIPELINE


def load(path: str | Path | None = None, device: str = "cpu", *, exclude: tuple[str, ...] = (), config: dict | None = None) -> PolicyChinese:
    """Load a policy_nlp pipeline directory (default: the shipped ``models/policy_zh_sm``).

    ``device`` is ``"cpu"`` or ``"cuda"``/``"cuda:N"`` for components that run neural
    models; ``exclude`` names components not to load; ``config`` overrides config values
    (e.g. ``{"components.policy_sentences.clause_mode": True}``).
    """
    path = check_model_path(path)
    check_device(device)
    cfg = load_config(path / "config.cfg", overrides=dict(config or {}))
    meta = load_meta(path / "meta.json")
    nlp = PolicyChinese.from_config(cfg, meta=meta, exclude=list(exclude))
    nlp.from_disk(path, exclude=list(exclude))
    nlp.max_length = MAX_LENGTH
    for _, component in nlp.pipeline:
        if hasattr(component, "to_device"):
            component.to_device(device)
    return nlp


def check_model_path(path: str | Path | None) -> Path:
    """The pipeline directory ``path`` (default: the shipped one), or a clear FileNotFoundError."""
    path = Path(path) if path is not None else default_model_path()
    if not (path / "config.cfg").exists():
        raise FileNotFoundError(
            f"No policy_nlp pipeline at {path} (config.cfg missing). Pass the path of a "
            f"pipeline directory or set {MODEL_ENV}."
        )
    return path


def check_device(device: str) -> None:
    """``cpu``, or ``cuda``/``cuda:N`` when torch sees that GPU (CUDA is never touched for ``cpu``)."""
    if device == "cpu":
        return
    if not device.startswith("cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda[:N]', not {device!r}")
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError(f"device={device!r} was asked for, but torch sees no CUDA GPU here (torch {torch.__version__})")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise RuntimeError(f"device={device!r}: torch sees only {torch.cuda.device_count()} GPU(s)")


# Documents per batch in ``nlp.pipe``: the encoder's states of a batch are held until the
# heads have read them, so a moderate batch keeps memory bounded for long documents.
BATCH_SIZE = 64


def blank() -> PolicyChinese:
    """An empty pipeline with the policy tokenizer (no segmentation model loaded)."""
    return PolicyChinese.from_config({"nlp": {"tokenizer": {"@tokenizers": "policy_nlp.tokenizer.v1"},
                                              "batch_size": BATCH_SIZE}})


def assemble(segmenter_dir: str | Path, out: str | Path | None = None, neural_dir: str | Path | None = None) -> PolicyChinese:
    """Build the shipped pipeline from its parts: the trained segmenter, our components and,
    with ``neural_dir`` (the output of ``policy_nlp.training.finetune``: ``encoder/``,
    ``directives/``, and ``lexical/`` with ``mixing.json`` where ``policy_nlp.training.lexical``
    has fitted them, ``entities/`` where ``policy_nlp.training entities`` has), the encoder
    and its two heads."""
    from . import __version__

    nlp = blank()
    nlp.tokenizer.initialize(segmenter_dir=segmenter_dir)
    nlp.add_pipe("policy_sentences")
    nlp.add_pipe("policy_outline")
    if neural_dir is not None:
        neural_dir = Path(neural_dir)
        nlp.add_pipe("policy_encoder").initialize(nlp=nlp, model_dir=neural_dir / "encoder")
        fitted = (neural_dir / "lexical").exists()  # fitted for this head by policy_nlp.training.lexical
        nlp.add_pipe("policy_directives").initialize(
            nlp=nlp, head_dir=neural_dir / "directives",
            lexical_dir=neural_dir / "lexical" if fitted else None,
            mixing_file=neural_dir / "mixing.json" if fitted else None)
    tagger = neural_dir / "entities" if neural_dir is not None else None  # written by policy_nlp.training entities
    nlp.add_pipe("policy_entities").initialize(nlp=nlp, head_dir=tagger if tagger is not None and tagger.exists() else None)
    nlp.add_pipe("policy_tasks")
    nlp.add_pipe("policy_cleaner")
    nlp.meta.update(
        {
            "name": DEFAULT_MODEL,
            "version": __version__,
            "description": "policy_nlp: Chinese policy speeches (word segmentation, sentences, outline, policy areas and directives, entities)",
            "license": "MIT",
            "author": "policy_nlp",
            "requirements": [f"policy_nlp>={__version__}"],
        }
    )
    if out is not None:
        nlp.to_disk(out)
    return nlp


__all__ = ["PolicyChinese", "load", "blank", "assemble", "check_device", "default_model_path"]
