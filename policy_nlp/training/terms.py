"""Mine candidate policy terms for the segmenter's user dictionary: ``python -m policy_nlp.training.terms``.

Candidates are runs of 2-3 teacher-segmented words (each of two or more CJK characters)
that recur in the corpus ``train`` split, behave like one unit (varied neighbours on both
sides: high branching entropy) and stick together (pointwise mutual information). The
output is a ranked list to review by hand; reviewed terms go into ``policy_terms.txt``.
``--check`` reports the corpus frequency of every term already in ``policy_terms.txt``.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter, defaultdict

from ..ml.segmenter import CRFSegmenter, read_user_dict
from .data import read_corpus_text, sample_train_docs, shared_dir
from .segmenter import DEFAULT_CACHE, POLICY_TERMS, fetch_teacher

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def _entropy(counter: Counter) -> float:
    total = sum(counter.values())
    return -sum(c / total * math.log(c / total) for c in counter.values()) if total else 0.0


def mine(texts: list[str], teacher: CRFSegmenter, min_freq: int, top: int) -> list[tuple[str, int, float, float]]:
    unigrams: Counter = Counter()
    ngrams: Counter = Counter()
    left: dict[str, Counter] = defaultdict(Counter)
    right: dict[str, Counter] = defaultdict(Counter)
    n_words = 0
    for text in texts:
        for line in text.splitlines():
            words = teacher.cut(line)
            n_words += len(words)
            unigrams.update(words)
            for size in (2, 3):
                for i in range(len(words) - size + 1):
                    parts = words[i : i + size]
                    if not all(_CJK_WORD.match(w) for w in parts):
                        continue
                    term = "".join(parts)
                    if not 4 <= len(term) <= 8:
                        continue
                    ngrams[term, tuple(parts)] += 1
                    left[term][words[i - 1] if i else "<s>"] += 1
                    right[term][words[i + size] if i + size < len(words) else "</s>"] += 1
    rows = []
    for (term, parts), freq in ngrams.items():
        if freq < min_freq:
            continue
        pmi = math.log(freq * n_words ** (len(parts) - 1) / math.prod(unigrams[p] for p in parts))
        branching = min(_entropy(left[term]), _entropy(right[term]))
        rows.append((term, freq, pmi, branching))
    rows.sort(key=lambda r: -(math.log(r[1]) * r[3] * max(r[2], 0)))
    return rows[:top]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=3_000_000, help="corpus characters to scan")
    parser.add_argument("--min-freq", type=int, default=15)
    parser.add_argument("--top", type=int, default=400)
    parser.add_argument("--check", action="store_true", help="frequencies of the reviewed terms instead")
    args = parser.parse_args(argv)
    shared = shared_dir()
    texts = [read_corpus_text(shared, d) for d in sample_train_docs(shared, args.chars)]
    if args.check:
        corpus = "\n".join(texts)
        for term in read_user_dict(POLICY_TERMS):
            print(f"{corpus.count(term):6d}  {term}")
        return
    teacher = CRFSegmenter.from_disk(fetch_teacher(DEFAULT_CACHE))
    print("term\tfreq\tpmi\tbranching")
    for term, freq, pmi, branching in mine(texts, teacher, args.min_freq, args.top):
        print(f"{term}\t{freq}\t{pmi:.2f}\t{branching:.2f}")


if __name__ == "__main__":
    main()
