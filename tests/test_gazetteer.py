"""Name lists: where listed words are found, the file format, and the head that reads them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from policy_nlp.ml.char_features import N_TEMPLATES, gazetteer_feature_ids, text_codes
from policy_nlp.ml.gazetteer import BEGIN, END, INSIDE, NONE, Gazetteer
from policy_nlp.ml.modeling import EntityHead

LISTS = {"PERSON": ["费孝通", "李鹏"], "GPE": ["北京", "北京市", "加纳", "京沪"], "ORG": ["北京市政府", "新华社"]}


def _marks(place_row):
    return "".join(".BIE"[p] for p in place_row)


def test_places_mark_the_longest_listed_word_per_list():
    g = Gazetteer(LISTS)
    text = "李鹏在北京市政府会见费孝通"
    place, length = g.places(text)
    assert g.lists == ("PERSON", "GPE", "ORG")
    assert _marks(place[0]) == "BE........BIE"
    assert _marks(place[1]) == "...BIE......."  # 北京市 covers 北京
    assert _marks(place[2]) == "...BIIIE....."
    assert list(length[2][3:8]) == [5] * 5 and length[2][0] == 0
    assert (place[:, 2] == NONE).all()


def test_overlapping_words_of_one_list_the_longer_then_the_earlier_wins():
    g = Gazetteer({"GPE": ["北京", "京沪", "沪杭"]})
    place, _ = g.places("北京沪杭")
    # each character takes its place in the longest word covering it, the earliest on a tie:
    # 京 is in 北京 (not 京沪), 沪 in 京沪 (not 沪杭), 杭 only in 沪杭
    assert list(place[0]) == [BEGIN, END, END, END]
    place, _ = g.places("京沪线")
    assert list(place[0]) == [BEGIN, END, NONE]
    g = Gazetteer({"ORG": ["中国人民银行", "人民"]})
    assert list(g.places("中国人民银行行长")[0][0]) == [BEGIN] + [INSIDE] * 4 + [END, NONE, NONE]


def test_empty_text_and_a_word_in_two_lists():
    g = Gazetteer({"PERSON": ["华盛顿"], "GPE": ["华盛顿"]})
    place, length = g.places("")
    assert place.shape == (2, 0) and length.shape == (2, 0)
    place, _ = g.places("华盛顿")
    assert _marks(place[0]) == _marks(place[1]) == "BIE"


def test_file_round_trip_and_errors(tmp_path):
    g = Gazetteer(LISTS, header=["made for a test"])
    g.to_file(tmp_path / "g.txt")
    lines = (tmp_path / "g.txt").read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["# made for a test", "## PERSON", "李鹏", "费孝通"]
    again = Gazetteer.from_file(tmp_path / "g.txt")
    assert again == g and again.header == ["made for a test"] and len(again) == 8
    (tmp_path / "bad.txt").write_text("## GPE\n北京 市\n", encoding="utf-8")
    with pytest.raises(ValueError, match="one word per line"):
        Gazetteer.from_file(tmp_path / "bad.txt")
    (tmp_path / "words_only.txt").write_text("北京\n上海\n", encoding="utf-8")
    with pytest.raises(ValueError, match="## LIST"):
        Gazetteer.from_file(tmp_path / "words_only.txt")


def test_gazetteer_features_depend_on_the_marks_and_the_character():
    g = Gazetteer(LISTS)
    text = "李鹏到加纳见李鹏"
    place, length = g.places(text)
    ids = gazetteer_feature_ids(text_codes(text), place, length, 4096)
    assert ids.shape == (8, 3 + 2) and ids.min() >= 0 and ids.max() < 4096
    assert np.array_equal(ids[0], ids[6])  # the same listed name, the same features
    assert ids[0, 0] != ids[3, 0] and ids[0, 1] != ids[3, 1] and ids[0, 3] != ids[3, 3]  # person vs place
    assert ids[2, 3] == ids[5, 3] and ids[2, 4] != ids[5, 4]  # 到 and 见: both unlisted, different characters
    assert np.array_equal(ids, gazetteer_feature_ids(text_codes(text), place, length, 4096))


def test_entity_head_with_names_saves_them_and_keeps_sentences_apart(tmp_path):
    torch.manual_seed(0)
    head = EntityHead(8, ["PERSON", "GPE"], buckets=512, feature_dim=4, gazetteer=Gazetteer(LISTS))
    text = "我见北。京沪线"
    offsets = [np.array([[i, i + 1] for i in range(4)]), np.array([[i, i + 1] for i in range(3)])]
    together = head.feature_ids(text, offsets, [0, 4], np.array([0, 2, 4, 5]))
    assert together.shape == (7, N_TEMPLATES + 5)
    alone = np.concatenate([head.feature_ids(text[:4], offsets[:1], [0], np.array([0, 2])),
                            head.feature_ids(text[4:], offsets[1:], [0], np.array([0, 1]))])
    assert np.array_equal(together, alone)  # 北。京 is not 北京, 。京沪 stays 京沪
    head.save(tmp_path / "h")
    assert sorted(p.name for p in (tmp_path / "h").iterdir()) == ["gazetteer.txt", "head.safetensors", "head_config.json"]
    again = EntityHead.load(tmp_path / "h")
    assert again.gazetteer == head.gazetteer and again.config() == head.config()
    assert np.array_equal(again.feature_ids(text, offsets, [0, 4], np.array([0, 2, 4, 5])), together)
    assert head.feature_ids("", [], [], np.array([], dtype=np.int64)).shape == (0, N_TEMPLATES + 5)
    # names=False: the features of a head whose lists are empty
    unnamed = head.feature_ids(text, offsets, [0, 4], np.array([0, 2, 4, 5]), names=False)
    blank = EntityHead(8, ["PERSON", "GPE"], buckets=512, feature_dim=4,
                       gazetteer=Gazetteer({name: [] for name in LISTS}))
    assert np.array_equal(unnamed, blank.feature_ids(text, offsets, [0, 4], np.array([0, 2, 4, 5])))
    assert np.array_equal(unnamed[:, :N_TEMPLATES], together[:, :N_TEMPLATES])
    assert not np.array_equal(unnamed, together)
    named_again, unnamed_again = head.training_feature_ids(text, offsets, [0, 4], np.array([0, 2, 4, 5]))
    assert np.array_equal(named_again, together) and np.array_equal(unnamed_again, unnamed)


def test_training_batches_show_the_chosen_sentences_without_names():
    from policy_nlp.training.entity_tagger import collate

    head = EntityHead(4, ["PERSON"], buckets=64, feature_dim=2, gazetteer=Gazetteer(LISTS))
    rows = []
    for i, text in enumerate(["李鹏到", "加纳"]):
        offsets = np.array([[k, k + 1] for k in range(len(text))])
        words = np.array([0])
        rows.append({"offsets": offsets, "states": np.full((len(text), 4), float(i), dtype=np.float32),
                     "features": head.feature_ids(text, [offsets], [0], words),
                     "unnamed_features": head.feature_ids(text, [offsets], [0], words, names=False),
                     "allowed": torch.ones((len(text), len(head.tags)), dtype=torch.bool)})
    states, features, mask, _ = collate(rows, head, torch, unnamed=frozenset({1}))
    assert features.shape == (2, 3, N_TEMPLATES + 5) and mask.sum().item() == 5
    assert np.array_equal(features[0, :3].numpy(), rows[0]["features"])
    assert np.array_equal(features[1, :2].numpy(), rows[1]["unnamed_features"])
    assert not np.array_equal(rows[1]["features"], rows[1]["unnamed_features"])  # 加纳 is listed


def test_name_lists_from_a_jieba_format_dictionary(tmp_path):
    from policy_nlp.training.gazetteer import gazetteer_from_jieba

    (tmp_path / "dict.txt").write_text(
        "费孝通 5 nr\n奥尔布赖特 3 nrt\n加纳 20 ns\n新华社 40 nt\n华盛顿 9 ns\n华盛顿 9 nrt\n"
        "李 100 nr\n中华人民共和国国务院办公厅 3 nt\n发展 500 v\n北京\n", encoding="utf-8")
    g = gazetteer_from_jieba(tmp_path / "dict.txt")
    assert g.lists == ("PERSON", "GPE", "ORG")
    # 李 (one character), the 13-character office, verbs and malformed lines are left out
    assert g.words == {"费孝通": (0,), "奥尔布赖特": (0,), "加纳": (1,), "新华社": (2,), "华盛顿": (0, 1)}
    assert "sha256" in g.header[0] and "jieba" in g.header[0]


def test_division_names_from_jionlp_layout():
    from policy_nlp.training.gazetteer import division_names

    text = ("上海市\t310000\t上海\n\t上海市\t310000\t上海\n\t\t嘉定区\t310114\t嘉定\n\t\t\t华亭镇\n"
            "\t\t\t\t北新村\n\t\t\t\t华亭村\n云南省\t530000\t云南\n\t临沧市\t530900\t临沧\n")
    # full names down to townships, short names down to counties, villages left out, no repeats
    assert division_names(text) == ["上海市", "上海", "嘉定区", "嘉定", "华亭镇", "云南省", "云南", "临沧市", "临沧"]
