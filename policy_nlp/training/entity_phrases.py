"""Mine the phrase lists of the entity rules from the labelled sentences: ``python -m policy_nlp.training.entity_phrases``.

A surface string becomes a phrase of label L when annotators gave it label L at least
``--min-count`` times and, among all its occurrences in the labelled sentences, it was
labelled L at least ``--min-precision`` of the time (so 农业 inside 农业税收 does not become
a phrase by accident). Regex-friendly labels (numbers, dates, 《》, “”) are left to the
patterns. Writes ``policy_nlp/resources/entity_phrases.json``; the dev gold is never read.

Mining reads what the entity tagger trains on and nothing else: the ``--folders`` of
``training_data/entities`` without the documents held out for evaluation (``datasets.entity_split``:
the national held-out tenth, and any sentence repeating one of it) and without those matching
``--skip-documents`` (the unseen local speeches), so that no phrase reaches the rules from a
test document. Mining options are compared by ``python -m policy_nlp.training rules-crossval``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from .datasets import entity_split

PHRASE_LABELS = ("ORG", "GPE", "EVENT", "LAW", "PROGRAM", "INDICATOR", "INDUSTRY", "PERSON")
OUT = Path(__file__).resolve().parents[1] / "resources" / "entity_phrases.json"
TERMS = Path(__file__).with_name("entity_terms.txt")  # reviewed terms added to what is mined


def labelled_sentences(folders: tuple[str, ...] = ("corpus", "synthetic"),
                       skip_documents: str | None = None) -> list[tuple[str, tuple[tuple[int, int, str], ...]]]:
    """(sentence, entity spans) of the training documents of ``folders``: held-out documents (and
    sentences repeating theirs) and those matching ``skip_documents`` (a regex) are left out."""
    return [(e.text, e.spans) for e in entity_split(folders, skip_documents)[0]]


def mine(min_count: int, min_precision: float, max_len: int, folders: tuple[str, ...] = ("corpus", "synthetic"),
         skip_documents: str | None = None) -> dict[str, list[str]]:
    return mine_phrases(labelled_sentences(folders, skip_documents), min_count, min_precision, max_len)


def mine_phrases(sentences, min_count: int, min_precision: float, max_len: int) -> dict[str, list[str]]:
    """Phrase lists from ``(sentence, entity spans)`` pairs, with the reviewed ``TERMS``."""
    labelled: dict[tuple[str, str], int] = Counter()
    for text, entities in sentences:
        for s, e, label in entities:
            if label in PHRASE_LABELS and 2 <= e - s <= max_len:
                labelled[text[s:e], label] += 1
    phrases: dict[str, list[str]] = defaultdict(list)
    for (surface, label), count in labelled.items():
        if count < min_count or "XX" in surface:
            continue
        occurrences = sum(text.count(surface) for text, _ in sentences)
        if count / max(occurrences, 1) >= min_precision:
            phrases[label].append(surface)
    for line in TERMS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, term = line.split("\t")
            phrases[label].append(term)
    return {label: sorted(set(words), key=lambda w: (-len(w), w)) for label, words in sorted(phrases.items())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--min-precision", type=float, default=0.6)
    parser.add_argument("--max-len", type=int, default=12)
    parser.add_argument("--folders", nargs="+", default=["corpus", "synthetic"],
                        help="folders of training_data/entities to mine (as `training entities --folders`)")
    parser.add_argument("--skip-documents", default=None,
                        help="regex of document files left out (as `training entities --skip-documents`)")
    args = parser.parse_args(argv)
    phrases = mine(args.min_count, args.min_precision, args.max_len, tuple(args.folders), args.skip_documents)
    OUT.write_text(json.dumps({"_about": "mined by python -m policy_nlp.training.entity_phrases from training_data/entities",
                               **phrases}, ensure_ascii=False, indent=0), encoding="utf-8")
    print({label: len(words) for label, words in phrases.items()}, "->", OUT)


if __name__ == "__main__":
    main()
