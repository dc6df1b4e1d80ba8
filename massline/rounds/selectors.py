"""Reads of a round. Every number here is an aggregate computed by the database, so the
board and the line page stay quick with a hundred thousand ideas in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Case, When, Window
from django.db.models.functions import Coalesce, RowNumber

from massline import access
from massline.organization.models import Member, Unit
from massline.paging import first_rows
from massline.people.models import Person
from massline.rounds.models import (
    Action,
    Forward,
    Line,
    Participation,
    PoolEntry,
    Reception,
    Response,
    Review,
    Round,
    Theme,
)
from massline.struggles.models import Assessment, Level
from massline.struggles.services import latest_level, with_current_level

LEVELS = [Level.ADVANCED, Level.INTERMEDIATE, Level.BACKWARD]


def themes_with_breadth(round_: Round) -> list[Theme]:
    """The round's themes, broadest first (by distinct people, then ideas)."""
    themes = list(Theme.objects.filter(round=round_))
    themes.sort(key=lambda t: (-t.breadth.get("n_people", 0), -t.breadth.get("n_ideas", 0), t.pk))
    return themes


def unsorted_entries(round_: Round) -> QuerySet[PoolEntry]:
    """What was forwarded to the leading unit and is not in a theme yet (duplicates folded)."""
    return (
        PoolEntry.objects.filter(
            round=round_, held_by=round_.leading_unit, theme__isnull=True, merged_into__isnull=True
        )
        .select_related("idea", "unit")
        .order_by("-n_merged", "-id")
    )


def _first_entry_ids(theme_ids: list[int], per_theme: int) -> list[int]:
    """The ids of each theme's first unmerged entries (most often said first), in one query.

    On PostgreSQL each theme's are read from its index and the reading stops after
    `per_theme` (a LATERAL join); elsewhere the entries are numbered with a window function.
    """
    if connection.vendor != "postgresql":
        order = [F("n_merged").desc(), F("id").desc()]
        numbered = PoolEntry.objects.filter(theme__in=theme_ids, merged_into__isnull=True).annotate(
            rank=Window(RowNumber(), partition_by=F("theme"), order_by=order)
        )
        return list(numbered.filter(rank__lte=per_theme).values_list("pk", flat=True))
    quote = connection.ops.quote_name
    table = quote(PoolEntry._meta.db_table)
    sql = f"""
        SELECT first.id FROM unnest(%s::bigint[]) AS theme(id) CROSS JOIN LATERAL (
            SELECT entry.id FROM {table} entry
            WHERE entry.theme_id = theme.id AND entry.merged_into_id IS NULL
            ORDER BY entry.n_merged DESC, entry.id DESC LIMIT %s
        ) first
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [theme_ids, per_theme])
        return [row[0] for row in cursor.fetchall()]


def theme_samples(themes: list[Theme], per_theme: int = 10) -> dict[int, list[PoolEntry]]:
    """The first ideas of each theme shown, in two queries however many themes there are."""
    samples: dict[int, list[PoolEntry]] = {theme.pk: [] for theme in themes}
    if not themes:
        return samples
    first = _first_entry_ids(list(samples), per_theme)
    entries = (
        PoolEntry.objects.filter(pk__in=first)
        .select_related("idea", "unit")
        .order_by("-n_merged", "-id")
    )
    for entry in entries:
        samples[entry.theme_id].append(entry)
    return samples


def visible_entries(member: Member, round_: Round) -> QuerySet[PoolEntry]:
    """Entries gathered in, or forwarded up to, a unit the member can see."""
    units = access.visible_units(member)
    return PoolEntry.objects.filter(round=round_).filter(Q(unit__in=units) | Q(held_by__in=units))


def unit_pool(round_: Round, unit: Unit) -> QuerySet[PoolEntry]:
    """A unit's first-cut view: what it gathered or holds, with what it did with each."""
    return (
        PoolEntry.objects.filter(round=round_, merged_into__isnull=True)
        .filter(Q(held_by=unit) | Q(unit=unit) | Q(forwards__from_unit=unit))
        .distinct()
        .select_related("idea", "idea__person", "unit", "held_by")
        .annotate(
            reviewed=Exists(Review.objects.filter(entry=OuterRef("pk"), unit=unit)),
            forwarded_note=Subquery(
                Forward.objects.filter(entry=OuterRef("pk"), from_unit=unit).values("note")[:1]
            ),
        )
        .order_by("reviewed", "-id")
    )


@dataclass
class Tally:
    """Receptions counted by response, for one row (a level, a unit, or everyone)."""

    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def reached(self) -> int:
        return self.total - self.counts.get(Response.NOT_REACHED, 0)

    def share(self, response: str) -> str:
        """Percent of those reached who gave this response, with the count."""
        count = self.counts.get(response, 0)
        percent = round(100 * count / self.reached) if self.reached else 0
        return f"{percent}% ({count})"

    @property
    def share_agrees(self) -> str:
        return self.share(Response.AGREES)

    @property
    def share_in_part(self) -> str:
        return self.share(Response.AGREES_IN_PART)

    @property
    def share_disagrees(self) -> str:
        return self.share(Response.DISAGREES)


def _labelled(rows: dict[object, dict[str, int]], labels: dict) -> list[Tally]:
    """A tally per key, in the order of `labels` (keys it does not name last)."""
    order = {key: at for at, key in enumerate(labels)}
    keys = sorted(rows, key=lambda key: (order.get(key, len(order)), str(key)))
    return [Tally(labels.get(key, key or "not assessed"), rows[key]) for key in keys]


def reception_tallies(line: Line) -> dict[str, list[Tally] | Tally]:
    """How the line was taken: by everyone, by level and by unit, from one pass over its
    receptions (each keeps its unit and level, and an index holds all three columns)."""
    overall: dict[str, int] = {}
    by_level: dict[object, dict[str, int]] = {}
    by_unit: dict[object, dict[str, int]] = {}
    counted = (
        Reception.objects.filter(line=line)
        .values_list("unit", "level", "response")
        .annotate(n=Count("*"))
        .order_by()
    )
    for unit_id, level, response, n in counted:
        overall[response] = overall.get(response, 0) + n
        for rows, key in ((by_level, level), (by_unit, unit_id)):
            counts = rows.setdefault(key, {})
            counts[response] = counts.get(response, 0) + n
    unit_names = dict(
        Unit.objects.filter(pk__in=list(by_unit)).order_by("name").values_list("pk", "name")
    )
    return {
        "overall": Tally("everyone", overall),
        "by_level": _labelled(by_level, {level: level.label for level in LEVELS}),
        "by_unit": _labelled(by_unit, unit_names),
    }


def _return_priority(struggle_id: int) -> Coalesce:
    """Where a person stands on the return list: 0 advanced, 1 intermediate, 2 not yet
    assessed, 3 backward, by their latest level; one index read per person."""
    rank = Case(
        When(level=Level.ADVANCED, then=Value(0)),
        When(level=Level.INTERMEDIATE, then=Value(1)),
        default=Value(3),
    )
    latest = (
        Assessment.objects.filter(person=OuterRef("pk"), struggle_id=struggle_id)
        .order_by("-assessed_at", "-id")
        .annotate(rank=rank)
        .values("rank")[:1]
    )
    return Coalesce(Subquery(latest, output_field=IntegerField()), Value(2))


def _own_people_in_round(member: Member, line: Line) -> QuerySet[Person]:
    from massline.rounds.services import round_unit_ids

    return access.visible_people(member).filter(
        responsible=member, unit_id__in=round_unit_ids(line.round)
    )


def return_list(member: Member, line: Line) -> QuerySet[Person]:
    """The people a member should bring the line to: their own contacts in the round's
    units, advanced first, then intermediate; those already asked carry their answer."""
    return _in_return_order(_own_people_in_round(member, line), line)


def _in_return_order(own: QuerySet[Person], line: Line) -> QuerySet[Person]:
    return (
        with_current_level(own, line.round.struggle)
        .annotate(
            priority=_return_priority(line.round.struggle_id),
            answered=Subquery(
                Reception.objects.filter(line=line, person=OuterRef("pk")).values("response")[:1]
            ),
        )
        .select_related("place")
        .order_by("priority", "last_name", "first_name", "pk")
    )


def return_list_page(
    member: Member, line: Line, size: int, start: int = 0
) -> tuple[list[Person], int]:
    """`size` people of the return list from the `start`th, and how many it holds in all.

    The order is found from indexes alone (ties by name, latest level), and only the people
    shown are read whole: a member may keep ties with thousands.
    """
    own = _own_people_in_round(member, line)  # the round's units found once, for both
    return first_rows(_in_return_order(own, line), size, start), own.count()


@dataclass
class RoundNumbers:
    ideas: int
    forwarded: int
    themes: int
    people_reached: int
    receptions: dict[str, int]
    asked: int
    took_part: int
    moved_up: int
    moved_down: int


def _level_rank(field: str) -> Case:
    return Case(
        When(**{field: Level.ADVANCED}, then=Value(2)),
        When(**{field: Level.INTERMEDIATE}, then=Value(1)),
        When(**{field: Level.BACKWARD}, then=Value(0)),
        default=None,
        output_field=IntegerField(),
    )


def round_numbers(round_: Round) -> RoundNumbers:
    """The round at a glance, for the summation."""
    entries = PoolEntry.objects.filter(round=round_)
    receptions = Reception.objects.filter(line__round=round_)
    participation = Participation.objects.filter(action__round=round_).aggregate(
        asked=Count("pk", filter=Q(asked=True)), took_part=Count("pk", filter=Q(took_part=True))
    )
    moved = level_movement(round_)
    return RoundNumbers(
        ideas=entries.count(),
        forwarded=entries.filter(forwards__isnull=False).distinct().count(),
        themes=round_.themes.count(),
        people_reached=receptions.exclude(response=Response.NOT_REACHED)
        .values("person")
        .distinct()
        .count(),
        receptions=dict(receptions.values_list("response").annotate(n=Count("pk")).order_by()),
        asked=participation["asked"],
        took_part=participation["took_part"],
        moved_up=moved["up"],
        moved_down=moved["down"],
    )


def level_movement(round_: Round) -> dict[str, int]:
    """How many people assessed during the round moved up or down a level on its struggle."""
    end = round_.closed_at
    during = Assessment.objects.filter(
        struggle=round_.struggle, assessed_at__gte=round_.gather_from
    )
    if end is not None:
        during = during.filter(assessed_at__lte=end)

    people = (
        Person.objects.filter(pk__in=during.values("person"))
        .annotate(
            before=latest_level(round_.struggle, before=round_.gather_from),
            after=latest_level(round_.struggle, until=end),
        )
        .annotate(before_rank=_level_rank("before"), after_rank=_level_rank("after"))
    )
    return people.aggregate(
        up=Count("pk", filter=Q(before_rank__lt=F("after_rank"))),
        down=Count("pk", filter=Q(before_rank__gt=F("after_rank"))),
    )


@dataclass
class ActionResult:
    asked: int
    took_part: int
    population: int | None

    @property
    def majority(self) -> bool:
        """A structure test passes when most of the building or workplace took part."""
        return bool(self.population) and self.took_part * 2 > self.population


def action_result(action: Action, people: QuerySet[Person]) -> ActionResult:
    counts = Participation.objects.filter(action=action, person__in=people).aggregate(
        asked=Count("pk", filter=Q(asked=True)), took_part=Count("pk", filter=Q(took_part=True))
    )
    population = people.filter(place_id=action.place_id).count() if action.place_id else None
    return ActionResult(counts["asked"], counts["took_part"], population)


def actions_with_turnout(round_: Round, people: QuerySet[Person]) -> QuerySet[Action]:
    mine = Q(participations__person__in=people)
    return round_.actions.select_related("place").annotate(
        n_asked=Count("participations", filter=mine & Q(participations__asked=True)),
        n_took_part=Count("participations", filter=mine & Q(participations__took_part=True)),
    )


def with_participation(people: QuerySet[Person], action: Action) -> QuerySet[Person]:
    took_part = Participation.objects.filter(action=action, person=OuterRef("pk"))
    return people.annotate(
        was_asked=Exists(took_part), came=Exists(took_part.filter(took_part=True))
    ).order_by("last_name", "first_name")
