"""Batch processing of the whole shared corpus packed as one zip: docs/s, chars/s, peak memory.

    python benchmarks/archive.py [--docs 500 1900] [--configs 1 2 dask] [--recycle 200 0]

Each configuration runs in a fresh Python process so that its peak RSS is its own: the main
process, and the largest process running the pipeline (a worker; with ``--recycle 0`` and one
process, the main process itself), sampled every 0.5 s. "growth" compares the pipeline
process's RSS in the last tenth of the run with the first 30%: memory should stay flat as the
archive grows (documents stream through, are written in chunks, and workers are replaced
after ``recycle`` documents).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

RUNNER = r"""
import json, os, resource, sys, threading, time
from pathlib import Path
from policy_nlp.batch.run import process
archive, out, config, recycle = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) or None
samples = []  # (seconds, largest RSS in MB of a process running the pipeline)

def rss(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0

def sample(stop, start):
    me = os.getpid()
    while not stop.is_set():
        try:
            kids = [int(p) for p in Path(f"/proc/{me}/task/{me}/children").read_text().split()]
        except OSError:
            kids = []
        pids = kids if config != "1" or recycle else [me]
        samples.append((time.perf_counter() - start, max((rss(p) for p in pids), default=0.0)))
        stop.wait(0.5)

start = time.perf_counter()
stop = threading.Event()
threading.Thread(target=sample, args=(stop, start), daemon=True).start()
if config == "dask":
    from distributed import LocalCluster, Client
    from policy_nlp.batch.dask import process_on_dask
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        summary = process_on_dask([archive], out, scheduler=client, quiet=True, batch_size=64)
else:
    summary = process([archive], out, n_process=int(config), quiet=True, batch_size=64, recycle=recycle)
seconds = time.perf_counter() - start
stop.set()
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
early = max((m for t, m in samples if t <= 0.3 * seconds), default=0.0)
late = max((m for t, m in samples if t >= 0.9 * seconds), default=0.0)
print(json.dumps({"docs": summary.done, "failed": summary.failed, "chars": summary.chars, "seconds": seconds,
                  "rss_main": own, "rss_worker": children, "pipeline_peak": max((m for _, m in samples), default=0.0),
                  "early": early, "late": late}))
"""


def pack(shared: Path, n_docs: int, target: Path) -> int:
    """Zip the first ``n_docs`` corpus documents (MANIFEST order); returns how many were packed."""
    rows = (shared / "corpus" / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    files = [row.split("\t")[0] for row in rows][:n_docs]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            archive.write(shared / "corpus" / name, name)
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[500, 1900])
    parser.add_argument("--configs", nargs="+", default=["1", "2", "dask"])
    parser.add_argument("--recycle", type=int, nargs="+", default=[200], help="documents per worker (0: never replaced)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from policy_nlp.training.data import shared_dir

    shared = shared_dir()
    print("| documents | config | recycle | docs/s | chars/s | seconds | peak RSS main MB | peak RSS pipeline process MB "
          "| first 30% MB | last 10% MB | growth | failed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n_docs in args.docs:
            archive = Path(tmp) / f"corpus_{n_docs}.zip"
            packed = pack(shared, n_docs, archive)
            for config in args.configs:
                for recycle in (args.recycle if config != "dask" else [0]):
                    out = Path(tmp) / f"out_{n_docs}_{config}_{recycle}"
                    result = subprocess.run([sys.executable, "-c", RUNNER, str(archive), str(out), config, str(recycle)],
                                            capture_output=True, text=True, check=True)
                    r = json.loads(result.stdout.strip().splitlines()[-1])
                    label = {"1": "n_process=1", "2": "n_process=2", "dask": "Dask 2 wkr"}[config]
                    growth = (r["late"] / r["early"] - 1) if r["early"] else 0.0
                    print(f"| {packed} | {label} | {recycle or '-'} | {r['docs'] / r['seconds']:.1f} | "
                          f"{r['chars'] / r['seconds']:,.0f} | {r['seconds']:.1f} | {r['rss_main']:,.0f} | "
                          f"{r['pipeline_peak']:,.0f} | {r['early']:,.0f} | {r['late']:,.0f} | {growth:+.0%} | "
                          f"{r['failed']} |", flush=True)


if __name__ == "__main__":
    main()
