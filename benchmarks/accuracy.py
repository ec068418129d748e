"""Accuracy: document-level cross-validation, the dev gold (../shared/data/gold) and the news NER test sets.

    python benchmarks/accuracy.py [--model PATH] [--skip-crossval] [--skip-peoples-daily]

Prints, in one run:
0. cross-validated area macro-F1, directive F1 and area ECE per genre (national texts, local
   speeches), mean ± sd over 5 folds by document, of the shipped classifier's recipe
   (``python -m policy_nlp.training crossval``: how models are chosen; see its docstring);
1. on the dev gold (one final report, never used to choose anything), policy area and directive flag: per-area F1, area macro-F1, directive F1 and calibration
   (expected calibration error) for the shipped pipeline, run on the whole gold documents as
   a user would, beside a TF-IDF (character 1-3 grams) + logistic regression baseline trained
   on the same labelled sentences (training_data/directives), with and without the section;
   the shipped pipeline also with the encoder in float32 and in int8 (the default, ``auto``, is
   bfloat16 where the CPU has it); the confusion matrix of the shipped pipeline;
2. entities: exact-span micro-F1 and per-label F1 on the dev gold for the rules alone
   (``use_model=False``), the tagger alone, the documented merge (what ships:
   ``use_model=True``), and the two other precedences one could choose;
3. news names: PERSON/ORG/GPE exact-span F1 of the shipped pipeline and of the rules alone on
   the People's Daily test (never trained on) and on the held-out tenth of the MSRA training
   split (never trained on; it picks the tagger's epoch).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy_nlp.evaluate import calibration_error, f1_scores, sentence_predictions, span_scores  # noqa: E402
from policy_nlp.training.data import shared_dir  # noqa: E402
from policy_nlp.training.datasets import directive_examples, gold_dev_examples  # noqa: E402
from policy_nlp.labels import AREAS, ENTITY_LABELS  # noqa: E402


def tfidf_baseline(train, dev, with_section: bool):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def inputs(examples):
        return [(e.section or "") + " ||| " + e.text if with_section else e.text for e in examples]

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x_train = vectorizer.fit_transform(inputs(train))
    x_dev = vectorizer.transform(inputs(dev))
    area = LogisticRegression(max_iter=2000, C=5.0, class_weight="balanced").fit(x_train, [e.area for e in train])
    directive = LogisticRegression(max_iter=2000, C=5.0).fit(x_train, [e.directive for e in train])
    area_p, dir_p = area.predict_proba(x_dev), directive.predict_proba(x_dev)[:, 1]
    areas = [dict(zip(area.classes_, row)) for row in area_p]
    return [max(a, key=a.get) for a in areas], [p >= 0.5 for p in dir_p], areas, list(dir_p)


def directive_table(nlp, shared: Path, variants=()) -> None:
    train, dev = directive_examples(), gold_dev_examples()
    rows = [json.loads(line) for line in (shared / "data" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    documents = {r["doc"]: (shared / "data" / "gold" / "docs" / f"{r['doc']}.txt").read_text(encoding="utf-8") for r in rows}
    print(f"training sentences: {len(train)} ({dict(Counter(e.source for e in train))}); "
          f"areas {dict(Counter(e.area for e in train))}")
    print(f"dev gold: {len(dev)} sentences in {len(documents)} documents")
    print()
    header = ["system", "area macro-F1", "directive F1", "area ECE", "directive ECE"] + [f"F1 {a}" for a in AREAS]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    gold_area = [e.area for e in dev]
    gold_dir = [e.directive for e in dev]
    systems = []
    for name, with_section in (("TF-IDF + LR (sentence)", False), ("TF-IDF + LR (section + sentence)", True)):
        systems.append((name, *tfidf_baseline(train, dev, with_section)))
    if "policy_directives" in nlp.pipe_names:
        preds = sentence_predictions(nlp, documents, rows,
                                     lambda s: (s._.area, s._.directive, s._.area_scores, s._.directive_score))
        systems.append(("policy_nlp (shipped pipeline, whole documents)", *map(list, zip(*preds))))
    for name, variant in variants:
        preds = sentence_predictions(variant, documents, rows,
                                     lambda s: (s._.area, s._.directive, s._.area_scores, s._.directive_score))
        systems.insert(-1, (name, *map(list, zip(*preds))))
    for name, area, directive, area_scores, dir_scores in systems:
        per_area = f1_scores(gold_area, area, AREAS)
        macro = sum(per_area.values()) / len(per_area)
        dir_f1 = f1_scores(gold_dir, directive, [True])[True]
        area_ece = calibration_error([max(s.values()) for s in area_scores], [a == g for a, g in zip(area, gold_area)])
        dir_ece = calibration_error([max(p, 1 - p) for p in dir_scores], [d == g for d, g in zip(directive, gold_dir)])
        print(f"| {name} | {macro:.3f} | {dir_f1:.3f} | {area_ece:.3f} | {dir_ece:.3f} | "
              + " | ".join(f"{per_area[a]:.3f}" for a in AREAS) + " |")
    name, area = systems[-1][0], systems[-1][1]
    print()
    print(f"confusion matrix of {name} (rows gold, columns predicted):")
    print("| gold \\ pred | " + " | ".join(AREAS) + " |")
    print("|" + "|".join("---" for _ in range(len(AREAS) + 1)) + "|")
    for g in AREAS:
        row = [sum(1 for x, y in zip(gold_area, area) if x == g and y == p) for p in AREAS]
        print(f"| {g} | " + " | ".join(str(v) for v in row) + " |")


def entity_table(nlp, shared: Path) -> None:
    from policy_nlp.labels import ENTITY_LABELS as LABELS
    from policy_nlp.text.entity_rules import merge_spans

    rows = [json.loads(line) for line in (shared / "data" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    entities = nlp.get_pipe("policy_entities")
    # states kept: the cleaner would release them before the tagger alone could read them
    docs = list(nlp.pipe([r["text"] for r in rows], disable=["policy_entities", "policy_tasks", "policy_cleaner"]))
    gold = [{tuple(e) for e in r["entities"]} for r in rows]
    systems = [("rules (policy_entities, use_model=False)", [set(entities.rules(r["text"])) for r in rows])]
    if entities.head is not None and docs and docs[0]._.policy_states is not None:
        model = [entities.model_spans(d) for d in docs]
        candidates = [entities.rules.candidates(r["text"]) for r in rows]
        systems += [
            ("tagger alone", [set(m) for m in model]),
            ("merge: rules first for every label", [set(merge_spans(m, c, rule_first=LABELS)) for m, c in zip(model, candidates)]),
            ("merge: model first for every label", [set(merge_spans(m, c, rule_first=())) for m, c in zip(model, candidates)]),
        ]
    systems.append(("shipped pipeline (documented merge, use_model=True), doc.ents", [{(e.start_char, e.end_char, e.label_) for e in nlp(r["text"]).ents} for r in rows]))
    print()
    print(f"Entities on the dev gold ({sum(len(g) for g in gold)} entities in {len(rows)} sentences), exact-span F1:")
    header = ["system", "micro-F1"] + list(ENTITY_LABELS)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, pred in systems:
        per_label, micro = span_scores(zip(gold, pred), ENTITY_LABELS)
        print(f"| {name} | {micro:.3f} | " + " | ".join(f"{per_label[k]:.2f}" for k in ENTITY_LABELS) + " |")


def news_table(systems, shared: Path) -> None:
    """PERSON/GPE/ORG exact-span F1 on the People's Daily test (never trained on) and on the
    held-out tenth of the MSRA training split (never trained on; it picks the tagger's epoch)."""
    from policy_nlp.training.ner_data import NEWS_SCOPE, msra_train_heldout, peoples_daily_test

    for title, test in (("People's Daily test", peoples_daily_test(shared)),
                        ("MSRA training split, held-out tenth", msra_train_heldout(shared))):
        print()
        print(f"{title} ({len(test)} sentences, {sum(len(e.spans) for e in test)} entities; PER/LOC/ORG mapped to "
              "PERSON/GPE/ORG), exact-span F1:")
        print("| system | micro-F1 (3 labels) | PERSON | GPE | ORG |")
        print("|---|---|---|---|---|")
        for name, nlp in systems:
            pairs = [({tuple(s) for s in e.spans}, {(x.start_char, x.end_char, x.label_) for x in doc.ents})
                     for e, doc in zip(test, nlp.pipe(e.text for e in test))]
            per_label, micro = span_scores(pairs, NEWS_SCOPE)
            print(f"| {name} | {micro:.3f} | {per_label['PERSON']:.3f} | {per_label['GPE']:.3f} | {per_label['ORG']:.3f} |")


def main() -> None:
    import policy_nlp

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="pipeline directory (default: the shipped one)")
    parser.add_argument("--skip-peoples-daily", action="store_true", help="skip the news tables")
    parser.add_argument("--skip-crossval", action="store_true")
    args = parser.parse_args()
    if not args.skip_crossval:
        from policy_nlp.training.crossval import main as crossval

        print("### Cross-validation by document (the shipped recipe)\n")
        crossval(["--variants", "sentence", *(["--pipeline", args.model] if args.model else [])])
        print()
    shared = shared_dir()
    nlp = policy_nlp.load(args.model)
    variants = [(f"policy_nlp, encoder precision={p}", policy_nlp.load(args.model, config={"components.policy_encoder.precision": p}))
                for p in ("float32", "int8")]
    directive_table(nlp, shared, variants)
    entity_table(nlp, shared)
    if not args.skip_peoples_daily:
        news_table([("shipped pipeline (tagger + rules), doc.ents", nlp),
                    ("rules alone (use_model=False)", policy_nlp.load(args.model, config={"components.policy_entities.use_model": False}))], shared)


if __name__ == "__main__":
    main()
