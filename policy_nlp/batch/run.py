"""Batch processing of speech archives: :func:`process` and ``policy-nlp process``.

The same per-document function, :func:`process_document`, runs in this process
(``n_process=1``), in spawned worker processes (``n_process>1``, one torch thread each) or
on a Dask cluster (:mod:`policy_nlp.dask`). Documents stream through: at most a few per
worker are in flight, results are written in atomic chunks (:mod:`policy_nlp.writers`),
and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
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

from ..text.metadata import guess_date, guess_level, guess_title
from .readers import DEFAULT_MAX_MEMBER_BYTES, DecodeError, Skipped, SourceError, extract_text, iter_sources
from ..output.records import merge_records, to_record
from ..text.sentences import sentence_offsets, text_lines
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
        from ..pipeline import load

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


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none."""
    import ctypes
    import ctypes.util

    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "malloc_trim", None)
    except OSError:
        return None


def release_memory() -> None:
    """Hand the memory freed by the last document back to the system (glibc's ``malloc_trim``).

    A document's encoder pass allocates hundreds of MB in pieces of many sizes; after it,
    glibc keeps the freed pieces in its heaps, so a long run's resident size climbs (390 MB
    after loading, 910 MB after 10 national reports, 1.6 GB over 500 corpus documents).
    Trimming after each document keeps it at ~414 MB between documents, for about 15 ms
    (``benchmarks/memory.py``). No-op where the C library has no ``malloc_trim`` (macOS, Windows, musl).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def process_document(task: dict, model: str | None = None, device: str = "cpu",
                     max_chars: int = DEFAULT_MAX_CHARS, timeout: float | None = DEFAULT_TIMEOUT) -> dict:
    """``{"id", "ok": True, "record"}`` or ``{"id", "ok": False, "reason"}`` for one document
    (with ``"skip": True`` for a document without text).

    ``task``: ``id``, ``source``, ``member``, ``suffix`` and ``data`` (the raw bytes). Never
    raises for a bad document: decoding, parsing and time-outs become a reason.
    """
    try:
        with _deadline(timeout):
            decoded = extract_text(task["data"], task["suffix"])
            text = decoded.text
            if not text.strip():
                return {"id": task["id"], "ok": False, "skip": True, "reason": "empty document: no text"}
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
    finally:
        release_memory()  # the Doc is gone: its buffers go back to the system, not to a growing heap


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


def _exit_with_parent(parent: int) -> None:
    """Ends this worker when the process that started it is gone (SIGTERM, kill -9 of the
    parent): Linux's parent-death signal where there is one, and a watcher thread everywhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="policy-nlp-parent-watch", daemon=True).start()


def _init_worker(parent: int, one_thread: bool) -> None:
    """With several workers, one thread each (the processes are the parallelism); a single
    worker keeps torch's default threads, as the calling process would. Exit with the parent."""
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    if one_thread:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = "1"
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _exit_with_parent(parent)


# A worker process is replaced after this many documents: memory that the allocator and
# torch's kernel cache keep after each document goes back to the system (``--recycle``).
DEFAULT_RECYCLE = 200


def make_executor(n_process: int, recycle: int | None = DEFAULT_RECYCLE) -> cf.Executor:
    """Worker processes, replaced after ``recycle`` documents each; with ``recycle=None`` and
    one process, the pipeline runs in this process."""
    if n_process <= 1 and recycle is None:
        return _InlineExecutor()
    return cf.ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                                  initargs=(os.getpid(), n_process > 1), max_tasks_per_child=recycle or None)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def _progress(quiet: bool | None, total: int | None):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    disable = quiet if quiet is not None else not sys.stderr.isatty()
    return tqdm(total=total, unit="doc", disable=disable, dynamic_ncols=True, desc="policy-nlp")


class BatchRun:
    """One run of :func:`process` over an output folder, in named steps: read each input,
    submit it, collect results (in input order), write them in chunks, close."""

    def __init__(self, out: ChunkedOutput, *, n_process: int, batch_size: int, model: str | None, device: str,
                 max_chars: int, timeout: float | None, executor: cf.Executor | None, max_in_flight_external: int,
                 recycle: int | None, bar=None):
        self.out, self.n_process, self.batch_size = out, n_process, batch_size
        self.task_args = (model, device, max_chars, timeout)
        self.own_executor = executor is None
        self.recycle = recycle
        self.pool = executor or make_executor(n_process, recycle)
        self.max_in_flight = max(2, 4 * n_process) if self.own_executor else max_in_flight_external
        self.summary = RunSummary(output=str(out.path))
        self.records: list[dict] = []
        self.errors: list[dict] = []
        self.in_flight: dict[cf.Future, dict] = {}
        self.owner: dict[cf.Future, cf.Executor] = {}  # the pool each task went to
        self.finished: dict[int, dict] = {}  # results by input position, written in input order
        self.next_position = self.submitted = 0
        self.started = time.perf_counter()
        self.bar = bar

    # -- steps ---------------------------------------------------------------------------
    def submit(self, task: dict) -> None:
        if "position" not in task:
            task = {**task, "position": self.submitted}
            self.submitted += 1
        future = self.pool.submit(process_document, task, *self.task_args)
        self.in_flight[future] = task
        self.owner[future] = self.pool

    def wait(self, until: int) -> None:
        """Collect finished documents until at most ``until`` are in flight."""
        while len(self.in_flight) > until:
            done, _ = cf.wait(list(self.in_flight), return_when=cf.FIRST_COMPLETED)
            for future in [f for f in self.in_flight if f in done]:  # submission order
                self.collect(future)

    def collect(self, future: cf.Future) -> None:
        meta = self.in_flight.pop(future)
        submitted_to = self.owner.pop(future)
        try:
            result = future.result()
        except BrokenProcessPool as err:
            # A worker died (killed, out of memory): every task in flight fails with it.
            # Start a new pool (once per broken pool) and give each task one more try.
            if self.own_executor and meta.get("tries", 0) < 1:
                if submitted_to is self.pool:
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = make_executor(self.n_process, self.recycle)
                    log.warning("a worker process died; restarted the pool and retrying %d documents",
                                len(self.in_flight) + 1)
                self.submit({**meta, "tries": meta.get("tries", 0) + 1})
                return
            result = {"id": meta["id"], "ok": False, "reason": f"worker process died: {err}"}
        except Exception as err:
            result = {"id": meta["id"], "ok": False, "reason": f"worker failed: {type(err).__name__}: {err}"}
        self.finished[meta["position"]] = {**result, "meta": meta}
        self.release()

    def release(self) -> None:
        """Hand the results that are next in input order to the chunk buffers."""
        while self.next_position in self.finished:
            result = self.finished.pop(self.next_position)
            self.next_position += 1
            meta = result["meta"]
            if result["ok"]:
                self.records.append(result["record"])
                self.summary.done += 1
                self.summary.chars += result["record"]["text_length"]
            elif result.get("skip"):
                self.skip(meta, result["reason"])
            else:
                self.fail(meta, result["reason"])
            self.tick()
            self.flush()

    def skip(self, item, reason: str) -> None:
        self._error(item, "skipped", reason)
        self.summary.skipped += 1
        log.info("skipped: %s: %s", _field(item, "id"), reason)

    def fail(self, item, reason: str) -> None:
        self._error(item, "failed", reason)
        self.summary.failed += 1
        log.warning("failed: %s: %s", _field(item, "id"), reason)

    def _error(self, item, kind: str, reason: str) -> None:
        self.errors.append({"id": _field(item, "id"), "source": _field(item, "source"), "member": _field(item, "member"),
                            "kind": kind, "reason": reason})

    def tick(self) -> None:
        if self.bar is not None:
            self.bar.update(1)
            elapsed = max(time.perf_counter() - self.started, 1e-9)
            self.bar.set_postfix_str(f"{self.summary.chars / elapsed:,.0f} chars/s, {self.summary.failed} failed",
                                     refresh=False)

    def flush(self, force: bool = False) -> None:
        if len(self.records) + len(self.errors) >= self.batch_size or (force and (self.records or self.errors)):
            self.out.write_chunk(self.records, self.errors)
            self.records, self.errors = [], []

    def close(self, interrupted: bool) -> RunSummary:
        if self.bar is not None:
            self.bar.close()
        if self.own_executor:
            self.pool.shutdown(wait=not interrupted, cancel_futures=True)
        self.summary.seconds = time.perf_counter() - self.started
        self.summary.totals = self.out.finalize({"last_run": {
            "done": self.summary.done, "failed": self.summary.failed, "skipped": self.summary.skipped,
            "already_done": self.summary.already_done, "seconds": round(self.summary.seconds, 2)}})
        return self.summary

    # -- the loop ------------------------------------------------------------------------
    def run(self, sources: Iterable) -> RunSummary:
        done_before, seen = self.out.done_ids, set()
        interrupted = False
        try:
            for item in sources:
                if item.id in done_before:
                    self.summary.already_done += 1
                    self.tick()
                    continue
                if item.id in seen:
                    continue  # the same input given twice
                seen.add(item.id)
                if isinstance(item, Skipped):
                    self.skip(item, item.reason)
                    self.tick()
                    self.flush()
                    continue
                try:
                    data = item.read()
                except (SourceError, OSError) as err:
                    self.fail(item, str(err))
                    self.tick()
                    self.flush()
                    continue
                self.submit({"id": item.id, "source": item.source, "member": item.member, "suffix": item.suffix,
                             "data": data})
                self.wait(self.max_in_flight - 1)
            self.wait(0)  # retried tasks may join while we drain
            self.flush(force=True)
        except KeyboardInterrupt:
            interrupted = True
            # What finished is kept (in input order up to the first unfinished one); the
            # rest will be redone on resume.
            for future in [f for f in self.in_flight if f.done()]:
                self.collect(future)
            self.flush(force=True)
            raise
        finally:
            self.close(interrupted)
        return self.summary


def _field(item, name: str):
    return item[name] if isinstance(item, dict) else getattr(item, name)


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
    recycle: int | None = DEFAULT_RECYCLE,
) -> RunSummary:
    """Process every document under ``inputs`` into the folder ``output``.

    ``inputs``: files, directories (recursive), ``.zip``/``.tar``/``.tar.gz`` archives of
    ``.txt``/``.md``/``.docx``/``.html``/``.pdf`` documents. ``format``: ``jsonl`` (one record
    per document), ``parquet`` or ``csv`` (tables documents, sentences, entities keyed by
    document id). ``batch_size``: documents per written chunk. A failed or skipped input
    goes to ``errors.jsonl`` with its reason; the run goes on. Records are written in input
    order. With ``resume`` (default) a rerun skips documents already written;
    ``resume=False`` starts the folder over. ``executor``: any ``concurrent.futures.Executor``
    (e.g. a Dask client's) instead of ``n_process`` local processes (spawned; one thread
    each when there are several), which are replaced after ``recycle`` documents each so that their memory stays
    flat; ``recycle=None`` never replaces them, and with ``n_process=1`` runs the pipeline in
    this process.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    inputs = list(inputs)
    if n_process < 1:
        raise ValueError(f"n_process must be at least 1, not {n_process}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if recycle is not None and recycle < 1:
        raise ValueError(f"recycle must be at least 1 (or None), not {recycle}")
    out = ChunkedOutput(output, format=format, resume=resume)
    model = str(model) if model is not None else None
    # Listing the inputs is cheap (archives are read lazily): it gives the progress bar its total.
    total = sum(1 for _ in iter_sources(inputs, include, exclude, max_member_bytes))
    bar = _progress(quiet, total)
    if bar is not None:
        bar.set_postfix_str("loading the pipeline", refresh=True)
    try:  # fail early on a bad model path or device, before reading anything
        from ..pipeline import check_device, check_model_path

        check_model_path(model)
        check_device(device)
        if executor is None and n_process == 1 and recycle is None:
            get_pipeline(model, device)
    except BaseException:
        if bar is not None:
            bar.close()
        raise
    run = BatchRun(out, n_process=n_process, batch_size=batch_size, model=model, device=device,
                   max_chars=max_chars, timeout=timeout, executor=executor,
                   max_in_flight_external=max_in_flight_external, recycle=recycle, bar=bar)
    return run.run(iter_sources(inputs, include, exclude, max_member_bytes))
