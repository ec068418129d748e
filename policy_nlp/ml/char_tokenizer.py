"""The encoder's character tokenizer: one token per character, offsets into the original text.

Built as a ``tokenizers.Tokenizer`` (WordLevel vocabulary, per-character split, BERT
normaliser, template post-processor) and wrapped in ``PreTrainedTokenizerFast`` for
pre-training, because ``BertTokenizerFast(vocab_file=...)`` is broken for this in
transformers 5.x and WordPiece turns ``XX`` or ``49`` into ``[UNK]``. The pipeline reads the
saved ``tokenizer.json`` with ``tokenizers`` alone (``CharTokenizer``): importing
transformers would cost seconds at every start. NFKC first maps full-width digits and letters
(``１９８８``, ``ＸＸ``) to ASCII for the model; the tokenizer's alignment keeps every
offset pointing into the text as written.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
TOKENIZER_FILE, TOKENIZER_CONFIG = "tokenizer.json", "tokenizer_config.json"
# What PreTrainedTokenizerFast.save_pretrained writes, so that transformers reads our folders back.
_CONFIG = {"backend": "tokenizers", "tokenizer_class": "TokenizersBackend", "unk_token": "[UNK]",
           "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]",
           "model_input_names": ["input_ids", "token_type_ids", "attention_mask"]}


def _normalizer():
    from tokenizers import normalizers

    # NFKC: full-width ASCII to ASCII, compatibility forms to their base characters.
    # BertNormalizer: control characters removed, whitespace to spaces, lower case.
    return normalizers.Sequence([
        normalizers.NFKC(),
        normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=True),
    ])


def normalise(text: str) -> str:
    """The text as the model sees it (used to count characters for the vocabulary)."""
    return _normalizer().normalize_str(text)


def count_characters(texts: Iterable[str]) -> Counter:
    counts: Counter = Counter()
    normalizer = _normalizer()
    for text in texts:
        counts.update(ch for ch in normalizer.normalize_str(text) if not ch.isspace())
    return counts


def build_tokenizer(counts: Counter, min_count: int = 3, max_size: int = 8000):
    """A ``PreTrainedTokenizerFast`` over the characters seen ``min_count`` times or more."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    chars = [ch for ch, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count]
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    for ch in chars[: max_size - len(vocab)]:
        vocab.setdefault(ch, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.normalizer = _normalizer()
    core.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split(Regex("."), behavior="isolated"),
    ])
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )


class CharTokenizer:
    """The character tokenizer as the encoder uses it: ids and offsets of texts, the ids of
    the special tokens, and saving. Wraps a ``tokenizers.Tokenizer`` (also the one inside a
    ``PreTrainedTokenizerFast``, ``backend_tokenizer``), so both give the same ids and offsets."""

    def __init__(self, core):
        self.core = getattr(core, "backend_tokenizer", core)
        ids = {token: self.core.token_to_id(token) for token in SPECIAL_TOKENS}
        if None in ids.values():
            raise ValueError(f"the tokenizer lacks special tokens: {[t for t, i in ids.items() if i is None]}")
        self.pad_token_id, self.unk_token_id = ids["[PAD]"], ids["[UNK]"]
        self.cls_token_id, self.sep_token_id = ids["[CLS]"], ids["[SEP]"]

    def __len__(self) -> int:
        return self.core.get_vocab_size()

    def encode(self, texts: Sequence[str]) -> list:
        """One ``tokenizers.Encoding`` per text (``ids``, ``offsets`` into the text), no special tokens."""
        return self.core.encode_batch(list(texts), add_special_tokens=False)

    @classmethod
    def from_pretrained(cls, path: str | Path) -> "CharTokenizer":
        """Read ``tokenizer.json`` from a local folder (never from a hub)."""
        from tokenizers import Tokenizer

        file = Path(path) / TOKENIZER_FILE
        if not file.is_file():
            raise FileNotFoundError(f"no {TOKENIZER_FILE} in {path}")
        return cls(Tokenizer.from_file(str(file)))

    def save_pretrained(self, path: str | Path) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.core.save(str(folder / TOKENIZER_FILE))
        (folder / TOKENIZER_CONFIG).write_text(json.dumps(_CONFIG, indent=2) + "\n", encoding="utf-8")


def load_tokenizer(path: str | Path) -> CharTokenizer:
    """Load a saved character tokenizer from a local folder (never from a hub)."""
    return CharTokenizer.from_pretrained(path)


__all__ = ["CharTokenizer", "SPECIAL_TOKENS", "build_tokenizer", "count_characters", "load_tokenizer", "normalise"]
