"""Labelled examples for training and evaluation, with text read from where it lives.

Corpus labels in ``training_data/`` hold offsets only; the text comes from ``../shared``.
Synthetic speeches (``file`` = ``synthetic/NAME``) are the project's own text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .data import REPO_ROOT, shared_dir
from .labelling import ENTITY_LABELS_DIR, LABELS_DIR, SYNTHETIC_DIR


@dataclass(frozen=True)
class SentenceExample:
    text: str
    section: str | None
    area: str
    directive: bool
    source: str  # "corpus", "synthetic" or "gold"
    doc: str
    start: int | None = None  # character offsets into the document (labelled training sentences)
    end: int | None = None
    section_path: tuple[str, ...] = ()  # the headings above the sentence, outermost first


@lru_cache(maxsize=4096)
def _document(shared: Path, name: str) -> str:
    if name.startswith("synthetic/"):
        return (SYNTHETIC_DIR / name.split("/", 1)[1]).read_text(encoding="utf-8")
    return (shared / "corpus" / name).read_text(encoding="utf-8")


def document_text(name: str) -> str:
    """The text of a labelled document: a corpus file of ``../shared`` or ``synthetic/NAME``."""
    return _document(shared_dir(), name)


def _labelled_sentences(root: Path, folders: tuple[str, ...]):
    """``(label, sentence text, section path, folder)`` for every label line under ``root/folder``."""
    from ..text.outline import build_outline, section_path_at
    from ..text.sentences import sentence_offsets

    shared = shared_dir()
    outlines: dict[str, list] = {}
    for folder in folders:
        for path in sorted((root / folder).glob("*.jsonl")):
            for label in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
                text = _document(shared, label["file"])
                if label["file"] not in outlines:
                    outlines[label["file"]] = build_outline(text, sentence_offsets(text))
                path = tuple(item["text"] for item in section_path_at(outlines[label["file"]], label["start"]))
                yield label, text[label["start"]:label["end"]], path, folder


def directive_examples(folders: tuple[str, ...] = ("corpus", "synthetic")) -> list[SentenceExample]:
    """Training sentences labelled with area and directive (section recomputed from the text)."""
    return [SentenceExample(text, path[-1] if path else None, label["area"], label["directive"], folder,
                            label["file"], label["start"], label["end"], path)
            for label, text, path, folder in _labelled_sentences(LABELS_DIR, folders)]


@dataclass(frozen=True)
class EntityExample:
    text: str
    section: str | None
    spans: tuple[tuple[int, int, str], ...]  # offsets into ``text``, end exclusive
    source: str
    doc: str


def entity_examples(folders: tuple[str, ...] = ("corpus", "synthetic"),
                    skip_documents: str | None = None) -> list[EntityExample]:
    """Policy sentences labelled with the 13 entity labels of ANNOTATION.md, without those of
    the documents whose file matches ``skip_documents`` (a regex: a test fold of documents)."""
    return [EntityExample(text, path[-1] if path else None, tuple(tuple(e) for e in label["entities"]), folder,
                          label["file"])
            for label, text, path, folder in _labelled_sentences(ENTITY_LABELS_DIR, folders)
            if not (skip_documents and re.search(skip_documents, label["file"]))]


def entity_documents(folder: str) -> dict[str, dict]:
    """The labelled sentences of ``training_data/entities/folder`` by document, for reading
    documents whole: ``{file: {"text", "ranges": [(start, end)], "gold": {(start, end, label)}}}``
    in document offsets."""
    documents: dict[str, dict] = {}
    for path in sorted((ENTITY_LABELS_DIR / folder).glob("*.jsonl")):
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            doc = documents.setdefault(row["file"], {"text": document_text(row["file"]), "ranges": [], "gold": set()})
            doc["ranges"].append((row["start"], row["end"]))
            doc["gold"].update((row["start"] + s, row["start"] + e, label) for s, e, label in row["entities"])
    return documents


def without_repeats(train: list, held: list) -> list:
    """The ``train`` examples whose text repeats none of ``held`` once ``ner_data.normalised``:
    the same speech stands in two corpus sources (1979 政府工作报告 in two collections), and a
    sentence labelled in the training copy would be trained on and tested on."""
    from .ner_data import normalised

    held_texts = {normalised(e.text) for e in held}
    return [e for e in train if normalised(e.text) not in held_texts]


def entity_split(folders: tuple[str, ...] = ("corpus", "synthetic"),
                 skip_documents: str | None = None) -> tuple[list[EntityExample], list[EntityExample]]:
    """(training, held-out) ``entity_examples``: the held-out documents are those
    ``finetune.heldout`` picks (the national held-out tenth); training sentences repeating a
    held-out one are dropped (``without_repeats``: 117 before this filter)."""
    from .finetune import heldout

    examples = entity_examples(folders, skip_documents)
    held = [e for e in examples if heldout(e.doc)]
    return without_repeats([e for e in examples if not heldout(e.doc)], held), held


def gold_dev_examples() -> list[SentenceExample]:
    """The dev gold of ``../shared/data/gold`` (validation only: never train on it)."""
    path = shared_dir() / "data" / "gold" / "dev.jsonl"
    return [SentenceExample(r["text"], r.get("section"), r["area"], r["directive"], "gold", r["doc"])
            for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


__all__ = ["SentenceExample", "document_text", "EntityExample", "directive_examples", "entity_examples", "entity_documents", "entity_split", "without_repeats", "gold_dev_examples", "REPO_ROOT"]
