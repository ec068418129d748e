"""Cross-validation of the entity rules beside the tagger: ``python -m policy_nlp.training rules-crossval``.

The rules meet the tagger in ``merge_spans``: phrase spans fill the gaps the tagger leaves,
and the pattern spans of ``RULE_FIRST_LABELS`` win where they overlap its spans. Both are
judged beside the shipped tagger on the documents it never trained on: the national held-out
tenth (each sentence alone, as ``benchmarks/entities.py`` reads it) and the unseen local
speeches (whole), in 5 folds by document. For each fold the phrases are mined
(``entity_phrases.mine_phrases``) from the tagger's training documents plus the other folds,
with each option's folders and thresholds, and the fold is scored as the pipeline merges.
Printed: exact-span micro-F1, mean ± sd over the folds, per genre, for the shipped phrase list,
the mining options and, with the shipped phrases, each label moved into or out of
``RULE_FIRST_LABELS``. The shipped list is fixed: it cannot learn from the other folds as the
mined rows do, so compare it with the rule-first rows, not with the mining options.
"""

from __future__ import annotations

import argparse
import re
import statistics
from pathlib import Path

PHRASE_OPTIONS = {
    "no phrases": {"phrases": {}},
    "corpus synthetic, >= 2, >= 0.6": {"folders": ("corpus", "synthetic"), "min_count": 2, "min_precision": 0.6},
    "corpus synthetic, >= 2, >= 0.8": {"folders": ("corpus", "synthetic"), "min_count": 2, "min_precision": 0.8},
    "corpus synthetic, >= 3, >= 0.6": {"folders": ("corpus", "synthetic"), "min_count": 3, "min_precision": 0.6},
    "corpus synthetic local, >= 2, >= 0.6": {"folders": ("corpus", "synthetic", "local"), "min_count": 2,
                                             "min_precision": 0.6},
    "corpus synthetic local, >= 2, >= 0.8": {"folders": ("corpus", "synthetic", "local"), "min_count": 2,
                                             "min_precision": 0.8},
}


def unseen_units(nlp) -> list[tuple]:
    """``(document, text, gold spans, scored ranges or None, tagger spans, labelled sentences)``
    for each unit the tagger never trained on: a national held-out sentence, or a whole unseen
    local speech scored inside its labelled sentences."""
    from .crossval import UNSEEN_LOCAL_SPEECHES
    from .datasets import entity_documents, entity_examples, entity_split

    component = nlp.get_pipe("policy_entities")
    skip = ["policy_entities", "policy_tasks", "policy_cleaner"]
    national = entity_split(("corpus",))[1]
    units = [(e.doc, e.text, set(map(tuple, e.spans)), None, component.model_spans(doc), [(e.text, e.spans)])
             for e, doc in zip(national, nlp.pipe([e.text for e in national], disable=skip))]
    speeches = {f: d for f, d in entity_documents("local").items() if re.search(UNSEEN_LOCAL_SPEECHES, f)}
    sentences: dict[str, list] = {}
    for e in entity_examples(("local",)):
        sentences.setdefault(e.doc, []).append((e.text, e.spans))
    for f, doc in zip(speeches, nlp.pipe([d["text"] for d in speeches.values()], disable=skip)):
        units.append((f, doc.text, speeches[f]["gold"], speeches[f]["ranges"], component.model_spans(doc), sentences[f]))
    return units


def fold_scores(units: list[tuple], folds: list[set[str]], phrases_of, rule_first: tuple[str, ...]) -> dict[str, list[float]]:
    """Per genre, the micro-F1 of each fold with the phrases ``phrases_of(fold)`` and ``rule_first``."""
    from ..evaluate import span_scores
    from ..labels import ENTITY_LABELS
    from ..text.entity_rules import EntityRules, default_rules, merge_spans
    from .crossval import genre

    scores: dict[str, list[float]] = {"national": [], "local": []}
    shipped = default_rules()
    for fold in folds:
        rules = EntityRules(shipped.patterns, phrases_of(fold), fragments=shipped.fragments)
        for g in scores:
            pairs = []
            for doc, text, gold, ranges, model, _ in units:
                if doc in fold and genre(doc) == g:
                    predicted = merge_spans(model, rules.candidates(text), rule_first)
                    if ranges is not None:
                        predicted = [p for p in predicted if any(a <= p[0] and p[1] <= b for a, b in ranges)]
                    pairs.append((gold, set(predicted)))
            if pairs:
                scores[g].append(span_scores(pairs, ENTITY_LABELS)[1])
    return scores


def main(argv: list[str] | None = None) -> None:
    from ..labels import ENTITY_LABELS
    from ..pipeline import default_model_path, load
    from ..text.entity_rules import RULE_FIRST_LABELS, default_rules
    from .crossval import UNSEEN_LOCAL_SPEECHES, document_folds
    from .entity_phrases import labelled_sentences, mine_phrases

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipeline", type=Path, default=default_model_path(), help="pipeline whose tagger is read")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    units = unseen_units(load(args.pipeline))
    folds = document_folds(sorted({u[0] for u in units}), args.folds)
    shipped = default_rules().phrase_lists
    training = {o["folders"]: labelled_sentences(o["folders"], UNSEEN_LOCAL_SPEECHES)
                for o in PHRASE_OPTIONS.values() if "folders" in o}

    def mined(option):
        if "phrases" in option:
            return lambda fold: option["phrases"]
        return lambda fold: mine_phrases(training[option["folders"]] + [s for u in units if u[0] not in fold for s in u[5]],
                                         option["min_count"], option["min_precision"], 12)

    rows = [("phrases", "shipped list", lambda fold: shipped, RULE_FIRST_LABELS)]
    rows += [("phrases", name, mined(option), RULE_FIRST_LABELS) for name, option in PHRASE_OPTIONS.items()]
    rows += [("rule first", f"without {label}", lambda fold: shipped, tuple(l for l in RULE_FIRST_LABELS if l != label))
             for label in RULE_FIRST_LABELS]
    rows += [("rule first", f"with {label}", lambda fold: shipped, RULE_FIRST_LABELS + (label,))
             for label in ENTITY_LABELS if label not in RULE_FIRST_LABELS]
    print(f"{len(units)} units of {len({u[0] for u in units})} documents the tagger never trained on, {args.folds} folds\n")
    print("| choice | option | national held-out tenth | unseen local speeches | mean |\n|---|---|---|---|---|")
    for kind, name, phrases_of, rule_first in rows:
        by_genre = fold_scores(units, folds, phrases_of, rule_first)
        cells = [f"{statistics.mean(v):.3f} ± {statistics.stdev(v):.3f}" for v in by_genre.values()]
        print(f"| {kind} | {name} | " + " | ".join(cells)
              + f" | {statistics.mean(statistics.mean(v) for v in by_genre.values()):.3f} |", flush=True)


if __name__ == "__main__":
    main()
