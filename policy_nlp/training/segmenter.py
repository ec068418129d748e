"""Train the shipped word segmenter: ``python -m policy_nlp.training.segmenter``.

Steps (all reproducible, seeded):

1. **Teacher.** ``pip download`` the ``pkuseg==0.0.25`` wheel from PyPI (the only network
   access in the project, and only here) and convert its bundled mixed-domain model. Its
   ``features.pkl`` is a plain-data pickle; we read it with an unpickler that refuses every
   global, so no code can run.
2. **Silver.** Segment a sample of the corpus ``train`` split with the teacher.
3. **Gold.** The first 80% of the PKU gold test set (the last 20% stays held out for
   ``benchmarks/segmentation.py``), repeated so that it weighs as much as the silver.
4. **Train** a compact CRF with ``spacy_pkuseg.train`` (features seen fewer than
   ``--feature-trim`` times are dropped), then **prune** features with small weights and
   **export** in our format (msgpack + safetensors) with the policy-term user dictionary.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import srsly

from ..ml.segmenter import CRFSegmenter, read_user_dict
from .data import REPO_ROOT, pip_download, pku_split, read_corpus_text, sample_train_docs, shared_dir

log = logging.getLogger(__name__)

TEACHER_PACKAGE = "pkuseg==0.0.25"
TEACHER_MEMBER = "pkuseg/models/default/"
POLICY_TERMS = Path(__file__).with_name("policy_terms.txt")
DEFAULT_CACHE = REPO_ROOT / ".cache" / "segmenter"


class _DataOnlyUnpickler(pickle.Unpickler):
    """Reads pickles made only of builtin containers and scalars; any class or function is refused."""

    def find_class(self, module, name):  # pragma: no cover - only hit by a malicious file
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a model file")


def fetch_teacher(cache: Path) -> Path:
    """Download and convert the pkuseg mixed model; returns its folder in our format."""
    target = cache / "teacher"
    if (target / "features.msgpack").exists():
        return target
    wheels = sorted((cache / "wheels").glob("pkuseg-*.whl"))
    if wheels:
        wheel = wheels[0]
    else:  # a prebuilt wheel: the sdist needs a build step just to read its metadata
        log.info("downloading the teacher model: %s", TEACHER_PACKAGE)
        wheel = pip_download(TEACHER_PACKAGE, cache / "wheels", "--only-binary", ":all:", "--platform",
                             "manylinux1_x86_64", "--python-version", "3.7", "--implementation", "cp", "--abi", "cp37m")
    with zipfile.ZipFile(wheel) as archive:
        with archive.open(TEACHER_MEMBER + "features.pkl") as handle:
            data = _DataOnlyUnpickler(handle).load()
        with archive.open(TEACHER_MEMBER + "weights.npz") as handle:
            weights = np.load(handle, allow_pickle=False)["w"]
    _from_pkuseg_data(data, weights).to_disk(target)
    return target


def _pkuseg_lists(data: dict) -> tuple[list[str], list[str]]:
    """Feature strings and tag names in index order from pkuseg's ``feature_to_idx``/``tag_to_idx``."""
    features = [""] * len(data["feature_to_idx"])
    for feature, idx in data["feature_to_idx"].items():
        features[idx] = feature
    tags = [""] * len(data["tag_to_idx"])
    for tag, idx in data["tag_to_idx"].items():
        tags[idx] = tag
    return features, tags


def _from_pkuseg_data(data: dict, weights: np.ndarray, max_features: int | None = None, user_words=()) -> CRFSegmenter:
    features, tags = _pkuseg_lists(data)
    if max_features is not None:
        features, weights = prune(features, weights, len(tags), max_features)
    return CRFSegmenter.from_pkuseg(features, data["unigram"], weights, tags, user_words=user_words)


_TEACHER: CRFSegmenter | None = None


def _init_teacher(path: str) -> None:
    global _TEACHER
    _TEACHER = CRFSegmenter.from_disk(path)


def _segment_doc(text: str) -> list[str]:
    assert _TEACHER is not None
    out = []
    for line in text.splitlines():
        words = _TEACHER.cut(line)
        if words:
            out.append("  ".join(words))
    return out


def make_silver(shared: Path, teacher: Path, max_chars: int, workers: int = 2) -> list[str]:
    """Teacher-segmented lines from a sample of the corpus ``train`` split."""
    docs = sample_train_docs(shared, max_chars)
    texts = [read_corpus_text(shared, d) for d in docs]
    log.info("silver: %d documents, %d characters", len(docs), sum(map(len, texts)))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_teacher, initargs=(str(teacher),)) as pool:
        lines = [line for doc_lines in pool.imap(_segment_doc, texts, chunksize=4) for line in doc_lines]
    return lines


def train_pkuseg(train_lines: list[str], test_lines: list[str], workdir: Path, iters: int, feature_trim: int) -> Path:
    """Run ``spacy_pkuseg.train``; returns the folder of the trained pkuseg model."""
    import spacy_pkuseg
    from spacy_pkuseg.config import config

    workdir.mkdir(parents=True, exist_ok=True)
    train_file, test_file, model_dir = workdir / "train.txt", workdir / "test.txt", workdir / "pkuseg_model"
    train_file.write_text("\n".join(train_lines) + "\n", encoding="utf-8")
    test_file.write_text("\n".join(test_lines) + "\n", encoding="utf-8")
    config.featureTrim = feature_trim
    spacy_pkuseg.train(str(train_file), str(test_file), str(model_dir), train_iter=iters)
    return model_dir


def prune(features: list[str], weights: np.ndarray, n_tag: int, max_features: int) -> tuple[list[str], np.ndarray]:
    """Keep the ``max_features`` features with the largest weights (feature 0, "$$", stays first)."""
    n_feature = len(features)
    if n_feature <= max_features:
        return features, weights
    node = weights[: n_feature * n_tag].reshape(n_feature, n_tag)
    strength = np.abs(node).sum(axis=1)
    strength[0] = np.inf
    keep = np.sort(np.argsort(-strength, kind="stable")[:max_features])
    pruned = np.concatenate([node[keep].reshape(-1), weights[n_feature * n_tag :]])
    return [features[i] for i in keep], pruned


def export(pkuseg_dir: Path, out: Path, max_features: int, user_words: list[str]) -> CRFSegmenter:
    data = srsly.read_msgpack(pkuseg_dir / "features.msgpack")
    weights = np.load(pkuseg_dir / "weights.npz", allow_pickle=False)["w"]
    segmenter = _from_pkuseg_data(data, weights, max_features, user_words)
    if out.exists():
        shutil.rmtree(out)
    segmenter.to_disk(out)
    return segmenter


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE / "model",
                        help="where to write the exported segmenter (then run policy_nlp.training.pipeline)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--silver-chars", type=int, default=1_200_000)
    parser.add_argument("--gold-repeat", type=int, default=3)
    parser.add_argument("--iters", type=int, default=6)
    parser.add_argument("--feature-trim", type=int, default=2)
    parser.add_argument("--max-features", type=int, default=400_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    shared = shared_dir()
    teacher = fetch_teacher(args.cache)
    silver = make_silver(shared, teacher, args.silver_chars, args.workers)
    gold_train, _heldout = pku_split(shared)
    gold = ["  ".join(words) for words in gold_train]
    # A small slice of silver serves as pkuseg's progress test set; the PKU held-out part is never seen.
    progress, silver = silver[-300:], silver[:-300]
    train_lines = silver + gold * args.gold_repeat
    log.info("training on %d lines (%d gold x%d)", len(train_lines), len(gold), args.gold_repeat)
    pkuseg_dir = train_pkuseg(train_lines, progress, args.cache / "work", args.iters, args.feature_trim)
    segmenter = export(pkuseg_dir, args.out, args.max_features, read_user_dict(POLICY_TERMS))
    log.info("exported %d features, %d lexicon words, %d user words to %s",
             segmenter.n_features, len(segmenter._unigram), len(segmenter.user_words), args.out)


if __name__ == "__main__":
    main()
