"""Reads of a program: the board, the loop numbers, stock, the fund ledger, volunteer load.

Callers pass a program they got through massline.access, so everything here is already
inside what the member may see. Totals and balances are computed from the event logs on
every read; nothing stored can drift from what happened.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import mean

from django.conf import settings
from django.db.models import Case, DecimalField, F, Max, Min, Q, QuerySet, Sum, Value, When, Window
from django.utils import timezone

from massline.aid.models import (
    ACTIVE_DELIVERY_STATES,
    AidOffer,
    AidRequest,
    Delivery,
    DeliveryState,
    Direction,
    FundDirection,
    FundEvent,
    OfferState,
    Program,
    ProgramRole,
    RequestState,
    Shift,
    StockEvent,
    Urgency,
)
from massline.conversations.models import Conversation, ConversationKind
from massline.organization.models import Member
from massline.rounds.models import Participation
from massline.struggles.models import Assessment

BOARD_DAYS_AHEAD = 7
URGENCY_ORDER = Case(
    When(request__urgency=Urgency.TODAY, then=Value(0)),
    When(request__urgency=Urgency.THIS_WEEK, then=Value(1)),
    default=Value(2),
)


# --- the board ---------------------------------------------------------------------------


@dataclass
class Board:
    open: list[Delivery]
    later: int
    mine: list[Delivery]
    held_by_others: list[Delivery]
    needs_decision: list[AidRequest]
    offers: list[AidOffer]


def board(program: Program, member: Member, today: date | None = None) -> Board:
    """What is waiting, what I hold, what others hold, and requests whose last delivery
    failed. Only the area is shown here: the address is for the delivering volunteer."""
    today = today or timezone.localdate()
    deliveries = Delivery.objects.filter(
        request__program=program, request__state=RequestState.OPEN
    ).select_related("request", "volunteer", "offer")
    waiting = deliveries.filter(state=DeliveryState.OPEN)
    horizon = today + timedelta(days=BOARD_DAYS_AHEAD)
    held = deliveries.filter(state__in=ACTIVE_DELIVERY_STATES).order_by("due_on", "id")
    undecided = (
        AidRequest.objects.filter(program=program, state=RequestState.OPEN)
        .exclude(deliveries__state__in=(DeliveryState.OPEN, *ACTIVE_DELIVERY_STATES))
        .annotate(last_failed=Max("deliveries__finished_at"))
        .order_by("created_at")
    )
    return Board(
        open=list(
            waiting.filter(due_on__lte=horizon)
            .annotate(urgency_rank=URGENCY_ORDER)
            .order_by("due_on", "urgency_rank", "id")
        ),
        later=waiting.filter(due_on__gt=horizon).count(),
        mine=[d for d in held if d.volunteer_id == member.pk],
        held_by_others=[d for d in held if d.volunteer_id != member.pk],
        needs_decision=list(undecided),
        offers=list(
            AidOffer.objects.filter(
                program=program, state__in=(OfferState.OPEN, OfferState.MATCHED)
            ).order_by("created_at")
        ),
    )


def my_deliveries(member: Member, programs: QuerySet[Program]) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(
            request__program__in=programs, volunteer=member, state__in=ACTIVE_DELIVERY_STATES
        )
        .select_related("request__program")
        .order_by("due_on")
    )


# --- into the loop: the program's headline -----------------------------------------------


@dataclass
class WeekBar:
    start: date
    served: int
    in_loop: int
    x: float = 0
    loop_x: float = 0
    w: float = 0
    served_y: float = 0
    served_h: float = 0
    loop_y: float = 0
    loop_h: float = 0

    @property
    def label(self) -> str:
        return f"{self.start:%d %b}"

    @property
    def center(self) -> float:
        return round(self.x + self.w, 1)


@dataclass
class LoopNumbers:
    served: int = 0
    spoken_with: int = 0
    assessed: int = 0
    took_part: int = 0
    in_loop: int = 0
    deliveries_done: int = 0
    people_in_households: int = 0
    open_requests: int = 0
    weeks: list[WeekBar] = field(default_factory=list)
    chart_width: int = 300
    chart_height: int = 110

    @property
    def share(self) -> int:
        return round(100 * self.in_loop / self.served) if self.served else 0


def _latest_by_person(rows) -> dict[int, datetime | date]:
    return {row["who"]: row["latest"] for row in rows}


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def loop_numbers(program: Program, weeks: int = 8, today: date | None = None) -> LoopNumbers:
    """How many people served entered the organizing loop: spoken with (at the door or
    since), assessed since, or came to a meeting or action since they were first served.
    Each person counts once however many requests they made."""
    today = today or timezone.localdate()
    served_rows = (
        AidRequest.objects.filter(program=program, deliveries__state=DeliveryState.DONE)
        .values("id", "person_id", "household_size")
        .annotate(
            first_done=Min("deliveries__finished_at", filter=Q(deliveries__state="done")),
            talked_at_door=Max("deliveries__conversation_id"),
        )
    )
    people: dict[tuple[str, int], dict] = {}
    households = 0
    for row in served_rows:
        households += row["household_size"]
        key = ("p", row["person_id"]) if row["person_id"] else ("r", row["id"])
        entry = people.setdefault(key, {"since": row["first_done"], "door": False})
        entry["since"] = min(entry["since"], row["first_done"])
        entry["door"] = entry["door"] or bool(row["talked_at_door"])
    person_ids = [key[1] for key in people if key[0] == "p"]
    talked = _latest_by_person(
        Conversation.objects.filter(people__in=person_ids)
        .values(who=F("people"))
        .annotate(latest=Max("happened_at"))
    )
    met = _latest_by_person(
        Conversation.objects.filter(people__in=person_ids, kind=ConversationKind.MEETING)
        .values(who=F("people"))
        .annotate(latest=Max("happened_at"))
    )
    assessed = _latest_by_person(
        Assessment.objects.filter(person__in=person_ids)
        .values(who=F("person_id"))
        .annotate(latest=Max("assessed_at"))
    )
    acted = _latest_by_person(
        Participation.objects.filter(person__in=person_ids, took_part=True)
        .values(who=F("person_id"))
        .annotate(latest=Max("action__happens_on"))
    )
    numbers = LoopNumbers(
        deliveries_done=Delivery.objects.filter(
            request__program=program, state=DeliveryState.DONE
        ).count(),
        people_in_households=households,
        open_requests=AidRequest.objects.filter(program=program, state=RequestState.OPEN).count(),
    )
    first_week = _week_start(today) - timedelta(weeks=weeks - 1)
    bars = {first_week + timedelta(weeks=n): [0, 0] for n in range(weeks)}
    for (kind, pk), entry in people.items():
        since = entry["since"]
        spoken = entry["door"] or (kind == "p" and pk in talked and talked[pk] >= since)
        was_assessed = kind == "p" and pk in assessed and assessed[pk] >= since
        came = kind == "p" and (
            (pk in acted and acted[pk] >= timezone.localtime(since).date())
            or (pk in met and met[pk] >= since)
        )
        numbers.served += 1
        numbers.spoken_with += spoken
        numbers.assessed += was_assessed
        numbers.took_part += came
        in_loop = spoken or was_assessed or came
        numbers.in_loop += in_loop
        week = _week_start(timezone.localtime(since).date())
        if week in bars:
            bars[week][0] += 1
            bars[week][1] += in_loop
    numbers.weeks = _lay_out(bars, numbers.chart_width, numbers.chart_height)
    return numbers


def _lay_out(bars: dict[date, list[int]], width: int, height: int) -> list[WeekBar]:
    """Two bars a week (served, of whom in the loop), scaled to the tallest week."""
    top, bottom = 12, 16
    usable = height - top - bottom
    tallest = max((served for served, _ in bars.values()), default=0) or 1
    slot = width / max(len(bars), 1)
    laid = []
    for index, (start, (served, in_loop)) in enumerate(sorted(bars.items())):
        served_h = usable * served / tallest
        loop_h = usable * in_loop / tallest
        laid.append(
            WeekBar(
                start=start,
                served=served,
                in_loop=in_loop,
                x=round(index * slot + slot * 0.1, 1),
                loop_x=round(index * slot + slot * 0.5, 1),
                w=round(slot * 0.4, 1),
                served_y=round(top + usable - served_h, 1),
                served_h=round(served_h, 1),
                loop_y=round(top + usable - loop_h, 1),
                loop_h=round(loop_h, 1),
            )
        )
    return laid


# --- stock and funds ---------------------------------------------------------------------


@dataclass
class StockLine:
    item: str
    measure: str
    came_in: Decimal
    went_out: Decimal

    @property
    def on_hand(self) -> Decimal:
        return self.came_in - self.went_out


def stock_totals(program: Program) -> list[StockLine]:
    rows = (
        StockEvent.objects.filter(program=program)
        .values("item")
        .annotate(
            counted_in=Max("measure"),
            came_in=Sum("quantity", filter=Q(direction=Direction.IN)),
            went_out=Sum("quantity", filter=Q(direction=Direction.OUT)),
        )
        .order_by("item")
    )
    return [
        StockLine(
            row["item"],
            row["counted_in"],
            row["came_in"] or Decimal(0),
            row["went_out"] or Decimal(0),
        )
        for row in rows
    ]


def fund_ledger(program: Program) -> QuerySet[FundEvent]:
    """Every income and payout, newest first, each with the balance after it."""
    signed = Case(
        When(direction=FundDirection.INCOME, then=F("amount")),
        default=-F("amount"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    return (
        FundEvent.objects.filter(program=program)
        .select_related("recorded_by", "request")
        .annotate(balance=Window(Sum(signed), order_by=[F("at").asc(), F("id").asc()]))
        .order_by("-at", "-id")
    )


# --- volunteer load ----------------------------------------------------------------------

# A delivery without recorded hours counts as this much time.
ASSUMED_DELIVERY_HOURS = Decimal(1)


@dataclass
class VolunteerWeek:
    deliveries: int = 0
    hours: Decimal = Decimal(0)
    no_shows: int = 0

    @property
    def active(self) -> bool:
        return bool(self.deliveries or self.hours)


@dataclass
class VolunteerLoad:
    member: Member
    role: str
    weeks: list[VolunteerWeek]
    recent_hours: Decimal = Decimal(0)
    no_shows: int = 0
    far_above: bool = False
    no_week_off: bool = False

    @property
    def deliveries(self) -> int:
        return sum(week.deliveries for week in self.weeks)

    @property
    def hours(self) -> Decimal:
        return sum((week.hours for week in self.weeks), Decimal(0))


@dataclass
class Load:
    week_starts: list[date]
    volunteers: list[VolunteerLoad]

    @property
    def warnings(self) -> list[VolunteerLoad]:
        return [v for v in self.volunteers if v.far_above or v.no_week_off]


def volunteer_load(program: Program, weeks: int = 8, today: date | None = None) -> Load:
    """Hours and deliveries per volunteer per week, newest week last.

    Warnings: someone whose hours over the recent weeks are more than FAR_ABOVE times the
    average of the others (and at least a few hours), and someone active in every one of
    the last NO_WEEK_OFF weeks. Burnout is the common way mutual aid fails.
    """
    today = today or timezone.localdate()
    far_above = Decimal(str(getattr(settings, "MASSLINE_AID_FAR_ABOVE", 2)))
    no_week_off = int(getattr(settings, "MASSLINE_AID_NO_WEEK_OFF", 6))
    recent = 4
    weeks = max(weeks, no_week_off, recent)
    first = _week_start(today) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=n) for n in range(weeks)]
    grid: dict[int, list[VolunteerWeek]] = defaultdict(
        lambda: [VolunteerWeek() for _ in range(weeks)]
    )

    def slot(day: date) -> int | None:
        index = (_week_start(day) - first).days // 7
        return index if 0 <= index < weeks else None

    done = Delivery.objects.filter(
        request__program=program,
        state=DeliveryState.DONE,
        finished_at__date__gte=first,
        volunteer__isnull=False,
    ).values_list("volunteer_id", "finished_at", "hours")
    for member_id, finished_at, hours in done:
        index = slot(timezone.localtime(finished_at).date())
        if index is not None:
            week = grid[member_id][index]
            week.deliveries += 1
            week.hours += hours if hours is not None else ASSUMED_DELIVERY_HOURS
    shifts = Shift.objects.filter(program=program, day__gte=first).values_list(
        "member_id", "day", "hours", "no_show"
    )
    for member_id, day, hours, no_show in shifts:
        index = slot(day)
        if index is not None:
            week = grid[member_id][index]
            week.hours += hours
            week.no_shows += no_show
    roles = {
        role.member_id: role
        for role in ProgramRole.objects.filter(program=program).select_related("member")
    }
    members = {m.pk: m for m in Member.objects.filter(pk__in=set(grid) - set(roles))}
    rows = []
    for member_id in sorted(set(grid) | set(roles)):
        role = roles.get(member_id)
        member = role.member if role else members[member_id]
        history = grid[member_id]
        rows.append(
            VolunteerLoad(
                member=member,
                role=role.get_role_display() if role else "",
                weeks=history,
                recent_hours=sum((w.hours for w in history[-recent:]), Decimal(0)),
                no_shows=sum(w.no_shows for w in history),
                no_week_off=all(w.active for w in history[-no_week_off:]),
            )
        )
    for row in rows:
        others = [other.recent_hours for other in rows if other is not row]
        average = mean(others) if others else Decimal(0)
        row.far_above = row.recent_hours >= 4 and row.recent_hours > far_above * average
    rows.sort(key=lambda r: (-r.recent_hours, str(r.member)))
    return Load(week_starts=starts, volunteers=rows)
