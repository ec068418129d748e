"""How ``policy_directives`` combines the neural head, the lexical model and the neighbouring
sentences, and how the lexical model is fitted, saved and assembled."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

import policy_nlp
from policy_nlp.components.directives import NO_MIXING, TEMPERATURES, WEIGHTS, PolicyDirectives, combine_scores, neighbour_mean
from policy_nlp.ml.modeling import LexicalClassifier
from policy_nlp.training.datasets import SentenceExample
from policy_nlp.labels import AREAS

WRITTEN = [
    ("要加快推进重点项目建设，确保早开工早投产。", "invest", True),
    ("全区完成固定资产投资XX亿元，重点项目加快建设。", "invest", False),
    ("要深化“放管服”改革，优化营商环境。", "business_env", True),
    ("全区新增市场主体XX户，营商环境持续优化。", "business_env", False),
    ("要促进消费回升，办好各类促消费活动。", "consumption", True),
    ("社会消费品零售总额增长XX%，消费市场回暖。", "consumption", False),
    ("要做好就业、教育、医疗等民生工作。", "livelihood", True),
    ("城镇新增就业XX人，民生保障有力。", "livelihood", False),
    ("要抓好安全生产，坚决遏制重特大事故。", "safety", True),
    ("全区安全生产形势总体平稳，未发生较大事故。", "safety", False),
    ("各级干部要改进作风，狠抓工作落实。", "other", True),
    ("下面，我讲几点意见。", "other", False),
]


def written_examples(repeat: int = 3):
    return [SentenceExample(t, None, a, d, "synthetic", f"doc{k}") for k in range(repeat) for t, a, d in WRITTEN]


def test_neighbour_mean_uses_the_one_neighbour_at_the_edges():
    scores = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.0, 1.0]])
    mean = neighbour_mean(scores)
    assert mean.tolist() == [[0.0, 1.0], [0.75, 0.25], [0.0, 1.0], [0.5, 0.5]]
    assert neighbour_mean(scores[:1]).tolist() == [[1.0, 0.0]]


def test_combined_scores_stay_probabilities():
    torch.manual_seed(0)
    neural = (torch.softmax(torch.randn(5, 6), -1), torch.rand(5))
    lexical = (torch.softmax(torch.randn(5, 6), -1), torch.rand(5))
    mixing = {**NO_MIXING, "lexical_area": 0.45, "lexical_directive": 0.65, "context_area": 0.5, "context_directive": 0.2}
    area, directive = combine_scores(neural, lexical, mixing)
    assert area.sum(-1).tolist() == pytest.approx([1.0] * 5, abs=1e-6)
    assert ((directive >= 0) & (directive <= 1)).all()
    # Temperatures sharpen (< 1) without changing the winner or which side of 0.5 a score is on.
    sharp_area, sharp_directive = combine_scores(neural, lexical, {**mixing, "area_temperature": 0.5,
                                                                   "directive_temperature": 0.5})
    assert sharp_area.sum(-1).tolist() == pytest.approx([1.0] * 5, abs=1e-6)
    assert torch.equal(sharp_area.argmax(-1), area.argmax(-1))
    assert (sharp_area.max(-1).values > area.max(-1).values).all()
    assert torch.equal(sharp_directive >= 0.5, directive >= 0.5)
    assert ((sharp_directive - 0.5).abs() >= (directive - 0.5).abs()).all()
    # Without weights the neural probabilities pass through unchanged.
    same_area, same_directive = combine_scores(neural, lexical, NO_MIXING)
    assert torch.equal(same_area, neural[0]) and torch.equal(same_directive, neural[1])
    # A lone sentence has no neighbours: only the lexical share moves it.
    one_area, _ = combine_scores((neural[0][:1], neural[1][:1]), (lexical[0][:1], lexical[1][:1]), mixing)
    assert one_area[0].tolist() == pytest.approx((0.55 * neural[0][0] + 0.45 * lexical[0][0]).tolist(), abs=1e-6)


def test_shipped_pipeline_has_the_lexical_model(nlp):
    pipe = nlp.get_pipe("policy_directives")
    assert pipe.lexical is not None and pipe.lexical.labels == list(AREAS)
    assert all(0 < pipe.mixing[key] < 1 for key in WEIGHTS)
    assert all(pipe.mixing[key] > 0 for key in TEMPERATURES)


def test_neighbours_pull_a_sentence_to_its_passage(nlp):
    """A vague sentence inside a safety passage leans to safety more than it does alone."""
    vague = "要把各项工作抓实抓细。"
    passage = ("要全面开展安全生产隐患排查整治。" + vague + "要坚决遏制重特大事故发生，确保人民群众生命财产安全。")
    alone = nlp(vague)._.sentences[0]._.area_scores["safety"]
    inside = nlp(passage)._.sentences[1]
    assert inside.text == vague
    assert inside._.area_scores["safety"] > alone + 0.1


def test_a_document_scores_the_same_in_any_batch(nlp):
    """Neighbours come from the document only: batching documents together changes nothing."""
    texts = ["要抓好安全生产。要加快项目建设。", "要促进消费。", "下面，我讲几点意见。要做好就业工作。"]
    alone = [[s._.area_scores for s in nlp(t)._.sentences] for t in texts]
    batched = [[s._.area_scores for s in d._.sentences] for d in nlp.pipe(texts, batch_size=3)]
    assert batched == alone


def test_fitted_lexical_model_learns_and_round_trips(tmp_path):
    from policy_nlp.training.lexical import fit_lexical

    model = fit_lexical(written_examples(), AREAS, buckets=2 ** 12)
    texts = [t for t, _, _ in WRITTEN]
    paths = [[]] * len(texts)  # no headings above these sentences
    area, directive = model.probabilities(texts, paths)
    assert [AREAS[i] for i in area.argmax(-1).tolist()] == [a for _, a, _ in WRITTEN]
    assert (directive >= 0.5).tolist() == [d for _, _, d in WRITTEN]
    model.save(tmp_path / "lexical")
    again = LexicalClassifier.load(tmp_path / "lexical")
    assert again.weights.weight.dtype == torch.float32  # stored in float16, computed in float32
    again_area, again_directive = again.probabilities(texts, paths)
    assert torch.allclose(again_area, area, atol=2e-3) and torch.allclose(again_directive, directive, atol=2e-3)


def test_fit_lexical_needs_every_area():
    from policy_nlp.training.lexical import fit_lexical

    examples = [e for e in written_examples() if e.area != "safety"]
    with pytest.raises(ValueError, match="safety"):
        fit_lexical(examples, AREAS, buckets=2 ** 10)


def test_assemble_and_bytes_carry_the_lexical_model(tiny_parts, tmp_path):
    from policy_nlp.pipeline import assemble
    from policy_nlp.training.lexical import fit_lexical

    parts = tmp_path / "parts"
    shutil.copytree(tiny_parts, parts)
    fit_lexical(written_examples(), AREAS, buckets=2 ** 10).save(parts / "lexical")
    mixing = {"lexical_area": 0.5, "lexical_directive": 0.5, "context_area": 0.25, "context_directive": 0.0}
    (parts / "mixing.json").write_text(json.dumps(mixing))  # no temperatures: they default to 1
    mixing = {**NO_MIXING, **mixing}
    assemble(policy_nlp.default_model_path() / "tokenizer" / "segmenter", tmp_path / "pipeline", parts)
    nlp = policy_nlp.load(tmp_path / "pipeline")
    pipe = nlp.get_pipe("policy_directives")
    assert pipe.mixing == mixing and pipe.lexical is not None
    copy = PolicyDirectives().from_bytes(pipe.to_bytes())
    assert copy.mixing == mixing
    text = "要抓好安全生产。"
    assert torch.equal(copy.lexical.probabilities([text], [[]])[0], pipe.lexical.probabilities([text], [[]])[0])


def test_bad_mixing_file_is_a_clear_error(tmp_path):
    folder = tmp_path / "policy_directives"
    shutil.copytree(policy_nlp.default_model_path() / "policy_directives", folder)
    (folder / "mixing.json").write_text('{"lexical_area": 1.5, "lexical_directive": 0, "context_area": 0, "context_directive": 0}')
    with pytest.raises(ValueError, match="lexical_area must lie between 0 and 1"):
        PolicyDirectives().from_disk(folder)
    (folder / "mixing.json").write_text('{"lexical_area": 0.5}')
    with pytest.raises(ValueError, match="lack"):
        PolicyDirectives().from_disk(folder)
    (folder / "mixing.json").write_text(json.dumps({**NO_MIXING, "directive_temperature": 0}))
    with pytest.raises(ValueError, match="directive_temperature must be positive"):
        PolicyDirectives().from_disk(folder)


def test_review_headings_make_sentences_descriptive(nlp):
    """ANNOTATION.md §2: a review passage describes results, though in the verbs of tasks."""
    body = "\n我们实施减税降费政策，加快推进重点项目建设。\n深化“放管服”改革，优化营商环境。"
    review = nlp("一、2020年工作回顾" + body)._.sentences[1:]
    tasks = nlp("三、2021年重点工作" + body)._.sentences[1:]
    assert [s._.section_path for s in review] == [["一、2020年工作回顾"]] * 2
    assert [s._.directive for s in review] == [False, False]
    assert [s._.directive for s in tasks] == [True, True]
    # A heading that also announces tasks is no review heading.
    mixed = nlp("一、2020年工作回顾和2021年工作安排" + body)._.sentences[2]
    assert mixed._.directive


def test_review_feature_is_learnt_from_the_headings():
    from policy_nlp.training.lexical import fit_lexical

    sentence = "加快推进重点项目建设，深化“放管服”改革。"
    examples = written_examples() + [
        SentenceExample(sentence, None, "invest", heading.endswith("重点工作"), "synthetic", f"r{k}",
                        section_path=(heading,))
        for k in range(6) for heading in ("一、2020年工作回顾", "三、2021年重点工作")]
    model = fit_lexical(examples, AREAS, buckets=2 ** 12)
    assert float(model.review.detach()) < 0
    _, directive = model.probabilities([sentence, sentence], [["一、2020年工作回顾"], ["三、2021年重点工作"]])
    assert directive[0] < 0.5 < directive[1]
    with pytest.raises(ValueError, match="section path"):
        model.probabilities([sentence])
