"""A visual check of a processed Doc: displaCy entity HTML, one block per sentence with its area and directive flag.

``policy_nlp.render(doc)`` returns a whole HTML page (``page=False``: a fragment to embed,
e.g. in a notebook). Each sentence is rendered with displaCy's ``ent`` style in manual mode
(entity offsets relative to the sentence), under a line naming its policy area, the
area's probability, and whether it is a directive. Text is escaped by displaCy.
"""

from __future__ import annotations

import html

from spacy import displacy
from spacy.tokens import Doc

from ..labels import ENTITY_LABELS as LABELS

# One colour per label, in displaCy's pastel style.
COLORS = dict(zip(LABELS, (
    "#f9c0c0", "#a6e3e9", "#c3f0ca", "#ffe7a3", "#d7c4f2", "#b8e0d2", "#f2d0a9",
    "#e0e0e0", "#f6b6e2", "#bcd4f6", "#d6f5a8", "#ffd1dc", "#cfe8ff",
)))
AREA_COLORS = {"invest": "#1f77b4", "business_env": "#2ca02c", "consumption": "#ff7f0e",
               "livelihood": "#9467bd", "safety": "#d62728", "other": "#7f7f7f"}

_STYLE = """
.pnlp-sent { margin: 0.6em 0 1.2em; border-left: 4px solid var(--area); padding-left: 0.8em; }
.pnlp-meta { font: 12px/1.4 sans-serif; color: #444; margin-bottom: 0.2em; }
.pnlp-area { color: var(--area); font-weight: bold; }
.pnlp-directive { background: #222; color: #fff; border-radius: 3px; padding: 0 0.4em; margin-left: 0.5em; }
.pnlp-section { color: #888; margin-left: 0.5em; }
.pnlp-sent .entities { line-height: 2.2 !important; }
"""


def _sentence_meta(sent) -> str:
    area = sent._.area
    if area is None:
        return '<div class="pnlp-meta">(no policy_directives in this pipeline)</div>'
    parts = [f'<span class="pnlp-area">{html.escape(area)}</span> {sent._.area_scores[area]:.2f}']
    if sent._.directive:
        parts.append(f'<span class="pnlp-directive">directive {sent._.directive_score:.2f}</span>')
    else:
        parts.append(f'<span class="pnlp-section">descriptive {sent._.directive_score:.2f}</span>')
    if sent._.section and sent._.section != sent.text:
        parts.append(f'<span class="pnlp-section">§ {html.escape(sent._.section[:40])}</span>')
    return '<div class="pnlp-meta">' + " ".join(parts) + "</div>"


def render(doc: Doc, *, page: bool = True, title: str = "policy_nlp") -> str:
    """HTML of ``doc``: per sentence its area, directive flag and entities (displaCy ``ent`` style)."""
    if not isinstance(doc, Doc):
        raise TypeError(f"render expects a spaCy Doc, got {type(doc).__name__}")
    blocks = []
    entities, k = list(doc.ents), 0  # both in text order: one pass over the entities
    for sent in doc._.sentences:
        while k < len(entities) and entities[k].start_char < sent.start_char:
            k += 1
        ents = []
        while k < len(entities) and entities[k].end_char <= sent.end_char:
            e = entities[k]
            ents.append({"start": e.start_char - sent.start_char, "end": e.end_char - sent.start_char, "label": e.label_})
            k += 1
        body = displacy.render({"text": sent.text, "ents": ents, "title": None}, style="ent", manual=True,
                               page=False, jupyter=False, options={"colors": COLORS})
        color = AREA_COLORS.get(sent._.area or "other", "#7f7f7f")
        blocks.append(f'<div class="pnlp-sent" style="--area: {color}" data-start="{sent.start_char}" '
                      f'data-end="{sent.end_char}">{_sentence_meta(sent)}{body}</div>')
    fragment = f"<style>{_STYLE}</style>" + "\n".join(blocks)
    if not page:
        return fragment
    return ('<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>"
            f'<body style="font-family: sans-serif; max-width: 60em; margin: 2em auto">{fragment}</body></html>')


__all__ = ["render", "COLORS", "AREA_COLORS"]
