"""Resident memory of one pipeline process document after document, with and without
handing freed memory back to the system (``batch.run.release_memory``), and what that costs.

    python benchmarks/memory.py [--docs 12]

Each mode runs in a fresh process over the first ``--docs`` corpus documents (MANIFEST
order: national work reports of about 20,000 characters). Prints the RSS after loading and
after each document, the peak, and the share of the time spent in ``release_memory``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RUNNER = r"""
import json, os, resource, sys, time
from pathlib import Path
import policy_nlp
from policy_nlp.batch.run import release_memory

def rss():
    status = Path(f"/proc/{os.getpid()}/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) / 1024

shared, n_docs, trim = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
nlp = policy_nlp.load()
out = {"loaded": rss(), "after": [], "pipeline_s": 0.0, "release_s": 0.0}
rows = (shared / "corpus" / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
for row in rows[:n_docs]:
    text = (shared / "corpus" / row.split("\t")[0]).read_text(encoding="utf-8")
    start = time.perf_counter()
    doc = nlp(text)
    del doc
    middle = time.perf_counter()
    if trim:
        release_memory()
    out["pipeline_s"] += middle - start
    out["release_s"] += time.perf_counter() - middle
    out["after"].append(rss())
out["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=12)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from policy_nlp.training.data import shared_dir

    shared = shared_dir()
    print("| mode | RSS after load MB | after each document MB | peak MB | release_memory share of time |")
    print("|---|---|---|---|---|")
    for trim in (False, True):
        done = subprocess.run([sys.executable, "-c", RUNNER, str(shared), str(args.docs), "1" if trim else "0"],
                              capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        share = f"{r['release_s'] / r['pipeline_s']:.2%}" if trim else "-"
        print(f"| {'release_memory after each document' if trim else 'no release'} | {r['loaded']:.0f} | "
              f"{', '.join(f'{m:.0f}' for m in r['after'])} | {r['peak']:.0f} | {share} |", flush=True)


if __name__ == "__main__":
    main()
