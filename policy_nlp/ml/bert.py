"""The BERT encoder in plain ``torch``, laid out as Hugging Face's ``BertModel``.

Why not ``transformers.BertModel``: importing transformers 5.x costs 2-4 s (it pulls in
``torch.distributed`` and its kernel hub) in every process that loads the pipeline, for a
4-layer, 192-wide encoder. This module has the same sub-module names (``embeddings``,
``encoder.layer.N.attention.self.query`` ...) and the same arithmetic (post-LayerNorm blocks,
exact GELU, scaled dot-product attention with padded keys masked), so it reads and writes
the ``config.json`` + ``model.safetensors`` folders that ``BertModel.save_pretrained`` writes
and that ``transformers`` reads back (pre-training still uses ``BertForMaskedLM``);
``tests/test_bert.py`` checks both give the same states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

CONFIG_NAME, WEIGHTS_NAME = "config.json", "model.safetensors"
IGNORED_WEIGHTS = ("pooler.",)  # written by BertModel(add_pooling_layer=True); no caller reads a pooled vector


@dataclass
class BertConfig:
    """The fields of Hugging Face's ``BertConfig`` that the encoder reads; the others in a
    ``config.json`` are kept in ``extra`` and written back unchanged."""

    vocab_size: int
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    extra: dict | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "BertConfig":
        if values.get("model_type", "bert") != "bert":
            raise ValueError(f"not a BERT config (model_type {values['model_type']!r})")
        if values.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"hidden_act {values['hidden_act']!r} is not supported (only 'gelu')")
        names = {f for f in cls.__dataclass_fields__ if f != "extra"}
        return cls(**{k: v for k, v in values.items() if k in names},
                   extra={k: v for k, v in values.items() if k not in names})

    def to_dict(self) -> dict[str, Any]:
        values = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "extra"}
        return {"model_type": "bert", "architectures": ["BertModel"], **(self.extra or {}), **values}


@dataclass
class EncoderOutput:
    """As ``transformers``' ``BaseModelOutput``: ``last_hidden_state`` [batch, length, hidden]."""

    last_hidden_state: torch.Tensor


class BertEmbeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        self.heads = config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, width = hidden.shape

        def split(x: torch.Tensor) -> torch.Tensor:  # [batch, heads, length, head width]
            return x.view(batch, length, self.heads, width // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(split(self.query(hidden)), split(self.key(hidden)),
                                                 split(self.value(hidden)), attn_mask=mask,
                                                 dropout_p=self.dropout_p if self.training else 0.0)
        return context.transpose(1, 2).reshape(batch, length, width)


class BertAddNorm(nn.Module):
    """Projection, dropout, residual and LayerNorm: transformers' ``BertSelfOutput`` (after
    attention, ``width`` = hidden size) and ``BertOutput`` (after the feed-forward layer,
    ``width`` = intermediate size) in one class; the weight names are the same."""

    def __init__(self, config: BertConfig, width: int):
        super().__init__()
        self.dense = nn.Linear(width, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertAddNorm(config, config.hidden_size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(hidden, mask), hidden)


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(hidden))


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertAddNorm(config, config.intermediate_size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        attended = self.attention(hidden, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layer:
            hidden = layer(hidden, mask)
        return hidden


class BertModel(nn.Module):
    """BERT without the pooler: token ids in, per-token states out."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        """As ``BertPreTrainedModel``: normal(0, 0.02) weights, zero biases, unit LayerNorms."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            module.weight.data[module.padding_idx].zero_()
        if isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                attention_mask: torch.Tensor | None = None) -> EncoderOutput:
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        # [batch, 1, 1, length]: every query may attend to the keys that are not padding.
        # An additive mask of the hidden states' dtype, as transformers builds it, so that
        # bfloat16 autocast and int8 layers see what they see there.
        hidden = self.embeddings(input_ids, token_type_ids)
        mask = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        return EncoderOutput(self.encoder(hidden, mask))

    @classmethod
    def from_pretrained(cls, path: str | Path) -> "BertModel":
        """Read a local ``save_pretrained`` folder (safetensors only; never a hub name)."""
        from safetensors.torch import load_file

        folder = Path(path)
        if not (folder / WEIGHTS_NAME).is_file():
            raise FileNotFoundError(f"no {WEIGHTS_NAME} in {folder}")
        config = BertConfig.from_dict(json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8")))
        weights = {k.removeprefix("bert."): v for k, v in load_file(str(folder / WEIGHTS_NAME)).items()
                   if not k.removeprefix("bert.").startswith(IGNORED_WEIGHTS)}
        model = cls(config)
        missing = set(model.state_dict()) - set(weights)
        unexpected = set(weights) - set(model.state_dict())
        if missing or unexpected:
            raise ValueError(f"{folder / WEIGHTS_NAME} does not fit the config: missing {sorted(missing)[:5]}, "
                             f"unexpected {sorted(unexpected)[:5]}")
        model.load_state_dict(weights)
        return model.eval()

    def save_pretrained(self, path: str | Path) -> None:
        """``config.json`` and ``model.safetensors`` as ``transformers`` writes and reads them."""
        from safetensors.torch import save_file

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CONFIG_NAME).write_text(json.dumps(self.config.to_dict(), indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(folder / WEIGHTS_NAME),
                  metadata={"format": "pt"})


__all__ = ["BertConfig", "BertModel", "EncoderOutput"]
