"""Fit the lexical model and the mixing weights of ``policy_directives``:
``python -m policy_nlp.training lexical [--pipeline models/policy_zh_sm] [--out runs/lexical]``.

1. A TF-IDF + logistic-regression model (scikit-learn, a training-only dependency: the
   ``bench`` extra) over hashed character 1-3 grams of the labelled sentences and, as
   context, of the headings above each sentence (its whole section path) and of its
   document's title line; one multinomial model for the areas (class-balanced) and one
   binary model for the directive, which also reads one feature: "under a review heading".
   (``python -m policy_nlp.training crossval`` compares it with the sentence-only model.)
2. The four mixing weights of ``policy_directives.combine_scores`` (lexical share of the
   area and directive probabilities, pull towards the neighbouring sentences) by grid
   search on the documents the neural head never saw (``finetune``'s held-out tenth and the
   speeches labelled after it), so the neural probabilities there are honest: the pipeline
   runs on the whole documents, as a user's would, and the lexical model used for the
   search is trained without those documents.
3. The shipped lexical model is then trained on all labelled sentences, and ``lexical/``
   and ``mixing.json`` are written to the run folder ``--out``; the pipeline is only read.
   ``python -m policy_nlp.training pipeline --lexical runs/lexical`` copies them in.
The dev gold is never read here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .data import REPO_ROOT


BUCKETS = 2 ** 17
# Context blocks (the whole section path, the document's title), 2**16 buckets each, or 0 for
# none. Chosen by ``training crossval``: with context, local speeches gained 2.5 points of
# area macro-F1 and national texts lost 5.9 (mean over 5 folds), so the shipped model has none.
CONTEXT_BUCKETS = 0
MIN_DF = 2
C = 5.0
FOLDS = 5
GRID = [round(0.05 * i, 2) for i in range(17)]  # 0 ... 0.8
# Headings of past-work reviews (一、2020年工作回顾, 一、过去五年的工作, 一年来的工作):
# the sentences under them describe results (ANNOTATION.md §2), whatever their verbs.
# A heading that also announces tasks (2023年工作回顾和2024年工作安排) is no review.
REVIEW_PATTERN = (r"^(?!.*(?:安排|任务|打算|部署|重点工作|计划|思路))"
                  r".*(?:回顾|过去[一二三四五六七八九十\d]*年|[一今去]年来|工作总结|主要成绩|取得的成绩|成绩和经验|工作成效|基本情况)")


def fit_lexical(examples, labels, buckets: int = BUCKETS, review_pattern: str | None = REVIEW_PATTERN,
                context_buckets: int = CONTEXT_BUCKETS, titles: dict[str, str | None] | None = None):
    """A ``LexicalClassifier`` fitted on ``examples`` (``SentenceExample``s, whose
    ``section_path`` feeds the review feature and, with ``context_buckets``, the context
    features together with the title of each example's document, ``titles[e.doc]``)."""
    import torch
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    from ..ml.modeling import LexicalClassifier

    texts = [e.text for e in examples]
    model = LexicalClassifier(buckets, labels, review_pattern, context_buckets)
    size = buckets + 2 * context_buckets
    args = (texts, [e.section_path for e in examples], [(titles or {}).get(e.doc) for e in examples])
    ones = np.ones(size, np.float32)
    df = np.zeros(size)
    for indices, _, _ in model.feature_parts(*args, idf=ones):  # each bucket listed once per text
        df += np.bincount(indices.numpy(), minlength=size)
    idf = np.where(df >= MIN_DF, np.log((1 + len(texts)) / (1 + df)) + 1, 0.0).astype(np.float32)
    blocks = []
    for indices, offsets, weights in model.feature_parts(*args, idf=idf):
        indptr = np.append(offsets.numpy(), len(indices))
        blocks.append(csr_matrix((weights.numpy(), indices.numpy(), indptr), shape=(len(texts), size)))
    x = sum(blocks[1:], blocks[0]).tocsr()
    x_directive = x
    if review_pattern:
        flags = model.review_flags([e.section_path for e in examples]).numpy()
        x_directive = hstack([x, csr_matrix(flags[:, None])]).tocsr()
    area = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(x, [e.area for e in examples])
    directive = LogisticRegression(C=C, max_iter=3000).fit(x_directive, [bool(e.directive) for e in examples])
    missing = set(labels) - set(area.classes_)
    if missing:
        raise ValueError(f"no training sentence for the areas {sorted(missing)}")
    rows = [list(area.classes_).index(label) for label in labels]
    with torch.no_grad():
        model.idf.copy_(torch.from_numpy(idf))
        if review_pattern:
            model.review.copy_(torch.tensor(float(directive.coef_[0, -1])))
        weight = np.concatenate([area.coef_[rows], directive.coef_[:, :size]], 0).T  # [size, labels + 1]
        model.weights.weight.copy_(torch.from_numpy(weight.astype(np.float32)))
        model.bias.copy_(torch.from_numpy(np.append(area.intercept_[rows], directive.intercept_).astype(np.float32)))
    return model.eval()


def scores(documents, mixing, labels) -> tuple[float, float]:
    """(area macro-F1, directive F1) of the held-out labelled sentences under ``mixing``."""
    from ..components.directives import combine_scores
    from ..evaluate import f1_scores

    gold_a, pred_a, gold_d, pred_d = [], [], [], []
    for neural, lexical, gold in documents:
        area, directive = combine_scores(neural, lexical, mixing)
        rows = [k for k, _, _ in gold]
        pred_a += area[rows].argmax(-1).tolist()
        pred_d += (directive[rows] >= 0.5).tolist()
        gold_a += [a for _, a, _ in gold]
        gold_d += [d for _, _, d in gold]
    per_area = f1_scores(gold_a, pred_a, range(len(labels)))
    return sum(per_area.values()) / len(per_area), f1_scores(gold_d, pred_d, [True])[True]


def neighbourhood_mean(grid: np.ndarray) -> np.ndarray:
    """Each cell's mean with its (up to 8) neighbours: a plateau, not a lucky spike, wins."""
    padded = np.pad(grid, 1, mode="edge")
    return sum(padded[1 + i : 1 + i + grid.shape[0], 1 + j : 1 + j + grid.shape[1]]
               for i in (-1, 0, 1) for j in (-1, 0, 1)) / 9


def search_mixing(documents, labels) -> tuple[dict, dict]:
    """The weights of ``combine_scores`` on the held-out documents, then its temperatures.

    Areas and directive are searched apart (each pair of weights touches only its own
    scores), each over a grid whose figures are averaged with their neighbours before
    the best is taken: a few hundred sentences make the raw surface jagged. Returns the
    weights and a table of held-out figures along the way."""
    import torch

    from ..components.directives import NO_MIXING, combine_scores
    from .finetune import fit_temperature

    def grid(which: int, lexical_key: str, context_key: str):
        figures = np.array([[scores(documents, {**NO_MIXING, lexical_key: a, context_key: b}, labels)[which]
                             for b in GRID] for a in GRID])
        i, j = np.unravel_index(int(neighbourhood_mean(figures).argmax()), figures.shape)
        return GRID[i], GRID[j]

    lexical_area, context_area = grid(0, "lexical_area", "context_area")
    lexical_directive, context_directive = grid(1, "lexical_directive", "context_directive")
    mixing = {**NO_MIXING, "lexical_area": lexical_area, "lexical_directive": lexical_directive,
              "context_area": context_area, "context_directive": context_directive}
    area_p, area_t, dir_p, dir_t = [], [], [], []
    for neural, lexical, gold in documents:
        area, directive = combine_scores(neural, lexical, mixing)
        for k, a, d in gold:
            area_p.append(area[k]), area_t.append(a), dir_p.append(directive[k]), dir_t.append(float(d))
    mixing["area_temperature"] = fit_temperature(torch.log(torch.stack(area_p).clamp_min(1e-12)),
                                                 torch.tensor(area_t), torch, binary=False)
    mixing["directive_temperature"] = fit_temperature(torch.logit(torch.stack(dir_p), eps=1e-6),
                                                      torch.tensor(dir_t), torch, binary=True)
    off = {key: 0.0 for key in ("context_area", "context_directive")}
    table = {
        "neural head": scores(documents, NO_MIXING, labels),
        "lexical model": scores(documents, {**NO_MIXING, "lexical_area": 1.0, "lexical_directive": 1.0}, labels),
        "neural + lexical": scores(documents, {**mixing, **off}, labels),
        "neural + lexical + neighbours": scores(documents, mixing, labels),
    }
    return mixing, table


def main(argv: list[str] | None = None) -> None:
    import torch

    from ..components.directives import LEXICAL_DIR, MIXING_FILE
    from ..pipeline import default_model_path, load
    from .crossval import document_folds, document_titles, out_of_fold, read_documents, unseen_by_neural_head
    from .datasets import directive_examples

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipeline", type=Path, default=default_model_path(),
                        help="pipeline whose neural head the mixing is fitted for (never written)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "runs" / "lexical",
                        help="run folder: OUT/lexical and OUT/mixing.json")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / ".cache" / "crossval",
                        help="where the pipeline's readings of the documents are kept between runs")
    parser.add_argument("--context-buckets", type=int, default=CONTEXT_BUCKETS,
                        help="buckets of each context block (section path, title); 0: the sentence alone")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    examples = directive_examples()
    nlp = load(args.pipeline, exclude=("policy_entities",))
    labels = list(nlp.get_pipe("policy_directives").labels)
    # Mixing is fitted on the documents the neural head never saw (finetune's held-out tenth
    # and the speeches labelled after it), each read whole by the pipeline as a user's would
    # be, with lexical probabilities from a model trained without that document's fold.
    evaluated = sorted({e.doc for e in examples if unseen_by_neural_head(e.doc)})
    folds = document_folds(evaluated, FOLDS)
    readings = read_documents(nlp, [e for e in examples if e.doc in set(evaluated)], args.cache)
    print(f"labelled sentences: {len(examples)}; mixing fitted on {sum(len(readings[d]['gold']) for d in evaluated)} "
          f"of them in {len(evaluated)} documents the neural head never saw ({FOLDS} folds)", flush=True)
    variant = {"context_buckets": args.context_buckets}
    lexical = out_of_fold(examples, readings, folds, labels, variant)
    documents = [(readings[d]["neural"], lexical[d], readings[d]["gold"]) for d in evaluated]
    titles = document_titles(examples)
    mixing, table = search_mixing(documents, labels)
    print("| documents the neural head never saw (lexical out of fold) | area macro-F1 | directive F1 |\n|---|---|---|")
    for name, (area, directive) in table.items():
        print(f"| {name} | {area:.3f} | {directive:.3f} |")
    print(f"mixing weights: {json.dumps(mixing)}")
    folder = args.out
    folder.mkdir(parents=True, exist_ok=True)
    fit_lexical(examples, labels, titles=titles, context_buckets=args.context_buckets).save(folder / LEXICAL_DIR)
    (folder / MIXING_FILE).write_text(json.dumps(mixing, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {folder / LEXICAL_DIR} and {folder / MIXING_FILE}")


if __name__ == "__main__":
    main()
