"""Batch processing of the whole shared corpus packed as one zip: docs/s, chars/s, peak memory.

    python benchmarks/archive.py [--docs 500 1900] [--configs 1 2 dask]

Each configuration runs in a fresh Python process so that its peak RSS is its own (main
process and, for n_process=2 and Dask, the largest worker). Memory should stay flat as the
archive grows: documents stream through and are written in chunks.
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
import json, resource, sys, time
from policy_nlp.batch.run import process
archive, out, config = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
if config == "dask":
    from distributed import LocalCluster, Client
    from policy_nlp.batch.dask import process_on_dask
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        summary = process_on_dask([archive], out, scheduler=client, quiet=True, batch_size=64)
else:
    summary = process([archive], out, n_process=int(config), quiet=True, batch_size=64)
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"docs": summary.done, "failed": summary.failed, "chars": summary.chars, "seconds": seconds,
                  "rss_main": own, "rss_worker": children}))
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
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from policy_nlp.training.data import shared_dir

    shared = shared_dir()
    print(f"| {'documents':>9s} | {'config':>11s} | {'docs/s':>7s} | {'chars/s':>9s} | {'seconds':>7s} | "
          f"{'peak RSS main MB':>16s} | {'peak RSS worker MB':>18s} | {'failed':>6s} |")
    print(f"|{'-' * 11}|{'-' * 13}|{'-' * 9}|{'-' * 11}|{'-' * 9}|{'-' * 18}|{'-' * 20}|{'-' * 8}|")
    with tempfile.TemporaryDirectory() as tmp:
        for n_docs in args.docs:
            archive = Path(tmp) / f"corpus_{n_docs}.zip"
            packed = pack(shared, n_docs, archive)
            for config in args.configs:
                out = Path(tmp) / f"out_{n_docs}_{config}"
                result = subprocess.run([sys.executable, "-c", RUNNER, str(archive), str(out), config],
                                        capture_output=True, text=True, check=True)
                r = json.loads(result.stdout.strip().splitlines()[-1])
                label = {"1": "n_process=1", "2": "n_process=2", "dask": "Dask 2 wkr"}[config]
                print(f"| {packed:9d} | {label:>11s} | {r['docs'] / r['seconds']:7.1f} | {r['chars'] / r['seconds']:9,.0f} | "
                      f"{r['seconds']:7.1f} | {r['rss_main']:16,.0f} | {r['rss_worker']:18,.0f} | {r['failed']:6d} |", flush=True)


if __name__ == "__main__":
    main()
