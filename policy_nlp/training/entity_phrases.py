"""Mine the phrase lists of the entity rules from the labelled sentences: ``python -m policy_nlp.training.entity_phrases``.

A surface string becomes a phrase of label L when annotators gave it label L at least
``--min-count`` times and, among all its occurrences in the labelled sentences, it was
labelled L at least ``--min-precision`` of the time (so 农业 inside 农业税收 does not become
a phrase by accident). Regex-friendly labels (numbers, dates, 《》, “”) are left to the
patterns. Writes ``policy_nlp/resources/entity_phrases.json``; the dev gold is never read.

Mining reads what the entity tagger trains on and nothing else: the ``--folders`` of
``training_data/entities`` without the documents held out for evaluation (``datasets.entity_split``:
the national held-out tenth, and any sentence repeating one of it) and without those matching
``--skip-documents`` (the unseen local speeches), so that no phrase reaches the rules from a test document.
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


def crossval(pipeline: Path | None, options: dict[str, dict], folds: int = 5) -> dict[str, dict[str, list[float]]]:
    """Out-of-fold ``doc.ents`` F1 of each phrase-mining option, per genre and fold.

    Phrases only fill the gaps the tagger leaves, so they are judged beside the tagger, on the
    documents it never trained on: the national held-out tenth (each sentence alone) and the
    unseen local speeches (whole). These documents are split into ``folds`` folds by document;
    for each fold the phrases are mined from the tagger's training documents plus the other
    folds, with each option's ``folders``/``min_count``/``min_precision`` (``{"phrases": {}}``:
    none; ``{"phrases": dict}``: a fixed list), and the fold is scored exactly as the pipeline
    merges (``merge_spans``)."""
    import re

    from ..evaluate import span_scores
    from ..labels import ENTITY_LABELS
    from ..pipeline import load
    from ..text.entity_rules import EntityRules, default_rules, merge_spans
    from .crossval import UNSEEN_LOCAL_SPEECHES, document_folds, genre
    from .datasets import entity_documents, entity_examples

    nlp = load(pipeline) if pipeline else load()
    component = nlp.get_pipe("policy_entities")
    units = []  # (doc, text, gold spans, scored ranges or None, model spans)
    national = entity_split(("corpus",))[1]
    for e, doc in zip(national, nlp.pipe([e.text for e in national], disable=["policy_entities", "policy_tasks", "policy_cleaner"])):
        units.append((e.doc, e.text, set(map(tuple, e.spans)), None, component.model_spans(doc)))
    local = [e for e in entity_examples(("local",)) if re.search(UNSEEN_LOCAL_SPEECHES, e.doc)]
    speeches = {f: d for f, d in entity_documents("local").items() if re.search(UNSEEN_LOCAL_SPEECHES, f)}
    for f, doc in zip(speeches, nlp.pipe([d["text"] for d in speeches.values()],
                                         disable=["policy_entities", "policy_tasks", "policy_cleaner"])):
        units.append((f, doc.text, speeches[f]["gold"], speeches[f]["ranges"], component.model_spans(doc)))
    evaluated = [(e.doc, e.text, e.spans) for e in national + local]
    docs = sorted({u[0] for u in units})
    patterns = default_rules().patterns
    training = {tuple(o["folders"]): labelled_sentences(tuple(o["folders"]), UNSEEN_LOCAL_SPEECHES)
                for o in options.values() if "folders" in o}
    scores: dict[str, dict[str, list[float]]] = {name: {"national": [], "local": []} for name in options}
    for fold in document_folds(docs, folds):
        outside = [(t, s) for d, t, s in evaluated if d not in fold]
        for name, option in options.items():
            phrases = option.get("phrases")
            if phrases is None:
                phrases = mine_phrases(training[tuple(option["folders"])] + outside, option["min_count"],
                                       option["min_precision"], 12)
            rules = EntityRules(patterns, phrases)
            for g in ("national", "local"):
                pairs = []
                for d, text, gold, ranges, model in units:
                    if d not in fold or genre(d) != g:
                        continue
                    predicted = merge_spans(model, rules.candidates(text))
                    if ranges is not None:
                        predicted = [p for p in predicted if any(a <= p[0] and p[1] <= b for a, b in ranges)]
                    pairs.append((gold, set(predicted)))
                if pairs:
                    scores[name][g].append(span_scores(pairs, ENTITY_LABELS)[1])
    return scores


CROSSVAL_OPTIONS = {
    "no phrases": {"phrases": {}},
    "corpus synthetic, >= 2, >= 0.6": {"folders": ("corpus", "synthetic"), "min_count": 2, "min_precision": 0.6},
    "corpus synthetic, >= 2, >= 0.8": {"folders": ("corpus", "synthetic"), "min_count": 2, "min_precision": 0.8},
    "corpus synthetic, >= 3, >= 0.6": {"folders": ("corpus", "synthetic"), "min_count": 3, "min_precision": 0.6},
    "corpus synthetic local, >= 2, >= 0.6": {"folders": ("corpus", "synthetic", "local"), "min_count": 2, "min_precision": 0.6},
    "corpus synthetic local, >= 2, >= 0.8": {"folders": ("corpus", "synthetic", "local"), "min_count": 2, "min_precision": 0.8},
}


def main(argv: list[str] | None = None) -> None:
    import statistics

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--min-precision", type=float, default=0.6)
    parser.add_argument("--max-len", type=int, default=12)
    parser.add_argument("--folders", nargs="+", default=["corpus", "synthetic"],
                        help="folders of training_data/entities to mine (as `training entities --folders`)")
    parser.add_argument("--skip-documents", default=None,
                        help="regex of document files left out (as `training entities --skip-documents`)")
    parser.add_argument("--crossval", action="store_true",
                        help="print the out-of-fold doc.ents F1 of the shipped list and of each mining option "
                             "(see crossval); writes nothing")
    parser.add_argument("--pipeline", type=Path, default=None, help="pipeline whose tagger --crossval reads")
    args = parser.parse_args(argv)
    if args.crossval:
        shipped = json.loads(OUT.read_text(encoding="utf-8"))
        options = {"shipped list": {"phrases": shipped}, **CROSSVAL_OPTIONS}
        print("| phrases | national held-out tenth | unseen local speeches | mean |\n|---|---|---|---|")
        for name, by_genre in crossval(args.pipeline, options).items():
            cells = [f"{statistics.mean(v):.3f} ± {statistics.stdev(v):.3f}" for v in by_genre.values()]
            mean = statistics.mean(statistics.mean(v) for v in by_genre.values())
            print(f"| {name} | " + " | ".join(cells) + f" | {mean:.3f} |", flush=True)
        return
    phrases = mine(args.min_count, args.min_precision, args.max_len, tuple(args.folders), args.skip_documents)
    OUT.write_text(json.dumps({"_about": "mined by python -m policy_nlp.training.entity_phrases from training_data/entities",
                               **phrases}, ensure_ascii=False, indent=0), encoding="utf-8")
    print({label: len(words) for label, words in phrases.items()}, "->", OUT)


if __name__ == "__main__":
    main()
