"""Entities on speeches no model saw: per-label exact-span F1 of the rules, the tagger and what ships.

    python benchmarks/entities.py [--model NAME=PIPELINE ...] [--folder local] [--documents REGEX] [--skip-heldout | --skip-local]

The 60 local speeches of ``training_data/entities/local`` (synthetic, city/county/district/
town) were labelled with the 13 labels of ANNOTATION.md, in whole-document context. The
shipped tagger was trained on speech_601–630 (and the rules were chosen reading them);
speech_631–660 were never trained on nor read to choose anything, and they are what this
benchmark scores by default (``--documents``; ``--documents .`` scores all 60, for a pipeline
whose tagger never saw them). Each
speech is read whole by the pipeline, as a user's would be (``nlp(text)``); gold and
predicted spans are compared in document offsets inside the labelled sentences. For each
pipeline: the rules alone (``use_model=False``), the tagger alone, and the shipped merge
(``doc.ents``). Micro-F1 is given as mean ± sd over 5 folds of documents (the spread between
groups of speeches), per-label F1 over all of them.

A second table scores the same systems on the national texts no tagger saw: the labelled
corpus sentences of the documents ``finetune`` holds out (its held-out tenth, which picks the
tagger's epoch but is never trained on; the rules were written reading all labelled
sentences, so for them these are in-sample), each sentence read on its own.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy_nlp.evaluate import span_scores  # noqa: E402
from policy_nlp.labels import ENTITY_LABELS  # noqa: E402
from policy_nlp.training.crossval import UNSEEN_LOCAL_SPEECHES, document_folds  # noqa: E402
from policy_nlp.training.datasets import entity_documents  # noqa: E402

FOLDS = 5


def inside(spans, ranges) -> set:
    """The spans that lie within one of the labelled sentences."""
    return {s for s in spans if any(a <= s[0] and s[1] <= b for a, b in ranges)}


def system_spans(nlp, documents: dict[str, dict]) -> dict[str, dict[str, set]]:
    """{system: {file: spans}} for the rules alone, the tagger alone and the shipped merge."""
    entities = nlp.get_pipe("policy_entities")
    files = list(documents)
    texts = [documents[f]["text"] for f in files]
    out: dict[str, dict[str, set]] = {"rules alone": {}, "tagger alone": {}, "shipped (doc.ents)": {}}
    # states kept: the cleaner would release them before the tagger alone could read them
    for f, doc in zip(files, nlp.pipe(texts, disable=["policy_entities", "policy_tasks", "policy_cleaner"])):
        out["rules alone"][f] = set(entities.rules(doc.text))
        if entities.head is not None and doc._.policy_states is not None:
            out["tagger alone"][f] = set(entities.model_spans(doc))
        out["shipped (doc.ents)"][f] = {(e.start_char, e.end_char, e.label_) for e in entities(doc).ents}
    return {k: v for k, v in out.items() if v}


def table(systems: list[tuple[str, object]], folder: str, only: str | None = None) -> None:
    import re

    documents = {f: d for f, d in entity_documents(folder).items() if not only or re.search(only, f)}
    folds = document_folds(sorted(documents), FOLDS)
    n_gold = sum(len(d["gold"]) for d in documents.values())
    print(f"Entities on {len(documents)} speeches ({folder}{', ' + only if only else ''}: {sum(len(d['ranges']) for d in documents.values())} "
          f"sentences, {n_gold} entities), whole documents, exact-span F1; micro-F1 mean ± sd over {FOLDS} "
          f"document folds:\n")
    header = ["pipeline", "system", "micro-F1"] + list(ENTITY_LABELS)
    print("| " + " | ".join(header) + " |\n|" + "|".join("---" for _ in header) + "|")
    support = {label: sum(1 for d in documents.values() for g in d["gold"] if g[2] == label) for label in ENTITY_LABELS}
    for name, nlp in systems:
        for system, predicted in system_spans(nlp, documents).items():
            pairs = {f: (documents[f]["gold"], inside(predicted[f], documents[f]["ranges"])) for f in documents}
            per_label, micro = span_scores(pairs.values(), ENTITY_LABELS)
            by_fold = [span_scores([pairs[f] for f in fold], ENTITY_LABELS)[1] for fold in folds]
            print(f"| {name} | {system} | {micro:.3f} ({statistics.mean(by_fold):.3f} ± {statistics.stdev(by_fold):.3f}) | "
                  + " | ".join(f"{per_label[k]:.2f}" for k in ENTITY_LABELS) + " |", flush=True)
    print("| | gold entities | | " + " | ".join(str(support[k]) for k in ENTITY_LABELS) + " |")


def heldout_table(systems: list[tuple[str, object]]) -> None:
    from policy_nlp.training.datasets import entity_examples
    from policy_nlp.training.finetune import heldout

    examples = [e for e in entity_examples(("corpus",)) if heldout(e.doc)]
    gold = [set(map(tuple, e.spans)) for e in examples]
    print(f"\nEntities on the held-out tenth of the labelled national texts ({len(examples)} sentences of "
          f"{len({e.doc for e in examples})} documents, {sum(map(len, gold))} entities), sentence by sentence:\n")
    header = ["pipeline", "system", "micro-F1"] + list(ENTITY_LABELS)
    print("| " + " | ".join(header) + " |\n|" + "|".join("---" for _ in header) + "|")
    for name, nlp in systems:
        entities = nlp.get_pipe("policy_entities")
        out = {"rules alone": [], "tagger alone": [], "shipped (doc.ents)": []}
        for doc in nlp.pipe([e.text for e in examples], disable=["policy_entities", "policy_tasks", "policy_cleaner"]):
            out["rules alone"].append(set(entities.rules(doc.text)))
            if entities.head is not None and doc._.policy_states is not None:
                out["tagger alone"].append(set(entities.model_spans(doc)))
            out["shipped (doc.ents)"].append({(e.start_char, e.end_char, e.label_) for e in entities(doc).ents})
        for system, predicted in out.items():
            if predicted:
                per_label, micro = span_scores(zip(gold, predicted), ENTITY_LABELS)
                print(f"| {name} | {system} | {micro:.3f} | " + " | ".join(f"{per_label[k]:.2f}" for k in ENTITY_LABELS) + " |",
                      flush=True)


def main() -> None:
    import policy_nlp

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", default=[], help="NAME=PIPELINE_DIR (default: the shipped one)")
    parser.add_argument("--folder", default="local", help="folder of training_data/entities with the unseen speeches")
    parser.add_argument("--documents", default=UNSEEN_LOCAL_SPEECHES,
                        help="regex: score only these speeches (default: the 30 the shipped tagger never saw)")
    parser.add_argument("--skip-heldout", action="store_true", help="only the table of the unseen speeches")
    parser.add_argument("--skip-local", action="store_true", help="only the table of the held-out national texts")
    args = parser.parse_args()
    models = [m.split("=", 1) for m in args.model] or [("shipped", None)]
    systems = [(name, policy_nlp.load(path)) for name, path in models]
    if not args.skip_local:
        table(systems, args.folder, args.documents)
    if not args.skip_heldout:
        heldout_table(systems)


if __name__ == "__main__":
    main()
