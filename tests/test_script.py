"""Traditional-script text is read through its simplified twin, with offsets and span.text in
the original script (policy_nlp.text.script)."""

from __future__ import annotations

import pytest

from policy_nlp.text.script import is_traditional, model_text, t2s_table, to_simplified

SIMPLIFIED = ("同志们：\n一、坚定不移抓项目、扩投资\n今年以来，全区固定资产投资完成XX亿元，同比增长12.5%。\n"
              "各镇街和区发改局要在6月底前完成XX个重点项目开工，确保全年投资增长15%以上。\n"
              "二、守牢安全发展底线\n要深入开展安全生产隐患排查整治，坚决遏制重特大事故发生。\n")
TRADITIONAL = ("同志們：\n一、堅定不移抓項目、擴投資\n今年以來，全區固定資產投資完成XX億元，同比增長12.5%。\n"
               "各鎮街和區發改局要在6月底前完成XX個重點項目開工，確保全年投資增長15%以上。\n"
               "二、守牢安全發展底線\n要深入開展安全生產隱患排查整治，堅決遏制重特大事故發生。\n")


def test_table_is_one_to_one_and_maps_the_twin():
    table = t2s_table()
    assert len(table) > 4000 and all(len(v) == 1 for v in table.values())
    assert to_simplified(TRADITIONAL) == SIMPLIFIED
    assert is_traditional(TRADITIONAL) and not is_traditional(SIMPLIFIED)
    assert model_text(SIMPLIFIED) is SIMPLIFIED  # simplified text is never touched
    assert not is_traditional("乾隆年间的於姓人家。" * 3 + "要加快推进项目建设。" * 30)  # a few rare characters


def test_traditional_speech_reads_like_its_simplified_twin(nlp):
    simplified, traditional = nlp(SIMPLIFIED), nlp(TRADITIONAL)
    assert traditional.text == TRADITIONAL
    assert [(s.start_char, s.end_char) for s in traditional._.sentences] == \
        [(s.start_char, s.end_char) for s in simplified._.sentences]
    assert [(s._.area, s._.directive) for s in traditional.sents] == [(s._.area, s._.directive) for s in simplified.sents]
    for a, b in zip(traditional._.sentences, simplified._.sentences):
        assert a._.area_scores == pytest.approx(b._.area_scores, abs=1e-6)
    assert [(e.start_char, e.end_char, e.label_) for e in traditional.ents] == \
        [(e.start_char, e.end_char, e.label_) for e in simplified.ents]
    assert "區發改局" in [e.text for e in traditional.ents]  # span.text stays in the original script
    assert "XX億元" in [e.text for e in traditional.ents]
    assert [t.idx for t in traditional] == [t.idx for t in simplified]
    assert traditional._.outline[0]["text"] == "一、堅定不移抓項目、擴投資"
