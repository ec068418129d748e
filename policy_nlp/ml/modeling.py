"""The neural parts: the character encoder pass over sentences and the small heads on top.

One code path serves inference (spaCy components) and training (``policy_nlp.training.finetune``):
``CharEncoder.encode`` turns sentences, each with its outline section as a second segment,
into per-character states and a sentence vector. A sentence longer than the model's window
is cut into overlapping windows; every window carries the section, each character's state
is the mean over the windows that hold it and the ``[CLS]`` vector the mean over windows,
so nothing is truncated. Windows are sorted by length and batched under a token budget.
Heads are plain ``torch.nn`` modules saved as safetensors with a JSON config.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from .bert import BertModel
from .char_tokenizer import CharTokenizer

HEAD_WEIGHTS, HEAD_CONFIG = "head.safetensors", "head_config.json"


@dataclass
class SentenceEncoding:
    """States of one sentence: ``tokens`` [n, H] for its characters (spaces have none),
    ``offsets`` [n, 2] character offsets of those tokens into the sentence, ``cls`` [H]."""

    tokens: torch.Tensor
    offsets: np.ndarray
    cls: torch.Tensor

    def vector(self) -> torch.Tensor:
        """The sentence vector the directive head reads: ``[CLS]`` and the mean character state."""
        mean = self.tokens.mean(0) if len(self.tokens) else torch.zeros_like(self.cls)
        return torch.cat([self.cls, mean])


class CharEncoder:
    """A ``BertModel`` (``ml.bert``, or transformers' own) with its character tokenizer
    (``CharTokenizer``, or a ``PreTrainedTokenizerFast`` it wraps), loaded from a local folder."""

    def __init__(self, model, tokenizer, *, max_length: int = 128, section_chars: int = 24, overlap: int = 32,
                 batch_tokens: int = 8192):
        if max_length - 3 - section_chars <= overlap:
            raise ValueError("max_length leaves no room for a sentence window beside the section and overlap")
        self.model = model
        self.tokenizer = tokenizer if isinstance(tokenizer, CharTokenizer) else CharTokenizer(tokenizer)
        self.max_length = min(max_length, model.config.max_position_embeddings)
        self.section_chars, self.overlap, self.batch_tokens = section_chars, overlap, batch_tokens

    @classmethod
    def from_pretrained(cls, path: str | Path, **settings) -> "CharEncoder":
        return cls(BertModel.from_pretrained(path), CharTokenizer.from_pretrained(path), **settings)

    def save_pretrained(self, path: str | Path) -> None:
        self.model.save_pretrained(str(path))
        self.tokenizer.save_pretrained(str(path))

    @property
    def hidden_size(self) -> int:
        return self.model.config.hidden_size

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _windows(self, sentence_ids: list[int], section_ids: list[int]) -> list[tuple[int, int]]:
        width = self.max_length - 3 - len(section_ids)
        if len(sentence_ids) <= width:
            return [(0, len(sentence_ids))]
        spans, start = [], 0
        while True:
            end = min(start + width, len(sentence_ids))
            spans.append((start, end))
            if end == len(sentence_ids):
                return spans
            start = end - self.overlap

    def encode(self, sentences: Sequence[str], sections: Sequence[str | None]) -> list[SentenceEncoding]:
        """Encode sentences (with their sections); gradients flow when called outside ``no_grad``."""
        if len(sentences) != len(sections):
            raise ValueError("one section (or None) per sentence")
        if not sentences:
            return []
        tok = self.tokenizer
        sent = tok.encode(sentences)
        sect = [e.ids for e in tok.encode([(s or "")[: self.section_chars] for s in sections])]
        cls_id, sep_id, pad_id = tok.cls_token_id, tok.sep_token_id, tok.pad_token_id
        windows = []  # (sentence index, start, end, ids, type ids)
        for i, (ids, section) in enumerate(zip((e.ids for e in sent), sect)):
            for start, end in self._windows(ids, section):
                window_ids = [cls_id, *ids[start:end], sep_id]
                types = [0] * len(window_ids)
                if section:
                    window_ids += [*section, sep_id]
                    types += [1] * (len(section) + 1)
                windows.append((i, start, end, window_ids, types))
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][3]))
        states: list[torch.Tensor | None] = [None] * len(windows)
        device = self.device
        pos = 0
        while pos < len(order):
            take = 1
            while pos + take < len(order) and (take + 1) * len(windows[order[pos + take]][3]) <= self.batch_tokens:
                take += 1
            batch = order[pos : pos + take]
            width = max(len(windows[k][3]) for k in batch)
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            types = torch.zeros((len(batch), width), dtype=torch.long)
            for row, k in enumerate(batch):
                n = len(windows[k][3])
                ids[row, :n] = torch.tensor(windows[k][3])
                types[row, :n] = torch.tensor(windows[k][4])
            mask = (ids != pad_id).long()
            hidden = self.model(input_ids=ids.to(device), token_type_ids=types.to(device),
                                attention_mask=mask.to(device)).last_hidden_state
            for row, k in enumerate(batch):
                states[k] = hidden[row]
            pos += take
        encodings = []
        per_sentence: dict[int, list[int]] = {}
        for k, window in enumerate(windows):
            per_sentence.setdefault(window[0], []).append(k)
        for i, encoding in enumerate(sent):
            n = len(encoding.ids)
            parts = per_sentence[i]
            if len(parts) == 1:
                k = parts[0]
                tokens = states[k][1 : 1 + n]
                cls = states[k][0]
            else:
                total = states[parts[0]].new_zeros((n, self.hidden_size))
                count = states[parts[0]].new_zeros((n, 1))
                cls_sum = states[parts[0]].new_zeros(self.hidden_size)
                for k in parts:
                    _, start, end, _, _ = windows[k]
                    total[start:end] += states[k][1 : 1 + end - start]  # in place: linear in the sentence length
                    count[start:end] += 1
                    cls_sum += states[k][0]
                tokens, cls = total / count, cls_sum / len(parts)
            offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
            encodings.append(SentenceEncoding(tokens, offsets, cls))
        return encodings


class Head(nn.Module):
    """Base of the heads: a JSON config and safetensors weights in a folder (stored in
    ``storage_dtype`` when set; ``load`` casts them back to the parameters' float32)."""

    storage_dtype: torch.dtype | None = None

    def config(self) -> dict:
        raise NotImplementedError

    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / HEAD_CONFIG).write_text(json.dumps(self.config(), ensure_ascii=False, indent=1), encoding="utf-8")
        dtype = self.storage_dtype
        save_file({k: (v.to(dtype) if dtype is not None else v).contiguous() for k, v in self.state_dict().items()},
                  str(folder / HEAD_WEIGHTS))

    @classmethod
    def read_config(cls, folder: Path) -> dict:
        """The constructor's arguments, as ``save`` wrote them."""
        return json.loads((folder / HEAD_CONFIG).read_text(encoding="utf-8"))

    @classmethod
    def load(cls, folder: str | Path):
        from safetensors.torch import load_file

        folder = Path(folder)
        head = cls(**cls.read_config(folder))
        head.load_state_dict(load_file(str(folder / HEAD_WEIGHTS)))
        return head.eval()


NGRAM_SALTS = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D)


def hashed_ngrams(texts: Sequence[str], buckets: int,
                  idf: np.ndarray | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Character 1-3 grams of each text hashed into ``buckets`` (deterministic across processes,
    unlike ``hash()``), as ``EmbeddingBag`` inputs: indices, per-text offsets and weights
    (sublinear counts 1 + log n, times ``idf`` per bucket when given, L2-normalised per text:
    scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` over hashed features)."""
    from .char_features import text_codes
    from .char_tokenizer import normalise

    texts = [normalise(t) for t in texts]
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    codes = text_codes("".join(texts))
    # All texts at once: n-grams are hashed over the joined characters, those that cross a
    # boundary between texts dropped, and each kept one keyed by (text, bucket).
    text_of = np.repeat(np.arange(len(texts)), lengths)
    starts = np.cumsum(lengths) - lengths
    room = (lengths[text_of] - (np.arange(len(codes)) - starts[text_of])) if len(codes) else np.zeros(0, np.int64)
    keys = []
    for n, salt in zip((1, 2, 3), NGRAM_SALTS):
        m = len(codes) - n + 1
        if m <= 0:
            continue
        h = np.full(m, salt, dtype=np.int64)
        for k in range(n):
            h = (h * 1_000_003 + codes[k : k + m]) % 2_147_483_647
        inside = room[:m] >= n
        keys.append(text_of[:m][inside] * buckets + h[inside] % buckets)
    keys, counts = np.unique(np.concatenate(keys), return_counts=True) if keys else (np.zeros(0, np.int64), np.zeros(0))
    ids, owner = keys % buckets, keys // buckets
    w = 1.0 + np.log(counts.astype(np.float32))
    if idf is not None:
        w = w * idf[ids]
    norms = np.sqrt(np.bincount(owner, weights=w * w, minlength=len(texts)))
    w = w / np.maximum(norms, 1e-9)[owner]
    per_text = np.bincount(owner, minlength=len(texts))
    offsets = np.cumsum(per_text) - per_text
    return (torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(offsets.astype(np.int64)),
            torch.from_numpy(w.astype(np.float32)))


class DirectiveHead(Head):
    """Area (softmax over the labels, with a fitted temperature) and directive (sigmoid).

    Wide and deep: the deep part reads the encoder's sentence vector (dense + tanh); with
    ``ngram_buckets`` a wide part adds a linear score over the sentence's hashed character
    n-grams, which remembers the policy vocabulary a small encoder generalises over.
    Their logits add up.
    """

    def __init__(self, hidden_size: int, labels: Sequence[str], dropout: float = 0.1,
                 area_temperature: float = 1.0, directive_temperature: float = 1.0, ngram_buckets: int = 0):
        super().__init__()
        self.hidden_size, self.labels = hidden_size, list(labels)
        self.area_temperature, self.directive_temperature = area_temperature, directive_temperature
        self.ngram_buckets = ngram_buckets
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(2 * hidden_size, hidden_size)
        self.area = nn.Linear(hidden_size, len(self.labels))
        self.directive = nn.Linear(hidden_size, 1)
        if ngram_buckets:
            self.wide = nn.EmbeddingBag(ngram_buckets, len(self.labels) + 1, mode="sum")
            nn.init.zeros_(self.wide.weight)

    def config(self) -> dict:
        return {"hidden_size": self.hidden_size, "labels": self.labels, "dropout": self.dropout.p,
                "area_temperature": self.area_temperature, "directive_temperature": self.directive_temperature,
                "ngram_buckets": self.ngram_buckets}

    def forward(self, vectors: torch.Tensor, texts: Sequence[str] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw logits: area [n, labels] and directive [n] (``texts`` feed the wide part)."""
        h = torch.tanh(self.dense(self.dropout(vectors)))
        h = self.dropout(h)
        area, directive = self.area(h), self.directive(h).squeeze(-1)
        if self.ngram_buckets:
            if texts is None:
                raise ValueError("this head has an n-gram part: pass the sentence texts")
            indices, offsets, weights = hashed_ngrams(texts, self.ngram_buckets)
            wide = self.wide(indices.to(vectors.device), offsets.to(vectors.device),
                             per_sample_weights=weights.to(vectors.device))
            area, directive = area + wide[:, :-1], directive + wide[:, -1]
        return area, directive

    def probabilities(self, vectors: torch.Tensor, texts: Sequence[str] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        area, directive = self(vectors, texts)
        return torch.softmax(area / self.area_temperature, -1), torch.sigmoid(directive / self.directive_temperature)


class LexicalClassifier(Head):
    """TF-IDF + logistic regression over hashed character 1-3 grams: area and directive.

    Trained apart from the encoder (``policy_nlp.training.lexical``, scikit-learn), so its
    errors differ from the neural head's: ``policy_directives`` averages the two models'
    probabilities. ``idf`` is 0 for buckets seen in fewer than two training sentences.
    With ``review_pattern`` (a regular expression, kept in the config) the directive model
    has one more feature: whether any heading above the sentence matches it
    (一、2020年工作回顾). Review passages are descriptive (ANNOTATION.md §2) though written
    in the verbs of tasks, and the encoder sees only the innermost heading. Weights are stored in float16 (half
    the size).
    """

    storage_dtype = torch.float16

    def __init__(self, buckets: int, labels: Sequence[str], review_pattern: str | None = None,
                 context_buckets: int = 0):
        super().__init__()
        self.buckets, self.labels, self.review_pattern = buckets, list(labels), review_pattern
        self.context_buckets = context_buckets
        self._review = re.compile(review_pattern) if review_pattern else None
        size = buckets + 2 * context_buckets
        self.register_buffer("idf", torch.zeros(size))
        self.weights = nn.EmbeddingBag(size, len(self.labels) + 1, mode="sum")
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(len(self.labels) + 1))
        if self._review is not None:
            self.review = nn.Parameter(torch.zeros(()))  # directive logit under a review heading

    def config(self) -> dict:
        config = {"buckets": self.buckets, "labels": self.labels, "review_pattern": self.review_pattern}
        if self.context_buckets:
            config["context_buckets"] = self.context_buckets
        return config

    def feature_parts(self, texts: Sequence[str], section_paths: Sequence[Sequence[str]] | None = None,
                      titles: Sequence[str | None] | None = None, idf: np.ndarray | None = None) -> list:
        """``(indices, offsets, weights)`` of each feature block, indices already placed in
        the model's table: the sentence's character n-grams, and with ``context_buckets`` those
        of the headings above it (the whole section path) and of the document's title line,
        each block TF-IDF-weighted and normalised on its own."""
        idf = self.idf.numpy() if idf is None else idf
        parts = [hashed_ngrams(texts, self.buckets, idf[:self.buckets])]
        if self.context_buckets:
            if section_paths is None or titles is None or not len(section_paths) == len(titles) == len(texts):
                raise ValueError("this lexical model reads the context: pass a section path and a title per sentence")
            c, b = self.context_buckets, self.buckets
            paths = ["｜".join(path) for path in section_paths]
            for start, strings in ((b, paths), (b + c, [t or "" for t in titles])):
                ids, offsets, weights = hashed_ngrams(strings, c, idf[start:start + c])
                parts.append((ids + start, offsets, weights))
        return parts

    def review_flags(self, section_paths: Sequence[Sequence[str]]) -> torch.Tensor:
        """1.0 for each sentence with a heading above it that matches ``review_pattern``."""
        return torch.tensor([float(any(self._review.search(h) for h in path)) for path in section_paths])

    def forward(self, texts: Sequence[str], section_paths: Sequence[Sequence[str]] | None = None,
                titles: Sequence[str | None] | None = None):
        """Raw logits: area [n, labels] and directive [n]; ``section_paths`` (the headings
        above each sentence, outermost first) feed the review feature and, with the
        document ``titles``, the context features."""
        logits = self.bias + sum(self.weights(indices, offsets, per_sample_weights=weights)
                                 for indices, offsets, weights in self.feature_parts(texts, section_paths, titles))
        if self._review is not None:
            if section_paths is None or len(section_paths) != len(texts):
                raise ValueError("this lexical model reads the headings: pass one section path per sentence")
            return logits[:, :-1], logits[:, -1] + self.review_flags(section_paths) * self.review
        return logits[:, :-1], logits[:, -1]

    def probabilities(self, texts: Sequence[str], section_paths: Sequence[Sequence[str]] | None = None,
                      titles: Sequence[str | None] | None = None):
        area, directive = self(texts, section_paths, titles)
        return torch.softmax(area, -1), torch.sigmoid(directive)


class EntityHead(Head):
    """A wide-and-deep CRF tagger: BIO tags of the entity labels for each character.

    Deep part: the encoder's character states through a small dense layer. Wide part: the
    hashed context features of ``char_features`` (characters and n-grams around the
    character, the segmenter's word and its neighbours), each a learned vector, summed and
    projected to the tags; it remembers names and their contexts that a small encoder
    generalises over. With a ``gazetteer`` (``gazetteer.Gazetteer``, saved beside the
    weights), the wide part also reads each character's place in listed names. Their scores
    add up and a linear-chain CRF (``crf``) picks the best BIO-valid tag sequence. Weights are
    stored in float16.
    """

    storage_dtype = torch.float16

    def __init__(self, hidden_size: int, labels: Sequence[str], buckets: int = 2 ** 16, feature_dim: int = 12,
                 deep_size: int = 256, dropout: float = 0.1, gazetteer=None):
        from .crf import bio_tags, bio_transition_mask

        super().__init__()
        self.hidden_size, self.labels = hidden_size, list(labels)
        self.buckets, self.feature_dim, self.deep_size = buckets, feature_dim, deep_size
        self.gazetteer = gazetteer
        self.tags = bio_tags(self.labels)
        k = len(self.tags)
        self.dropout = nn.Dropout(dropout)
        self.deep = nn.Sequential(nn.Linear(hidden_size, deep_size), nn.Tanh(), nn.Linear(deep_size, k))
        self.features = nn.Embedding(buckets, feature_dim)
        nn.init.zeros_(self.features.weight)
        self.wide = nn.Linear(feature_dim, k)
        self.transitions = nn.Parameter(torch.zeros(k, k))
        self.start = nn.Parameter(torch.zeros(k))
        self.end = nn.Parameter(torch.zeros(k))
        pairs, start = bio_transition_mask(self.tags)
        self.register_buffer("pair_mask", pairs, persistent=False)
        self.register_buffer("start_mask", start, persistent=False)

    def config(self) -> dict:
        return {"hidden_size": self.hidden_size, "labels": self.labels, "buckets": self.buckets,
                "feature_dim": self.feature_dim, "deep_size": self.deep_size, "dropout": self.dropout.p,
                "gazetteer": self.gazetteer is not None}

    @classmethod
    def read_config(cls, folder: Path) -> dict:
        from .gazetteer import GAZETTEER_FILE, Gazetteer

        config = super().read_config(folder)
        config["gazetteer"] = Gazetteer.from_file(folder / GAZETTEER_FILE) if config.get("gazetteer") else None
        return config

    def save(self, folder: str | Path) -> None:
        from .gazetteer import GAZETTEER_FILE

        super().save(folder)
        if self.gazetteer is not None:
            self.gazetteer.to_file(Path(folder) / GAZETTEER_FILE)

    def feature_ids(self, text: str, offsets: Sequence[np.ndarray], sentence_starts: Sequence[int],
                    word_starts: np.ndarray, names: bool = True) -> np.ndarray:
        """[characters, templates] feature buckets of the sentences' tagged characters, back to
        back (see ``char_features.sentence_characters`` for the arguments). ``names=False``
        gives the features as if no listed name occurred (training's name dropout)."""
        return self._feature_variants(text, offsets, sentence_starts, word_starts, (names,))[0]

    def training_feature_ids(self, text: str, offsets: Sequence[np.ndarray], sentence_starts: Sequence[int],
                             word_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``feature_ids`` with and without the names, from one pass over the characters."""
        return self._feature_variants(text, offsets, sentence_starts, word_starts, (True, False))

    def _feature_variants(self, text, offsets, sentence_starts, word_starts, variants) -> list[np.ndarray]:
        from .char_features import char_feature_ids, gazetteer_feature_ids, sentence_characters

        codes, word_start, lengths = sentence_characters(text, offsets, sentence_starts, word_starts)
        features = char_feature_ids(codes, word_start, self.buckets, lengths)
        if self.gazetteer is None:
            return [features for _ in variants]
        out = []
        for names in variants:
            place = length = np.zeros((len(self.gazetteer.lists), len(codes)), dtype=np.int64)
            if names and len(codes):
                characters = codes.astype(np.uint32).tobytes().decode("utf-32-le")
                bounds = np.concatenate([[0], np.cumsum(lengths)])  # names never reach across sentences
                found = [self.gazetteer.places(characters[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
                place = np.concatenate([f[0] for f in found], axis=1)
                length = np.concatenate([f[1] for f in found], axis=1)
            out.append(np.concatenate([features, gazetteer_feature_ids(codes, place, length, self.buckets)], axis=1))
        return out

    def forward(self, states: torch.Tensor, feature_ids: torch.Tensor) -> torch.Tensor:
        """Tag scores [..., tags] from states [..., hidden] and feature ids [..., templates]."""
        wide = self.wide(self.dropout(self.features(feature_ids).sum(-2)))
        return self.deep(self.dropout(states)) + wide

    def crf_parameters(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Transitions, start and end scores with the pairs BIO forbids masked."""
        return self.transitions + self.pair_mask, self.start + self.start_mask, self.end

    def loss(self, states: torch.Tensor, feature_ids: torch.Tensor, mask: torch.Tensor,
             allowed: torch.Tensor) -> torch.Tensor:
        """Partial-label CRF loss of a padded batch ([B, T, ...]; ``allowed`` [B, T, tags])."""
        from .crf import partial_label_nll

        return partial_label_nll(self(states, feature_ids), mask, allowed, *self.crf_parameters())

    def decode(self, states: Sequence[np.ndarray], feature_ids: np.ndarray, offsets: Sequence[np.ndarray],
               chunk: int = 65536) -> list[list[tuple[int, int, str]]]:
        """Spans (offsets into each sentence) of the best tag sequence of each sentence.

        ``states``: each sentence's [characters, hidden] states; ``feature_ids``: [characters,
        templates] of all sentences back to back; ``offsets``: each sentence's tagged
        characters. Scores are computed for runs of sentences of at most ``chunk`` characters
        (memory stays bounded, however long the document or a sentence), then each sentence
        is decoded."""
        from .crf import tag_spans, viterbi

        with torch.inference_mode():
            transitions, start, end = (t.float().numpy() for t in self.crf_parameters())
        results: list[list[tuple[int, int, str]]] = []
        first = at = 0
        while first < len(states):
            last, size = first, 0
            while last < len(states) and (size == 0 or size + len(states[last]) <= chunk):
                size += len(states[last])
                last += 1
            parts = [np.asarray(s, dtype=np.float32).reshape(-1, self.hidden_size) for s in states[first:last]]
            run = parts[0] if len(parts) == 1 else np.concatenate(parts)
            with torch.inference_mode():  # a sentence longer than ``chunk`` is scored in slices
                scores = np.concatenate([
                    self(torch.from_numpy(run[i : i + chunk]),
                         torch.from_numpy(feature_ids[at + i : at + min(i + chunk, size)])).float().numpy()
                    for i in range(0, max(size, 1), chunk)])
            k = 0
            for o in offsets[first:last]:
                n = len(o)
                results.append(tag_spans(viterbi(scores[k : k + n], transitions, start, end), self.tags, o))
                k += n
            first, at = last, at + size
        return results


class EntityEnsemble(EntityHead):
    """Several ``EntityHead``s trained apart, read as one tagger: the mean of their tag scores
    and of their CRF parameters, decoded once.

    Heads trained on different data or in a different order memorise different n-grams in
    their hashed features and err on different names; their mean errs less (on the news and
    policy held-out sets it beat each member). The members share the name lists (saved
    once) and so the feature ids; their weights are stored as ``members.<i>.*``."""

    def __init__(self, members: Sequence[dict], gazetteer=None):
        Head.__init__(self)  # every weight lives in the members
        heads = [EntityHead(**{**config, "gazetteer": gazetteer}) for config in members]
        if not heads:
            raise ValueError("an ensemble needs at least one head")
        first = heads[0]
        for head in heads[1:]:
            if (head.hidden_size, head.labels, head.buckets) != (first.hidden_size, first.labels, first.buckets):
                raise ValueError("ensemble members must share hidden size, labels and feature buckets: "
                                 f"{(head.hidden_size, head.labels, head.buckets)} != "
                                 f"{(first.hidden_size, first.labels, first.buckets)}")
        self.hidden_size, self.labels, self.buckets = first.hidden_size, first.labels, first.buckets
        self.feature_dim, self.gazetteer, self.tags = first.feature_dim, gazetteer, first.tags
        self.members = nn.ModuleList(heads)

    @classmethod
    def of(cls, heads: Sequence[EntityHead]) -> "EntityEnsemble":
        """The ensemble of trained heads (their weights copied; an ensemble among them gives its
        members); they must read the same name lists."""
        heads = [m for head in heads for m in (head.members if isinstance(head, EntityEnsemble) else [head])]
        gazetteer = heads[0].gazetteer if heads else None
        for head in heads[1:]:
            if head.gazetteer != gazetteer:
                raise ValueError("ensemble members must read the same name lists")
        ensemble = cls([_member_config(head) for head in heads], gazetteer)
        for member, head in zip(ensemble.members, heads):
            member.load_state_dict(head.state_dict())
        return ensemble.eval()

    def config(self) -> dict:
        return {"members": [_member_config(m) for m in self.members], "gazetteer": self.gazetteer is not None}

    def forward(self, states: torch.Tensor, feature_ids: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(states, feature_ids) for m in self.members]).mean(0)

    def crf_parameters(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        parts = [m.crf_parameters() for m in self.members]
        return tuple(torch.stack(p).mean(0) for p in zip(*parts))


def _member_config(head: EntityHead) -> dict:
    """A member's constructor arguments without its name lists (the ensemble holds them once)."""
    return {k: v for k, v in head.config().items() if k != "gazetteer"}


def load_entity_head(folder: str | Path) -> EntityHead:
    """The tagger saved in ``folder``: an ``EntityEnsemble`` where its config lists members,
    an ``EntityHead`` otherwise."""
    config = Head.read_config(Path(folder))
    return (EntityEnsemble if "members" in config else EntityHead).load(folder)


__all__ = ["CharEncoder", "SentenceEncoding", "DirectiveHead", "EntityEnsemble", "EntityHead", "Head",
           "LexicalClassifier", "hashed_ngrams", "load_entity_head"]
