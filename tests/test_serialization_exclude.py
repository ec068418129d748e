"""Components' ``to_disk``/``from_disk`` honour ``exclude`` as spaCy's own components do."""

from __future__ import annotations

import policy_nlp


def test_entities_and_directives_leave_out_excluded_parts(nlp, tmp_path):
    entities, directives = nlp.get_pipe("policy_entities"), nlp.get_pipe("policy_directives")
    entities.to_disk(tmp_path / "ents", exclude=["head"])
    assert not (tmp_path / "ents" / "head").exists() and (tmp_path / "ents" / "entity_patterns.json").exists()
    directives.to_disk(tmp_path / "dirs", exclude=["lexical"])
    assert not (tmp_path / "dirs" / "lexical").exists() and (tmp_path / "dirs" / "head").exists()

    path = policy_nlp.default_model_path()
    rules_only = type(entities)().from_disk(path / "policy_entities", exclude=["head"])
    assert rules_only.head is None and rules_only.rules.patterns == entities.rules.patterns
    neural_only = type(directives)().from_disk(path / "policy_directives", exclude=["lexical"])
    assert neural_only.lexical is None and neural_only.head is not None and directives.lexical is not None
