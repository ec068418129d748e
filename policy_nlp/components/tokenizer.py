"""spaCy tokenizer that segments Chinese words with our shipped pkuseg model.

Registered as ``policy_nlp.tokenizer.v1`` (``[nlp.tokenizer]`` in the pipeline config).
Tokens cover the text exactly: white space that is not a single space after a word
becomes a token of its own, as spaCy's own tokenizers do, so ``doc.text == text``.
Lone surrogates (not valid Unicode) become U+FFFD in ``doc.text``, one for one.
Serialised to ``tokenizer/segmenter/`` (msgpack + safetensors) and ``tokenizer/cfg``.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Iterable

import numpy as np
import srsly
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from ..ml.segmenter import CRFSegmenter
from ..text.script import model_text

SEGMENTER_DIR = "segmenter"
_SURROGATE = re.compile("[\ud800-\udfff]")
# spaCy's retokenizer costs O(tokens in the doc) per split: fine for a few splits, quadratic
# for many. Beyond this many, the Doc is rebuilt in one pass instead.
_MAX_RETOKENIZER_SPLITS = 32


@registry.tokenizers("policy_nlp.tokenizer.v1")
def create_tokenizer():
    def tokenizer_factory(nlp):
        return PolicyTokenizer(nlp.vocab)

    return tokenizer_factory


class PolicyTokenizer:
    """Words from :class:`~policy_nlp.segmenter.CRFSegmenter`; a character per token until a model is loaded."""

    def __init__(self, vocab: Vocab, segmenter: CRFSegmenter | None = None):
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str) -> Doc:
        if not isinstance(text, str):
            raise TypeError(f"policy_nlp tokenizes str, not {type(text).__name__}")
        if _SURROGATE.search(text):
            # Lone surrogates cannot be stored by spaCy (they are not valid Unicode text);
            # U+FFFD takes their place, one character for one, so offsets stay the same.
            text = _SURROGATE.sub("\ufffd", text)
        simplified = model_text(text)  # traditional script: the models read its simplified twin
        if self.segmenter is not None:
            spans = self.segmenter.word_spans(simplified)
        else:
            spans = ((i, i + 1) for i, c in enumerate(text) if not c.isspace())
        words, spaces = words_and_spaces(text, spans)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if simplified is not text:
            doc._.model_text = simplified
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def add_user_words(self, words: Iterable[str]) -> None:
        """Add words that must never be split (e.g. names of local programmes)."""
        if self.segmenter is None:
            raise ValueError("this tokenizer has no segmenter model loaded")
        self.segmenter.add_user_words(words)

    # ---------------------------------------------------------------- serialisation
    def initialize(self, get_examples=None, *, nlp=None, segmenter_dir=None) -> None:
        """spaCy's set-up hook: load a trained segmenter (``policy_nlp.training.segmenter`` output)."""
        if segmenter_dir is not None:
            self.segmenter = CRFSegmenter.from_disk(Path(segmenter_dir))

    def to_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"segmenter": self.segmenter is not None})
        if self.segmenter is not None:
            self.segmenter.to_disk(path / SEGMENTER_DIR)

    def from_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        cfg = srsly.read_json(path / "cfg") if (path / "cfg").exists() else {}
        if cfg.get("segmenter"):
            self.segmenter = CRFSegmenter.from_disk(path / SEGMENTER_DIR)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            self.to_disk(tmp)
            files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in Path(tmp).rglob("*") if p.is_file()}
        return srsly.msgpack_dumps(files)

    def from_bytes(self, data: bytes, *, exclude=tuple()):
        files = srsly.msgpack_loads(data)
        with tempfile.TemporaryDirectory() as tmp:
            for name, content in files.items():
                target = Path(tmp, name)
                if Path(tmp) not in target.resolve().parents:
                    raise ValueError(f"refusing tokenizer member outside its folder: {name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            return self.from_disk(tmp)


def words_and_spaces(text: str, spans: Iterable[tuple[int, int]]) -> tuple[list[str], list[bool]]:
    """spaCy's words/spaces for word spans of ``text``: gaps between words become tokens,
    except a single leading space, which becomes the preceding word's trailing space."""
    words: list[str] = []
    spaces: list[bool] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            _add_gap(text[pos:start], words, spaces)
        words.append(text[start:end])
        spaces.append(False)
        pos = end
    if pos < len(text):
        _add_gap(text[pos:], words, spaces)
    return words, spaces


def _add_gap(gap: str, words: list[str], spaces: list[bool]) -> None:
    if words and not spaces[-1] and gap[0] == " ":
        spaces[-1] = True
        gap = gap[1:]
    if gap:
        words.append(gap)
        spaces.append(False)


def split_tokens_at(doc: Doc, offsets: list[tuple[int, int]]) -> Doc:
    """Make every offset in ``offsets`` a token boundary, splitting tokens that straddle one."""
    if not len(doc):
        return doc
    starts = doc.to_array("IDX").astype(np.int64)
    cuts = sorted({c for span in offsets for c in span})
    cut_arr = np.array(cuts, dtype=np.int64)
    token_of = np.searchsorted(starts, cut_arr, side="right") - 1
    inside = (token_of >= 0) & (starts[np.clip(token_of, 0, None)] != cut_arr)
    pending: dict[int, list[int]] = {}
    for tok_i, cut in zip(token_of[inside].tolist(), cut_arr[inside].tolist()):
        token = doc[tok_i]
        if cut < token.idx + len(token.text):
            pending.setdefault(tok_i, []).append(cut - token.idx)
    if not pending:
        return doc
    if len(pending) > _MAX_RETOKENIZER_SPLITS:
        return _rebuilt_with_splits(doc, pending)
    # The retokenizer leaves span groups pointing at old token indices: keep them by characters.
    groups = {key: [(s.start_char, s.end_char, s.label_) for s in group] for key, group in doc.spans.items()}
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    has_sents = doc.has_annotation("SENT_START")
    new_starts = {doc[tok_i].idx + cut for tok_i, rel_cuts in pending.items() for cut in rel_cuts}
    with doc.retokenize() as retokenizer:
        for tok_i, rel_cuts in pending.items():
            token = doc[tok_i]
            bounds = [0] + sorted(set(rel_cuts)) + [len(token.text)]
            orths = [token.text[a:b] for a, b in zip(bounds, bounds[1:])]
            retokenizer.split(token, orths, heads=[(token, 0)] * len(orths))
    if has_sents:  # a piece after the first continues its sentence (the retokenizer leaves it unset)
        for token in doc:
            if token.idx in new_starts:
                token.is_sent_start = False
    for key, spans in groups.items():
        doc.spans[key] = [doc.char_span(s, e, label=label) for s, e, label in spans]
    if ents:
        doc.set_ents([doc.char_span(s, e, label=label) for s, e, label in ents])
    return doc


def _rebuilt_with_splits(doc: Doc, pending: dict[int, list[int]]) -> Doc:
    """A new Doc with the tokens of ``doc`` split at the given points, keeping sentence starts,
    span groups, entities and user data, in one linear pass."""
    words: list[str] = []
    spaces: list[bool] = []
    sent_starts: list[bool | None] = []
    has_sents = doc.has_annotation("SENT_START")
    for token in doc:
        rel_cuts = pending.get(token.i)
        pieces = [token.text]
        if rel_cuts:
            bounds = [0] + sorted(set(rel_cuts)) + [len(token.text)]
            pieces = [token.text[a:b] for a, b in zip(bounds, bounds[1:])]
        for k, piece in enumerate(pieces):
            words.append(piece)
            spaces.append(bool(token.whitespace_) and k == len(pieces) - 1)
            sent_starts.append((bool(token.is_sent_start) if k == 0 else False) if has_sents else None)
    new = Doc(doc.vocab, words=words, spaces=spaces, sent_starts=sent_starts if has_sents else None)
    new.user_data.update(doc.user_data)
    for key, group in doc.spans.items():
        new.spans[key] = [new.char_span(s.start_char, s.end_char, label=s.label_) for s in group]
    if doc.ents:
        new.set_ents([new.char_span(e.start_char, e.end_char, label=e.label_) for e in doc.ents])
    return new
