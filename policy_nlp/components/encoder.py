"""``policy_encoder``: one character-transformer pass per sentence, shared by the heads after it.

The component encodes every sentence of ``doc._.sentences`` with its outline section as the
second segment and leaves the result in ``doc._.policy_states`` (plain arrays, so a Doc stays
serialisable): ``vectors`` [sentences, 2H] for the directive head and, per sentence, the
character states and their offsets for the entity head. The last head that reads them
drops them (``release_states``), so processed Docs do not carry megabytes of floats.
``pipe`` batches the sentences of each document by length (optionally of many documents,
in groups of at most ``batch_chars`` characters, which keeps memory bounded).

Like spacy-transformers, the weights live in the pipeline directory (``model/``: a
``BertModel`` and its tokenizer in safetensors/JSON) and are read with ``from_pretrained``
from that local folder only.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from .extensions import SPANS_KEY, model_string, model_view
from .serialization import DiskBytesMixin

MODEL_DIR = "model"


@Language.factory(
    "policy_encoder",
    requires=["doc.spans"],
    assigns=["doc._.policy_states"],
    default_config={"max_length": 128, "section_chars": 24, "overlap": 32, "batch_tokens": 8192,
                    "batch_chars": 200_000, "precision": "auto",
                    "batch_across_docs": False},
)
def make_policy_encoder(nlp: Language, name: str, max_length: int, section_chars: int, overlap: int,
                        batch_tokens: int, batch_chars: int, precision: str, batch_across_docs: bool):
    return PolicyEncoder(name, max_length=max_length, section_chars=section_chars, overlap=overlap,
                         batch_tokens=batch_tokens, batch_chars=batch_chars, precision=precision,
                         batch_across_docs=batch_across_docs)


PRECISIONS = ("auto", "float32", "bfloat16", "int8")


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def states_of(doc: Doc, component: str) -> dict:
    """The encoder's states of ``doc``, or a clear error naming the component that needs them."""
    states = doc._.policy_states
    if states is None:
        raise ValueError(f"{component} needs policy_encoder earlier in the pipeline (doc._.policy_states is empty)")
    return states


def _sections(doc: Doc) -> list[str | None]:
    return [model_string(doc, s._.section) for s in doc._.sentences]


class PolicyEncoder(DiskBytesMixin):
    """spaCy component holding a ``CharEncoder``; ``from_disk`` loads it, ``to_device`` moves it."""

    def __init__(self, name: str = "policy_encoder", *, max_length: int = 128, section_chars: int = 24,
                 overlap: int = 32, batch_tokens: int = 8192, batch_chars: int = 200_000, precision: str = "auto",
                 batch_across_docs: bool = False, encoder=None):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        self.name = name
        self.precision = precision
        self.batch_across_docs = batch_across_docs
        self._float_model = None
        self._autocast: tuple[str, object] | None = None
        self.settings = dict(max_length=max_length, section_chars=section_chars, overlap=overlap,
                             batch_tokens=batch_tokens)
        self.batch_chars = batch_chars
        self.encoder = encoder
        self._pid = os.getpid()

    def initialize(self, get_examples=None, *, nlp=None, model_dir=None) -> None:
        """spaCy's set-up hook: load a trained ``CharEncoder`` (``policy_nlp.training.finetune``'s ``encoder/``)."""
        from ..ml.modeling import CharEncoder

        if model_dir is not None:
            self.encoder = CharEncoder.from_pretrained(Path(model_dir), **self.settings)
            self._float_model = None

    # -- serialisation (spaCy's to_disk/from_disk protocol) ------------------------------
    def to_disk(self, path, *, exclude=tuple()) -> None:
        self._require_model()
        running = self.encoder.model
        self.encoder.model = self._float_model or running  # the float weights, never the int8 copy
        try:
            self.encoder.save_pretrained(Path(path) / MODEL_DIR)
        finally:
            self.encoder.model = running

    def from_disk(self, path, *, exclude=tuple()) -> "PolicyEncoder":
        from ..ml.modeling import CharEncoder

        folder = Path(path) / MODEL_DIR
        if not (folder / "model.safetensors").exists():
            raise FileNotFoundError(f"policy_encoder: no model.safetensors in {folder}")
        self.encoder = CharEncoder.from_pretrained(folder, **self.settings)
        self._float_model = None
        self.to_device("cpu")  # ready as loaded; load(device=...) moves it again
        return self

    def to_device(self, device: str) -> None:
        """Move the model and choose its arithmetic.

        ``precision="auto"``: bfloat16 on a GPU and on CPUs with native bf16 (AVX512-BF16/AMX;
        1.8x faster here), float32 elsewhere. ``"int8"`` (CPU): dynamic int8 linear layers,
        fastest, but its activation scales are per batch, so a sentence's scores then move
        by up to ~0.02 with the sentences it is batched with; the other precisions give the
        same scores (to ~1e-6) however documents are batched or split across processes.
        """
        import torch

        self._require_model()
        if self._float_model is not None:
            self.encoder.model, self._float_model = self._float_model, None
        self._autocast = None
        precision = self.precision
        if precision == "auto":
            precision = "bfloat16" if device.startswith("cuda") or cpu_has_bf16() else "float32"
        if precision == "int8":
            if device != "cpu":
                raise ValueError("precision='int8' runs on the CPU only")
            import warnings

            self._float_model = self.encoder.model
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.ao deprecation notices, nothing the user can act on
                self.encoder.model = torch.ao.quantization.quantize_dynamic(self._float_model, {torch.nn.Linear},
                                                                            dtype=torch.qint8)
            return
        self.encoder.model.to(device)
        if precision == "bfloat16":
            self._autocast = ("cuda" if device.startswith("cuda") else "cpu", torch.bfloat16)

    def precision_context(self):
        """The arithmetic chosen by ``to_device`` (bfloat16 autocast where it applies)."""
        import torch

        return torch.autocast(*self._autocast) if self._autocast else contextlib.nullcontext()

    def encode_texts(self, texts: list[str], sections: list[str | None]) -> list:
        """``SentenceEncoding``s of sentences outside a Doc, computed as ``__call__`` computes
        them (training the heads on the shipped encoder uses this)."""
        import torch

        self._require_model()
        with torch.inference_mode(), self.precision_context():
            return self.encoder.encode(texts, sections)

    def _require_model(self) -> None:
        if self.encoder is None:
            raise ValueError("policy_encoder has no model: load a pipeline directory or pass encoder=")

    # -- processing ----------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Encode documents; by default each document's sentences are batched on their own, so
        a document's scores never depend on the documents it was processed with (or on
        ``n_process``). ``batch_across_docs=True`` batches sentences of many documents
        together: faster for very short documents, with scores that then move by ~1e-3."""
        if not self.batch_across_docs:
            for doc in docs:
                yield from self._encode_group([doc])
            return
        group, chars = [], 0
        for doc in docs:
            group.append(doc)
            chars += len(doc.text)
            if len(group) >= batch_size or chars >= self.batch_chars:
                yield from self._encode_group(group)
                group, chars = [], 0
        if group:
            yield from self._encode_group(group)

    def _encode_group(self, docs: list[Doc]) -> list[Doc]:
        import torch

        self._require_model()
        if self._pid != os.getpid():
            # A forked worker (``nlp.pipe(n_process=k)`` forks on Linux): the parent's OpenMP
            # pool does not survive a fork and would hang the first parallel op, and k
            # processes share the cores anyway. One thread per process.
            torch.set_num_threads(1)
            self._pid = os.getpid()
        texts, sections, owners = [], [], []
        for d, doc in enumerate(docs):
            if SPANS_KEY not in doc.spans:
                raise ValueError("policy_encoder needs the sentences of policy_sentences earlier in the pipeline")
            view = model_view(doc)
            for sent, section in zip(doc._.sentences, _sections(doc)):
                texts.append(view[sent.start_char:sent.end_char])
                sections.append(section)
                owners.append(d)
        with torch.inference_mode(), self.precision_context():
            encodings = self.encoder.encode(texts, sections)
            per_doc: list[dict] = [{"vectors": [], "tokens": [], "offsets": []} for _ in docs]
            for owner, enc in zip(owners, encodings):
                states = per_doc[owner]
                states["vectors"].append(enc.vector().float().cpu().numpy())
                states["tokens"].append(enc.tokens.float().cpu().numpy())
                states["offsets"].append(enc.offsets)
        width = 2 * self.encoder.hidden_size
        for doc, states in zip(docs, per_doc):
            states["vectors"] = np.stack(states["vectors"]) if states["vectors"] else np.zeros((0, width), np.float32)
            doc._.policy_states = states
        return docs


__all__ = ["PolicyEncoder", "make_policy_encoder", "states_of", "MODEL_DIR"]
