"""Speed of the whole pipeline on the dev gold documents, beside a bert-base-sized tagger.

    python benchmarks/throughput.py [--threads 2] [--model PATH] [--repeat 3]

Prints one table (characters per second, best of ``--repeat`` runs after a warm-up):
- the shipped pipeline, whole documents through ``nlp.pipe`` (and with the entity rules
  alone, and without the neural components, to show what the tagger and they cost);
- the pipeline with the encoder in float32, bfloat16 and dynamic int8 (the shipped
  default, ``precision="auto"``, is bfloat16 on CPUs with native bf16, else float32), and
  the encoder alone on the same sentences (with their sections);
- a ``BertForTokenClassification`` of bert-base-chinese's size (12 layers, 768 hidden,
  21,128 characters; random weights, nothing is downloaded) on the same sentences, with
  the same batching;
- the pipeline on a GPU when torch sees one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_rate(fn, chars: int, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return chars / min(times)


def main() -> None:
    import torch

    import policy_nlp
    from policy_nlp.ml.modeling import CharEncoder
    from policy_nlp.training.data import shared_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bert-base-sentences", type=int, default=150, help="sentences for the slow bert-base model")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    folder = shared_dir() / "data" / "gold" / "docs"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    chars = sum(map(len, texts))
    nlp = policy_nlp.load(args.model)
    docs = list(nlp.pipe(texts, disable=["policy_encoder", "policy_directives"], ))
    sentences = [s.text for d in docs for s in d._.sentences]
    sections = [s._.section for d in docs for s in d._.sentences]
    sent_chars = sum(map(len, sentences))
    print(f"{len(texts)} documents, {chars:,} characters, {len(sentences):,} sentences; torch threads {torch.get_num_threads()}")
    print()
    print("| system | chars/s | sentences/s |")
    print("|---|---|---|")

    def row(name, rate, n_chars):
        print(f"| {name} | {rate:,.0f} | {rate / n_chars * len(sentences):,.0f} |", flush=True)

    row("policy_nlp whole pipeline (nlp.pipe)", best_rate(lambda: list(nlp.pipe(texts)), chars, args.repeat), chars)
    rules_only = policy_nlp.load(args.model, config={"components.policy_entities.use_model": False})
    row("  whole pipeline, entity rules without the tagger (use_model=False)",
        best_rate(lambda: list(rules_only.pipe(texts)), chars, args.repeat), chars)
    neural = [n for n in ("policy_encoder", "policy_directives") if n in nlp.pipe_names]
    if neural:
        row("  without encoder and heads (segmenter, sentences, outline, entity rules)",
            best_rate(lambda: list(nlp.pipe(texts, disable=neural)), chars, args.repeat), chars)
        encoder: CharEncoder = nlp.get_pipe("policy_encoder").encoder

        component = nlp.get_pipe("policy_encoder")

        def run_encoder(enc):
            with torch.inference_mode(), component.precision_context():
                enc.encode(sentences, sections)

        for precision in ("float32", "bfloat16", "int8"):
            variant = policy_nlp.load(args.model, config={"components.policy_encoder.precision": precision})
            row(f"whole pipeline, encoder precision={precision}",
                best_rate(lambda: list(variant.pipe(texts)), chars, args.repeat), chars)
        row("  encoder alone (shipped precision)", best_rate(lambda: run_encoder(encoder), sent_chars, args.repeat), sent_chars)

    from transformers import BertConfig, BertForTokenClassification

    base = BertForTokenClassification(BertConfig(vocab_size=21128, num_labels=27)).eval()
    subset = sentences[: args.bert_base_sentences]
    subset_chars = sum(map(len, subset))
    tokenizer = encoder.tokenizer if neural else None

    def run_base():
        with torch.inference_mode():
            order = sorted(range(len(subset)), key=lambda i: len(subset[i]))
            for start in range(0, len(order), 32):
                rows = [[tokenizer.cls_token_id, *e.ids, tokenizer.sep_token_id]
                        for e in tokenizer.encode([subset[i][:510] for i in order[start : start + 32]])]
                ids = torch.full((len(rows), max(map(len, rows))), tokenizer.pad_token_id, dtype=torch.long)
                for r, row_ids in enumerate(rows):
                    ids[r, : len(row_ids)] = torch.tensor(row_ids)
                base(input_ids=ids % 21128, attention_mask=(ids != tokenizer.pad_token_id).long())

    if tokenizer is not None:
        rate = best_rate(run_base, subset_chars, 1)
        print(f"| bert-base-chinese-sized BertForTokenClassification (random weights, {len(subset)} sentences) | {rate:,.0f} | {rate / subset_chars * len(subset):,.0f} |")
    if torch.cuda.is_available():
        gpu = policy_nlp.load(args.model, device="cuda")
        row("policy_nlp whole pipeline on GPU", best_rate(lambda: list(gpu.pipe(texts)), chars, args.repeat), chars)
    else:
        print("| (no GPU here: torch.cuda.is_available() is False) | | |")


if __name__ == "__main__":
    main()
