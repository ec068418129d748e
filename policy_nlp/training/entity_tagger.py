"""Train the entity tagger of ``policy_entities`` on the shipped encoder:
``python -m policy_nlp.training entities [--pipeline models/policy_zh_sm]``.

The encoder stays frozen (``policy_directives`` was fitted on it): its character states are
computed once, as the pipeline computes them, and the wide-and-deep CRF head
(``modeling.EntityHead``) is trained on them with the hashed context features of each
character and its place in the person, place and organisation name lists built from
jieba's dictionary (``training.gazetteer``; stored with the head). Data: the policy
sentences labelled with all 13 labels (``training_data/entities``)
and the People's Daily dev and MSRA sets (PERSON/ORG/GPE only: partial labels, so their
unmarked dates and numbers teach nothing); ``--with-msra-train`` adds the MSRA training split
(``data/ner/msra_train``, 42,573 sentences, without the People's Daily dev/test sentences). CLUENER is left out by default: its conventions
(addresses, fictional names) differ from ANNOTATION.md and People's Daily, and adding it
lowered held-out F1 (``--with-cluener`` puts it back). People's Daily ``example.test`` and
the dev gold are never read here. A tenth of the data (policy documents chosen as
``finetune`` chooses them, news sentences by a hash of their normalised text,
``ner_data.news_heldout``) is held out to pick the epoch; the held-out F1 is also printed for
the policy sentences and the MSRA training tenth apart. No news training sentence equals or
shares a 15-character stretch with a People's Daily test sentence (``ner_data.leak_filter``).
The head is written to ``OUT/head`` (``--out``, default ``runs/entities``), with
``OUT/metrics.json``. The GPE list adds China's administrative divisions (``--divisions``,
``training.gazetteer``). ``--folders`` picks the labelled policy sets (``local``: the 60
synthetic local speeches) and ``--skip-documents`` leaves a test fold of documents out;
``--policy-weight`` shows each policy sentence several times an epoch beside the 42,000
MSRA sentences, and ``--select-on balanced`` picks the epoch on the mean of the policy and
news F1. The pipeline is never changed: ``python -m policy_nlp.training pipeline
--entities OUT`` assembles one with it. Encoder states are kept in float16
(a 192-wide state per character: about 0.7 GB for the 1.8 M characters of MSRA train).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from .data import shared_dir
from .finetune import Example, allowed_tags


def training_examples(shared: Path, with_cluener: bool = False, with_msra_train: bool = False,
                      folders: tuple[str, ...] = ("corpus", "synthetic"),
                      skip_documents: str | None = None) -> tuple[list[Example], list[Example]]:
    """(train, held out) examples with entity spans: the policy sentences of ``folders`` of
    ``training_data/entities`` except the documents whose file matches ``skip_documents``
    (a regex: the test fold of a cross-validation by document), split by ``datasets.entity_split``,
    and the news sets."""
    from .datasets import entity_split
    from ..labels import ENTITY_LABELS
    from .ner_data import ner_training_examples, news_heldout

    policy_train, policy_held = entity_split(tuple(folders), skip_documents)
    train, held = [[Example(e.text, e.section, spans=e.spans, scope=ENTITY_LABELS, doc=e.doc) for e in part]
                   for part in (policy_train, policy_held)]
    for n in ner_training_examples(shared, with_msra_train=with_msra_train):
        if not n.text.strip() or (n.source.startswith("cluener") and not with_cluener):
            continue
        ex = Example(n.text, None, spans=tuple(n.spans), scope=n.scope, ignore=tuple(n.ignore), doc=n.source)
        (held if news_heldout(n.text) else train).append(ex)
    return train, held


def prepare(nlp, examples: list[Example], head, torch) -> list[dict]:
    """States, feature ids and allowed tags of each example, as the pipeline would see it."""
    encoder = nlp.get_pipe("policy_encoder")
    rows = []
    for start in range(0, len(examples), 512):
        batch = examples[start : start + 512]
        encodings = encoder.encode_texts([e.text for e in batch], [e.section for e in batch])
        for e, enc in zip(batch, encodings):
            if not len(enc.tokens):
                continue
            words = np.array([t.idx for t in nlp.tokenizer(e.text)], dtype=np.int64)
            named, unnamed = head.training_feature_ids(e.text, [enc.offsets], [0], words)
            row = {"example": e, "offsets": enc.offsets, "states": enc.tokens.to(torch.float16).numpy(),
                   "features": named.astype(np.int32), "allowed": allowed_tags(e, enc.offsets, head.tags, torch)}
            if head.gazetteer is not None:  # name dropout: the tagger keeps reading names from their context
                row["unnamed_features"] = unnamed.astype(np.int32)
            rows.append(row)
    return rows


def collate(rows: list[dict], head, torch, unnamed: frozenset[int] = frozenset()):
    """Padded tensors of ``rows``; the rows at the positions in ``unnamed`` without their names."""
    width = max(len(r["offsets"]) for r in rows)
    states = torch.zeros((len(rows), width, head.hidden_size))
    features = torch.zeros((len(rows), width, rows[0]["features"].shape[1]), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.bool)
    allowed = torch.ones((len(rows), width, len(head.tags)), dtype=torch.bool)
    for i, r in enumerate(rows):
        n = len(r["offsets"])
        states[i, :n] = torch.from_numpy(r["states"])
        features[i, :n] = torch.from_numpy(r["unnamed_features" if i in unnamed else "features"])
        mask[i, :n] = True
        allowed[i, :n] = r["allowed"]
    return states, features, mask, allowed


def span_pairs(head, rows: list[dict]) -> list[tuple[set, set]]:
    """(gold, predicted) exact spans of each row, over the labels its example annotates, from
    one decoding pass (``evaluate.span_scores`` scores any subset of them)."""
    if not rows:
        return []
    head.eval()
    predicted = head.decode([r["states"] for r in rows],
                            np.concatenate([r["features"] for r in rows]).astype(np.int64),
                            [r["offsets"] for r in rows])
    head.train()
    return [({tuple(s) for s in r["example"].spans}, {s for s in spans if s[2] in r["example"].scope})
            for r, spans in zip(rows, predicted)]


def micro_f1(pairs: list[tuple[set, set]]) -> float:
    """Micro-F1 over every span of the pairs: ``span_pairs`` already keeps each row to the
    labels its example annotates (entity labels, or the task roles of ``task_tagger``)."""
    from ..evaluate import span_scores

    return span_scores(pairs, sorted({s[2] for gold, pred in pairs for s in gold | pred}))[1]


def span_f1(head, rows: list[dict]) -> float:
    """Exact-span micro-F1 over the labels each example annotates."""
    return micro_f1(span_pairs(head, rows))


NEWS_SOURCES = frozenset({"example.dev", "msra", "msra_train", "cluener2020"})


def is_policy(row: dict) -> bool:
    """A labelled policy sentence (13 labels), not a news sentence (PERSON/ORG/GPE only)."""
    return row["example"].doc not in NEWS_SOURCES


def held_groups(rows: list[dict]) -> dict[str, list[int]]:
    """Positions of the held-out rows by set: ``policy`` (the labelled policy documents),
    ``msra_train``, ``other news``."""
    groups: dict[str, list[int]] = {"policy": [], "msra_train": [], "other news": []}
    for i, r in enumerate(rows):
        doc = r["example"].doc
        groups["policy" if is_policy(r) else "msra_train" if doc == "msra_train" else "other news"].append(i)
    return {k: v for k, v in groups.items() if v}


def held_out_scores(head, held_rows: list[dict]) -> tuple[list[tuple[set, set]], dict[str, float]]:
    """One decoding pass over the held-out rows: their ``span_pairs`` and the F1 of each set."""
    pairs = span_pairs(head, held_rows)
    return pairs, {k: micro_f1([pairs[i] for i in v]) for k, v in held_groups(held_rows).items()}


def selection_score(held_rows: list[dict], pairs: list[tuple[set, set]], select_on: str) -> float:
    """The figure that picks the epoch, from the held-out ``span_pairs``: F1 over all held-out
    sentences (``pooled``, where the 42,000 news sentences outweigh the policy ones), or the
    mean of the policy F1 and the news F1 (``balanced``), so that learning news names cannot
    cost the policy labels unnoticed."""
    if select_on == "pooled":
        return micro_f1(pairs)
    policy = [is_policy(r) for r in held_rows]
    parts = [[p for p, keep in zip(pairs, policy) if keep == side] for side in (True, False)]
    return float(np.mean([micro_f1(part) for part in parts if part]))


def train_head(head, train_rows: list[dict], held_rows: list[dict], torch, *, epochs: int, lr: float,
               batch: int, seed: int, name_dropout: float = 0.0, on_best=None, policy_weight: int = 1,
               select_on: str = "pooled"):
    """Adam with a linearly decaying rate; the epoch with the best ``selection_score`` is kept.
    Each policy sentence is shown ``policy_weight`` times per epoch (a few thousand among
    42,000 news sentences otherwise) and each training sentence without its names with
    probability ``name_dropout``.
    ``on_best(head, epoch, f1)`` is called whenever an epoch beats the earlier ones (a
    checkpoint, should the run be cut short)."""
    rng = random.Random(seed)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    best = None
    train_rows = train_rows + [r for r in train_rows if is_policy(r)] * (policy_weight - 1)
    for epoch in range(epochs):
        started = time.time()
        for group in optimizer.param_groups:
            group["lr"] = lr * (1 - epoch / epochs)
        order = sorted(train_rows, key=lambda r: len(r["offsets"]) + rng.random() * 8)
        batches = [order[i : i + batch] for i in range(0, len(order), batch)]
        rng.shuffle(batches)
        total = 0.0
        for rows in batches:
            unnamed = frozenset(i for i, r in enumerate(rows)
                                if "unnamed_features" in r and rng.random() < name_dropout)
            loss = head.loss(*collate(rows, head, torch, unnamed))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()
        pairs, by_set = held_out_scores(head, held_rows)
        score = selection_score(held_rows, pairs, select_on)
        parts = ", ".join(f"{k} {v:.4f}" for k, v in by_set.items())
        print(f"epoch {epoch}: loss {total / len(batches):.4f}, held-out {select_on} F1 {score:.4f} ({parts}; "
              f"{time.time() - started:.0f} s)", flush=True)
        if best is None or score > best[0]:
            best = (score, epoch, {k: v.clone() for k, v in head.state_dict().items()})
            if on_best is not None:
                on_best(head, epoch, score)
    head.load_state_dict(best[2])
    return head.eval(), best[1], best[0]


def main(argv: list[str] | None = None) -> None:
    import torch

    from ..components.entities import HEAD_DIR
    from ..ml.modeling import EntityHead
    from ..pipeline import default_model_path, load
    from .gazetteer import build_gazetteer
    from ..labels import ENTITY_LABELS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipeline", type=Path, default=default_model_path(),
                        help="pipeline whose encoder the head reads (never written)")
    parser.add_argument("--out", type=Path, default=Path("runs/entities"),
                        help="run folder: the head goes to OUT/head, the figures to OUT/metrics.json")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--buckets", type=int, default=2 ** 16)
    parser.add_argument("--feature-dim", type=int, default=12)
    parser.add_argument("--with-cluener", action="store_true")
    parser.add_argument("--with-msra-train", action=argparse.BooleanOptionalAction, default=False,
                        help="add the MSRA training split (data/ner/msra_train)")
    parser.add_argument("--names-from", type=Path, default=None,
                        help="jieba-format dictionary for the name lists (default: the installed jieba's dict.txt)")
    parser.add_argument("--divisions", default="download",
                        help="jionlp wheel with China's administrative divisions for the GPE list "
                             "('download': pip download it; 'none': jieba's names only)")
    parser.add_argument("--no-names", action="store_true", help="train without the name lists")
    parser.add_argument("--policy-weight", type=int, default=1, help="times each policy sentence is shown per epoch")
    parser.add_argument("--select-on", choices=("pooled", "balanced"), default="pooled",
                        help="held-out figure that picks the epoch (see selection_score)")
    parser.add_argument("--name-dropout", type=float, default=0.5,
                        help="share of training sentences shown without their names, each epoch")
    parser.add_argument("--folders", nargs="+", default=["corpus", "synthetic"],
                        help="folders of training_data/entities with policy sentences to train on")
    parser.add_argument("--skip-documents", default=None,
                        help="regex: documents (file names) left out of training, e.g. a test fold")
    parser.add_argument("--limit", type=int, default=None, help="use only this many examples (smoke runs)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    nlp = load(args.pipeline, exclude=("policy_directives", "policy_entities"))
    divisions = {"download": None, "none": False}.get(args.divisions, Path(args.divisions))
    gazetteer = None if args.no_names else build_gazetteer(args.names_from, divisions)
    head = EntityHead(nlp.get_pipe("policy_encoder").encoder.hidden_size, ENTITY_LABELS, buckets=args.buckets,
                      feature_dim=args.feature_dim, gazetteer=gazetteer)
    train, held = training_examples(shared_dir(), with_cluener=args.with_cluener, with_msra_train=args.with_msra_train,
                                    folders=tuple(args.folders), skip_documents=args.skip_documents)
    if args.limit:
        train, held = train[: args.limit], held[: args.limit]
    started = time.time()
    train_rows, held_rows = prepare(nlp, train, head, torch), prepare(nlp, held, head, torch)
    prepared = time.time() - started
    print(f"{len(train_rows)} training and {len(held_rows)} held-out sentences prepared in "
          f"{prepared:.0f} s", flush=True)
    head, epoch, score = train_head(head, train_rows, held_rows, torch, epochs=args.epochs, lr=args.lr,
                                 batch=args.batch, seed=args.seed, name_dropout=args.name_dropout,
                                 policy_weight=args.policy_weight, select_on=args.select_on,
                                 on_best=lambda h, e, f: h.save(args.out / HEAD_DIR))
    folder = args.out / HEAD_DIR
    head.save(folder)
    metrics = {"epoch": epoch, f"held_out_{args.select_on}_f1": score, "seconds": round(time.time() - started),
               "prepare_seconds": round(prepared), "training_sentences": len(train_rows),
               "held_out_sentences": len(held_rows),
               "held_out_f1_by_set": held_out_scores(head, held_rows)[1],
               "args": {k: str(v) for k, v in vars(args).items()}}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    print(f"epoch {epoch} kept (held-out F1 {score:.4f}); wrote {folder}")


if __name__ == "__main__":
    main()
