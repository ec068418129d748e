"""The task tagger (``ml.task_head.TaskHead``): rule features, the rules-first merge, a tiny
tagger trained for a few steps on written sentences that decodes valid spans and survives
save/load, and ``policy_tasks`` loading it from its folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from policy_nlp.labels import TASK_ROLES
from policy_nlp.ml.task_head import RULE_TEMPLATES, TaskHead, merge_task_spans, rule_tag_codes
from policy_nlp.text.tasks import task_spans

SENTENCES = [
    ("市发改委要会同市统计局加强投资统计监测，确保9月底前全部开工。",
     [("市发改委", "ACTOR"), ("市统计局", "ACTOR"), ("9月底前", "DEADLINE")]),
    ("各镇（街道）要在6月30日前完成摸底，签约项目不少于10个。",
     [("各镇（街道）", "ACTOR"), ("6月30日前", "DEADLINE"), ("不少于10个", "TARGET")]),
    ("县直各部门要确保年内办结率达到100%。", [("县直各部门", "ACTOR"), ("年内", "DEADLINE"), ("100%", "TARGET")]),
    ("我们要为企业做好服务。", []),
]
HIDDEN = 8


def gold(text, pieces):
    return tuple(sorted((text.index(p), text.index(p) + len(p), role) for p, role in pieces))


def rows_for(head):
    from policy_nlp.training.finetune import Example, allowed_tags

    rng = np.random.default_rng(0)
    rows = []
    for text, pieces in SENTENCES:
        offsets = np.stack([np.arange(len(text)), np.arange(1, len(text) + 1)], axis=1)
        example = Example(text, None, spans=gold(text, pieces), scope=TASK_ROLES)
        rows.append({"example": example, "offsets": offsets,
                     "states": rng.standard_normal((len(text), HIDDEN)).astype(np.float32),
                     "features": head.feature_ids(text, [offsets], [0], np.arange(len(text)),
                                                  rule_spans=[task_spans(text)]),
                     "allowed": allowed_tags(example, offsets, head.tags, torch)})
    return rows


@pytest.fixture(scope="module")
def trained():
    from policy_nlp.training.entity_tagger import collate

    torch.manual_seed(0)
    head = TaskHead(HIDDEN, TASK_ROLES, buckets=512, feature_dim=4, deep_size=16)
    rows = rows_for(head)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.05)
    first = None
    for _ in range(40):
        loss = head.loss(*collate(rows, head, torch))
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 4
    return head.eval(), rows


def decode(head, rows):
    return head.spans([r["states"] for r in rows], np.concatenate([r["features"] for r in rows]),
                      [r["offsets"] for r in rows], [task_spans(r["example"].text) for r in rows])


def test_rule_features_add_columns_and_need_rule_spans():
    head = TaskHead(HIDDEN, TASK_ROLES, buckets=512, feature_dim=4)
    text = SENTENCES[0][0]
    offsets = np.stack([np.arange(len(text)), np.arange(1, len(text) + 1)], axis=1)
    with_rules = head.feature_ids(text, [offsets], [0], np.arange(len(text)), rule_spans=[task_spans(text)])
    plain = TaskHead(HIDDEN, TASK_ROLES, buckets=512, feature_dim=4, rule_features=False)
    without = plain.feature_ids(text, [offsets], [0], np.arange(len(text)))
    assert with_rules.shape == (len(text), without.shape[1] + RULE_TEMPLATES)
    assert (with_rules[:, :without.shape[1]] == without).all() and with_rules.max() < 512
    with pytest.raises(ValueError):
        head.feature_ids(text, [offsets], [0], np.arange(len(text)))


def test_rule_tag_codes_mark_begin_and_inside():
    offsets = np.stack([np.arange(6), np.arange(1, 7)], axis=1)
    tags = rule_tag_codes([6], [offsets], [[(1, 3, "ACTOR"), (4, 6, "TARGET")]], TASK_ROLES)
    assert tags.tolist() == [0, 1, 2, 0, 5, 6]


def test_merge_keeps_rule_first_roles_and_fills_without_overlap():
    model = [(0, 4, "ACTOR"), (5, 8, "DEADLINE"), (10, 14, "TARGET")]
    rules = [(0, 3, "ACTOR"), (11, 13, "TARGET")]
    assert merge_task_spans(model, rules, ["ACTOR"]) == [(0, 3, "ACTOR"), (5, 8, "DEADLINE"), (10, 14, "TARGET")]
    assert merge_task_spans(model, rules, TASK_ROLES) == [(0, 3, "ACTOR"), (5, 8, "DEADLINE"), (11, 13, "TARGET")]
    assert merge_task_spans(model, [], TASK_ROLES) == model


def test_tiny_tagger_learns_valid_spans_and_round_trips(trained, tmp_path):
    head, rows = trained
    predicted = decode(head, rows)
    for (text, pieces), spans in zip(SENTENCES, predicted):
        for s, e, role in spans:
            assert 0 <= s < e <= len(text) and role in TASK_ROLES
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # in order, no overlaps
    assert sum(set(p) == set(gold(t, g)) for p, (t, g) in zip(predicted, SENTENCES)) >= 3
    head.save(tmp_path / "head")
    loaded = TaskHead.load(tmp_path / "head")
    assert loaded.rule_features and loaded.labels == list(TASK_ROLES)
    assert decode(loaded, rows) == predicted  # float16 storage keeps the decisions


def test_policy_tasks_reads_an_optional_head(trained, tmp_path):
    from policy_nlp.components.tasks import HEAD_DIR, PolicyTasks

    head, _ = trained
    component = PolicyTasks()
    component.from_disk(tmp_path / "absent")  # a pipeline saved without a head: the rules
    assert component.head is None
    component.to_disk(tmp_path / "rules_only")
    assert not (tmp_path / "rules_only" / HEAD_DIR).exists()
    head.save(tmp_path / "run" / "head")
    component.initialize(head_dir=tmp_path / "run" / "head")
    component.to_disk(tmp_path / "saved")
    again = PolicyTasks().from_disk(tmp_path / "saved")
    assert isinstance(again.head, TaskHead) and again.head.config() == head.config()
    restored = PolicyTasks().from_bytes(component.to_bytes())
    assert isinstance(restored.head, TaskHead)


def test_policy_tasks_runs_its_head_on_the_encoder_states(tiny_nlp):
    """On a (tiny, random) pipeline's Doc marked directive, the component decodes every
    directive sentence with its head: spans inside their sentences, token-aligned."""
    from policy_nlp.components.extensions import set_sentence_attr, trimmed_range
    from policy_nlp.components.tasks import PolicyTasks

    later = [p for p in ("policy_tasks", "policy_cleaner") if p in tiny_nlp.pipe_names]
    with tiny_nlp.select_pipes(disable=later):  # the Doc as policy_tasks receives it
        doc = tiny_nlp("一、扩大有效投资。市发改委要会同市统计局在9月底前完成，增长15%以上。各镇（街道）要抓好落实。")
    assert doc._.policy_states is not None
    for sent in doc._.sentences:
        set_sentence_attr(sent, "directive", True)
    torch.manual_seed(0)
    head = TaskHead(tiny_nlp.get_pipe("policy_encoder").encoder.hidden_size, TASK_ROLES, buckets=512,
                    feature_dim=4, deep_size=16)
    with torch.no_grad():
        head.deep[2].bias[1:] += 3.0  # a random head that does tag something
    component = PolicyTasks(head=head)
    found = component.spans(doc)
    assert set(found) == {trimmed_range(s) for s in doc._.sentences}
    assert any(found.values())
    for (start, end), spans in found.items():
        assert all(start <= s < e <= end and role in TASK_ROLES for s, e, role in spans)
    doc = component(doc)
    for sent in doc._.sentences:
        for attr in ("actors", "deadlines", "targets"):
            assert all(sent.start_char <= span.start_char < span.end_char <= sent.end_char
                       for span in getattr(sent._, attr))
    assert PolicyTasks(head=head, use_model=False).spans(doc) == PolicyTasks().spans(doc)
