"""Breadth and reception by section, counted by the database and suppressed before display.

Every count leaves here as a `suppression.Cell`; the templates, and anything that exports or
serves these numbers, render `Cell.visible_count` or "fewer than N", never `Cell.count`.
The database groups by token (a person's value as stored: see `tokens`); the few tokens of
each dimension are mapped back to its values here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from massline import access
from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.rounds.models import Line, LineVersion, PoolEntry, Reception, Response, Round, Theme
from massline.sections import tally
from massline.sections.models import (
    DEFAULT_MINIMUM_CELL,
    Dimension,
    PersonSection,
    SectionRules,
    SectionValue,
    ThemeSectionCount,
)
from massline.sections.suppression import Cell, suppress
from massline.sections.tokens import values_by_token

UNKNOWN = None
# Receptions "diverge sharply" when the share that agrees differs by this many points or more
# between two sections (each large enough to be shown).
DIVERGENCE_POINTS = 40


@dataclass
class Row:
    dimension: Dimension
    cells: list[Cell]


@dataclass
class Breakdown:
    total: int
    minimum: int
    rows: list[Row] = field(default_factory=list)
    too_close_to: str = ""  # a nested breakdown it could be differenced against

    @property
    def too_small(self) -> bool:
        return self.total < self.minimum

    @property
    def shown(self) -> bool:
        return bool(self.rows) and not self.too_small and not self.too_close_to


def minimum_cell(organization_id: int) -> int:
    rules = SectionRules.objects.filter(unit_id=organization_id).values_list(
        "minimum_cell", flat=True
    )
    return rules.first() or DEFAULT_MINIMUM_CELL


def dimensions_for(member: Member, unit: Unit) -> list[Dimension]:
    """The dimensions of the unit's organization this member may see breakdowns by."""
    return list(
        access.visible_dimensions(member)
        .filter(unit_id=access.organization_id(unit))
        .prefetch_related("values")
        .order_by("position", "name")
    )


def _rows(
    dimensions: list[Dimension],
    total: int,
    known: dict[int, dict[int, int]],
    minimum: int,
) -> list[Row]:
    """Turn raw counts (dimension id -> value id -> people) into suppressed rows."""
    rows = []
    for dimension in dimensions:
        by_value = known.get(dimension.pk, {})
        counts: list[tuple[int | None, str, int]] = [
            (value.pk, value.label, by_value.get(value.pk, 0)) for value in dimension.values.all()
        ]
        counts.append((UNKNOWN, "", total - sum(by_value.values())))
        rows.append(Row(dimension, suppress(counts, minimum)))
    return rows


def _by_value(
    dimensions: list[Dimension], counts: Iterable[tuple[int, str, int]]
) -> dict[int, dict[int, int]]:
    """(dimension id, token, n) -> dimension id -> value id -> n; a token of no current value
    (of a value since deleted) is left out, so those people count as unknown."""
    values = values_by_token(dimensions)
    known: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for dimension_id, token, n in counts:
        value = values.get(token)
        if value is not None and value.dimension_id == dimension_id:
            known[dimension_id][value.pk] += n
    return known


def theme_breakdowns(member: Member, round_: Round, themes: list[Theme]) -> dict[int, Breakdown]:
    """Who raised each theme, by section, from the kept tallies (`tally`): a few rows per
    theme however many people raised it, brought up to date with the pool first."""
    dimensions = dimensions_for(member, round_.leading_unit)
    if not dimensions or not themes:
        return {}
    minimum = minimum_cell(access.organization_id(round_.leading_unit))
    totals = tally.sync_themes([theme.pk for theme in themes])
    rows: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for theme_id, dimension_id, token, n in ThemeSectionCount.objects.filter(
        theme_id__in=totals, dimension__in=dimensions, people__gt=0
    ).values_list("theme_id", "dimension_id", "token", "people"):
        rows[theme_id].append((dimension_id, token, n))
    result = {}
    for theme in themes:
        breakdown = Breakdown(total=totals.get(theme.pk, 0), minimum=minimum)
        if not breakdown.too_small:
            known = _by_value(dimensions, rows.get(theme.pk, []))
            breakdown.rows = _rows(dimensions, breakdown.total, known, minimum)
        result[theme.pk] = breakdown
    return result


def people_breakdown(
    dimensions: list[Dimension], people: QuerySet[Person], minimum: int
) -> Breakdown:
    """One population (a queryset of people), by section, counted in the database."""
    ids = people.values("pk")
    total = people.order_by().distinct().count()
    breakdown = Breakdown(total=total, minimum=minimum)
    if breakdown.too_small or not dimensions:
        return breakdown
    counts = (
        PersonSection.objects.filter(person_id__in=ids, dimension__in=dimensions)
        .values_list("dimension_id", "token")
        .annotate(n=Count("id"))
        .order_by()
    )
    breakdown.rows = _rows(dimensions, total, _by_value(dimensions, counts), minimum)
    return breakdown


def provenance_people(version: LineVersion) -> QuerySet[Person]:
    """The people whose ideas a line version answers: its themes' and its own ideas."""
    entry_ids = list(version.entries.values_list("pk", flat=True))
    entries = PoolEntry.objects.filter(
        Q(theme__in=version.themes.all()) | Q(pk__in=entry_ids) | Q(merged_into__in=entry_ids),
        person__isnull=False,
    )
    return Person.objects.filter(pk__in=entries.values("person_id"))


@dataclass
class LineSections:
    breakdown: Breakdown | None
    one_section: list[tuple[Dimension, SectionValue]]
    divergent: list[tuple[Dimension, list[tuple[str, int]]]]


def line_sections(member: Member, line: Line, version: LineVersion) -> LineSections:
    """The line's provenance by section, and the two warnings the line page gives."""
    round_ = line.round
    dimensions = dimensions_for(member, round_.leading_unit)
    if not dimensions:
        return LineSections(None, [], [])
    minimum = minimum_cell(access.organization_id(round_.leading_unit))
    people = provenance_people(version)
    breakdown = people_breakdown(dimensions, people, minimum)
    # A line answers its themes plus a few ideas: if it adds fewer than `minimum` people to a
    # theme shown on the board, subtracting the two breakdowns would tell who they are.
    if breakdown.shown:
        theme_totals = (
            PoolEntry.objects.filter(theme__in=version.themes.all(), person__isnull=False)
            .values_list("theme__name")
            .annotate(n=Count("person_id", distinct=True))
        )
        for name, n in theme_totals:
            if 0 < breakdown.total - n < minimum:
                breakdown.too_close_to = name
                break
    return LineSections(
        breakdown,
        _one_section(dimensions, round_, people, minimum),
        _divergent(dimensions, line, minimum),
    )


def _one_section(
    dimensions: list[Dimension], round_: Round, people: QuerySet[Person], minimum: int
) -> list[tuple[Dimension, SectionValue]]:
    """Dimensions where everyone behind the line (whose value is known, at least `minimum`
    of them) is in one section, while the round's units have people in several."""
    found = []
    in_units = PersonSection.objects.filter(person__unit__in=round_.units.all())
    ids = people.values("pk")
    for dimension in dimensions:
        behind = _by_value(
            [dimension],
            PersonSection.objects.filter(person_id__in=ids, dimension=dimension)
            .values_list("dimension_id", "token")
            .annotate(n=Count("id"))
            .order_by(),
        )[dimension.pk]
        if len(behind) != 1 or next(iter(behind.values())) < minimum:
            continue
        by_token = values_by_token([dimension])
        tokens = in_units.filter(dimension=dimension).values_list("token", flat=True).distinct()
        if len({by_token[token].pk for token in tokens if token in by_token}) > 1:
            value = next(v for v in dimension.values.all() if v.pk in behind)
            found.append((dimension, value))
    return found


def _divergent(
    dimensions: list[Dimension], line: Line, minimum: int
) -> list[tuple[Dimension, list[tuple[str, int]]]]:
    """Dimensions whose sections took the line very differently: the share that agrees, for
    each section with at least `minimum` people reached."""
    reached = Reception.objects.filter(line=line).exclude(response=Response.NOT_REACHED)
    counts = (
        PersonSection.objects.filter(
            person_id__in=reached.values("person_id"), dimension__in=dimensions
        )
        .values_list("dimension_id", "token")
        .annotate(
            n=Count("id", distinct=True),
            agrees=Count(
                "person__receptions",
                filter=Q(
                    person__receptions__line=line,
                    person__receptions__response=Response.AGREES,
                ),
                distinct=True,
            ),
        )
        .order_by()
    )
    # per value (a value may sit under two tokens while a key rotation is under way)
    values = values_by_token(dimensions)
    summed: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for dimension_id, token, n, agrees in counts:
        if token in values:
            cell = summed[(dimension_id, values[token].pk)]
            cell[0] += n
            cell[1] += agrees
    by_dimension: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (dimension_id, value_id), (n, agrees) in summed.items():
        if n >= minimum:
            by_dimension[dimension_id].append((value_id, n, agrees))
    found = []
    for dimension in dimensions:
        rows = by_dimension[dimension.pk]
        shares = [(value_id, round(100 * agrees / n)) for value_id, n, agrees in rows]
        if len(shares) >= 2 and max(s for _v, s in shares) - min(s for _v, s in shares) >= (
            DIVERGENCE_POINTS
        ):
            labels = {v.pk: v.label for v in dimension.values.all()}
            shares.sort(key=lambda pair: -pair[1])
            found.append((dimension, [(labels[v], share) for v, share in shares]))
    return found


def current_values(person: Person, dimensions: list[Dimension]) -> dict[int, SectionValue]:
    """A person's known values on these dimensions: dimension id -> value."""
    values = values_by_token(dimensions)
    rows = PersonSection.objects.filter(person=person, dimension__in=dimensions).values_list(
        "dimension_id", "token"
    )
    return {dimension_id: values[token] for dimension_id, token in rows if token in values}


def person_values(member: Member, person: Person) -> list[tuple[Dimension, SectionValue | None]]:
    """A person's value on each dimension the member may see (None: unknown)."""
    dimensions = dimensions_for(member, person.unit)
    chosen = current_values(person, dimensions)
    return [(dimension, chosen.get(dimension.pk)) for dimension in dimensions]
