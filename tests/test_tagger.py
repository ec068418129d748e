"""The entity tagger's parts: hashed character features and the CRF (checked against brute force)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from policy_nlp.ml.char_features import N_TEMPLATES, char_feature_ids, sentence_characters, text_codes
from policy_nlp.ml.crf import FORBIDDEN, bio_tags, bio_transition_mask, log_partition, partial_label_nll, tag_spans, viterbi
from policy_nlp.ml.modeling import EntityEnsemble, EntityHead, load_entity_head


# ---------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------

def _starts(n, starts):
    flags = np.zeros(n, dtype=bool)
    flags[list(starts)] = True
    return flags


def test_features_are_deterministic_and_in_range():
    codes = text_codes("区发改局局长王建国出席会议")
    ids = char_feature_ids(codes, _starts(len(codes), [0, 4, 6, 9, 11]), 4096)
    assert ids.shape == (len(codes), N_TEMPLATES) and ids.dtype == np.int64
    assert ids.min() >= 0 and ids.max() < 4096
    assert np.array_equal(ids, char_feature_ids(codes, _starts(len(codes), [0, 4, 6, 9, 11]), 4096))
    assert char_feature_ids(codes[:0], np.zeros(0, bool), 4096).shape == (0, N_TEMPLATES)
    with pytest.raises(ValueError, match="lengths"):
        char_feature_ids(codes, _starts(len(codes), [0]), 4096, lengths=[3, 4])


def test_features_read_the_window_and_the_words():
    a = char_feature_ids(text_codes("张书记说"), _starts(4, [0, 1, 3]), 1 << 20)
    b = char_feature_ids(text_codes("李书记说"), _starts(4, [0, 1, 3]), 1 << 20)
    # 书 at index 1: its own character is the same, its left neighbour is not.
    assert a[1, 0] == b[1, 0] and a[1, 1] != b[1, 1]
    # Another segmentation changes the word templates only.
    c = char_feature_ids(text_codes("张书记说"), _starts(4, [0, 3]), 1 << 20)
    assert np.array_equal(a[:, :13], c[:, :13]) and not np.array_equal(a[:, 13:19], c[:, 13:19])


def test_sentences_back_to_back_get_their_features_alone():
    first, second = "王建国在北京", "区发改局要加快"
    alone = [char_feature_ids(text_codes(t), _starts(len(t), s), 1 << 20)
             for t, s in ((first, [0, 3, 4]), (second, [0, 4, 5]))]
    joined = first + second
    together = char_feature_ids(text_codes(joined), _starts(len(joined), [3, 4, 6 + 4, 6 + 5]), 1 << 20,
                                lengths=[len(first), len(second)])
    assert np.array_equal(together, np.concatenate(alone))


def test_sentence_characters_skip_what_the_encoder_skips():
    text = "一、 王建国\n在北京"
    offsets = [np.array([[0, 1], [1, 2]]), np.array([[0, 1], [1, 2], [2, 3]]), np.array([[0, 1], [1, 2], [2, 3]])]
    codes, word_start, lengths = sentence_characters(text, offsets, [0, 3, 7], np.array([0, 1, 3, 7, 8]))
    assert "".join(map(chr, codes)) == "一、王建国在北京"
    assert word_start.tolist() == [True, True, True, False, False, True, True, False]
    assert lengths.tolist() == [2, 3, 3]


def test_full_width_letters_and_digits_count_as_ascii():
    assert np.array_equal(char_feature_ids(text_codes("ＡＢ２０２３年"), _starts(7, [0, 2]), 4096),
                          char_feature_ids(text_codes("ab2023年"), _starts(7, [0, 2]), 4096))


# ---------------------------------------------------------------------------
# CRF, against enumeration of every tag sequence
# ---------------------------------------------------------------------------

TAGS = bio_tags(["PERSON", "ORG"])


def _brute_force(emissions, transitions, start, end):
    """(log Z, best path) by enumerating every sequence."""
    n, k = emissions.shape
    scores = {}
    for path in itertools.product(range(k), repeat=n):
        s = start[path[0]] + end[path[-1]] + sum(emissions[t, path[t]] for t in range(n))
        s += sum(transitions[path[t - 1], path[t]] for t in range(1, n))
        scores[path] = float(s)
    values = np.array(list(scores.values()))
    log_z = values.max() + np.log(np.exp(values - values.max()).sum())
    return log_z, max(scores, key=scores.get), scores


def _random_crf(seed, k):
    g = torch.Generator().manual_seed(seed)
    pairs, start_mask = bio_transition_mask(TAGS)
    return (torch.randn((k, k), generator=g) + pairs, torch.randn(k, generator=g) + start_mask,
            torch.randn(k, generator=g), g)


def test_log_partition_with_padding_and_viterbi_match_enumeration():
    k = len(TAGS)
    transitions, start, end, g = _random_crf(0, k)
    lengths = [3, 1, 2]
    emissions = torch.randn((3, 3, k), generator=g)
    mask = torch.tensor([[t < n for t in range(3)] for n in lengths])
    log_z = log_partition(emissions, mask, transitions, start, end)
    for i, n in enumerate(lengths):
        path = viterbi(emissions[i, :n].numpy(), transitions.numpy(), start.numpy(), end.numpy())
        expected_z, expected_path, _ = _brute_force(emissions[i, :n].numpy(), transitions.numpy(), start.numpy(),
                                                    end.numpy())
        assert log_z[i].item() == pytest.approx(expected_z, abs=1e-4)
        assert tuple(path.tolist()) == expected_path


def test_partial_label_loss_is_the_likelihood_of_the_allowed_sequences():
    k = len(TAGS)
    transitions, start, end, g = _random_crf(1, k)
    emissions = torch.randn((1, 3, k), generator=g)
    mask = torch.ones((1, 3), dtype=torch.bool)
    log_z, _, scores = _brute_force(emissions[0].numpy(), transitions.numpy(), start.numpy(), end.numpy())
    gold = (TAGS.index("B-PERSON"), TAGS.index("I-PERSON"), 0)
    one = torch.zeros((1, 3, k), dtype=torch.bool)
    for t, tag in enumerate(gold):
        one[0, t, tag] = True
    loss = partial_label_nll(emissions, mask, one, transitions, start, end)
    assert loss.item() == pytest.approx(log_z - scores[gold], abs=1e-4)
    # Two tags allowed at the last character: the loss sums both sequences' probabilities.
    two = one.clone()
    two[0, 2, TAGS.index("B-ORG")] = True
    both = np.logaddexp(scores[gold], scores[gold[:2] + (TAGS.index("B-ORG"),)])
    assert partial_label_nll(emissions, mask, two, transitions, start, end).item() == pytest.approx(log_z - both, abs=1e-4)
    # Everything allowed: nothing to learn.
    everything = torch.ones((1, 3, k), dtype=torch.bool)
    assert partial_label_nll(emissions, mask, everything, transitions, start, end).item() == pytest.approx(0, abs=1e-5)


def test_viterbi_never_opens_with_an_inside_tag():
    k = len(TAGS)
    pairs, start = bio_transition_mask(TAGS)
    emissions = np.full((3, k), -5.0, dtype=np.float32)
    for t, tag in enumerate(["O", "I-ORG", "I-ORG"]):  # the best tags alone form an invalid sequence
        emissions[t, TAGS.index(tag)] = 5.0
    emissions[1, TAGS.index("B-ORG")] = 4.0
    path = viterbi(emissions, pairs.numpy(), start.numpy(), np.zeros(k, np.float32))
    assert [TAGS[i] for i in path] == ["O", "B-ORG", "I-ORG"]
    assert pairs[TAGS.index("O"), TAGS.index("I-ORG")] == FORBIDDEN


def test_tag_spans_use_character_offsets():
    offsets = np.array([[0, 1], [1, 2], [3, 4], [4, 5], [5, 6]])  # a space at 2 has no token
    path = [TAGS.index(t) for t in ["B-PERSON", "I-PERSON", "B-ORG", "I-ORG", "I-PERSON"]]
    assert tag_spans(path, TAGS, offsets) == [(0, 2, "PERSON"), (3, 5, "ORG"), (5, 6, "PERSON")]


# ---------------------------------------------------------------------------
# The head
# ---------------------------------------------------------------------------

def test_entity_head_round_trip_and_batch_independence(tmp_path):
    torch.manual_seed(0)
    head = EntityHead(8, ["PERSON", "ORG"], buckets=512, feature_dim=4)
    with torch.no_grad():
        for p in head.parameters():
            p.normal_()
    head.eval()
    texts = ["王建国在北京", "区发改局", "一"]
    offsets = [np.array([[i, i + 1] for i in range(len(t))]) for t in texts]
    states = [np.random.default_rng(i).normal(size=(len(t), 8)).astype(np.float32) for i, t in enumerate(texts)]
    features = [head.feature_ids(t, [o], [0], np.array([0])) for t, o in zip(texts, offsets)]
    together = head.decode(states, np.concatenate(features), offsets)
    assert head.decode(states, np.concatenate(features), offsets, chunk=4) == together  # scored in several runs
    alone = [head.decode([s], f, [o])[0] for s, f, o in zip(states, features, offsets)]
    assert together == alone and any(together)
    head.save(tmp_path / "h")
    again = EntityHead.load(tmp_path / "h")
    assert again.config() == head.config()
    assert again.decode(states, np.concatenate(features), offsets) == together  # float16 storage
    assert sorted(p.name for p in (tmp_path / "h").iterdir()) == ["head.safetensors", "head_config.json"]
    assert head.decode([], np.zeros((0, N_TEMPLATES), np.int64), []) == []
    assert head.decode([states[0][:0]], np.zeros((0, N_TEMPLATES), np.int64), [offsets[0][:0]]) == [[]]


def _random_head(seed: int, buckets: int = 512, gazetteer=None) -> EntityHead:
    torch.manual_seed(seed)
    head = EntityHead(8, ["PERSON", "ORG"], buckets=buckets, feature_dim=4, gazetteer=gazetteer)
    with torch.no_grad():
        for p in head.parameters():
            p.normal_()
    return head.eval()


def test_ensemble_decodes_the_mean_of_its_members_scores(tmp_path):
    heads = [_random_head(1), _random_head(2)]
    ensemble = EntityEnsemble.of(heads)
    texts = ["王建国在北京开会", "区发改局和市委组织部"]
    offsets = [np.array([[i, i + 1] for i in range(len(t))]) for t in texts]
    states = [np.random.default_rng(i).normal(size=(len(t), 8)).astype(np.float32) for i, t in enumerate(texts)]
    features = np.concatenate([ensemble.feature_ids(t, [o], [0], np.array([0])) for t, o in zip(texts, offsets)])
    assert (features == np.concatenate([heads[0].feature_ids(t, [o], [0], np.array([0]))
                                        for t, o in zip(texts, offsets)])).all()
    with torch.no_grad():
        x, f = torch.from_numpy(np.concatenate(states)), torch.from_numpy(features)
        mean = (heads[0](x, f) + heads[1](x, f)) / 2
        torch.testing.assert_close(ensemble(x, f), mean)
        transitions, start, end = ((a + b) / 2 for a, b in zip(heads[0].crf_parameters(), heads[1].crf_parameters()))
    expected, at = [], 0
    for o in offsets:
        path = viterbi(mean[at : at + len(o)].numpy(), transitions.numpy(), start.numpy(), end.numpy())
        expected.append(tag_spans(path, ensemble.tags, o))
        at += len(o)
    decoded = ensemble.decode(states, features, offsets)
    assert decoded == expected and any(decoded)
    assert decoded != heads[0].decode(states, features, offsets) or decoded != heads[1].decode(states, features, offsets)
    # one member: the head itself
    assert EntityEnsemble.of(heads[:1]).decode(states, features, offsets) == heads[0].decode(states, features, offsets)
    # saved once, read back as an ensemble by load_entity_head; an ensemble among the members gives its members
    ensemble.save(tmp_path / "e")
    again = load_entity_head(tmp_path / "e")
    assert isinstance(again, EntityEnsemble) and len(again.members) == 2 and again.config() == ensemble.config()
    assert again.decode(states, features, offsets) == decoded  # float16 storage
    assert len(EntityEnsemble.of([again, heads[0]]).members) == 3
    heads[0].save(tmp_path / "h")
    assert type(load_entity_head(tmp_path / "h")) is EntityHead


def test_ensemble_members_must_read_the_same_features():
    from policy_nlp.ml.gazetteer import Gazetteer

    with pytest.raises(ValueError, match="buckets"):
        EntityEnsemble.of([_random_head(1), _random_head(2, buckets=1024)])
    with pytest.raises(ValueError, match="name lists"):
        EntityEnsemble.of([_random_head(1), _random_head(2, gazetteer=Gazetteer({"PERSON": ["王建国"]}))])
    with pytest.raises(ValueError, match="at least one"):
        EntityEnsemble.of([])


def test_assembling_with_several_entity_runs_ships_their_ensemble(tmp_path):
    from policy_nlp.training.pipeline import replace_parts

    neural = tmp_path / "neural"
    (neural / "entities").mkdir(parents=True)
    runs = [tmp_path / "run_a", tmp_path / "run_b"]
    for seed, run in enumerate(runs):
        _random_head(seed).save(run / "head")
    replace_parts(neural, entities=runs[:1])
    assert type(load_entity_head(neural / "entities")) is EntityHead
    replace_parts(neural, entities=runs)
    shipped = load_entity_head(neural / "entities")
    assert isinstance(shipped, EntityEnsemble) and len(shipped.members) == 2
    with pytest.raises(SystemExit, match="run_c"):
        replace_parts(neural, entities=[runs[0], tmp_path / "run_c"])
    with pytest.raises(SystemExit, match="no encoder"):
        replace_parts(None, entities=runs)
