"""Writes to people: creation with duplicate checks and edits that never silently overwrite."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q, QuerySet

from massline.people.models import Person


class ConcurrentEditError(Exception):
    """Someone else saved this person after the editor opened the form."""


def duplicates_of(people: QuerySet[Person], *, phone: str, email: str) -> QuerySet[Person]:
    """People in `people` sharing a normalised phone or email with the given ones."""
    match = Q(pk__in=[])
    if phone:
        match |= Q(phone=phone)
    if email:
        match |= Q(email=email)
    return people.filter(match)


@transaction.atomic
def update_person(person: Person, changes: dict[str, object], expected_version: int) -> Person:
    """Save `changes` only if nobody else saved the person since `expected_version` was read.

    The check and the write are one UPDATE, so two organizers saving at the same moment cannot
    both win.
    """
    updated = Person.objects.filter(pk=person.pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        raise ConcurrentEditError(
            "Someone else changed this person while you were editing. "
            "Your changes were not saved: reload to see theirs, then edit again."
        )
    person.refresh_from_db()
    return person
