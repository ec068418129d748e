"""Build ``resources/t2s_chars.tsv``: the one-to-one traditional -> simplified character map
that lets the models read traditional-script text (``policy_nlp.text.script``).

    python -m policy_nlp.training.script_table

Source: OpenCC's character tables (Apache-2.0), from the ``opencc-python-reimplemented``
wheel on PyPI (fetched with ``pip download``, the only network use; nothing is fetched at
run time). Kept: ``TSCharacters`` (traditional -> simplified, OpenCC's first, i.e. default,
candidate) and the Hong Kong / Taiwan variant characters (``HKVariantsRev``,
``TWVariantsRev``) mapped on through it, where both sides are one code point, so that
offsets never move. Phrase tables are not used: a character map cannot keep offsets for
them, and the models only need the characters they were trained on.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import zipfile
from pathlib import Path

from .data import pip_download

PACKAGE = "opencc-python-reimplemented==0.1.7"
OUT = Path(__file__).resolve().parent.parent / "resources" / "t2s_chars.tsv"


def _pairs(text: str) -> dict[str, str]:
    table = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        first = values.split(" ")[0] if values else ""
        if len(key) == 1 and len(first) == 1 and key != first:
            table[key] = first
    return table


def build(wheel: Path) -> tuple[dict[str, str], str]:
    with zipfile.ZipFile(wheel) as archive:
        read = lambda name: archive.read(f"opencc/dictionary/{name}").decode("utf-8")  # noqa: E731
        ts = _pairs(read("TSCharacters.txt"))
        table = dict(ts)
        for variants in ("HKVariantsRev.txt", "TWVariantsRev.txt"):
            for variant, standard in _pairs(read(variants)).items():
                table.setdefault(variant, ts.get(standard, standard))
        notice = archive.read("opencc/NOTICE.txt").decode("utf-8") if "opencc/NOTICE.txt" in archive.namelist() else ""
    return {k: v for k, v in table.items() if k != v}, notice


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", type=Path, help="a downloaded opencc-python-reimplemented wheel")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or pip_download(PACKAGE, Path(tmp))
        table, _ = build(wheel)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    lines = [f"# traditional -> simplified characters, one to one ({len(table)} pairs)",
             f"# from OpenCC's TSCharacters, HKVariantsRev and TWVariantsRev ({PACKAGE}, wheel sha256 {digest}...)",
             "# OpenCC: Copyright (c) Carbo Kuo and contributors, Apache License 2.0 (see t2s_chars.NOTICE)"]
    lines += [f"{k}\t{v}" for k, v in sorted(table.items())]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(table)} pairs)")


if __name__ == "__main__":
    main()
