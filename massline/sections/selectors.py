"""Breadth and reception by section, counted by the database and suppressed before display.

Every count leaves here as a `suppression.Cell`; the templates, and anything that exports or
serves these numbers, render `Cell.visible_count` or "fewer than N", never `Cell.count`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet

from massline import access
from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.rounds.models import Line, LineVersion, PoolEntry, Reception, Response, Round, Theme
from massline.sections.models import (
    DEFAULT_MINIMUM_CELL,
    Dimension,
    PersonSection,
    SectionRules,
    SectionValue,
)
from massline.sections.suppression import Cell, suppress

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


def theme_breakdowns(member: Member, round_: Round, themes: list[Theme]) -> dict[int, Breakdown]:
    """Who raised each theme, by section: one query for the whole board.

    Each theme's distinct people first (a person who raised it twice counts once), then their
    values through the covering index; the same statement counts each theme's total.
    """
    dimensions = dimensions_for(member, round_.leading_unit)
    if not dimensions or not themes:
        return {}
    minimum = minimum_cell(access.organization_id(round_.leading_unit))
    theme_ids = [theme.pk for theme in themes]
    dimension_ids = [dimension.pk for dimension in dimensions]
    in_themes = ", ".join(["%s"] * len(theme_ids))
    in_dimensions = ", ".join(["%s"] * len(dimension_ids))
    sql = f"""
        WITH raised AS (
            SELECT DISTINCT theme_id, person_id FROM {PoolEntry._meta.db_table}
            WHERE theme_id IN ({in_themes}) AND person_id IS NOT NULL
        )
        SELECT theme_id, NULL, NULL, COUNT(*) FROM raised GROUP BY theme_id
        UNION ALL
        SELECT r.theme_id, s.dimension_id, s.value_id, COUNT(*)
        FROM raised r JOIN {PersonSection._meta.db_table} s ON s.person_id = r.person_id
        WHERE s.dimension_id IN ({in_dimensions})
        GROUP BY r.theme_id, s.dimension_id, s.value_id
    """
    totals: dict[int, int] = {}
    known: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*theme_ids, *dimension_ids])
        for theme_id, dimension_id, value_id, n in cursor.fetchall():
            if dimension_id is None:
                totals[theme_id] = n
            else:
                known[theme_id][dimension_id][value_id] = n
    result = {}
    for theme in themes:
        total = totals.get(theme.pk, 0)
        breakdown = Breakdown(total=total, minimum=minimum)
        if not breakdown.too_small:
            breakdown.rows = _rows(dimensions, total, known.get(theme.pk, {}), minimum)
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
    known: dict[int, dict[int, int]] = defaultdict(dict)
    counts = (
        PersonSection.objects.filter(person_id__in=ids, dimension__in=dimensions)
        .values_list("dimension_id", "value_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for dimension_id, value_id, n in counts:
        known[dimension_id][value_id] = n
    breakdown.rows = _rows(dimensions, total, known, minimum)
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
        behind = (
            PersonSection.objects.filter(person_id__in=ids, dimension=dimension)
            .values_list("value_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        behind = list(behind)
        if len(behind) != 1 or behind[0][1] < minimum:
            continue
        if in_units.filter(dimension=dimension).values("value_id").distinct().count() > 1:
            value = next(v for v in dimension.values.all() if v.pk == behind[0][0])
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
        .values_list("dimension_id", "value_id")
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
    by_dimension: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for dimension_id, value_id, n, agrees in counts:
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


def person_values(member: Member, person: Person) -> list[tuple[Dimension, SectionValue | None]]:
    """A person's value on each dimension the member may see (None: unknown)."""
    dimensions = dimensions_for(member, person.unit)
    chosen = {
        ps.dimension_id: ps.value
        for ps in PersonSection.objects.filter(
            person=person, dimension__in=dimensions
        ).select_related("value")
    }
    return [(dimension, chosen.get(dimension.pk)) for dimension in dimensions]
