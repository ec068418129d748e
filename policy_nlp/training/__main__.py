"""``python -m policy_nlp.training STEP [options]`` (or ``policy-nlp train STEP``): rebuild the models.

Steps, in order: ``segmenter`` (pkuseg CRF, ~35 min), ``pretrain`` (masked-LM pretraining of
the character encoder), ``finetune`` (both heads on the encoder), ``pipeline`` (assemble
``models/policy_zh_sm`` from the outputs), ``lexical`` (the TF-IDF model of
``policy_directives`` and its mixing weights, fitted into the assembled pipeline), ``entities``
(the entity tagger of ``policy_entities``, trained on the assembled pipeline's encoder), ``tasks`` (the task tagger of ``policy_tasks``, written
to ``runs/task_tagger``; ``--crossval`` prints its cross-validation table). ``crossval`` and
``rules-crossval`` print the cross-validation tables of the directive classifier and of the
entity rules beside the tagger. Each reads ``../shared`` and writes under ``runs/``
or ``.cache/``; none runs in CI.
"""

from __future__ import annotations

import importlib
import sys

STEPS = {"segmenter": "segmenter", "pretrain": "pretrain", "finetune": "finetune", "pipeline": "pipeline", "lexical": "lexical", "entities": "entity_tagger", "tasks": "task_tagger", "crossval": "crossval", "rules-crossval": "rules_crossval"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in STEPS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    module = importlib.import_module(f"policy_nlp.training.{STEPS[argv[0]]}")
    module.main(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
