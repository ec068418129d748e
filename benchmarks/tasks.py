"""Task spans (../shared/TASKS.md) on the dev gold: exact-span precision, recall and F1 per role.

    python benchmarks/tasks.py [--model PATH] [--rules-only] [--head runs/task_tagger/head]

Reads ``data/gold/tasks_dev.jsonl`` (the directive sentences of the dev documents, with their
ACTOR / DEADLINE / TARGET spans) and prints, per role and overall (micro):
1. ``rules``: :func:`policy_nlp.text.tasks.task_spans` on each gold sentence's text alone;
2. ``rules + entities``: the same with ``entities`` = the pipeline's ``doc.ents`` inside the
   sentence, the pipeline having read each gold document whole, as a user runs it;
3. ``pipeline``: ``policy_tasks`` in the pipeline over the whole documents: the spans of the
   pipeline's sentence that starts where the gold sentence starts (none where the pipeline
   cuts the sentence differently or does not call it a directive). With ``--head``, the
   ``policy_tasks`` of the pipeline runs that task tagger (``python -m policy_nlp.training
   tasks``) instead of the head in the pipeline folder, if any.
F1 comes from :func:`policy_nlp.evaluate.span_scores`, the project's one implementation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy_nlp.evaluate import span_scores  # noqa: E402
from policy_nlp.labels import TASK_ROLES  # noqa: E402
from policy_nlp.text.tasks import task_spans  # noqa: E402
from policy_nlp.training.data import shared_dir  # noqa: E402


def counts(rows: list[tuple[set, set]], role: str | None) -> tuple[int, int, int]:
    """True positives, predicted and gold spans of ``role`` (all roles when None)."""
    tp = p = g = 0
    for gold, pred in rows:
        gold = {s for s in gold if role is None or s[2] == role}
        pred = {s for s in pred if role is None or s[2] == role}
        tp, p, g = tp + len(gold & pred), p + len(pred), g + len(gold)
    return tp, p, g


def print_scores(name: str, rows: list[tuple[set, set]]) -> None:
    per_role, micro = span_scores(rows, TASK_ROLES)
    for role in (*TASK_ROLES, None):
        tp, p, g = counts(rows, role)
        f1 = micro if role is None else per_role[role]
        print(f"| {name} | {role or 'overall'} | {tp / p if p else 0.0:.3f} | {tp / g if g else 0.0:.3f} | "
              f"{f1:.3f} | {g} | {p} | {tp} |")


def local_speech_rows() -> list[tuple[set, set]]:
    """(gold, rules) spans of the directive sentences of the synthetic local speeches labelled
    by TASKS.md in ``training_data/tasks/synthetic`` (written after the rules, never read to
    write them)."""
    from policy_nlp.training.datasets import document_text
    from policy_nlp.training.labelling import LABELS_DIR

    root = LABELS_DIR.parent / "tasks" / "synthetic"
    rows = []
    for path in sorted(root.glob("*.jsonl")):
        directive = {lab["id"]: lab["directive"] for lab in map(json.loads, (LABELS_DIR / "synthetic" / path.name)
                                                              .read_text(encoding="utf-8").splitlines())}
        for lab in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            if directive.get(lab["id"]):
                text = document_text(lab["file"])[lab["start"]:lab["end"]]
                rows.append(({tuple(s) for s in lab["spans"]}, set(task_spans(text))))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="pipeline directory (default: the shipped one)")
    parser.add_argument("--rules-only", action="store_true", help="score the rules on the gold text only")
    parser.add_argument("--head", default=None, help="task tagger folder for policy_tasks (runs/task_tagger/head)")
    args = parser.parse_args(argv)

    gold_dir = shared_dir() / "data" / "gold"
    rows = [json.loads(line) for line in (gold_dir / "tasks_dev.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    gold = [{(s, e, role) for s, e, role in r["spans"]} for r in rows]
    print(f"tasks dev gold: {len(rows)} directive sentences in {len({r['doc'] for r in rows})} documents, "
          f"{sum(len(g) for g in gold)} spans "
          + ", ".join(f"{role} {sum(1 for g in gold for s in g if s[2] == role)}" for role in TASK_ROLES))
    print()
    print("| system | role | P | R | F1 | gold | predicted | correct |")
    print("|---|---|---|---|---|---|---|---|")
    print_scores("rules", [(g, set(task_spans(r["text"]))) for g, r in zip(gold, rows)])
    local = local_speech_rows()
    if local:
        print_scores(f"rules, local speeches ({len(local)} directive sentences)", local)
    if args.rules_only:
        return 0

    import policy_nlp

    start = time.perf_counter()
    nlp = policy_nlp.load(args.model)
    if "policy_tasks" not in nlp.pipe_names:
        nlp.add_pipe("policy_tasks", before="policy_cleaner" if "policy_cleaner" in nlp.pipe_names else None)
    if args.head:
        nlp.get_pipe("policy_tasks").initialize(head_dir=args.head)
    print(f"policy_tasks: {'task tagger' if nlp.get_pipe('policy_tasks').head is not None else 'rules'}")
    names = sorted({r["doc"] for r in rows})
    texts = [(gold_dir / "docs" / f"{name}.txt").read_text(encoding="utf-8") for name in names]
    docs = dict(zip(names, nlp.pipe(texts)))
    with_entities, pipeline = [], []
    for g, r in zip(gold, rows):
        doc = docs[r["doc"]]
        assert doc.text[r["start"]:r["end"]] == r["text"], f"{r['id']}: gold offsets do not match {r['doc']}.txt"
        ents = [(e.start_char - r["start"], e.end_char - r["start"], e.label_) for e in doc.ents
                if r["start"] <= e.start_char and e.end_char <= r["end"]]
        with_entities.append((g, set(task_spans(r["text"], ents))))
        sent = next((s for s in doc._.sentences if s.start_char == r["start"]), None)
        pred = set()
        if sent is not None and sent._.directive:
            for role, attr in (("ACTOR", "actors"), ("DEADLINE", "deadlines"), ("TARGET", "targets")):
                pred |= {(span.start_char - r["start"], span.end_char - r["start"], role)
                         for span in getattr(sent._, attr) or ()}
        pipeline.append((g, pred))
    print_scores("rules + entities", with_entities)
    print_scores("pipeline (whole documents)", pipeline)
    found = sum(1 for r in rows if any(s.start_char == r["start"] and s._.directive
                                       for s in docs[r["doc"]]._.sentences))
    print()
    print(f"pipeline: {found}/{len(rows)} gold sentences found as directive sentences with the same start; "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
