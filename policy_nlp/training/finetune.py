"""Fine-tune the pretrained encoder with both heads: ``python -m policy_nlp.training.finetune``.

One multi-task run, so that the shared encoder serves both components:
- area + directive on the labelled policy sentences (``training_data/directives``), each with
  its outline section as second segment;
- entity BIO tags, as an auxiliary task that teaches the encoder names and numbers (a linear
  per-character tagger, not shipped: ``policy_nlp.training entities`` trains the shipped
  entity tagger on the finished encoder), on the policy sentences of ``training_data/entities``
  (all 13 labels) and on the news NER sets (``ner_data``). News sets annotate only PERSON/ORG/GPE: for their
  characters outside a span the loss accepts ``O`` *or* any tag of a label the set does not
  annotate (partial labels), so their unmarked dates and numbers teach nothing wrong.

A tenth of the policy documents is held out (by document) to pick the best epoch and to fit
the temperatures that calibrate the scores. Stage 2 (``--wide-only`` runs it alone) trains the
directive head again on the frozen encoder with its wide part (hashed character n-grams). The dev gold is never read here. The result is a
folder with ``encoder/`` and ``directives/`` that
``policy_nlp.training.pipeline --neural`` assembles into the shipped pipeline.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from .data import REPO_ROOT, shared_dir

DEFAULT_PRETRAINED = REPO_ROOT / "runs" / "pretrain" / "encoder"
DEFAULT_OUT = REPO_ROOT / "runs" / "finetune"


@dataclass
class Example:
    text: str
    section: str | None = None
    area: int | None = None
    directive: bool | None = None
    spans: tuple = ()
    scope: tuple[str, ...] | None = None  # labels annotated; None: no entity annotation
    ignore: tuple = ()
    doc: str = ""


def heldout(doc: str, fraction: float = 0.1) -> bool:
    """Deterministic held-out choice by document name."""
    return zlib.crc32(doc.encode("utf-8")) % 1000 < fraction * 1000


def load_examples(shared: Path, areas: tuple[str, ...]):
    from .datasets import directive_examples, entity_split, without_repeats
    from ..labels import ENTITY_LABELS
    from .ner_data import ner_training_examples

    train, held = [], []
    for e in directive_examples():
        ex = Example(e.text, e.section, areas.index(e.area), bool(e.directive), doc=e.doc)
        (held if heldout(e.doc) else train).append(ex)
    train = without_repeats(train, held)  # a copy of a held-out speech in another corpus source
    entity_train, entity_held = entity_split()
    train += [Example(e.text, e.section, spans=e.spans, scope=ENTITY_LABELS, doc=e.doc) for e in entity_train]
    held += [Example(e.text, e.section, spans=e.spans, scope=ENTITY_LABELS, doc=e.doc) for e in entity_held]
    news = [Example(n.text, None, spans=tuple(n.spans), scope=n.scope, ignore=tuple(n.ignore), doc=n.source)
            for n in ner_training_examples(shared) if n.text.strip()]
    return train, held, news


def allowed_tags(example: Example, offsets, tags: list[str], torch):
    """[tokens, tags] bool: the tags each token may take under the example's annotation."""
    n = len(offsets)
    allowed = torch.zeros((n, len(tags)), dtype=torch.bool)
    index = {t: i for i, t in enumerate(tags)}
    outside = [0] + [i for i, t in enumerate(tags) if t != "O" and t.split("-", 1)[1] not in example.scope]
    char_tag: dict[int, int] = {}
    for s, e, label in example.spans:
        for c in range(s, e):
            char_tag[c] = index[("B-" if c == s else "I-") + label]
    ignored = {c for s, e in example.ignore for c in range(s, e)}
    for k, (a, _) in enumerate(offsets):
        a = int(a)
        if a in char_tag:
            allowed[k, char_tag[a]] = True
        elif a in ignored:
            allowed[k, :] = True
        else:
            allowed[k, outside] = True
    return allowed


def partial_label_loss(logits, allowed, torch):
    """-log P(allowed tags): the usual cross-entropy when one tag is allowed."""
    masked = logits.masked_fill(~allowed, float("-inf"))
    return (torch.logsumexp(logits, -1) - torch.logsumexp(masked, -1)).mean()


def fit_temperature(logits, targets, torch, binary: bool) -> float:
    """The temperature minimising held-out negative log-likelihood (grid search)."""
    best = (math.inf, 1.0)
    for t in [0.2 + 0.05 * i for i in range(61)]:
        if binary:
            nll = torch.nn.functional.binary_cross_entropy_with_logits(logits / t, targets.float()).item()
        else:
            nll = torch.nn.functional.cross_entropy(logits / t, targets).item()
        best = min(best, (nll, t))
    return best[1]


def run_examples(encoder, directive_head, entity_head, batch, torch):
    """Forward one batch; returns (loss, area logits with targets, directive logits with targets)."""
    encodings = encoder.encode([e.text for e in batch], [e.section for e in batch])
    loss = torch.zeros(())
    area_rows = [(i, e) for i, e in enumerate(batch) if e.area is not None]
    area_out = directive_out = None
    if area_rows:
        vectors = torch.stack([encodings[i].vector() for i, _ in area_rows])
        area_logits, directive_logits = directive_head(vectors, [e.text for _, e in area_rows])
        area_t = torch.tensor([e.area for _, e in area_rows])
        directive_t = torch.tensor([float(e.directive) for _, e in area_rows])
        loss = loss + torch.nn.functional.cross_entropy(area_logits, area_t, label_smoothing=0.05)
        loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(directive_logits, directive_t)
        area_out, directive_out = (area_logits, area_t), (directive_logits, directive_t)
    entity_rows = [(i, e) for i, e in enumerate(batch) if e.scope is not None and len(encodings[i].tokens)]
    if entity_rows:
        states = torch.cat([encodings[i].tokens for i, _ in entity_rows])
        allowed = torch.cat([allowed_tags(e, encodings[i].offsets, entity_head.tags, torch) for i, e in entity_rows])
        loss = loss + partial_label_loss(entity_head(states), allowed, torch)
    return loss, area_out, directive_out


def logit_scores(area_logits, area_targets, directive_logits, directive_targets) -> tuple[float, float, float]:
    """(area macro-F1, directive F1, area accuracy) of held-out logits."""
    from ..evaluate import f1_scores

    pred = area_logits.argmax(-1).tolist()
    gold = area_targets.tolist()
    per_area = f1_scores(gold, pred, range(area_logits.shape[1]))
    directive = f1_scores([t > 0.5 for t in directive_targets.tolist()], (directive_logits > 0).tolist(), [True])[True]
    accuracy = sum(p == g for p, g in zip(pred, gold)) / len(gold)
    return sum(per_area.values()) / len(per_area), directive, accuracy


def auxiliary_tagger(hidden_size: int, labels, torch):
    """The auxiliary entity task's tagger: one linear layer over the character states, with its ``tags``."""
    from ..ml.crf import bio_tags

    layer = torch.nn.Linear(hidden_size, len(bio_tags(labels)))
    layer.tags = bio_tags(labels)
    return layer


def evaluate(encoder, directive_head, entity_head, examples, torch, batch_size: int = 64) -> dict:
    """Held-out area accuracy/macro-F1, directive F1, entity exact-span F1 (of the auxiliary tagger), and raw logits."""
    from ..ml.crf import tag_spans

    encoder.model.eval(), directive_head.eval(), entity_head.eval()
    area_logits, area_t, dir_logits, dir_t = [], [], [], []
    tp = n_pred = n_gold = 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = examples[start : start + batch_size]
            encodings = encoder.encode([e.text for e in batch], [e.section for e in batch])
            for e, enc in zip(batch, encodings):
                if e.area is not None:
                    a, d = directive_head(enc.vector()[None], [e.text])
                    area_logits.append(a[0]), dir_logits.append(d[0])
                    area_t.append(e.area), dir_t.append(float(e.directive))
                if e.scope is not None:
                    path = entity_head(enc.tokens).argmax(-1).tolist() if len(enc.tokens) else []
                    pred = set(tag_spans(path, entity_head.tags, enc.offsets))
                    gold = {tuple(s) for s in e.spans}
                    tp += len(pred & gold)
                    n_pred += len(pred)
                    n_gold += len(gold)
    encoder.model.train(), directive_head.train(), entity_head.train()
    result = {"entity_f1": 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0}
    if area_logits:
        logits, targets = torch.stack(area_logits), torch.tensor(area_t)
        dlogits, dtargets = torch.stack(dir_logits), torch.tensor(dir_t)
        macro, dir_f1, accuracy = logit_scores(logits, targets, dlogits, dtargets)
        result.update(area_accuracy=accuracy, area_macro_f1=macro, directive_f1=dir_f1,
                      logits=(logits, targets, dlogits, dtargets))
    return result


def train_wide_head(encoder, deep_head, train, held, torch, *, buckets: int, epochs: int, batch: int = 64,
                    seed: int = 0, wide_lr: float = 0.1):
    """Stage 2: the directive head with its n-gram (wide) part, on the frozen fine-tuned encoder.

    Sentence vectors are computed once; the deep part starts from the stage-1 head, the wide
    part from zero. The epoch with the best held-out area macro-F1 + directive F1 is kept
    and its temperatures fitted on the held-out sentences.
    """
    from ..ml.modeling import DirectiveHead

    train = [e for e in train if e.area is not None]
    held = [e for e in held if e.area is not None]
    encoder.model.eval()
    with torch.no_grad():
        vectors = {id(e): v.vector() for part in (train, held)
                   for e, v in zip(part, encoder.encode([x.text for x in part], [x.section for x in part]))}
    head = DirectiveHead(deep_head.hidden_size, deep_head.labels, ngram_buckets=buckets)
    head.load_state_dict(deep_head.state_dict(), strict=False)
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in head.named_parameters() if not n.startswith("wide")], "lr": 1e-3, "weight_decay": 0.01},
        {"params": head.wide.parameters(), "lr": wide_lr, "weight_decay": 0.0},
    ])
    rng = random.Random(seed)
    best = None
    for epoch in range(epochs):
        head.train()
        order = list(train)
        rng.shuffle(order)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            area, directive = head(torch.stack([vectors[id(e)] for e in rows]), [e.text for e in rows])
            loss = torch.nn.functional.cross_entropy(area, torch.tensor([e.area for e in rows]), label_smoothing=0.05)
            loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                directive, torch.tensor([float(e.directive) for e in rows]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        head.eval()
        with torch.no_grad():
            area, directive = head(torch.stack([vectors[id(e)] for e in held]), [e.text for e in held])
        targets = torch.tensor([e.area for e in held])
        dtargets = torch.tensor([float(e.directive) for e in held])
        macro, dir_f1, _ = logit_scores(area, targets, directive, dtargets)
        print(f"wide head epoch {epoch}: held-out area macro-F1 {macro:.4f}, directive F1 {dir_f1:.4f}", flush=True)
        if best is None or macro + dir_f1 > best[0]:
            head.area_temperature = fit_temperature(area, targets, torch, binary=False)
            head.directive_temperature = fit_temperature(directive, dtargets, torch, binary=True)
            best = (macro + dir_f1, epoch, {"area_macro_f1": round(macro, 4), "directive_f1": round(dir_f1, 4)},
                    {k: v.clone() for k, v in head.state_dict().items()}, head.area_temperature, head.directive_temperature)
    head.load_state_dict(best[3])
    head.area_temperature, head.directive_temperature = best[4], best[5]
    return head.eval(), best[1], best[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pretrained", type=Path, default=DEFAULT_PRETRAINED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--news-per-epoch", type=int, default=9000, help="news NER sentences sampled per epoch")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--limit", type=int, default=None, help="use only this many examples of each kind (smoke runs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ngram-buckets", type=int, default=2 ** 17, help="hashed n-gram features of the wide part (0: none)")
    parser.add_argument("--wide-epochs", type=int, default=30)
    parser.add_argument("--wide-lr", type=float, default=0.1)
    parser.add_argument("--wide-only", action="store_true",
                        help="only stage 2: the wide-and-deep directive head on the encoder already in --out")
    args = parser.parse_args(argv)

    import torch

    from ..ml.modeling import CharEncoder, DirectiveHead
    from ..labels import AREAS, ENTITY_LABELS

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    shared = shared_dir()
    train, held, news = load_examples(shared, AREAS)
    if args.limit:
        train, held, news = train[: args.limit], held[: args.limit], news[: args.limit]
    print(f"policy train {len(train)}, held out {len(held)}, news NER {len(news)}", flush=True)
    if args.wide_only:
        wide_stage(args, train, held, torch)
        return
    encoder = CharEncoder.from_pretrained(args.pretrained)
    encoder.model.to(args.device).train()
    directive_head = DirectiveHead(encoder.hidden_size, AREAS)
    entity_head = auxiliary_tagger(encoder.hidden_size, ENTITY_LABELS, torch)
    optimizer = torch.optim.AdamW([
        {"params": list(encoder.model.parameters()), "lr": args.lr},
        {"params": list(directive_head.parameters()) + list(entity_head.parameters()), "lr": args.head_lr},
    ], weight_decay=0.01)
    per_epoch = len(train) + min(len(news), args.news_per_epoch)
    total_steps = args.epochs * math.ceil(per_epoch / args.batch)
    base = [g["lr"] for g in optimizer.param_groups]
    warmup = max(1, total_steps // 20)
    step, best, started = 0, None, time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    for epoch in range(args.epochs):
        pool = train + rng.sample(news, min(len(news), args.news_per_epoch))
        rng.shuffle(pool)
        # Batches of similar length: less padding; the batch order stays random.
        pool.sort(key=lambda e: len(e.text) + len(e.section or "") // 4 + rng.random() * 8)
        batches = [pool[i : i + args.batch] for i in range(0, len(pool), args.batch)]
        rng.shuffle(batches)
        for batch in batches:
            scale = min(1.0, (step + 1) / warmup) * max(0.0, (total_steps - step) / max(1, total_steps - warmup))
            for group, lr in zip(optimizer.param_groups, base):
                group["lr"] = lr * min(1.0, scale)
            loss, _, _ = run_examples(encoder, directive_head, entity_head, batch, torch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], 1.0)
            optimizer.step()
            step += 1
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{total_steps} loss {loss.item():.3f} {(time.time() - started) / 60:.1f} min", flush=True)
        scores = evaluate(encoder, directive_head, entity_head, held, torch)
        summary = {k: round(v, 4) for k, v in scores.items() if k != "logits"}
        print(f"epoch {epoch} held-out {summary}", flush=True)
        quality = scores.get("area_macro_f1", 0) + scores.get("directive_f1", 0) + scores["entity_f1"]
        if best is None or quality > best[0]:
            best = (quality, epoch, summary)
            logits, targets, dlogits, dtargets = scores["logits"]
            directive_head.area_temperature = fit_temperature(logits, targets, torch, binary=False)
            directive_head.directive_temperature = fit_temperature(dlogits, dtargets, torch, binary=True)
            encoder.save_pretrained(args.out / "encoder")
            directive_head.save(args.out / "directives")
    (args.out / "training.json").write_text(json.dumps({
        "best_epoch": best[1], "heldout": best[2], "epochs": args.epochs, "steps": step,
        "minutes": round((time.time() - started) / 60, 1), "pretrained": str(args.pretrained),
    }, indent=1))
    print(f"best epoch {best[1]}: {best[2]}; wrote {args.out}", flush=True)
    if args.ngram_buckets:
        wide_stage(args, train, held, torch)


def wide_stage(args, train, held, torch) -> None:
    from ..ml.modeling import CharEncoder, DirectiveHead

    encoder = CharEncoder.from_pretrained(args.out / "encoder")
    # The multi-task stage's head is kept as directives_deep/, so stage 2 can be run again.
    if not (args.out / "directives_deep").exists() or not args.wide_only:
        DirectiveHead.load(args.out / "directives").save(args.out / "directives_deep")
    deep = DirectiveHead.load(args.out / "directives_deep")
    head, epoch, scores = train_wide_head(encoder, deep, train, held, torch, buckets=args.ngram_buckets,
                                          epochs=args.wide_epochs, seed=args.seed, wide_lr=args.wide_lr)
    head.save(args.out / "directives")
    info_path = args.out / "training.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    info["wide_head"] = {"buckets": args.ngram_buckets, "best_epoch": epoch, "heldout": scores}
    info_path.write_text(json.dumps(info, indent=1))
    print(f"wide-and-deep head, epoch {epoch}: {scores}; wrote {args.out / 'directives'}", flush=True)


if __name__ == "__main__":
    main()
