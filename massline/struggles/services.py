"""Reads and writes of assessments: the history of each person's level on each struggle."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from massline.organization.models import Member
from massline.people.models import Person
from massline.struggles.models import SCORE_TO_LEVEL, Assessment, Struggle


def level_for(level: str | None, score: int | None) -> str:
    """The level an organizer chose, or the one their 1-5 score reads as."""
    if level:
        return level
    if score is None:
        raise ValueError("An assessment needs a level or a score.")
    return SCORE_TO_LEVEL[score]


def record_assessments(
    people: Iterable[Person],
    struggle: Struggle,
    *,
    level: str | None,
    score: int | None,
    by: Member,
    note: str = "",
) -> list[Assessment]:
    """Add a dated assessment; earlier ones stay as history."""
    chosen = level_for(level, score)
    return Assessment.objects.bulk_create(
        Assessment(
            person=person, struggle=struggle, level=chosen, score=score, assessed_by=by, note=note
        )
        for person in people
    )


def latest_level(
    struggle: Struggle,
    *,
    person: OuterRef | None = None,
    until: object = None,
    before: object = None,
) -> Subquery:
    """A person's latest level on `struggle` as a subquery, optionally as it stood at a moment
    (`until` inclusive, `before` exclusive; a datetime or an outer reference).

    `person` is the outer reference to the person (the outer row itself by default).
    """
    history = Assessment.objects.filter(person=person or OuterRef("pk"), struggle=struggle)
    if until is not None:
        history = history.filter(assessed_at__lte=until)
    if before is not None:
        history = history.filter(assessed_at__lt=before)
    return Subquery(history.order_by("-assessed_at", "-id").values("level")[:1])


def with_current_level(people: QuerySet[Person], struggle: Struggle) -> QuerySet[Person]:
    """Annotate each person with their latest level on `struggle` (None if never assessed)."""
    return people.annotate(current_level=latest_level(struggle))
