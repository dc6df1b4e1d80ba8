"""Breadth: how widely an idea or theme is shared (people, places, units, levels).

Person, place and kind are copied onto each pool entry when it joins, so these counts read
one table however large the round is.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from massline.ideas.models import IdeaKind
from massline.rounds.models import PoolEntry
from massline.struggles.models import Level


def breadth(prefix: str = "") -> dict[str, Count]:
    """Aggregates of a set of pool entries (`prefix` reaches them through a relation)."""
    p = prefix

    def count(field: str = "pk", distinct: bool = False, **where: object) -> Count:
        condition = Q(**{f"{p}{key}": value for key, value in where.items()}) if where else None
        return Count(f"{p}{field}", filter=condition, distinct=distinct)

    return {
        "n_ideas": count(),
        "n_people": count("person", distinct=True),
        "n_anonymous": count(person__isnull=True),
        "n_places": count("place", distinct=True),
        "n_units": count("unit", distinct=True),
        "n_advanced": count(level=Level.ADVANCED),
        "n_intermediate": count(level=Level.INTERMEDIATE),
        "n_backward": count(level=Level.BACKWARD),
        "n_objections": count(kind=IdeaKind.OBJECTION),
    }


def count_breadth(entries: QuerySet[PoolEntry]) -> dict[str, int]:
    return entries.aggregate(**breadth())
