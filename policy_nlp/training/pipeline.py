"""Assemble the shipped pipeline directory from its parts: ``python -m policy_nlp.training.pipeline``.

Parts: the exported segmenter (``--segmenter``, default: the output of
``policy_nlp.training.segmenter``, else the segmenter already shipped), the fine-tuned
encoder and heads (``--neural``, default: the output of ``policy_nlp.training.finetune``,
else the ones already shipped) and the components' default configs. The result replaces
``models/policy_zh_sm``. After a new fine-tuning run, run ``policy_nlp.training lexical``
on the result (the lexical model's mixing weights are fitted for one neural head), then
``policy_nlp.training entities`` (the entity tagger reads the states of one encoder).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from ..components.directives import LEXICAL_DIR, MIXING_FILE
from ..pipeline import assemble, default_model_path
from ..components.tokenizer import SEGMENTER_DIR
from .finetune import DEFAULT_OUT as FINETUNED
from .segmenter import DEFAULT_CACHE


def shipped_neural_parts(pipeline_dir: Path, into: Path) -> Path | None:
    """The shipped encoder and heads laid out as ``finetune`` writes them, or None if there are none."""
    parts = {"encoder": pipeline_dir / "policy_encoder" / "model",
             "directives": pipeline_dir / "policy_directives" / "head"}
    if not all(p.exists() for p in parts.values()):
        return None
    for name, source in parts.items():
        shutil.copytree(source, into / name)
    tagger = pipeline_dir / "policy_entities" / "head"
    if tagger.exists():  # trained on the shipped encoder: it stays with it
        shutil.copytree(tagger, into / "entities")
    lexical = pipeline_dir / "policy_directives" / LEXICAL_DIR
    if lexical.exists():  # fitted for the shipped head: it stays with it
        shutil.copytree(lexical, into / "lexical")
        shutil.copy(pipeline_dir / "policy_directives" / MIXING_FILE, into / "mixing.json")
    return into


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segmenter", type=Path, default=None)
    parser.add_argument("--neural", type=Path, default=None, help="output folder of policy_nlp.training.finetune")
    parser.add_argument("--out", type=Path, default=default_model_path())
    args = parser.parse_args(argv)
    segmenter = args.segmenter
    if segmenter is None:
        trained = DEFAULT_CACHE / "model"
        segmenter = trained if trained.exists() else args.out / "tokenizer" / SEGMENTER_DIR
    with tempfile.TemporaryDirectory() as tmp:
        # Copy first: the source may live inside the directory we are about to replace.
        source = Path(tmp) / "segmenter"
        shutil.copytree(segmenter, source)
        neural = args.neural or (FINETUNED if (FINETUNED / "encoder").exists() else None)
        if neural is not None:
            shutil.copytree(neural, Path(tmp) / "neural", ignore=shutil.ignore_patterns("checkpoint"))
            neural = Path(tmp) / "neural"
        else:
            neural = shipped_neural_parts(args.out, Path(tmp) / "neural")
        staging = Path(tmp) / "pipeline"
        nlp = assemble(source, staging, neural)
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(staging, args.out)
    print(f"wrote {args.out} (tokenizer, {', '.join(nlp.pipe_names)})")


if __name__ == "__main__":
    main()
