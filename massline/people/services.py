"""Writes to people: creation with duplicate checks, edits that never silently overwrite, and
deletion that really deletes (crypto-shredding)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet

from massline.organization.models import Member
from massline.people.models import Person, SealedIdentity
from massline.vault import sealed_attributes


class ConcurrentEditError(Exception):
    """Someone else saved this person after the editor opened the form."""


def duplicates_of(people: QuerySet[Person], *, phone: str, email: str) -> QuerySet[Person]:
    """People in `people` sharing a normalised phone or email with the given ones."""
    from massline.people.selectors import find_by_contact

    return find_by_contact(people, phone=phone, email=email)


def _sealed_columns(person: Person, changes: dict[str, object]) -> dict[str, object]:
    """Turn plaintext changes to encrypted attributes into their column values."""
    sealed = {attribute.name: attribute for attribute in sealed_attributes(Person)}
    columns: dict[str, object] = {}
    for name in [name for name in changes if name in sealed]:
        setattr(person, name, changes.pop(name))
        for column in sealed[name].columns():
            columns[column] = getattr(person, column)
    return columns


@transaction.atomic
def update_person(person: Person, changes: dict[str, object], expected_version: int) -> Person:
    """Save `changes` only if nobody else saved the person since `expected_version` was read.

    The check and the write are one UPDATE, so two organizers saving at the same moment cannot
    both win. `changes` may name the encrypted attributes (phone, email, address,
    sensitive_notes) with plaintext values; they are encrypted here.
    """
    changes = dict(changes)
    changes.update(_sealed_columns(person, changes))
    person.store_pending_key()
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


@transaction.atomic
def forget_person(person: Person) -> None:
    """Delete a person for good: their record, their sealed identity and their data key.

    Databases keep deleted rows in their files for a while (free pages, WAL, dead tuples);
    what was encrypted under the person's key stays unreadable there because the key itself
    is gone. The key's own deleted copy is wrapped by the master key; after the next
    `massline rotate-key` the old master key is gone too.
    """
    Person.objects.filter(pk=person.pk).delete()


@transaction.atomic
def seal_identity(
    person: Person, *, by: Member, data: dict, keepers: list[Member], expected_version: int
) -> SealedIdentity:
    """Put the person under a pseudonym and their real identity in the sealed part.

    The contacts leave the open record (and its blind index), so no search, duplicate check
    or export finds the person by them. `by` always stays a keeper. An edit made against an
    old version of the sealed part is refused rather than overwriting someone else's.
    """
    sealed, created = SealedIdentity.objects.select_for_update().get_or_create(person=person)
    if not created and sealed.version != expected_version:
        raise ConcurrentEditError(
            "Someone else changed the sealed identity while you were editing. "
            "Your changes were not saved: reload to see theirs, then edit again."
        )
    sealed.person = person
    for name in ("real_name", "phone", "email", "address", "notes"):
        setattr(sealed, name, data.get(name, ""))
    if not created:
        sealed.version += 1
    sealed.save()
    sealed.keepers.set({*keepers, by})
    person.first_name = data["pseudonym_first_name"]
    person.last_name = data.get("pseudonym_last_name", "")
    person.is_pseudonym = True
    person.phone = person.email = person.address = ""
    person.version += 1
    person.save()
    return sealed
