"""Are the ties with the masses alive? The numbers behind the ties page.

Everything starts from the viewer's access-filtered querysets, so nothing the viewer cannot see
is ever counted, and every number is an aggregate the database computes: the page costs the
same handful of queries for ten people or ten thousand.

Scope: all the viewer's units, one unit's subtree, or one member. A member scope narrows people
to those the member keeps ties with (`responsible`), conversations to those they recorded
(`recorded_by`), follow-ups to those they own, and places to where their people are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, DateField, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.conversations.models import FollowUp
from massline.organization.models import Member, Unit
from massline.paging import first_rows
from massline.people.models import Person, Place
from massline.rounds.models import Forward, PoolEntry, Reception, Round, RoundState
from massline.web.charts import BarChart, bar_chart

LIST_LIMIT = 50
MAX_DAYS = 3650
WEEKS = 12


def parse_days(raw: str | None) -> int:
    """The staleness window from the query string; anything unusable falls back to the default."""
    try:
        days = int(raw or "")
    except ValueError:
        return settings.TIES_STALE_DAYS
    return days if 1 <= days <= MAX_DAYS else settings.TIES_STALE_DAYS


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def week_chart(counts: dict[date, int], first_week: date, weeks: int = WEEKS) -> BarChart:
    """Weekly counts (Monday -> count, missing weeks are zero) as a bar chart."""
    shown = [first_week + timedelta(weeks=i) for i in range(weeks)]
    return bar_chart(
        [(week, counts.get(week, 0)) for week in shown],
        label=lambda week: f"{week.day} {week:%b}",
        summary=lambda bars, total: (
            _("Conversations per week, last %(n)d weeks, %(total)d in all. %(weeks)s")
            % {
                "n": len(bars),
                "total": total,
                "weeks": ", ".join(
                    _("week of %(label)s: %(count)d") % {"label": bar.label, "count": bar.count}
                    for bar in bars
                ),
            }
        ),
    )


@dataclass(frozen=True)
class MemberTies:
    """One row of the per-member table."""

    member: Member
    conversations_this_month: int
    people: int
    stale_people: int
    overdue_follow_ups: int


@dataclass
class TiesReport:
    days: int
    unit: Unit | None
    member: Member | None
    stale_people: list[Person]
    stale_count: int
    overdue: list[FollowUp]
    overdue_count: int
    quiet_places: list[Place]
    quiet_places_count: int
    silent_members: list[Member]
    chart: BarChart
    members: list[MemberTies]
    rounds: list[Round]


def _count_by(queryset: QuerySet, field: str) -> Coalesce:
    """Per-row count of `queryset` rows whose `field` points at the outer row, as a subquery.

    A subquery per column instead of joins keeps the counts independent of each other: joining
    conversations, people and follow-ups at once would multiply them.
    """
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def ties_report(
    viewer: Member,
    *,
    unit: Unit | None = None,
    member: Member | None = None,
    days: int | None = None,
    now: datetime | None = None,
) -> TiesReport:
    """Who has not been spoken with, what is overdue, where nobody goes, who has gone quiet.

    `unit` and `member` must already be checked against the viewer's visible units and members
    (the view does that and answers 404 otherwise).
    """
    days = days or settings.TIES_STALE_DAYS
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = now - timedelta(days=days)
    month_start = _local_midnight(today.replace(day=1))
    this_week = today - timedelta(days=today.weekday())
    first_week = this_week - timedelta(weeks=WEEKS - 1)

    units = access.visible_units(viewer)
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    # the units' ids as values, so the database plans each count knowing how few they are
    units = list(units.values_list("pk", flat=True))
    people = access.visible_people(viewer).filter(unit__in=units)
    conversations = access.visible_conversations(viewer).filter(unit__in=units)
    follow_ups = access.visible_follow_ups(viewer).filter(person__unit__in=units)
    places = access.visible_places(viewer).filter(unit__in=units)
    members = access.visible_members(viewer).filter(memberships__unit__in=units)
    if member is not None:
        people = people.filter(responsible=member)
        conversations = conversations.filter(recorded_by=member)
        follow_ups = follow_ups.filter(owner=member)
        places = places.filter(pk__in=people.values("place"))
        members = members.filter(pk=member.pk)

    stale_q = Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True)
    stale = people.filter(stale_q)
    overdue = follow_ups.filter(done_at__isnull=True, due_on__lt=today)
    last_at_place = (
        conversations.filter(place=OuterRef("pk")).order_by("-happened_at").values("happened_at")
    )
    quiet_places = places.annotate(last_contact_at=Subquery(last_at_place[:1])).filter(
        Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True)
    )

    member_rows = list(
        members.distinct()
        .annotate(
            month_conversations=_count_by(
                conversations.filter(happened_at__gte=month_start), "recorded_by"
            ),
            people_count=_count_by(people, "responsible"),
            stale_count=_count_by(stale, "responsible"),
            overdue_count=_count_by(overdue, "owner"),
        )
        .order_by("month_conversations", "username")
    )

    # Round participation: what the units in scope brought to the rounds still open.
    open_rounds = (
        access.visible_rounds(viewer)
        .exclude(state=RoundState.CLOSED)
        .annotate(
            n_gathered=_count_by(PoolEntry.objects.filter(unit__in=units), "round"),
            n_forwarded=_count_by(Forward.objects.filter(from_unit__in=units), "entry__round"),
            n_receptions=_count_by(
                Reception.objects.filter(unit__in=units, person__in=people)
                if member is not None
                else Reception.objects.filter(unit__in=units),
                "line__round",
            ),
        )
        .select_related("struggle")
        .order_by("-opened_at")
    )

    weekly = (
        conversations.filter(
            happened_at__gte=_local_midnight(first_week),
            happened_at__lt=_local_midnight(this_week + timedelta(weeks=1)),
        )
        .annotate(week=TruncWeek("happened_at", output_field=DateField()))
        .order_by()
        .values("week")
        .annotate(n=Count("*"))  # from the (unit, time) index alone
        .values_list("week", "n")
    )

    return TiesReport(
        days=days,
        unit=unit,
        member=member,
        stale_people=first_rows(
            stale.select_related("place", "responsible").order_by(
                F("last_contact_at").asc(nulls_first=True), "last_name", "first_name", "id"
            ),
            LIST_LIMIT,
        ),
        stale_count=stale.count(),
        overdue=first_rows(
            overdue.select_related("person", "owner").order_by("due_on", "id"), LIST_LIMIT
        ),
        overdue_count=overdue.count(),
        quiet_places=list(
            quiet_places.select_related("unit").order_by(
                F("last_contact_at").asc(nulls_first=True), "name", "id"
            )[:LIST_LIMIT]
        ),
        quiet_places_count=quiet_places.count(),
        silent_members=[row for row in member_rows if row.month_conversations == 0],
        chart=week_chart(dict(weekly), first_week),
        members=[
            MemberTies(
                member=row,
                conversations_this_month=row.month_conversations,
                people=row.people_count,
                stale_people=row.stale_count,
                overdue_follow_ups=row.overdue_count,
            )
            for row in member_rows
        ],
        rounds=list(open_rounds[:LIST_LIMIT]),
    )


def scope_choices(viewer: Member) -> dict[str, object]:
    """The units (indented as a tree) and members the viewer may narrow the page to."""
    units = list(access.visible_units(viewer).order_by("path"))
    top = min((unit.depth for unit in units), default=0)
    return {
        "unit_choices": [(unit.pk, "— " * (unit.depth - top) + unit.name) for unit in units],
        "member_choices": access.visible_members(viewer).order_by("display_name", "username"),
    }
