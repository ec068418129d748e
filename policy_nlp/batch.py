"""Batch processing of speech archives: :func:`process` and ``policy-nlp process``.

The same per-document function, :func:`process_document`, runs in this process
(``n_process=1``), in spawned worker processes (``n_process>1``, one torch thread each) or
on a Dask cluster (:mod:`policy_nlp.dask`). Documents stream through: at most a few per
worker are in flight, results are written in atomic chunks (:mod:`policy_nlp.writers`),
and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import hashlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from .metadata import guess_date, guess_level, guess_title
from .readers import DEFAULT_MAX_MEMBER_BYTES, DecodeError, Skipped, SourceError, extract_text, iter_sources
from .records import merge_records, to_record
from .sentences import sentence_offsets, text_lines
from .writers import ChunkedOutput

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_TIMEOUT = 600.0


class DocumentTimeout(Exception):
    """Raised inside a worker when one document takes longer than the timeout."""


@dataclass
class RunSummary:
    """Counts of one run (this invocation only; ``summary.json`` has the totals of the folder)."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    already_done: int = 0
    chars: int = 0
    seconds: float = 0.0
    output: str = ""
    totals: dict = field(default_factory=dict)

    def line(self) -> str:
        return (f"done {self.done}, failed {self.failed}, skipped {self.skipped}, "
                f"already done {self.already_done} ({self.chars:,} chars in {self.seconds:.1f} s) -> {self.output}")


# ---------------------------------------------------------------------------
# One document
# ---------------------------------------------------------------------------

_NLP_CACHE: dict[tuple, Any] = {}


def get_pipeline(model: str | None, device: str):
    """The pipeline for this process, loaded once per (model, device)."""
    key = (model, device)
    if key not in _NLP_CACHE:
        from .pipeline import load

        _NLP_CACHE[key] = load(model, device=device)
    return _NLP_CACHE[key]


def paragraph_chunks(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Pieces of at most ``max_chars`` characters, cut only at line breaks, or for a longer
    line between sentences; a single sentence longer than ``max_chars`` is cut as a last resort."""
    if len(text) <= max_chars:
        return [(0, text)]
    cuts = [0]
    start = 0
    for line_start, line_end in text_lines(text):
        if line_end - start <= max_chars:
            continue
        if line_start > start:
            cuts.append(line_start)
            start = line_start
        while line_end - start > max_chars:
            ends = [e for _, e in sentence_offsets(text[start:start + max_chars]) if e < max_chars]
            cut = start + (ends[-1] if ends and ends[-1] > 0 else max_chars)
            cuts.append(cut)
            start = cut
    cuts.append(len(text))
    return [(a, text[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a]


def analyse_text(nlp, text: str, max_chars: int = DEFAULT_MAX_CHARS) -> dict:
    """The record of ``text``; long texts go through the pipeline in paragraph chunks."""
    pieces = paragraph_chunks(text, max_chars)
    if len(pieces) == 1:
        return to_record(nlp(text))
    records = [(offset, to_record(doc)) for (offset, _), doc in zip(pieces, nlp.pipe(p for _, p in pieces))]
    return merge_records(text, records)


def process_document(task: dict, model: str | None = None, device: str = "cpu",
                     max_chars: int = DEFAULT_MAX_CHARS, timeout: float | None = DEFAULT_TIMEOUT) -> dict:
    """``{"id", "ok": True, "record"}`` or ``{"id", "ok": False, "reason"}`` for one document.

    ``task``: ``id``, ``source``, ``member``, ``suffix`` and ``data`` (the raw bytes). Never
    raises for a bad document: decoding, parsing and time-outs become a reason.
    """
    try:
        with _deadline(timeout):
            decoded = extract_text(task["data"], task["suffix"])
            text = decoded.text
            record = {
                "id": task["id"],
                "source": task["source"],
                "member": task["member"],
                "encoding": decoded.encoding,
                "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                "title": guess_title(text),
                "date": guess_date(text, task["member"] or task["source"]),
                "level": guess_level(text),
            }
            record.update(analyse_text(get_pipeline(model, device), text, max_chars))
        return {"id": task["id"], "ok": True, "record": record}
    except (DecodeError, SourceError) as err:
        return {"id": task["id"], "ok": False, "reason": str(err)}
    except DocumentTimeout:
        return {"id": task["id"], "ok": False, "reason": f"timed out after {timeout:g} s"}
    except Exception as err:  # a bug or an unforeseen input must not stop the batch
        log.exception("failed on %s", task["id"])
        return {"id": task["id"], "ok": False, "reason": f"{type(err).__name__}: {err}"}


class _deadline:
    """SIGALRM-based time limit (Unix, main thread only; elsewhere no limit is applied)."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.active = bool(seconds) and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if self.active:
            def on_alarm(signum, frame):
                raise DocumentTimeout()

            self.previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


# ---------------------------------------------------------------------------
# Executors
# ---------------------------------------------------------------------------


class _InlineExecutor(cf.Executor):
    """Runs each task at submit time, in this process."""

    def submit(self, fn, /, *args, **kwargs):
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


def _init_worker() -> None:
    """One thread per worker process: the processes are the parallelism."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TOKENIZERS_PARALLELISM"):
        os.environ[var] = "false" if var == "TOKENIZERS_PARALLELISM" else "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def make_executor(n_process: int) -> cf.Executor:
    if n_process <= 1:
        return _InlineExecutor()
    return cf.ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def _progress(quiet: bool | None):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    disable = quiet if quiet is not None else not sys.stderr.isatty()
    return tqdm(unit="doc", disable=disable, dynamic_ncols=True, desc="policy-nlp")


def process(
    inputs: str | Path | Iterable[str | Path],
    output: str | Path,
    *,
    format: str = "jsonl",
    n_process: int = 1,
    batch_size: int = 64,
    device: str = "cpu",
    resume: bool = True,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    model: str | Path | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
    timeout: float | None = DEFAULT_TIMEOUT,
    quiet: bool | None = None,
    executor: cf.Executor | None = None,
    max_in_flight_external: int = 32,
) -> RunSummary:
    """Process every document under ``inputs`` into the folder ``output``.

    ``inputs``: files, directories (recursive), ``.zip``/``.tar``/``.tar.gz`` archives of
    ``.txt``/``.md``/``.docx``/``.html``/``.pdf`` documents. ``format``: ``jsonl`` (one record
    per document), ``parquet`` or ``csv`` (tables documents, sentences, entities keyed by
    document id). ``batch_size``: documents per written chunk. A failed or skipped input
    goes to ``errors.jsonl`` with its reason; the run goes on. With ``resume`` (default) a
    rerun skips documents already written; ``resume=False`` starts the folder over.
    ``executor``: any ``concurrent.futures.Executor`` (e.g. a Dask client's) instead of
    ``n_process`` local processes.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    if n_process < 1:
        raise ValueError(f"n_process must be at least 1, not {n_process}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    started = time.perf_counter()
    out = ChunkedOutput(output, format=format, resume=resume)
    done_before = out.done_ids
    model = str(model) if model is not None else None
    if executor is None and n_process == 1:
        get_pipeline(model, device)  # fail early on a bad model path, before reading anything
    own_executor = executor is None
    pool = executor or make_executor(n_process)
    summary = RunSummary(output=str(out.path))
    records: list[dict] = []
    errors: list[dict] = []
    in_flight: dict[cf.Future, dict] = {}
    owner: dict[cf.Future, cf.Executor] = {}  # the pool each task went to
    max_in_flight = max(2, 4 * n_process) if own_executor else max_in_flight_external
    seen: set[str] = set()
    bar = _progress(quiet)

    def flush(force: bool = False) -> None:
        nonlocal records, errors
        if len(records) + len(errors) >= batch_size or (force and (records or errors)):
            out.write_chunk(records, errors)
            records, errors = [], []

    def submit(task: dict) -> None:
        future = pool.submit(process_document, task, model, device, max_chars, timeout)
        in_flight[future] = task
        owner[future] = pool

    def collect(future: cf.Future) -> None:
        nonlocal pool
        meta = in_flight.pop(future)
        submitted_to = owner.pop(future)
        try:
            result = future.result()
        except BrokenProcessPool as err:
            # A worker died (killed, out of memory): every task in flight fails with it.
            # Start a new pool (once per broken pool) and give each task one more try.
            if own_executor and meta.get("tries", 0) < 1:
                if submitted_to is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = make_executor(n_process)
                    log.warning("a worker process died; restarted the pool and retrying %d documents", len(in_flight) + 1)
                submit({**meta, "tries": meta.get("tries", 0) + 1})
                return
            result = {"id": meta["id"], "ok": False, "reason": f"worker process died: {err}"}
        except Exception as err:
            result = {"id": meta["id"], "ok": False, "reason": f"worker failed: {type(err).__name__}: {err}"}
        if result["ok"]:
            records.append(result["record"])
            summary.done += 1
            summary.chars += result["record"]["text_length"]
        else:
            errors.append({"id": meta["id"], "source": meta["source"], "member": meta["member"],
                           "kind": "failed", "reason": result["reason"]})
            summary.failed += 1
            log.warning("failed: %s: %s", meta["id"], result["reason"])
        if bar is not None:
            bar.update(1)
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{summary.chars / elapsed:,.0f} chars/s, {summary.failed} failed", refresh=False)
        flush()

    def skip(item, reason: str) -> None:
        errors.append({"id": item.id, "source": item.source, "member": item.member, "kind": "skipped", "reason": reason})
        summary.skipped += 1
        log.info("skipped: %s: %s", item.id, reason)
        flush()

    interrupted = False
    try:
        for item in iter_sources(inputs, include, exclude, max_member_bytes):
            if item.id in done_before:
                summary.already_done += 1
                continue
            if item.id in seen:
                continue  # the same input given twice
            seen.add(item.id)
            if isinstance(item, Skipped):
                skip(item, item.reason)
                continue
            try:
                data = item.read()
            except (SourceError, OSError) as err:
                errors.append({"id": item.id, "source": item.source, "member": item.member,
                               "kind": "failed", "reason": str(err)})
                summary.failed += 1
                flush()
                continue
            submit({"id": item.id, "source": item.source, "member": item.member, "suffix": item.suffix, "data": data})
            while len(in_flight) >= max_in_flight:
                finished, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
                for f in finished:
                    collect(f)
        while in_flight:  # retried tasks may join while we drain
            finished, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for f in finished:
                collect(f)
        flush(force=True)
    except KeyboardInterrupt:
        interrupted = True
        # What finished is kept; what was in flight will be redone on resume.
        for f in [f for f in in_flight if f.done()]:
            collect(f)
        flush(force=True)
        raise
    finally:
        if bar is not None:
            bar.close()
        if own_executor:
            pool.shutdown(wait=not interrupted, cancel_futures=True)
        summary.seconds = time.perf_counter() - started
        summary.totals = out.finalize({"last_run": {
            "done": summary.done, "failed": summary.failed, "skipped": summary.skipped,
            "already_done": summary.already_done, "seconds": round(summary.seconds, 2)}})
    return summary
