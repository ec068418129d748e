"""Masked-language-model pretraining of the character encoder: ``python -m policy_nlp.training.pretrain``.

Text: the corpus ``train`` split (the news transcripts, two thirds of it, sampled down so
that reports and speeches weigh more), the synthetic speeches, and the training texts of
the NER sets (never People's Daily ``example.test``, which is for evaluation). The vocabulary
is every character seen at least twice in that text. The model is a small ``BertModel``;
the MLM loss is computed at masked positions only (the output layer over the vocabulary
is the costliest part otherwise). Resumable: a checkpoint (weights, optimiser state and
step, all safetensors/JSON) is written every ``--save-every`` steps and at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

from .data import REPO_ROOT, corpus_manifest, read_corpus_text, shared_dir

DEFAULT_OUT = REPO_ROOT / "runs" / "pretrain"
NEWS_SOURCE = "DuckBurnIncense__xin-wen-lian-bo"


def pretraining_texts(shared: Path, news_chars: int = 3_000_000, seed: int = 7) -> list[str]:
    """Documents for pretraining (corpus train split, synthetic speeches, NER training texts)."""
    from .labelling import SYNTHETIC_DIR
    from .ner_data import ner_training_texts

    docs = [d for d in corpus_manifest(shared) if d.split == "train"]
    news = sorted((d for d in docs if d.file.startswith(NEWS_SOURCE)), key=lambda d: d.file)
    random.Random(seed).shuffle(news)
    picked, total = [], 0
    for doc in news:
        if total >= news_chars:
            break
        picked.append(doc)
        total += doc.chars
    texts = [read_corpus_text(shared, d) for d in docs if not d.file.startswith(NEWS_SOURCE)]
    texts += [read_corpus_text(shared, d) for d in picked]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SYNTHETIC_DIR.glob("*.txt"))]
    texts.append("\n".join(ner_training_texts(shared)))
    return texts


def chunk_ids(tokenizer, texts: list[str], length: int) -> list[list[int]]:
    """Token ids of the texts, line by line, packed into pieces of ``length`` characters."""
    pieces, current = [], []
    for text in texts:
        lines = [line for line in text.splitlines() if line.strip()]
        for ids in tokenizer(lines, add_special_tokens=False)["input_ids"]:
            while ids:
                room = length - len(current)
                current.extend(ids[:room])
                ids = ids[room:]
                if len(current) == length:
                    pieces.append(current)
                    current = []
    if len(current) > length // 4:
        pieces.append(current)
    return pieces


def mask_batch(torch, ids, tokenizer, generator, rate: float = 0.15):
    """BERT masking: of the chosen positions 80% ``[MASK]``, 10% a random character, 10% unchanged."""
    special = ids < len(tokenizer.all_special_ids)
    chosen = (torch.rand(ids.shape, generator=generator) < rate) & ~special
    inputs = ids.clone()
    roll = torch.rand(ids.shape, generator=generator)
    inputs[chosen & (roll < 0.8)] = tokenizer.mask_token_id
    random_ids = torch.randint(len(tokenizer.all_special_ids), len(tokenizer), ids.shape, generator=generator)
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = random_ids[swap]
    return inputs, chosen


def save_checkpoint(model, optimizer, step: int, out: Path) -> None:
    """Weights via ``save_pretrained``; optimiser state as safetensors plus JSON (no pickle)."""
    from safetensors.torch import save_file

    ckpt = out / "checkpoint"
    model.save_pretrained(ckpt)
    state = optimizer.state_dict()
    tensors = {f"{index}.{name}": value.contiguous() for index, entries in state["state"].items()
               for name, value in entries.items()}
    save_file(tensors, str(ckpt / "optimizer.safetensors"))
    (ckpt / "trainer_state.json").write_text(json.dumps({"step": step, "param_groups": state["param_groups"]}))


def load_checkpoint(model_cls, optimizer_factory, out: Path):
    from safetensors.torch import load_file

    ckpt = out / "checkpoint"
    model = model_cls.from_pretrained(ckpt, local_files_only=True)
    optimizer = optimizer_factory(model)
    meta = json.loads((ckpt / "trainer_state.json").read_text())
    tensors = load_file(str(ckpt / "optimizer.safetensors"))
    state: dict = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return model, optimizer, meta["step"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=192)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--length", type=int, default=126, help="characters per training sequence")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--max-minutes", type=float, default=None, help="stop (with a checkpoint) after this long")
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch
    from transformers import BertConfig, BertForMaskedLM

    from ..ml.char_tokenizer import build_tokenizer, count_characters, load_tokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    shared = shared_dir()
    args.out.mkdir(parents=True, exist_ok=True)
    texts = pretraining_texts(shared)
    tok_dir = args.out / "tokenizer"
    if tok_dir.exists():
        tokenizer = load_tokenizer(tok_dir)
    else:
        tokenizer = build_tokenizer(count_characters(texts), min_count=2)
        tokenizer.save_pretrained(tok_dir)
    pieces = chunk_ids(tokenizer, texts, args.length)
    print(f"{sum(map(len, texts)):,} chars, vocabulary {len(tokenizer):,}, {len(pieces):,} sequences of {args.length}", flush=True)

    def make_optimizer(model):
        decay = [p for n, p in model.named_parameters() if p.ndim > 1]
        rest = [p for n, p in model.named_parameters() if p.ndim <= 1]
        return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                                 lr=args.lr, betas=(0.9, 0.98), eps=1e-6)

    if (args.out / "checkpoint" / "trainer_state.json").exists():
        model, optimizer, step = load_checkpoint(BertForMaskedLM, make_optimizer, args.out)
        print(f"resumed at step {step}", flush=True)
    else:
        config = BertConfig(
            vocab_size=len(tokenizer), hidden_size=args.hidden, num_hidden_layers=args.layers,
            num_attention_heads=args.heads, intermediate_size=4 * args.hidden, max_position_embeddings=512,
            type_vocab_size=2, pad_token_id=tokenizer.pad_token_id,
        )
        model, step = BertForMaskedLM(config), 0
        optimizer = make_optimizer(model)
    model.to(args.device).train()
    warmup = min(500, args.steps // 10)

    def lr_at(s: int) -> float:
        if s < warmup:
            return args.lr * (s + 1) / warmup
        return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (s - warmup) / max(1, args.steps - warmup))))

    generator = torch.Generator().manual_seed(args.seed + step)
    order = random.Random(args.seed)
    started, running = time.time(), None
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    while step < args.steps:
        batch = [pieces[order.randrange(len(pieces))] for _ in range(args.batch)]
        width = max(map(len, batch)) + 2
        ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
        for i, piece in enumerate(batch):
            ids[i, : len(piece) + 2] = torch.tensor([cls, *piece, sep])
        attention = (ids != tokenizer.pad_token_id).long()
        inputs, chosen = mask_batch(torch, ids, tokenizer, generator)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        hidden = model.bert(input_ids=inputs.to(args.device), attention_mask=attention.to(args.device)).last_hidden_state
        logits = model.cls(hidden[chosen.to(args.device)])
        loss = torch.nn.functional.cross_entropy(logits, ids[chosen].to(args.device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0:
            elapsed = time.time() - started
            print(f"step {step} loss {running:.3f} lr {lr_at(step):.2e} {elapsed / 60:.1f} min", flush=True)
        out_of_time = args.max_minutes is not None and time.time() - started > args.max_minutes * 60
        if step % args.save_every == 0 or step == args.steps or out_of_time:
            save_checkpoint(model, optimizer, step, args.out)
        if out_of_time:
            print(f"stopped at step {step} after {args.max_minutes} min (resume by running again)", flush=True)
            break
    model.bert.save_pretrained(args.out / "encoder")
    tokenizer.save_pretrained(args.out / "encoder")
    print(f"wrote {args.out / 'encoder'} at step {step}", flush=True)


if __name__ == "__main__":
    main()
