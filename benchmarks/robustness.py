"""Huge single lines: time and memory grow linearly with the length of one line of text.

    python benchmarks/robustness.py [--max-mb 5]

Builds lines of 0.5 to 5 MB (UTF-8) by joining a policy text into one line, and a
punctuation-free line (the segmenter's worst case), and prints chars/s for each size:
a flat chars/s column means linear time.
"""

from __future__ import annotations

import argparse
import resource
import time

import policy_nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-mb", type=float, default=5.0)
    args = parser.parse_args()
    nlp = policy_nlp.load()
    base = policy_nlp.sample_speech().replace("\n", "")
    no_punct = "".join(c for c in base if "\u4e00" <= c <= "\u9fff")
    sizes = [s for s in (0.5, 1, 2, 5, 10) if s <= args.max_mb]
    print(f"| {'line':22s} | {'MB':>5s} | {'chars':>10s} | {'seconds':>8s} | {'chars/s':>9s} | {'sentences':>9s} | {'peak RSS MB':>11s} |")
    print(f"|{'-' * 24}|{'-' * 7}|{'-' * 12}|{'-' * 10}|{'-' * 11}|{'-' * 11}|{'-' * 13}|")
    for name, unit in (("speech joined", base), ("no punctuation at all", no_punct)):
        for mb in sizes:
            n_chars = int(mb * 1_000_000 / 3)  # CJK characters are 3 bytes in UTF-8
            text = (unit * (n_chars // len(unit) + 1))[:n_chars]
            start = time.perf_counter()
            doc = nlp(text)
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"| {name:22s} | {mb:5.1f} | {len(text):10,d} | {seconds:8.2f} | {len(text) / seconds:9,.0f} "
                  f"| {len(doc._.sentences):9,d} | {peak:11,.0f} |")
            del doc


if __name__ == "__main__":
    main()
