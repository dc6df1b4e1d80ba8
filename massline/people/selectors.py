"""Reads of people for lists and search, on top of the access rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
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
    text = text.strip()
    # An email or a phone number is looked up by its blind index alone: no name holds an "@"
    # or six digits, and matching the names too would read two trigram indexes for nothing.
    if "@" in text:
        return people.filter(contact_match(email=text))
    if sum(ch.isdigit() for ch in text) >= 6:
        return people.filter(contact_match(phone=text))
    match = Q()
    for word in text.split():
        match &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
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


# The people list counts matches up to this many and then says "more than"; past it, counting
# exactly would read every row of a large organization on every request.
COUNT_LIMIT = 10_000
LIST_ORDER = ("last_name", "first_name", "id")
# What the people list shows of each person, and nothing more: the encrypted contacts and
# notes stay unread, and the names of the place and unit come as plain values (`place_name`,
# `unit_name`), not as objects: a row then costs a third of a whole person, unit and place.
LIST_FIELDS = ("first_name", "last_name", "last_contact_at")
LIST_NAMES = {"place_name": F("place__name"), "unit_name": F("unit__name")}


@dataclass
class PeoplePage:
    """One page of the people list, read by keyset (after/before a person in name order)
    rather than by offset, so a page deep in a million people costs the same as the first."""

    people: list[Person]
    count: int
    has_previous: bool
    has_next: bool

    @property
    def count_is_bounded(self) -> bool:
        """True when there are more than COUNT_LIMIT matches (`count` is then not exact)."""
        return self.count > COUNT_LIMIT

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT

    @property
    def first_pk(self) -> int | None:
        return self.people[0].pk if self.people else None

    @property
    def last_pk(self) -> int | None:
        return self.people[-1].pk if self.people else None


def bounded_count(people: QuerySet[Person], limit: int = COUNT_LIMIT) -> int:
    """How many people match, counting no further than `limit` + 1."""
    return people.order_by().values("pk")[: limit + 1].count()


def _beyond(anchor: dict, *, ascending: bool) -> Q:
    """People after (or before) `anchor` in name order, as (last, first, id) > anchor's. The
    redundant leading condition lets the database start its index scan at the anchor."""
    op = "gt" if ascending else "lt"
    last, first, pk = anchor["last_name"], anchor["first_name"], anchor["id"]
    return Q(**{f"last_name__{op}e": last}) & (
        Q(**{f"last_name__{op}": last})
        | Q(last_name=last, **{f"first_name__{op}": first})
        | Q(last_name=last, first_name=first, **{f"id__{op}": pk})
    )


def people_page(
    people: QuerySet[Person], *, after: int | None = None, before: int | None = None, size: int
) -> PeoplePage:
    """The `size` people of `people` in name order that follow person `after` (or precede
    person `before`; the first page if neither is given or that person is not in `people`).

    The page is chosen by a narrow query (ids only, which the name-order index answers and
    stops after one page); then only those rows are read, by id, and only what the list shows
    of them (LIST_FIELDS, LIST_NAMES). The ids are read first, not as a subquery: given one,
    PostgreSQL read every person of the member's units to join them with the page.
    """
    backwards = before is not None and after is None
    anchor_pk = before if backwards else after
    anchor = people.filter(pk=anchor_pk).values(*LIST_ORDER).first() if anchor_pk else None
    ascending = not (backwards and anchor)
    order = LIST_ORDER if ascending else tuple(f"-{name}" for name in LIST_ORDER)
    chosen = people.order_by(*order)
    if anchor:
        chosen = chosen.filter(_beyond(anchor, ascending=ascending))
    ids = list(chosen.values_list("pk", flat=True)[: size + 1])
    # an empty page still asks (for nobody), so every page costs the same queries
    page = Q(pk__in=ids) if ids else Q(pk__isnull=True)
    rows = list(
        people.filter(page)
        .select_related(None)
        .only(*LIST_FIELDS)
        .annotate(**LIST_NAMES)
        .order_by(*order)
    )
    more = len(rows) > size
    # the first page that holds every match has counted them: a search finding a few people
    # is not run a second time to count them
    count = len(rows) if anchor is None and not more else bounded_count(people)
    rows = rows[:size] if ascending else rows[:size][::-1]
    return PeoplePage(
        people=rows,
        count=count,
        has_previous=anchor is not None if ascending else more,
        has_next=more if ascending else True,
    )
