"""News NER sets mapped to ANNOTATION.md labels, and the partial-label loss that trains on them."""

from __future__ import annotations

import json

import pytest
import torch

from policy_nlp.training.finetune import Example, allowed_tags, partial_label_loss
from policy_nlp.training.ner_data import bio_spans, read_cluener, read_peoples_daily
from policy_nlp.ml.crf import bio_tags


def test_bio_spans():
    assert bio_spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG", "O"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG")]


def test_peoples_daily_format(tmp_path):
    path = tmp_path / "pd.txt"
    path.write_text("江 B-LOC\n泽 B-PER\n民 I-PER\n访 O\n\n国 B-ORG\n务 I-ORG\n院 I-ORG\n", encoding="utf-8")
    examples = read_peoples_daily(path)
    assert [(e.text, e.spans) for e in examples] == [("江泽民访", [(0, 1, "GPE"), (1, 3, "PERSON")]),
                                                    ("国务院", [(0, 3, "ORG")])]


def test_cluener_mapping_keeps_the_administrative_part(tmp_path):
    path = tmp_path / "cluener" / "train.json"
    path.parent.mkdir()
    row = {"text": "浙江省杭州市西湖区文三路的阿里巴巴张三说", "label": {
        "address": {"浙江省杭州市西湖区文三路": [[0, 11]]}, "company": {"阿里巴巴": [[13, 16]]}, "name": {"张三": [[17, 18]]}}}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    (example,) = read_cluener(path)
    assert example.spans == [(0, 9, "GPE"), (13, 17, "ORG"), (17, 19, "PERSON")]
    assert example.ignore == [(9, 12)]


def test_peoples_daily_test_is_never_training_data(shared):
    from policy_nlp.training.ner_data import ner_training_examples, peoples_daily_test

    from policy_nlp.training.ner_data import normalised

    train = {normalised(e.text) for e in ner_training_examples(shared, with_msra_train=True)}
    test = [e.text for e in peoples_daily_test(shared)]
    assert len(test) == 4636
    # MSRA validation repeats 208 of them verbatim, 283 once spaces, punctuation and width are set aside: left out
    assert not any(normalised(t) in train for t in test)


def test_msra_held_out_tenth_is_never_training_data(shared):
    """The benchmark's MSRA tenth is the tenth entity training holds out: no sentence of it is trained on."""
    from policy_nlp.training.entity_tagger import training_examples
    from policy_nlp.training.ner_data import msra_train_heldout, news_heldout, normalised, read_msra_train

    held = msra_train_heldout(shared)
    assert 0.08 < len(held) / len(read_msra_train(shared)) < 0.12 and all(news_heldout(e.text) for e in held)
    train, _ = training_examples(shared, with_msra_train=True)
    trained = {normalised(e.text) for e in train}
    assert not any(normalised(e.text) in trained for e in held)


def test_leak_filter():
    from policy_nlp.training.ner_data import leak_filter, news_heldout

    leaks = leak_filter(["江泽民在北京会见了美国总统克林顿，双方进行了友好的交谈。", "１９９７年"])
    assert leaks("江泽民在北京会见了美国总统克林顿 双方进行了友好的交谈")  # spaces and punctuation aside
    assert leaks("1997年")  # full-width digits in the test set
    assert leaks("会见了美国总统克林顿，双方进行了友好的谈话")  # a shared 15-character stretch
    assert not leaks("李鹏在上海会见了日本首相。")
    assert news_heldout("１９９７年，") == news_heldout("1997年")


def test_partial_labels():
    tags = bio_tags(["PERSON", "GPE", "DATE"])
    example = Example("习近平在2023年", spans=((0, 3, "PERSON"),), scope=("PERSON", "GPE"))
    offsets = [(i, i + 1) for i in range(len(example.text))]
    allowed = allowed_tags(example, offsets, tags, torch)
    names = lambda row: {tags[i] for i in row.nonzero().flatten().tolist()}  # noqa: E731
    assert names(allowed[0]) == {"B-PERSON"} and names(allowed[1]) == {"I-PERSON"}
    # Outside the news set's labels a character may be O or any DATE tag, never PERSON/GPE.
    assert names(allowed[4]) == {"O", "B-DATE", "I-DATE"}
    logits = torch.randn(len(offsets), len(tags))
    everything = torch.ones_like(allowed)
    assert partial_label_loss(logits, everything, torch).item() == pytest.approx(0.0, abs=1e-6)
    one_hot = torch.zeros_like(allowed)
    one_hot[:, 0] = True
    expected = torch.nn.functional.cross_entropy(logits, torch.zeros(len(offsets), dtype=torch.long))
    assert partial_label_loss(logits, one_hot, torch).item() == pytest.approx(expected.item(), rel=1e-5)


def test_held_out_scores_from_logits():
    from policy_nlp.training.finetune import logit_scores

    area = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    macro, directive, accuracy = logit_scores(area, torch.tensor([0, 1, 1]), torch.tensor([1.0, -1.0, 1.0]),
                                              torch.tensor([1.0, 0.0, 0.0]))
    assert (macro, directive, accuracy) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
