"""Reads of people for lists and search, on top of the access rule."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from massline.people.models import Person
from massline.people.normalize import normalize_email, normalize_phone
from massline.struggles.services import with_current_level
from massline.vault import blind_indexes


def _indexes(kind: str, normalize, raw: str) -> list[str]:
    try:
        value = normalize(raw or "")
    except ValidationError:
        return []
    return blind_indexes(kind, value)


def contact_match(*, phone: str = "", email: str = "") -> Q:
    """The condition "has this phone or this email" (exact, after normalisation), as a Q on
    Person, for querysets that need it combined with other conditions."""
    match = Q(pk__in=[])
    phone_indexes = _indexes("phone", normalize_phone, phone)
    email_indexes = _indexes("email", normalize_email, email)
    if phone_indexes:
        match |= Q(phone_index__in=phone_indexes)
    if email_indexes:
        match |= Q(email_index__in=email_indexes)
    return match


def find_by_contact(
    people: QuerySet[Person], *, phone: str = "", email: str = ""
) -> QuerySet[Person]:
    """People in `people` with this phone or this email: THE way to find people by contact.

    Phones and emails are encrypted, so this matches exactly on their blind index (a keyed
    hash of the normalised value) under every configured master key. Input is normalised
    here, however it was typed; input that is not a phone or email matches nobody. Pass an
    access-filtered queryset (massline.access.visible_people) so nothing unseen is found.
    """
    return people.filter(contact_match(phone=phone, email=email))


def search_people(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Match every word against names; a whole phone number or email matches exactly.

    Contacts are encrypted, so there is no partial match on them: "(555) 123-4567" finds the
    person whose phone is +5551234567, "555" alone finds nobody by phone.
    """
    match = Q()
    for word in text.split():
        match &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    text = text.strip()
    if "@" in text:
        match |= contact_match(email=text)
    elif sum(ch.isdigit() for ch in text) >= 6:
        match |= contact_match(phone=text)
    return people.filter(match)


def filter_people(people: QuerySet[Person], criteria: dict) -> QuerySet[Person]:
    """Apply the people-list filters (already validated by PeopleFilterForm)."""
    if criteria.get("q"):
        people = search_people(people, criteria["q"])
    if criteria.get("unit"):
        people = people.filter(unit__path__startswith=criteria["unit"].path)
    if criteria.get("place"):
        people = people.filter(place=criteria["place"])
    struggle = criteria.get("struggle")
    if struggle:
        people = with_current_level(people, struggle)
        level = criteria.get("level")
        if level == "none":
            people = people.filter(current_level__isnull=True)
        elif level:
            people = people.filter(current_level=level)
    contact = criteria.get("contact")
    now = timezone.now()
    if contact in ("7", "30"):
        people = people.filter(last_contact_at__gte=now - timedelta(days=int(contact)))
    elif contact == "stale30":
        people = people.filter(
            Q(last_contact_at__lt=now - timedelta(days=30)) | Q(last_contact_at__isnull=True)
        )
    elif contact == "never":
        people = people.filter(last_contact_at__isnull=True)
    return people.select_related("place", "unit", "responsible")
