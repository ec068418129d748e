"""Process an archive of speeches into an output folder, then read the results back.

    python examples/batch_archive.py ARCHIVE_OR_FOLDER OUT [--n-process 2]

Reruns resume: documents already written are skipped.
"""

import argparse
import json
from collections import Counter
from pathlib import Path

import policy_nlp
from policy_nlp.batch.writers import read_records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("output", type=Path)
    parser.add_argument("--n-process", type=int, default=1)
    args = parser.parse_args()

    summary = policy_nlp.process(args.inputs, args.output, n_process=args.n_process)
    print(summary.line())

    levels = Counter(record["level"] for record in read_records(args.output))
    print("documents by administrative level:", dict(levels))
    errors = (args.output / "errors.jsonl").read_text(encoding="utf-8").splitlines()
    for line in errors[:10]:
        error = json.loads(line)
        print(f"{error['kind']:8s} {error['id']}: {error['reason']}")


if __name__ == "__main__":
    main()
