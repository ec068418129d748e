"""The encoder's character tokenizer: one token per character, offsets into the original text.

Built as a ``tokenizers.Tokenizer`` (WordLevel vocabulary, per-character split, BERT
normaliser, template post-processor) and wrapped in ``PreTrainedTokenizerFast``, because
``BertTokenizerFast(vocab_file=...)`` is broken for this in transformers 5.x and WordPiece
turns ``XX`` or ``49`` into ``[UNK]``. NFKC first maps full-width digits and letters
(``１９８８``, ``ＸＸ``) to ASCII for the model; the tokenizer's alignment keeps every
offset pointing into the text as written.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


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


def load_tokenizer(path: str | Path):
    """Load a saved character tokenizer from a local folder (never from a hub)."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(path), local_files_only=True)


__all__ = ["SPECIAL_TOKENS", "build_tokenizer", "count_characters", "load_tokenizer", "normalise"]
