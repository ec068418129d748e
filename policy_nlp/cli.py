"""The ``policy-nlp`` command: ``--version``, ``info``, ``split``, ``demo``, ``render``, ``tasks``, ``process``, ``report``, ``train``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def _load(args):
    from .pipeline import load

    overrides = {}
    if getattr(args, "clauses", False):
        overrides["components.policy_sentences.clause_mode"] = True
    return load(args.model, config=overrides)


def cmd_info(args) -> int:
    import spacy

    from .pipeline import default_model_path

    path = args.model or default_model_path()
    nlp = _load(args)
    seg = getattr(nlp.tokenizer, "segmenter", None)
    print(f"policy_nlp {__version__} (spaCy {spacy.__version__}, Python {sys.version.split()[0]})")
    print(f"pipeline:   {path}")
    print(f"name:       {nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}")
    print(f"components: tokenizer, {', '.join(nlp.pipe_names)}")
    if seg is not None:
        size = sum(p.stat().st_size for p in Path(path, "tokenizer").rglob("*") if p.is_file())
        print(f"segmenter:  {seg.n_features:,} features, {len(seg.user_words):,} user words, {size / 1e6:.1f} MB")
    if "policy_encoder" in nlp.pipe_names:
        config = nlp.get_pipe("policy_encoder").encoder.model.config
        size = sum(p.stat().st_size for p in Path(path, "policy_encoder").rglob("*") if p.is_file())
        print(f"encoder:    BertModel {config.num_hidden_layers} layers x {config.hidden_size} hidden, "
              f"{config.vocab_size:,} characters, {size / 1e6:.1f} MB")
    if "policy_directives" in nlp.pipe_names:
        print(f"areas:      {', '.join(nlp.get_pipe('policy_directives').labels)}")
    head = getattr(nlp.get_pipe("policy_entities"), "head", None) if "policy_entities" in nlp.pipe_names else None
    if head is not None:
        names = f", name lists of {len(head.gazetteer):,} words" if head.gazetteer is not None else ""
        tagger = f"mean of {len(head.members)} CRF taggers" if hasattr(head, "members") else "CRF tagger"
        print(f"entities:   {tagger} over {len(head.labels)} labels{names}")
    return 0


class CommandError(Exception):
    """What a command cannot do with what it was given: an unreadable input, a missing optional
    dependency, an unwritable output (exit code 2, the message on stderr)."""


def read_input(file: str) -> str:
    """The text of a file, or of standard input for ``-``, in any encoding ``decode_text`` detects."""
    from .batch.readers import DecodeError, decode_text

    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as err:
        raise CommandError(f"cannot read {file}: {err.strerror}") from err
    try:
        return decode_text(data).text
    except DecodeError as err:
        raise CommandError(f"{file}: {err}") from err


def cmd_split(args) -> int:
    from .output.records import to_record

    doc = _load(args)(read_input(args.file))
    if args.json:
        print(json.dumps(to_record(doc), ensure_ascii=False))
        return 0
    for sent in doc._.sentences:
        print(f"{sent.start_char}\t{sent.end_char}\t{_escape(sent.text)}")
    return 0


def cmd_demo(args) -> int:
    from .resources import sample_speech

    nlp = _load(args)
    doc = nlp(sample_speech())
    print("== Outline ==")
    for item in doc._.outline:
        print(f"{'  ' * (item['level'] - 1)}{item['text']}  [{item['start']}:{item['end']}]")
    print()
    print("== Sentences ==")
    for i, sent in enumerate(doc._.sentences):
        section = sent._.section or "-"
        label = f"{sent._.area}{' directive' if sent._.directive else ''} " if sent._.area else ""
        print(f"{i:3d} [{sent.start_char}:{sent.end_char}] {label}({section}) {sent.text}")
    if doc.ents:
        print()
        print("== Entities ==")
        print("  ".join(f"{e.text}/{e.label_}" for e in doc.ents))
    return 0


def cmd_render(args) -> int:
    from .output.render import render
    from .resources import sample_speech

    text = sample_speech() if args.file is None else read_input(args.file)
    html = render(_load(args)(text), title=args.file or "sample speech")
    if args.output is None:
        sys.stdout.write(html)
    else:
        Path(args.output).write_text(html, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def cmd_tasks(args) -> int:
    from .output.tasks import task_rows, write_tasks

    text = read_input(args.file)
    nlp = _load(args)
    if "policy_tasks" not in nlp.pipe_names:  # a pipeline directory assembled before policy_tasks existed
        nlp.add_pipe("policy_tasks", before="policy_cleaner" if "policy_cleaner" in nlp.pipe_names else None)
    rows = task_rows(nlp(text))
    if args.output is None:  # Markdown for the terminal
        from .output.tasks import markdown_table

        sys.stdout.write(markdown_table(rows))
        return 0
    try:
        write_tasks(rows, args.output)
    except (ValueError, ImportError) as err:  # an unknown suffix, openpyxl missing
        raise CommandError(str(err)) from err
    print(f"wrote {len(rows)} tasks to {args.output}")
    return 0


def cmd_report(args) -> int:
    from .batch.report import ReportError, write_report

    output = args.output if args.output is not None else Path(args.out_dir) / "report.html"
    try:
        path = write_report(args.out_dir, output)
    except (ImportError, ReportError) as err:  # matplotlib (or pyarrow for a parquet folder) missing
        raise CommandError(str(err)) from err
    except OSError as err:
        raise CommandError(f"cannot write {err.filename or output}: {err.strerror}") from err
    print(f"wrote {path}")
    return 0


def cmd_train(args) -> int:
    from .training.__main__ import main as train_main

    return train_main([args.step, *args.options])


def cmd_process(args) -> int:
    import logging

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = dict(format=args.format, batch_size=args.batch_size, device=args.device, resume=not args.no_resume,
                   include=args.include, exclude=args.exclude, model=args.model, max_chars=args.max_chars,
                   max_member_bytes=args.max_member_bytes,
                   timeout=args.timeout or None, quiet=True if args.quiet else None)
    try:
        if args.scheduler:
            from .batch.dask import process_on_dask

            summary = process_on_dask(args.inputs, args.output, scheduler=args.scheduler, **options)
        else:
            from .batch.run import process

            summary = process(args.inputs, args.output, n_process=args.n_process, recycle=args.recycle or None,
                              **options)
    except KeyboardInterrupt:
        print(f"policy-nlp: interrupted; finished chunks are kept in {args.output}: "
              "run the same command again to resume", file=sys.stderr)
        return 130
    except (ValueError, ImportError, NotADirectoryError) as err:
        print(f"policy-nlp: {err}", file=sys.stderr)
        return 2
    print(summary.line())
    return process_exit_code(summary)


# Exit codes of ``policy-nlp process`` (scripts can test them).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3


def process_exit_code(summary) -> int:
    """0: every document done (or done before); 1: some document failed; 3: nothing could be
    read (no input exists, or every input was skipped); 2 is kept for usage errors."""
    if summary.failed:
        return EXIT_FAILED
    if summary.done + summary.already_done == 0:
        return EXIT_NOTHING
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from .training.__main__ import STEPS as TRAINING_STEPS  # names only; no training code is imported

    parser = argparse.ArgumentParser(prog="policy-nlp", description="Read Chinese policy speeches.")
    parser.add_argument("--version", action="version", version=f"policy_nlp {__version__}")
    parser.add_argument("--model", type=Path, default=None, help="pipeline directory (default: the shipped one)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="show the pipeline and its models").set_defaults(func=cmd_info)
    split = sub.add_parser("split", help="print the sentences of a text file (or - for stdin)")
    split.add_argument("file", help="a text file in UTF-8/UTF-16/GB18030/Big5, or - for stdin")
    split.add_argument("--json", action="store_true", help="print the whole record as JSON")
    split.add_argument("--clauses", action="store_true", help="also split at ；")
    split.set_defaults(func=cmd_split)
    sub.add_parser("demo", help="outline and sentences of the bundled sample speech").set_defaults(func=cmd_demo)
    render = sub.add_parser("render", help="HTML of a text file (default: the sample speech) with areas, directives and entities")
    render.add_argument("file", nargs="?", default=None, help="a text file, or - for stdin (default: the sample speech)")
    render.add_argument("-o", "--output", default=None, help="HTML file to write (default: stdout)")
    render.set_defaults(func=cmd_render)
    tasks = sub.add_parser("tasks", help="the task list of a speech (责任单位, 完成时限, 目标 of every directive)")
    tasks.add_argument("file", help="a text file, or - for stdin")
    tasks.add_argument("-o", "--output", default=None,
                       help="tasks.xlsx (needs openpyxl: pip install 'policy_nlp[tasks]'), tasks.csv (UTF-8 with BOM, "
                            "opens in Excel) or tasks.md; default: Markdown on stdout")
    tasks.set_defaults(func=cmd_tasks)
    report = sub.add_parser("report", help="one self-contained HTML report of a `process` output folder: counts, "
                                           "errors, areas, units, deadlines, tasks (needs matplotlib)")
    report.add_argument("out_dir", type=Path, help="an output folder of policy-nlp process")
    report.add_argument("-o", "--output", type=Path, default=None,
                        help="HTML file to write (default: OUT_DIR/report.html); needs matplotlib: "
                             "pip install 'policy_nlp[report]'")
    report.set_defaults(func=cmd_report)
    train = sub.add_parser("train", help=f"rebuild a model from ../shared ({', '.join(TRAINING_STEPS)})")
    train.add_argument("step", choices=list(TRAINING_STEPS))
    train.add_argument("options", nargs=argparse.REMAINDER, help="options of that step (see --help of the step)")
    train.set_defaults(func=cmd_train)
    proc = sub.add_parser("process", help="process files, folders and zip/tar archives into an output folder",
                          epilog="exit codes: 0 all documents done, 1 some document failed, 2 usage error, "
                                 "3 nothing could be read (missing inputs, only skipped files)")
    proc.add_argument("inputs", nargs="+", help="files, folders, .zip, .tar, .tar.gz")
    proc.add_argument("-o", "--output", required=True, type=Path, help="output folder (created; resumed if it exists)")
    proc.add_argument("--format", choices=["jsonl", "parquet", "csv"], default="jsonl")
    proc.add_argument("--n-process", type=int, default=1, help="worker processes (default 1)")
    proc.add_argument("--batch-size", type=int, default=64, help="documents per written chunk (default 64)")
    proc.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    proc.add_argument("--no-resume", action="store_true", help="start the output folder over")
    proc.add_argument("--include", action="append", default=[], metavar="GLOB", help="only matching paths (repeatable)")
    proc.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths (repeatable)")
    proc.add_argument("--scheduler", help="dask.distributed scheduler address, e.g. tcp://host:8786")
    proc.add_argument("--max-chars", type=int, default=1_000_000, help="longer documents go in paragraph chunks")
    proc.add_argument("--timeout", type=float, default=600, help="seconds per document (0: no limit)")
    proc.add_argument("--max-member-bytes", type=int, default=200 * 1024 * 1024,
                      help="archive members larger than this are refused (zip bombs)")
    proc.add_argument("--recycle", type=int, default=200, metavar="N",
                      help="replace a worker process after N documents, keeping memory flat (0: never)")
    proc.add_argument("--quiet", action="store_true", help="no progress bar")
    proc.add_argument("-v", "--verbose", action="store_true", help="log every skipped or failed input")
    proc.set_defaults(func=cmd_process)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, CommandError) as err:
        print(f"policy-nlp: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
