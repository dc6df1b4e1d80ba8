"""Reading the first rows of a long, ordered list without reading the whole list.

A page of people sorted by level or by last contact has to be sorted among thousands. Sorting
whole rows (joined to their data keys, places and organizers) made PostgreSQL fetch and join
every one of them first; sorting only their ids, which an index can give without touching the
table, and then reading the page's rows whole costs a small fraction of that.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

_M = TypeVar("_M", bound=Model)


def first_rows(rows: QuerySet[_M], size: int, start: int = 0) -> list[_M]:
    """`size` rows of an ordered queryset from the `start`th, with its annotations and
    related rows: their ids in order first, then those rows whole."""
    ids = list(rows.values_list("pk", flat=True)[start : start + size])
    found = {row.pk: row for row in rows.order_by().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]
