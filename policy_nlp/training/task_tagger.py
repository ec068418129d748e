"""Train the task tagger of ``policy_tasks`` (TASKS.md: ACTOR, DEADLINE, TARGET):
``python -m policy_nlp.training tasks [--pipeline models/policy_zh_sm] [--out runs/task_tagger]``,
or ``... tasks --crossval`` for the document-level cross-validation table.

Data: the directive sentences of the synthetic local speeches labelled in
``training_data/tasks/synthetic`` (only sentences whose ``training_data/directives/synthetic``
line says ``directive`` carry spans). Each speech is run through the pipeline up to
``policy_entities`` (as ``policy_tasks`` sees it: the encoder's states, the segmenter's
words split at the entities, ``doc.ents``), and each labelled sentence takes the states of
the pipeline sentence with the same range. The head is ``ml.task_head.TaskHead``: the
entity tagger's wide-and-deep CRF (``modeling.EntityHead``) over the three roles, trained
with ``entity_tagger.train_head``, reading also the per-character BIO tags of the rules'
spans (``text.tasks.task_spans`` with the sentence's entities, as ``policy_tasks`` calls it).

``--crossval``: 5 folds by speech file (no sentence of a test speech in training; the epoch
is picked on an eighth of the training speeches), exact-span F1 per role
(``evaluate.span_scores``), mean ± sd over folds, for: the rules alone (without and with the
entities), the CRF tagger, the tagger merged rules-first, and the tagger with rule features.
Without ``--crossval`` the head is trained on all 60 speeches for ``--epochs`` epochs (the
epoch with the best training F1 kept) and written to ``--out`` (``head/``), ready for
``policy_tasks.initialize(head_dir=...)``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from .data import REPO_ROOT
from .finetune import Example

TASKS_LABELS = REPO_ROOT / "training_data" / "tasks" / "synthetic"
DIRECTIVE_LABELS = REPO_ROOT / "training_data" / "directives" / "synthetic"
BASE_TEMPLATES = 20  # char_features.N_TEMPLATES (no gazetteer)


def labelled_sentences(root: Path = TASKS_LABELS, directives: Path = DIRECTIVE_LABELS) -> dict[str, list[dict]]:
    """Per speech file, its directive sentences' labels ``{id, start, end, spans}``."""
    out: dict[str, list[dict]] = {}
    for path in sorted(root.glob("*.jsonl")):
        directive = {lab["id"]: lab["directive"] for lab in map(json.loads, (directives / path.name)
                                                              .read_text(encoding="utf-8").splitlines())}
        for lab in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            if directive.get(lab["id"]):
                out.setdefault(lab["file"], []).append(lab)
    return out


def sentence_rows(nlp, text: str, labels: list[dict], head, torch, name: str = "") -> list[dict]:
    """One row per labelled sentence of document ``text``: gold spans, the rules' spans (without
    and with the pipeline's entities), the encoder states and offsets of its characters, the
    feature ids (``head.feature_ids`` with the rule spans) and the tags the gold allows."""
    from spacy.attrs import IDX

    from ..components.extensions import model_view, trimmed_range
    from ..labels import TASK_ROLES
    from ..text.tasks import task_spans
    from .finetune import allowed_tags

    doc = nlp(text)
    view = model_view(doc)
    states = doc._.policy_states
    words = doc.to_array([IDX]).reshape(-1).astype(np.int64)
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    index = {trimmed_range(s): (i, s) for i, s in enumerate(doc._.sentences)}
    rows = []
    for lab in labels:
        start, end = lab["start"], lab["end"]
        sent_text = view[start:end]
        gold = tuple(tuple(s) for s in lab["spans"])
        inside = [(s - start, e - start, label) for s, e, label in ents if start <= s and e <= end]
        rules_plain, rules_ents = task_spans(sent_text), task_spans(sent_text, inside)
        if (start, end) in index:
            i, sent = index[(start, end)]
            offsets = np.asarray(states["offsets"][i], dtype=np.int64).reshape(-1, 2) + (sent.start_char - start)
            keep = (offsets[:, 0] >= 0) & (offsets[:, 1] <= end - start)
            tokens = np.asarray(states["tokens"][i], dtype=np.float32)[keep]
            offsets, doc_text, doc_start, doc_words = offsets[keep], view, start, words
        else:  # the pipeline cut this sentence differently: encode it alone
            enc = nlp.get_pipe("policy_encoder").encode_texts([sent_text], [None])[0]
            tokens, offsets = enc.tokens.float().numpy(), enc.offsets
            doc_text, doc_start = sent_text, 0
            doc_words = np.array([t.idx for t in nlp.tokenizer(sent_text)], dtype=np.int64)
        if not len(offsets):
            continue
        example = Example(sent_text, None, spans=gold, scope=TASK_ROLES, doc=name)
        rows.append({"example": example, "doc": name, "gold": set(gold), "rules": set(rules_plain),
                     "rules_ents": list(rules_ents), "offsets": offsets, "states": tokens,
                     "features": head.feature_ids(doc_text, [offsets], [doc_start], doc_words,
                                                  rule_spans=[rules_ents]),
                     "allowed": allowed_tags(example, offsets, head.tags, torch),
                     "aligned": (start, end) in index})
    return rows


def prepare_all(pipeline: Path, buckets: int, feature_dim: int, torch) -> tuple[list[dict], int]:
    """Rows of every labelled speech and the encoder's hidden size. Computed again on each run:
    they hold the pipeline's entity and rule spans, which change with its entity tagger."""
    from ..labels import TASK_ROLES
    from ..ml.task_head import TaskHead
    from ..pipeline import load
    from .datasets import document_text

    started = time.time()
    nlp = load(pipeline, exclude=("policy_tasks", "policy_cleaner"))
    hidden = nlp.get_pipe("policy_encoder").encoder.hidden_size
    head = TaskHead(hidden, TASK_ROLES, buckets=buckets, feature_dim=feature_dim, rule_features=True)
    rows = []
    for name, labels in labelled_sentences().items():
        rows += sentence_rows(nlp, document_text(name), labels, head, torch, name)
    print(f"{len(rows)} directive sentences of {len({r['doc'] for r in rows})} speeches prepared in "
          f"{time.time() - started:.0f} s ({sum(not r['aligned'] for r in rows)} encoded alone)", flush=True)
    return rows, hidden


def variant_rows(rows: list[dict], rule_features: bool) -> list[dict]:
    """The rows with the feature columns a head with(out) rule features reads."""
    return rows if rule_features else [{**r, "features": r["features"][:, :BASE_TEMPLATES]} for r in rows]


def train(rows: list[dict], held: list[dict] | None, hidden: int, torch, *, rule_features: bool, epochs: int,
          lr: float, batch: int, buckets: int, feature_dim: int, seed: int):
    """A ``TaskHead`` trained by ``entity_tagger.train_head`` (``held`` picks the epoch; None: the training rows)."""
    from ..labels import TASK_ROLES
    from ..ml.task_head import TaskHead
    from .entity_tagger import train_head

    torch.manual_seed(seed)
    head = TaskHead(hidden, TASK_ROLES, buckets=buckets, feature_dim=feature_dim, rule_features=rule_features)
    train_rows = variant_rows(rows, rule_features)
    held_rows = variant_rows(held, rule_features) if held else train_rows
    return train_head(head, train_rows, held_rows, torch, epochs=epochs, lr=lr, batch=batch, seed=seed)


def predict(head, rows: list[dict]) -> list[list[tuple[int, int, str]]]:
    rows = variant_rows(rows, head.rule_features)
    return head.decode([r["states"] for r in rows], np.concatenate([r["features"] for r in rows]),
                       [r["offsets"] for r in rows])


def scores(pairs) -> dict[str, float]:
    from ..evaluate import span_scores
    from ..labels import TASK_ROLES

    per_role, micro = span_scores(pairs, TASK_ROLES)
    return {**per_role, "overall": micro}


def crossval(rows: list[dict], hidden: int, torch, args) -> dict[str, list[dict]]:
    from ..ml.task_head import merge_task_spans

    files = sorted({r["doc"] for r in rows})
    results: dict[str, list[dict]] = {}
    for fold in range(args.folds):
        started = time.time()
        test_files = {f for i, f in enumerate(files) if i % args.folds == fold}
        train_files = [f for f in files if f not in test_files]
        inner = {f for i, f in enumerate(train_files) if i % 8 == fold % 8}
        test = [r for r in rows if r["doc"] in test_files]
        fit = [r for r in rows if r["doc"] not in test_files and r["doc"] not in inner]
        held = [r for r in rows if r["doc"] in inner]
        assert not {r["doc"] for r in fit + held} & test_files
        gold = [r["gold"] for r in test]
        systems = {"rules": [r["rules"] for r in test], "rules + entities": [set(r["rules_ents"]) for r in test]}
        for rule_features in (False, True):
            head, epoch, f1 = train(fit, held, hidden, torch, rule_features=rule_features, epochs=args.epochs,
                                    lr=args.lr, batch=args.batch, buckets=args.buckets,
                                    feature_dim=args.feature_dim, seed=args.seed)
            pred = predict(head, test)
            name = "CRF + rule features" if rule_features else "CRF"
            print(f"fold {fold} {name}: epoch {epoch} kept (inner held-out F1 {f1:.4f})", flush=True)
            systems[name] = [set(p) for p in pred]
            merged = [set(merge_task_spans(p, r["rules_ents"], ("ACTOR", "DEADLINE", "TARGET")))
                      for p, r in zip(pred, test)]
            systems[name + ", rules-first merge"] = merged
        for name, pred in systems.items():
            results.setdefault(name, []).append(scores(list(zip(gold, pred))))
        print(f"fold {fold}: {len(test)} test sentences of {len(test_files)} speeches; "
              + "; ".join(f"{n} {results[n][-1]['overall']:.3f}" for n in systems)
              + f" ({time.time() - started:.0f} s)", flush=True)
    return results


def print_table(results: dict[str, list[dict]]) -> None:
    columns = ("ACTOR", "DEADLINE", "TARGET", "overall")
    print("| system | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, folds in results.items():
        cells = []
        for c in columns:
            values = [f[c] for f in folds]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} ± {sd:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    import torch

    from ..pipeline import default_model_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipeline", type=Path, default=default_model_path(), help="pipeline whose encoder is read")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "runs" / "task_tagger")
    parser.add_argument("--crossval", action="store_true", help="print the 5-fold CV table instead of training")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-rule-features", action="store_true", help="train the CRF without the rules' spans")
    parser.add_argument("--rule-first", default="", help="roles (comma-separated) whose rule spans the head keeps")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--buckets", type=int, default=2 ** 16)
    parser.add_argument("--feature-dim", type=int, default=12)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    rows, hidden = prepare_all(args.pipeline, args.buckets, args.feature_dim, torch)
    if args.crossval:
        started = time.time()
        results = crossval(rows, hidden, torch, args)
        print(f"\n{args.folds}-fold cross-validation by speech, exact-span F1 mean ± sd over folds "
              f"({len(rows)} directive sentences, {time.time() - started:.0f} s)\n")
        print_table(results)
        return
    started = time.time()
    head, epoch, f1 = train(rows, None, hidden, torch, rule_features=not args.no_rule_features, epochs=args.epochs,
                            lr=args.lr, batch=args.batch, buckets=args.buckets, feature_dim=args.feature_dim,
                            seed=args.seed)
    head.rule_first = [r for r in args.rule_first.split(",") if r]
    folder = args.out / "head"
    head.save(folder)
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"epoch {epoch} kept (training F1 {f1:.4f}); trained in {time.time() - started:.0f} s; "
          f"wrote {folder} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
