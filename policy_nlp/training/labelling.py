"""Labelling sentences for the directive classifier (areas and directive flag, ANNOTATION.md).

    python -m policy_nlp.training.labelling sample [--n 4800]      # tasks from the corpus train split
    python -m policy_nlp.training.labelling sample-synthetic       # tasks from training_data/synthetic
    python -m policy_nlp.training.labelling sample-entities [--n 1000]  # corpus sentences for entity labels
    python -m policy_nlp.training.labelling validate LABELS.jsonl  # check a labelled batch against its tasks
    python -m policy_nlp.training.labelling agreement A_DIR B_DIR  # labeller agreement on batches both labelled
    python -m policy_nlp.training.labelling entities-convert DRAFT.jsonl OUT.jsonl  # entity draft -> offsets
    python -m policy_nlp.training.labelling entities-agreement A_DIR B_DIR
    python -m policy_nlp.training.labelling sample-documents FILE...   # one task file per speech, every sentence in order
    python -m policy_nlp.training.labelling tasks-convert DRAFT.jsonl OUT.jsonl     # task-span draft (TASKS.md) -> offsets

Tasks (with sentence text, for the labeller) go to ``.cache/labelling/tasks/`` and are never
committed: corpus text stays in ``../shared``. Labels are committed under
``training_data/directives/`` as ``{"id", "file", "start", "end", "area", "directive"}``:
offsets into the corpus file (or into a synthetic speech), no text.

Sampling is lexicon-stratified: for each policy area, sentences that contain one of its
key words, so that every area has hundreds of examples, plus random sentences; sentences
come round-robin from all corpus sources and include the outline section and the sentence
before as context (review passages are descriptive even when they use 推进/加强).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

from ..labels import AREAS, ENTITY_LABELS, TASK_ROLES
from .data import REPO_ROOT, corpus_manifest, read_corpus_text, shared_dir

LEXICON = {
    "invest": ["项目", "投资", "开工", "竣工", "投产", "招商", "固投", "入库", "专项债", "基础设施", "签约"],
    "business_env": ["营商环境", "放管服", "审批", "政务服务", "惠企", "融资", "专精特新", "市场主体", "减税降费", "民营企业", "中小企业"],
    "consumption": ["消费", "零售", "餐饮", "旅游", "文旅", "商贸", "电商", "促销", "内需", "购物", "流通"],
    "livelihood": ["就业", "教育", "医疗", "养老", "住房", "社保", "社会保障", "民生", "收入", "托育", "疫苗", "脱贫", "物价"],
    "safety": ["安全生产", "隐患", "危险化学品", "消防", "防汛", "应急", "灾害", "金融风险", "食品安全", "非法集资", "事故"],
}
TASKS_DIR = REPO_ROOT / ".cache" / "labelling" / "tasks"
LABELLED_DIR = REPO_ROOT / "training_data"  # every committed label file, by batch name
LABELS_DIR = LABELLED_DIR / "directives"
SYNTHETIC_DIR = LABELLED_DIR / "synthetic" / "speeches"
BATCH_SIZE = 50


def _sentences_with_context(text: str, nlp_sentences) -> list[dict]:
    from ..text.outline import build_outline, section_path_at

    offsets = nlp_sentences(text)
    outline = build_outline(text, offsets)
    out = []
    for i, (start, end) in enumerate(offsets):
        path = section_path_at(outline, start)
        out.append({
            "start": start, "end": end, "text": text[start:end],
            "section": path[-1]["text"] if path else None,
            "previous": text[offsets[i - 1][0]:offsets[i - 1][1]] if i else None,
        })
    return out


def _pick(sentences: list[dict], want: int, rng: random.Random, taken: set) -> list[dict]:
    rng.shuffle(sentences)
    picked = []
    for s in sentences:
        key = (s["file"], s["start"])
        if key not in taken and 8 <= len(s["text"]) <= 300:
            taken.add(key)
            picked.append(s)
            if len(picked) >= want:
                break
    return picked


def _corpus_pool(rng: random.Random, keep=lambda doc: True, cap: int = 1_500_000) -> list[dict]:
    """Sentences (with context) of the corpus train-split documents that ``keep`` accepts,
    each source capped at about ``cap`` characters so that the 1,400 news transcripts do not
    crowd out speeches and reports."""
    from ..text.sentences import sentence_offsets

    shared = shared_dir()
    docs = [d for d in corpus_manifest(shared) if d.split == "train" and keep(d)]
    by_source: dict[str, list] = {}
    for d in sorted(docs, key=lambda d: d.file):
        by_source.setdefault(d.file.split("/", 1)[0], []).append(d)
    pool: list[dict] = []
    for source, group in sorted(by_source.items()):
        rng.shuffle(group)
        chars = 0
        for doc in group:
            if chars > cap:
                break
            text = read_corpus_text(shared, doc)
            chars += len(text)
            for s in _sentences_with_context(text, sentence_offsets):
                s["file"] = doc.file
                s["kind"] = doc.kind
                pool.append(s)
    return pool


def _stratified(pool: list[dict], lexicon: dict[str, list[str]], n: int, rng: random.Random,
                taken: set | None = None) -> list[dict]:
    """``n`` sentences: an equal share with a word of each lexicon group, the rest at random."""
    per_group = n // (len(lexicon) + 1)
    taken = set() if taken is None else taken
    tasks = []
    for words in lexicon.values():
        matching = [s for s in pool if any(w in s["text"] for w in words)]
        tasks += _pick(matching, per_group, rng, taken)
    tasks += _pick(list(pool), n - len(tasks), rng, taken)
    rng.shuffle(tasks)
    return tasks


def sample_corpus(n: int, seed: int = 7) -> list[dict]:
    """``n`` lexicon-stratified sentences of the corpus train split (1/6 per area lexicon, 1/6 random)."""
    rng = random.Random(seed)
    return _stratified(_corpus_pool(rng), LEXICON, n, rng)


# Cue words of the entity labels the tagger reads worst in national text (measured by
# benchmarks/entities.py on its held-out tenth): sentences with them are over-sampled.
ENTITY_CUES = {
    "GPE": ["省", "自治区", "县", "州", "北京", "上海", "广东", "江苏", "浙江", "山东", "河南", "四川",
            "湖北", "湖南", "福建", "安徽", "河北", "陕西", "新疆", "西藏", "香港", "澳门", "台湾", "长三角", "京津冀"],
    "INDICATOR": ["生产总值", "增加值", "零售总额", "财政收入", "可支配收入", "增长", "指数", "利用外资", "进出口"],
    "INDUSTRY": ["产业", "制造业", "服务业", "农业", "医药", "新能源", "新材料", "旅游", "数字经济"],
    "EVENT": ["会议", "大会", "博览会", "论坛", "峰会", "运动会", "全会", "文化节"],
    "LAW": ["法》", "条例", "规定", "办法", "纲要", "规划", "方案", "《"],
    "ORG": ["部", "委员会", "局", "厅", "公司", "银行", "政府", "集团"],
}


def sample_entity_sentences(n: int, seed: int = 11) -> list[dict]:
    """``n`` corpus train-split sentences for entity labelling, over-sampling ``ENTITY_CUES``:
    never from a document that entity training holds out (``finetune.heldout``, so that the
    national held-out tenth of ``benchmarks/entities.py`` stays the same test) and never a
    sentence already labelled in ``training_data/entities``."""
    from .finetune import heldout

    labelled = {(o["file"], o["start"]) for path in ENTITY_LABELS_DIR.glob("*/*.jsonl")
                for o in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    rng = random.Random(seed)
    pool = _corpus_pool(rng, keep=lambda doc: not heldout(doc.file), cap=500_000)
    return _stratified(pool, ENTITY_CUES, n, rng, taken=set(labelled))


def sample_synthetic() -> list[dict]:
    """Every sentence of the synthetic speeches (the project's own text)."""
    from ..text.sentences import sentence_offsets

    tasks = []
    for path in sorted(SYNTHETIC_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for s in _sentences_with_context(text, sentence_offsets):
            if s["text"].startswith("# synthetic"):
                continue
            s["file"] = f"synthetic/{path.name}"
            tasks.append(s)
    return tasks


def write_document_tasks(paths: list[Path]) -> list[Path]:
    """One task file per speech, named after it, with every sentence in text order, so that
    a labeller reads each sentence in its whole document (section, neighbours, title)."""
    from ..text.sentences import sentence_offsets

    TASKS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        rel = f"synthetic/{path.name}" if path.parent.resolve() == SYNTHETIC_DIR.resolve() else str(path)
        rows = [s for s in _sentences_with_context(text, sentence_offsets) if not s["text"].startswith("# synthetic")]
        out = TASKS_DIR / f"{path.stem}.jsonl"
        with open(out, "w", encoding="utf-8") as handle:
            for i, s in enumerate(rows):
                task = {"id": f"{path.stem}-{i:03d}", "file": rel, **{k: s[k] for k in ("start", "end", "section", "previous", "text")}}
                handle.write(json.dumps(task, ensure_ascii=False) + "\n")
        written.append(out)
    return written


def write_batches(tasks: list[dict], prefix: str) -> int:
    """Task files of ``BATCH_SIZE`` tasks, numbered on after the batches of ``prefix`` already
    in ``TASKS_DIR`` or committed under ``LABELLED_DIR`` (task files are never committed: in a
    fresh clone a new sample must not take the name of a labelled batch, whose labels the
    converter would then overwrite)."""
    TASKS_DIR.mkdir(parents=True, exist_ok=True)
    pattern = f"{prefix}[0-9][0-9][0-9].jsonl"
    taken = [int(p.stem[len(prefix):]) for p in [*TASKS_DIR.glob(pattern), *LABELLED_DIR.glob(f"**/{pattern}")]]
    first = max(taken, default=0)
    n_batches = 0
    for b in range(0, len(tasks), BATCH_SIZE):
        n_batches += 1
        name = f"{prefix}{first + n_batches:03d}"
        with open(TASKS_DIR / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            for i, task in enumerate(tasks[b : b + BATCH_SIZE]):
                task = {"id": f"{name}-{i:02d}", **{k: task[k] for k in ("file", "start", "end", "section", "previous", "text")}}
                handle.write(json.dumps(task, ensure_ascii=False) + "\n")
    return n_batches


def validate(labels_path: Path) -> list[str]:
    """Problems of a labelled batch (empty list: valid). The task file is found by batch name."""
    problems: list[str] = []
    keys = {"id", "file", "start", "end", "area", "directive"}
    for n, label, task in _task_lines(labels_path, problems, keys):
        if (label["file"], label["start"], label["end"]) != (task["file"], task["start"], task["end"]):
            problems.append(f"line {n}: file/start/end differ from the task")
        if label["area"] not in AREAS:
            problems.append(f"line {n}: area {label['area']!r} is not one of {AREAS}")
        if not isinstance(label["directive"], bool):
            problems.append(f"line {n}: directive must be true or false")
    return problems


def _batch_tasks(path: Path, problems: list[str]) -> dict[str, dict]:
    """The tasks of the batch a labels file is named after (by its file name)."""
    task_path = TASKS_DIR / f"{path.stem}.jsonl"
    if not task_path.exists():
        problems.append(f"no task file {task_path} for {path.name}")
        return {}
    return {t["id"]: t for t in map(json.loads, task_path.read_text(encoding="utf-8").splitlines())}


def _json_lines(path: Path, problems: list[str]):
    """(line number, object) of a JSON-lines file; unparsable lines become problems."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(f"line {n}: not JSON: {err}")


def _task_lines(path: Path, problems: list[str], keys: set[str]):
    """(line number, object, its task) for each line of a labels file with exactly ``keys``;
    unknown ids, duplicates and unlabelled tasks become problems."""
    tasks = _batch_tasks(path, problems)
    seen = set()
    for n, obj in _json_lines(path, problems):
        if not isinstance(obj, dict) or set(obj) != keys:
            problems.append(f"line {n}: keys must be exactly {sorted(keys)}")
            continue
        task = tasks.get(obj["id"])
        if task is None:
            problems.append(f"line {n}: unknown id {obj['id']!r}")
            continue
        if obj["id"] in seen:
            problems.append(f"line {n}: {obj['id']} labelled twice")
        seen.add(obj["id"])
        yield n, obj, task
    missing = sorted(set(tasks) - seen)
    if missing:
        problems.append(f"{len(missing)} tasks unlabelled: {', '.join(missing[:5])}")


ENTITY_DRAFTS = REPO_ROOT / ".cache" / "labelling" / "entity_drafts"
ENTITY_LABELS_DIR = LABELLED_DIR / "entities"


def convert_entities(draft_path: Path, out_path: Path, kind: str = "entities") -> list[str]:
    """Check a draft of entity labels (``kind="entities"``, ANNOTATION.md) or of task spans
    (``kind="spans"``, TASKS.md roles) and write it as offsets (no text) to ``out_path``.

    Draft lines: ``{"id", "entities": [{"text", "label"}, ...]}`` with entities listed left to
    right; each text is looked up in the task sentence after the end of the previous entity,
    which gives exact, non-overlapping offsets. ``"nth": k`` picks the k-th occurrence of the
    text in the sentence instead, for an entity whose string also occurs earlier as a non-entity. Output lines:
    ``{"id", "file", "start", "end", "entities": [[start, end, label], ...]}`` with entity
    offsets relative to the sentence, as in ``../shared/data/gold/dev.jsonl``.
    """
    labels = ENTITY_LABELS if kind == "entities" else TASK_ROLES
    problems: list[str] = []
    out = []
    for n, draft, task in _task_lines(draft_path, problems, {"id", kind}):
        text, pos, spans = task["text"], 0, []
        for entity in draft[kind]:
            if not isinstance(entity, dict) or not {"text", "label"} <= set(entity) <= {"text", "label", "nth"}:
                problems.append(f"line {n} ({draft['id']}): each entity must be {{\"text\", \"label\"[, \"nth\"]}}, got {entity!r}")
                continue
            if entity["label"] not in labels:
                problems.append(f"line {n} ({draft['id']}): label {entity['label']!r} is not one of {labels}")
                continue
            surface = entity["text"]
            if not surface or surface != surface.strip() or (kind == "entities" and (surface[0] in "“《" or surface[-1] in "”》")):
                problems.append(f"line {n} ({draft['id']}): {surface!r}: empty, padded, or includes quote/title marks")
                continue
            if "nth" in entity:  # the nth occurrence (1-based), when an earlier one is no entity
                found = -1
                for _ in range(int(entity["nth"])):
                    found = text.find(surface, found + 1)
                    if found < 0:
                        break
                if found >= 0 and found < pos:
                    problems.append(f"line {n} ({draft['id']}): {surface!r} occurrence {entity['nth']} overlaps or precedes the previous entity")
                    continue
            else:
                found = text.find(surface, pos)
            if found < 0:
                where = "at all" if surface not in text else "after the previous entity (list entities left to right)"
                problems.append(f"line {n} ({draft['id']}): {surface!r} not found in the sentence {where}")
                continue
            spans.append([found, found + len(surface), entity["label"]])
            pos = found + len(surface)
        out.append({"id": draft["id"], "file": task["file"], "start": task["start"], "end": task["end"], kind: spans})
    if not problems:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out), encoding="utf-8")
    return problems


def entity_agreement(first: Path, second: Path, ids: str | None = None) -> dict:
    """Exact-span micro-F1 between two labellers (first as reference) on shared ids (those
    matching the regex ``ids`` when given: one group of batches, e.g. ``^e0[0-5]|^e060``)."""
    def load(folder):
        return {lab["id"]: {tuple(e) for e in lab["entities"]}
                for p in sorted(folder.glob("*.jsonl")) for lab in map(json.loads, p.read_text(encoding="utf-8").splitlines())}

    from ..evaluate import span_scores

    a, b = load(first), load(second)
    ids = sorted(i for i in set(a) & set(b) if ids is None or re.search(ids, i))
    n_a, n_b = sum(len(a[i]) for i in ids), sum(len(b[i]) for i in ids)
    per_label, micro = span_scores([(a[i], b[i]) for i in ids], ENTITY_LABELS)
    count_a, count_b = (Counter(e[2] for i in ids for e in spans[i]) for spans in (a, b))
    return {"n_sentences": len(ids), "entities_first": n_a, "entities_second": n_b, "exact_span_f1": micro,
            "per_label": {label: {"first": count_a[label], "second": count_b[label], "f1": round(f1, 3)}
                          for label, f1 in per_label.items() if count_a[label] or count_b[label]}}


def agreement(first: Path, second: Path) -> dict:
    """Area macro-F1 (first as reference), area accuracy and directive agreement on shared ids."""
    def load(folder):
        return {lab["id"]: lab for p in sorted(folder.glob("*.jsonl")) for lab in map(json.loads, p.read_text(encoding="utf-8").splitlines())}

    a, b = load(first), load(second)
    ids = sorted(set(a) & set(b))
    if not ids:
        return {"n": 0}
    f1s = []
    for area in AREAS:
        tp = sum(1 for i in ids if a[i]["area"] == area and b[i]["area"] == area)
        fp = sum(1 for i in ids if a[i]["area"] != area and b[i]["area"] == area)
        fn = sum(1 for i in ids if a[i]["area"] == area and b[i]["area"] != area)
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    return {
        "n": len(ids),
        "area_accuracy": sum(a[i]["area"] == b[i]["area"] for i in ids) / len(ids),
        "area_macro_f1": sum(f1s) / len(f1s),
        "directive_agreement": sum(a[i]["directive"] == b[i]["directive"] for i in ids) / len(ids),
        "area_counts_first": dict(Counter(a[i]["area"] for i in ids)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--n", type=int, default=4800)
    sub.add_parser("sample-synthetic")
    se = sub.add_parser("sample-entities", help="corpus sentences for entity labelling, weak labels over-sampled")
    se.add_argument("--n", type=int, default=1000)
    v = sub.add_parser("validate")
    v.add_argument("labels", type=Path, nargs="+")
    g = sub.add_parser("agreement")
    g.add_argument("first", type=Path)
    g.add_argument("second", type=Path)
    c = sub.add_parser("entities-convert", help="check an entity draft and write it as offsets")
    c.add_argument("draft", type=Path)
    c.add_argument("out", type=Path)
    d = sub.add_parser("sample-documents", help="one task file per speech, all its sentences in order")
    d.add_argument("files", type=Path, nargs="+")
    t = sub.add_parser("tasks-convert", help="check a task-span draft (TASKS.md) and write it as offsets")
    t.add_argument("draft", type=Path)
    t.add_argument("out", type=Path)
    ga = sub.add_parser("entities-agreement")
    ga.add_argument("first", type=Path)
    ga.add_argument("second", type=Path)
    ga.add_argument("--ids", default=None, help="regex: only the sentence ids it matches (e.g. a group of batches)")
    args = parser.parse_args(argv)
    if args.command == "sample":
        print(f"{write_batches(sample_corpus(args.n), 'c')} batches in {TASKS_DIR}")
    elif args.command == "sample-entities":
        print(f"{write_batches(sample_entity_sentences(args.n), 'e')} batches in {TASKS_DIR}")
    elif args.command == "sample-synthetic":
        print(f"{write_batches(sample_synthetic(), 's')} batches in {TASKS_DIR}")
    elif args.command == "validate":
        bad = 0
        for path in args.labels:
            problems = validate(path)
            bad += bool(problems)
            print(f"{path.name}: {'OK' if not problems else '; '.join(problems)}")
        return 1 if bad else 0
    elif args.command == "sample-documents":
        for out in write_document_tasks(args.files):
            print(out)
    elif args.command in ("entities-convert", "tasks-convert"):
        problems = convert_entities(args.draft, args.out, "entities" if args.command == "entities-convert" else "spans")
        print(f"{args.draft.name}: " + ("OK -> " + str(args.out) if not problems else "\n  ".join(problems)))
        return 1 if problems else 0
    elif args.command == "entities-agreement":
        print(json.dumps(entity_agreement(args.first, args.second, args.ids), ensure_ascii=False, indent=1))
    else:
        print(json.dumps(agreement(args.first, args.second), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
