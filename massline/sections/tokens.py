"""A person's section values at rest: keyed tokens, not value ids.

`PersonSection.token` is `vault.blind_index("section", "<dimension id>:<value id>")`: an HMAC
under a key derived from the master key, which never enters the database or its backups. The
database still counts by section (GROUP BY token), and this module maps the few tokens of
each dimension back to its values in Python.

Threat model, for someone who holds a copy of the database but not the master key:

- Hidden: which value a person carries. "Person 17 has token 3f9a… on dimension 4" does not
  say whether 3f9a… is "undocumented" or "citizen"; the value ids and labels are in the
  database, but without the key no token can be computed from them.
- Visible, as with the blind index of phone numbers: which dimensions a person has a value
  on, and equality across people ("17 and 42 share a value on dimension 4"). Whoever also
  knows one person's value learns everyone's who shares it, and a value's share of the people
  (the most common token is likely the most common value) may be guessed by frequency.
- The per-theme counts kept for the board (`ThemeSectionCount`) are by token too, so a theme
  raised by one person does not give their value away either.
- After a person is deleted their rows go with them; what the database files keep of the
  deleted rows (free pages, WAL) holds tokens that stop meaning anything once the master key
  is rotated (`massline rotate-key` re-tokens every row) and the old key destroyed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from massline import vault
from massline.sections.models import (
    Dimension,
    PersonSection,
    RaisedBy,
    SectionValue,
    ThemeSectionCount,
    ThemeTally,
)

KIND = "section"


def _text(dimension_id: int, value_id: int) -> str:
    return f"{dimension_id}:{value_id}"


def token_for(dimension_id: int, value_id: int) -> str:
    """The token written for a value now (under the current master key)."""
    return vault.blind_index(KIND, _text(dimension_id, value_id))


def tokens_for(dimension_id: int, value_id: int) -> list[str]:
    """Every token a value may be stored under while a key rotation is under way."""
    return vault.blind_indexes(KIND, _text(dimension_id, value_id))


def values_by_token(dimensions: Iterable[Dimension]) -> dict[str, SectionValue]:
    """Token -> value for the values of these dimensions, under every configured key.

    Uses the prefetched `values` when the dimensions carry them (dimensions have few values).
    """
    found: dict[str, SectionValue] = {}
    for dimension in dimensions:
        for value in dimension.values.all():
            for token in tokens_for(dimension.pk, value.pk):
                found[token] = value
    return found


@transaction.atomic
def retoken() -> int:
    """Move every stored token under the current master key (part of `massline rotate-key`).

    The kept per-theme tallies are dropped rather than re-tokened: the next view of each
    theme counts it afresh.
    """
    moved = 0
    for dimension_id, value_id in SectionValue.objects.values_list("dimension_id", "pk"):
        current, *older = tokens_for(dimension_id, value_id)
        if older:
            moved += PersonSection.objects.filter(
                dimension_id=dimension_id, token__in=older
            ).update(token=current)
    ThemeSectionCount.objects.all().delete()
    RaisedBy.objects.all().delete()
    ThemeTally.objects.all().delete()
    return moved
