"""Assemble the shipped pipeline directory from its parts: ``python -m policy_nlp.training.pipeline``.

Parts: the exported segmenter (``--segmenter``, default: the output of
``policy_nlp.training.segmenter``, else the segmenter already shipped), the fine-tuned
encoder and heads (``--neural``, default: the output of ``policy_nlp.training.finetune``,
else the ones already shipped), the run folders of ``lexical`` (``--lexical``) and
``entities`` (``--entities``; several run folders give an ensemble of their heads) where
given, and the components' default configs. The
result replaces ``--out`` (default ``models/policy_zh_sm``): training steps write to run
folders, and only this step writes a pipeline. After a new fine-tuning run, assemble, run
``policy_nlp.training lexical`` on the result (the mixing weights are fitted for one neural
head) and ``entities`` (the tagger reads the states of one encoder), then assemble again
with ``--lexical runs/lexical --entities runs/entities``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

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


def replace_parts(neural: Path | None, *, lexical: Path | None = None, entities: Sequence[Path] = ()) -> None:
    """Put the outputs of the ``lexical`` and ``entities`` runs among the neural parts; the
    heads of several ``entities`` runs go in as one ``EntityEnsemble``."""
    wanted = {"lexical": [lexical / "lexical"] if lexical else [], "entities": [run / "head" for run in entities]}
    for name, sources in wanted.items():
        if not sources:
            continue
        if neural is None:
            raise SystemExit(f"--{name}: there is no encoder to go with it (no --neural and none shipped)")
        for source in sources:
            if not source.is_dir():
                raise SystemExit(f"--{name}: no {source} (run policy_nlp.training {name} first)")
        shutil.rmtree(neural / name, ignore_errors=True)
        if len(sources) == 1:
            shutil.copytree(sources[0], neural / name)
        else:
            from ..ml.modeling import EntityEnsemble, load_entity_head

            try:
                EntityEnsemble.of([load_entity_head(s) for s in sources]).save(neural / name)
            except ValueError as error:
                raise SystemExit(f"--{name}: {error}") from None
        if name == "lexical":
            shutil.copy(lexical / MIXING_FILE, neural / "mixing.json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segmenter", type=Path, default=None)
    parser.add_argument("--neural", type=Path, default=None, help="output folder of policy_nlp.training.finetune")
    parser.add_argument("--lexical", type=Path, default=None,
                        help="run folder of policy_nlp.training lexical (lexical/ and mixing.json)")
    parser.add_argument("--entities", type=Path, nargs="+", default=(),
                        help="run folder of policy_nlp.training entities (its head/); several: "
                             "their heads as one ensemble (mean scores)")
    parser.add_argument("--out", type=Path, default=default_model_path())
    args = parser.parse_args(argv)
    base = args.out if args.out.exists() else default_model_path()  # where untrained parts come from
    segmenter = args.segmenter
    if segmenter is None:
        trained = DEFAULT_CACHE / "model"
        segmenter = trained if trained.exists() else base / "tokenizer" / SEGMENTER_DIR
    with tempfile.TemporaryDirectory() as tmp:
        # Copy first: the source may live inside the directory we are about to replace.
        source = Path(tmp) / "segmenter"
        shutil.copytree(segmenter, source)
        neural = args.neural or (FINETUNED if (FINETUNED / "encoder").exists() else None)
        if neural is not None:
            shutil.copytree(neural, Path(tmp) / "neural", ignore=shutil.ignore_patterns("checkpoint"))
            neural = Path(tmp) / "neural"
        else:  # the parts of the pipeline being replaced, or of the shipped one for a new folder
            neural = shipped_neural_parts(base, Path(tmp) / "neural")
        replace_parts(neural, lexical=args.lexical, entities=args.entities)
        staging = Path(tmp) / "pipeline"
        nlp = assemble(source, staging, neural)
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(staging, args.out)
    print(f"wrote {args.out} (tokenizer, {', '.join(nlp.pipe_names)})")


if __name__ == "__main__":
    main()
