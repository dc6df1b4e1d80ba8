"""Reads of people for lists and search, on top of the access rule."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from massline.people.models import Person
from massline.struggles.services import with_current_level


def search_people(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Match every word against names, and phone-looking input against phones."""
    match = Q()
    for word in text.split():
        match &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        # Phones are stored as + and digits, so a typed "(555) 123-4567" matches by digits.
        match |= Q(phone__contains=digits.removeprefix("00"))
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
