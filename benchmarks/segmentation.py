"""Word segmentation: F1 on held-out PKU gold, speed and size, beside jieba and spaCy's char segmenter.

    python benchmarks/segmentation.py            # needs ../shared (or POLICY_NLP_SHARED)

Held-out = the last 20% of the SIGHAN 2005 PKU gold test set; the shipped model never saw it.
Speed = characters per CPU-second segmenting the corpus `dev` documents (one single-threaded
process, best of 3 passes). Load = CPU seconds for ``policy_nlp.load()`` after imports.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import policy_nlp
from policy_nlp.training.data import corpus_manifest, pku_split, read_corpus_text, shared_dir


def word_spans(words):
    spans, pos = set(), 0
    for w in words:
        spans.add((pos, pos + len(w)))
        pos += len(w)
    return spans


def f1(cut, gold_sents):
    tp = n_pred = n_gold = 0
    for words in gold_sents:
        text = "".join(words)
        pred = [w for w in cut(text) if w.strip()]
        if "".join(pred) != text:
            raise AssertionError(f"segmenter lost or changed characters in {text[:30]}")
        p, g = word_spans(pred), word_spans(words)
        tp += len(p & g)
        n_pred += len(p)
        n_gold += len(g)
    precision, recall = tp / n_pred, tp / n_gold
    return precision, recall, 2 * precision * recall / (precision + recall)


def speed(cut, texts, runs=3):
    """Characters per CPU-second, best of ``runs`` passes over ``texts`` (the first pass also
    warms caches). CPU time of this single-threaded process, so that other work on the
    machine does not count against it; on an idle machine it equals wall-clock time."""
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        for t in texts:
            cut(t)
        best = min(best, time.process_time() - start)
    return chars / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    shared = shared_dir()
    _, heldout = pku_split(shared)
    dev_texts = [read_corpus_text(shared, d) for d in corpus_manifest(shared) if d.split == "dev"]

    t0 = time.process_time()
    nlp = policy_nlp.load(args.model)
    load_s = time.process_time() - t0
    model_dir = Path(args.model or policy_nlp.default_model_path()) / "tokenizer"
    size_mb = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) / 1e6

    import jieba
    import spacy

    jieba.setLogLevel(60)
    jieba.initialize()
    char_nlp = spacy.blank("zh")  # spaCy's default Chinese segmenter: one token per character

    systems = [
        ("policy_nlp (shipped pkuseg CRF)", lambda t: [tok.text for tok in nlp.make_doc(t)], f"{size_mb:.1f}", f"{load_s:.2f}"),
        ("jieba 0.42 (default dict)", lambda t: list(jieba.cut(t)), "-", "-"),
        ("spaCy zh (char segmenter)", lambda t: [tok.text for tok in char_nlp.make_doc(t)], "-", "-"),
    ]
    print(f"held-out PKU sentences: {len(heldout)}; speed text: {len(dev_texts)} corpus dev documents, "
          f"{sum(map(len, dev_texts)):,} chars")
    print()
    print(f"| {'segmenter':34s} | {'P':>6s} | {'R':>6s} | {'F1':>6s} | {'chars/s':>9s} | {'model MB':>8s} | {'load s':>6s} |")
    print(f"|{'-' * 36}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 11}|{'-' * 10}|{'-' * 8}|")
    for name, cut, size, load in systems:
        p, r, f = f1(cut, heldout)
        cps = speed(cut, dev_texts)
        print(f"| {name:34s} | {p:6.4f} | {r:6.4f} | {f:6.4f} | {cps:9,.0f} | {size:>8s} | {load:>6s} |")
    full = speed(nlp, dev_texts)
    print()
    print(f"whole pipeline ({', '.join(['tokenizer'] + nlp.pipe_names)}): {full:,.0f} chars/s")


if __name__ == "__main__":
    main()
