"""Document-level cross-validation of the area and directive classifier:
``python -m policy_nlp.training crossval [--folds 5] [--variants sentence,context]``.

Model choices are made here, never on the dev gold. Folds are drawn by document, per genre
(``national``: corpus texts; ``local``: the city, county, district and town speeches under
``training_data/synthetic``), so no sentence of a test document is ever trained on (nor its
repeat in another copy of the same speech: ``datasets.without_repeats``).

What is evaluated is what ``policy_directives`` computes: the neural head's probabilities
(the shipped encoder and head, fixed), the lexical model, the pull towards the neighbouring
sentences and the temperatures. The shipped neural head was fine-tuned on most labelled
documents, so only documents it never saw are evaluated: ``finetune``'s held-out tenth and
the speeches labelled after it was trained (``speech_601`` on). For each fold, the lexical
model is trained on every labelled document outside the fold (seen ones included), the
mixing weights and temperatures are fitted on the other folds' out-of-fold predictions, and
the fold is scored whole, as a user's pipeline would read it. Figures are mean ± sd over the
folds, per genre: area macro-F1, directive F1, and the area ECE.
"""

from __future__ import annotations

import argparse
import json
import re
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from .data import REPO_ROOT
from .finetune import heldout

FIRST_UNSEEN_SPEECH = 601  # speeches labelled after the shipped neural head was fine-tuned
# speech_631-660: labelled with entities, never trained on by the entity tagger nor read to choose rules
UNSEEN_LOCAL_SPEECHES = r"speech_6(3[1-9]|[45][0-9]|60)"
_SPEECH = re.compile(r"synthetic/speech_(\d+)\.txt$")


def genre(doc: str) -> str:
    return "local" if doc.startswith("synthetic/") else "national"


def unseen_by_neural_head(doc: str) -> bool:
    m = _SPEECH.match(doc)
    return heldout(doc) or (m is not None and int(m.group(1)) >= FIRST_UNSEEN_SPEECH)


def document_folds(docs: list[str], k: int) -> list[set[str]]:
    """``k`` folds of whole documents, each genre spread evenly over them (deterministic)."""
    folds: list[set[str]] = [set() for _ in range(k)]
    for g in ("national", "local"):
        members = sorted((d for d in docs if genre(d) == g), key=lambda d: zlib.crc32(d.encode("utf-8")))
        for i, d in enumerate(members):
            folds[i % k].add(d)
    return folds


def read_documents(nlp, examples, cache: Path | None = None) -> dict[str, dict]:
    """For each document with labels: its sentences' neural probabilities, texts, section
    paths, title and gold labels ``(sentence index, area index, directive)``. The pipeline's
    readings are kept in ``cache`` (keyed by the pipeline's head weights and the text), so
    that comparing lexical variants does not encode the documents again."""
    import hashlib

    import torch

    from ..components.directives import NO_MIXING
    from ..text.metadata import guess_title
    from .datasets import document_text

    pipe = nlp.get_pipe("policy_directives")
    pipe.lexical, pipe.mixing = None, dict(NO_MIXING)  # the neural probabilities alone
    labels = pipe.labels
    by_doc = defaultdict(list)
    for e in examples:
        by_doc[e.doc].append(e)
    digest = hashlib.sha1()  # the weights that make the readings: the encoder's and the head's
    for module in (nlp.get_pipe("policy_encoder").encoder.model, pipe.head):
        for tensor in module.state_dict().values():
            digest.update(tensor.detach().float().cpu().numpy().tobytes())
    model_key = digest.hexdigest()
    readings = {}
    todo = []
    for name in sorted(by_doc):
        key = hashlib.sha1((model_key + document_text(name)).encode("utf-8")).hexdigest()
        path = cache / f"{key}.json" if cache is not None else None
        if path is not None and path.exists():
            readings[name] = json.loads(path.read_text(encoding="utf-8"))
        else:
            todo.append((name, path))
    for (name, path), doc in zip(todo, nlp.pipe(document_text(n) for n, _ in todo)):
        sentences = doc._.sentences
        readings[name] = {
            "spans": [[s.start_char, s.end_char] for s in sentences],
            "area": [[s._.area_scores[a] for a in labels] for s in sentences],
            "directive": [s._.directive_score for s in sentences],
            "texts": [s.text for s in sentences], "paths": [s._.section_path for s in sentences],
            "title": guess_title(doc.text),
        }
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(readings[name], ensure_ascii=False), encoding="utf-8")
    out = {}
    for name, r in readings.items():
        index = {tuple(span): k for k, span in enumerate(r["spans"])}
        gold = [(index[(e.start, e.end)], labels.index(e.area), bool(e.directive))
                for e in by_doc[name] if (e.start, e.end) in index]
        if len(gold) < len(by_doc[name]):
            raise SystemExit(f"{name}: {len(by_doc[name]) - len(gold)} labels match no sentence of the pipeline")
        out[name] = {"neural": (torch.tensor(r["area"]), torch.tensor(r["directive"])), "texts": r["texts"],
                     "paths": r["paths"], "title": r["title"], "gold": gold}
    return out


VARIANTS = {  # lexical model options compared by cross-validation
    "sentence": {"context_buckets": 0},        # character n-grams of the sentence (+ review flag)
    "context": {"context_buckets": 2 ** 16},   # + the whole section path and the document title
}


def document_titles(examples) -> dict[str, str | None]:
    """The title line of each labelled document (read once per document), for the context features."""
    from ..text.metadata import guess_title
    from .datasets import document_text

    return {name: guess_title(document_text(name)) for name in {e.doc for e in examples}}


def out_of_fold(examples, documents: dict, folds: list[set[str]], labels, variant: dict) -> dict:
    """Lexical probabilities of every sentence of each evaluated document, from a model
    trained on all labelled documents outside that document's fold, without the sentences
    that repeat one of the fold (``datasets.without_repeats``: a copy of the same speech)."""
    import torch

    from .datasets import without_repeats
    from .lexical import fit_lexical

    titles = document_titles(examples)
    lexical = {}
    for fold in folds:
        train = without_repeats([e for e in examples if e.doc not in fold], [e for e in examples if e.doc in fold])
        model = fit_lexical(train, labels, titles=titles, **variant)
        for name in fold:
            d = documents[name]
            with torch.no_grad():
                lexical[name] = model.probabilities(d["texts"], d["paths"], [d["title"]] * len(d["texts"]))
    return lexical


def fold_figures(documents: dict, lexical: dict, folds: list[set[str]], labels) -> dict:
    """Per fold and genre: (area macro-F1, directive F1, area ECE) of the neural head alone,
    the lexical model alone and the combination with weights fitted on the other folds."""
    from ..components.directives import NO_MIXING, combine_scores
    from ..evaluate import calibration_error
    from .lexical import scores, search_mixing

    rows = defaultdict(list)  # (system, genre) -> per-fold triples
    for i, fold in enumerate(folds):
        others = [(documents[n]["neural"], lexical[n], documents[n]["gold"]) for f in folds if f is not fold for n in f]
        mixing, _ = search_mixing(others, labels)
        systems = {"neural head": NO_MIXING, "lexical model": {**NO_MIXING, "lexical_area": 1.0, "lexical_directive": 1.0},
                   "combined (as shipped)": mixing}
        for g in ("national", "local"):
            docs = [(documents[n]["neural"], lexical[n], documents[n]["gold"]) for n in sorted(fold) if genre(n) == g]
            if not docs:
                continue
            for system, mix in systems.items():
                area_f1, dir_f1 = scores(docs, mix, labels)
                conf, correct = [], []
                for neural, lex, gold in docs:
                    area, _ = combine_scores(neural, lex, mix)
                    for k, a, _ in gold:
                        conf.append(float(area[k].max())), correct.append(int(area[k].argmax()) == a)
                rows[(system, g)].append((area_f1, dir_f1, calibration_error(conf, correct)))
    return rows


def main(argv: list[str] | None = None) -> None:
    import torch

    from ..pipeline import default_model_path, load
    from .datasets import directive_examples

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipeline", type=Path, default=default_model_path())
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the per-fold figures here")
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / ".cache" / "crossval",
                        help="where the pipeline's readings of the documents are kept between runs")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    examples = directive_examples()
    evaluated = sorted({e.doc for e in examples if unseen_by_neural_head(e.doc)})
    folds = document_folds(evaluated, args.folds)
    nlp = load(args.pipeline, exclude=("policy_entities",))
    labels = list(nlp.get_pipe("policy_directives").labels)
    documents = read_documents(nlp, [e for e in examples if e.doc in set(evaluated)], args.cache)
    n = {g: (sum(genre(d) == g for d in evaluated), sum(len(documents[d]["gold"]) for d in evaluated if genre(d) == g))
         for g in ("national", "local")}
    print(f"{args.folds} folds by document over {len(evaluated)} documents the neural head never saw: "
          + ", ".join(f"{g} {docs} documents / {sents} sentences" for g, (docs, sents) in n.items())
          + f"; lexical models trained on {len(examples)} labelled sentences outside each fold", flush=True)
    print("\n| lexical variant | system | genre | area macro-F1 | directive F1 | area ECE |\n|---|---|---|---|---|---|")
    report = {}
    for name in args.variants.split(","):
        lexical = out_of_fold(examples, documents, folds, labels, VARIANTS[name])
        for (system, g), values in sorted(fold_figures(documents, lexical, folds, labels).items()):
            a = np.array(values)
            mean, sd = a.mean(0), a.std(0, ddof=1) if len(a) > 1 else np.zeros(3)
            report[f"{name}/{system}/{g}"] = values
            print(f"| {name} | {system} | {g} | {mean[0]:.3f} ± {sd[0]:.3f} | {mean[1]:.3f} ± {sd[1]:.3f} "
                  f"| {mean[2]:.3f} ± {sd[2]:.3f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
