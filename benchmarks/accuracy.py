"""Accuracy on the dev gold (../shared/data/gold/dev.jsonl): policy area and directive flag.

    python benchmarks/accuracy.py

Prints, in one table, per-area F1, area macro-F1 and directive F1 for each system, and the
confusion matrix of the best. Systems so far: a TF-IDF (character 1-3 grams) + logistic
regression baseline trained on the project's labelled sentences (training_data/directives:
corpus sentences and synthetic speeches), with and without the section as context.
The encoder-based classifier of the directive issue joins this table when it ships.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy_nlp.training.datasets import directive_examples, gold_dev_examples  # noqa: E402
from policy_nlp.training.labelling import AREAS  # noqa: E402


def f1_scores(gold, pred, labels):
    out = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return out


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
    return list(area.predict(x_dev)), [bool(d) for d in directive.predict(x_dev)]


def entity_scores(rows, predict) -> tuple[dict, float]:
    """Exact-span micro-F1 over all entities and F1 per label."""
    from policy_nlp.training.labelling import ENTITY_LABELS

    counts = {label: [0, 0, 0] for label in ENTITY_LABELS}  # tp, predicted, gold
    for row in rows:
        gold = {tuple(e) for e in row["entities"]}
        pred = set(predict(row["text"]))
        for label in ENTITY_LABELS:
            g = {e for e in gold if e[2] == label}
            p = {e for e in pred if e[2] == label}
            counts[label][0] += len(g & p)
            counts[label][1] += len(p)
            counts[label][2] += len(g)
    per_label = {k: (2 * tp / (p + g) if p + g else 0.0) for k, (tp, p, g) in counts.items()}
    tp, p, g = (sum(c[i] for c in counts.values()) for i in range(3))
    return per_label, 2 * tp / (p + g) if p + g else 0.0


def entity_table() -> None:
    import json

    import policy_nlp
    from policy_nlp.entities import default_rules
    from policy_nlp.training.data import shared_dir
    from policy_nlp.training.labelling import ENTITY_LABELS

    rows = [json.loads(line) for line in (shared_dir() / "data" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    nlp = policy_nlp.load()
    systems = [
        ("rules (policy_entities)", lambda text: default_rules()(text)),
        ("shipped pipeline, doc.ents", lambda text: [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]),
    ]
    print()
    print(f"Entities on the dev gold ({sum(len(r['entities']) for r in rows)} entities in {len(rows)} sentences), exact-span F1:")
    header = ["system", "micro-F1"] + list(ENTITY_LABELS)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, predict in systems:
        per_label, micro = entity_scores(rows, predict)
        print(f"| {name} | {micro:.3f} | " + " | ".join(f"{per_label[k]:.2f}" for k in ENTITY_LABELS) + " |")


def main() -> None:
    train = directive_examples()
    dev = gold_dev_examples()
    print(f"training sentences: {len(train)} ({dict(Counter(e.source for e in train))}); "
          f"areas {dict(Counter(e.area for e in train))}")
    print(f"dev gold sentences: {len(dev)}")
    print()
    header = ["system", "area macro-F1", "directive F1"] + [f"F1 {a}" for a in AREAS]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    gold_area = [e.area for e in dev]
    gold_dir = [e.directive for e in dev]
    best = None
    for name, with_section in (("TF-IDF + LR (sentence)", False), ("TF-IDF + LR (section + sentence)", True)):
        area, directive = tfidf_baseline(train, dev, with_section)
        per_area = f1_scores(gold_area, area, AREAS)
        macro = sum(per_area.values()) / len(per_area)
        dir_f1 = f1_scores(gold_dir, directive, [True])[True]
        print(f"| {name} | {macro:.3f} | {dir_f1:.3f} | " + " | ".join(f"{per_area[a]:.3f}" for a in AREAS) + " |")
        if best is None or macro > best[0]:
            best = (macro, name, area)
    print()
    print(f"confusion matrix of {best[1]} (rows gold, columns predicted):")
    print("| gold \\ pred | " + " | ".join(AREAS) + " |")
    print("|" + "|".join("---" for _ in range(len(AREAS) + 1)) + "|")
    for g in AREAS:
        row = [sum(1 for x, y in zip(gold_area, best[2]) if x == g and y == p) for p in AREAS]
        print(f"| {g} | " + " | ".join(str(v) for v in row) + " |")
    entity_table()


if __name__ == "__main__":
    main()
