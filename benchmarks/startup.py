"""Start-up of a fresh process: ``import policy_nlp``, ``+ policy_nlp.load()``, and the CLI's
``--version`` / ``--help`` (which must not import torch or spaCy), beside the floors: a bare
``import torch`` and ``import spacy.lang.zh``, which every process that runs the models pays.

    python benchmarks/startup.py [--runs 5]

Prints the median and best wall-clock seconds of each over fresh processes (the OS file
cache is warm after the first run, as it is for a user's second command).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    # floors: what any process that runs the models pays before our code (spaCy imports torch through thinc)
    "import torch (floor)": [sys.executable, "-c", "import torch"],
    "import spacy.lang.zh (floor, with torch)": [sys.executable, "-c", "import spacy.lang.zh"],
    "import policy_nlp": [sys.executable, "-c", "import policy_nlp"],
    "import policy_nlp + load()": [sys.executable, "-c", "import policy_nlp; policy_nlp.load()"],
    "policy-nlp --version": [sys.executable, "-m", "policy_nlp", "--version"],
    "policy-nlp --help": [sys.executable, "-m", "policy_nlp", "--help"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"| command (fresh process, {args.runs} runs) | median s | best s |\n|---|---|---|")
    for name, cmd in CASES.items():
        subprocess.run(cmd, check=True, capture_output=True)  # warm the file cache
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        print(f"| `{name}` | {statistics.median(times):.2f} | {min(times):.2f} |", flush=True)


if __name__ == "__main__":
    main()
