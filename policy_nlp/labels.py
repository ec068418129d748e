"""The label sets of the contract (``../shared/ANNOTATION.md``, ``TASKS.md``), in one place."""

AREAS = ("invest", "business_env", "consumption", "livelihood", "safety", "other")
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "DATE", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "EVENT", "LAW",
                 "PROGRAM", "INDICATOR", "INDUSTRY")
TASK_ROLES = ("ACTOR", "DEADLINE", "TARGET")

__all__ = ["AREAS", "ENTITY_LABELS", "TASK_ROLES"]
