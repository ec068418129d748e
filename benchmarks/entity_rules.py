"""Exact-span precision, recall and F1 of the entity rules alone (``EntityRules.from_resources()``).

    python benchmarks/entity_rules.py [--patterns PATH] [--errors LABEL]

Scores the rules layer (patterns of ``resources/entity_patterns.json`` and phrases of
``resources/entity_phrases.json``, no tagger) per label, on
1. every labelled policy sentence of ``training_data/entities/{corpus,synthetic}`` (text read
   through ``policy_nlp.training.datasets.entity_examples``: offsets into ``../shared/corpus``
   and ``training_data/synthetic/speeches``);
2. the dev gold of ``../shared/data/gold/dev.jsonl`` (measured only: patterns are never tuned
   on its individual errors).

``--patterns`` scores another pattern file (for example an older copy, ``git show
HEAD:policy_nlp/resources/entity_patterns.json > /tmp/before.json``) with the same phrases,
so a change can be compared before/after in one run: both are printed side by side.
The phrase lists are mined from the training sentences, so their figures there are in-sample;
the dev gold is the held-out check.
``--errors LABEL`` lists the training-sentence misses and false alarms of one label.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy_nlp.evaluate import span_scores  # noqa: E402
from policy_nlp.labels import ENTITY_LABELS  # noqa: E402
from policy_nlp.text.entity_rules import EntityRules  # noqa: E402
from policy_nlp.training.data import shared_dir  # noqa: E402
from policy_nlp.training.datasets import entity_examples  # noqa: E402


def load_sets() -> dict[str, list[tuple[str, set]]]:
    train = [(e.text, {tuple(s) for s in e.spans}) for e in entity_examples(("corpus", "synthetic"))]
    path = shared_dir() / "data" / "gold" / "dev.jsonl"
    dev = [(r["text"], {tuple(e) for e in r["entities"]})
           for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]
    return {"training sentences (corpus + synthetic)": train, "dev gold": dev}


def counts(rows, labels=ENTITY_LABELS) -> dict[str, tuple[int, int, int]]:
    """``label -> (true positives, predicted, gold)``, and ``"micro"``."""
    out = {}
    for label in labels:
        tp = p = g = 0
        for gold, pred in rows:
            gl = {e for e in gold if e[2] == label}
            pl = {e for e in pred if e[2] == label}
            tp, p, g = tp + len(gl & pl), p + len(pl), g + len(gl)
        out[label] = (tp, p, g)
    out["micro"] = tuple(sum(c[i] for c in out.values()) for i in range(3))
    return out


def prf(tp: int, p: int, g: int) -> tuple[float, float, float]:
    precision, recall = (tp / p if p else 0.0), (tp / g if g else 0.0)
    return precision, recall, (2 * tp / (p + g) if p + g else 0.0)


def table(title: str, systems: dict[str, list[tuple[set, set]]]) -> None:
    names = list(systems)
    scored = {}
    for name, rows in systems.items():
        rows = list(rows)
        scored[name] = counts(rows)
        # Cross-check with the project's scorer.
        per_label, micro = span_scores(rows, ENTITY_LABELS)
        assert all(abs(per_label[k] - prf(*scored[name][k])[2]) < 1e-12 for k in ENTITY_LABELS)
        assert abs(micro - prf(*scored[name]["micro"])[2]) < 1e-12
    print(f"{title}:")
    header = ["label", "gold"] + [f"{h} ({n})" for n in names for h in ("P", "R", "F1")]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for label in [*ENTITY_LABELS, "micro"]:
        gold = scored[names[0]][label][2]
        cells = [label, str(gold)]
        for name in names:
            cells += [f"{v:.3f}" for v in prf(*scored[name][label])]
        print("| " + " | ".join(cells) + " |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patterns", type=Path, help="another entity_patterns.json to score beside the current one")
    parser.add_argument("--errors", metavar="LABEL", help="list the training-sentence errors of one label")
    args = parser.parse_args()

    rule_sets = {}
    if args.patterns:  # the same phrases, the other file's patterns
        rule_sets["before"] = EntityRules.from_resources(patterns_file=args.patterns)
    rule_sets["now" if not args.patterns else "after"] = EntityRules.from_resources()

    sets = load_sets()
    for title, examples in sets.items():
        systems = {name: [(gold, set(rules(text))) for text, gold in examples] for name, rules in rule_sets.items()}
        table(f"Rules alone, {title}: {len(examples)} sentences, {sum(len(g) for _, g in examples)} entities", systems)

    if args.errors:
        rules = list(rule_sets.values())[-1]
        for text, gold in sets["training sentences (corpus + synthetic)"]:
            pred = {e for e in rules(text) if e[2] == args.errors}
            g = {e for e in gold if e[2] == args.errors}
            for s, e, _ in sorted(g - pred):
                print(f"MISS  {text[s:e]!r:30} | {text[max(0, s - 12):e + 12]}")
            for s, e, _ in sorted(pred - g):
                other = [text[a:b] + "/" + lab for a, b, lab in gold if a < e and s < b]
                print(f"FALSE {text[s:e]!r:30} gold={other} | {text[max(0, s - 12):e + 12]}")


if __name__ == "__main__":
    main()
