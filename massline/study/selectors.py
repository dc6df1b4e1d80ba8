"""Reads of study and member development.

Every count starts from the viewer's access-filtered querysets and is an aggregate the
database computes, so a member with ten thousand conversations costs the same handful of
queries as one with ten, and nothing the viewer may not see is ever counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from massline import access
from massline.conversations.models import Conversation
from massline.organization.models import Member, Membership, Unit
from massline.people.models import Person
from massline.rounds.models import Forward, PoolEntry, Reception, Round
from massline.struggles.models import Assessment, Level, Struggle
from massline.struggles.services import with_current_level
from massline.study.models import (
    Invitation,
    LeadNote,
    Pair,
    PersonMember,
    StudyQuestion,
    StudySession,
)
from massline.web.charts import BarChart, bar_chart

MONTHS = 12
ADVANCED_LIMIT = 200


# --- the conversations-per-month chart ------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_chart(counts: dict[date, int], first_month: date, months: int = MONTHS) -> BarChart:
    """Monthly counts (first day of month -> count, missing months are zero) as a bar chart."""
    shown = [_add_months(first_month, i) for i in range(months)]
    return bar_chart(
        [(month, counts.get(month, 0)) for month in shown],
        label=lambda month: date_format(month, "M Y"),
        summary=lambda bars, total: (
            _("Conversations per month, last %(n)d months, %(total)d in all. %(months)s")
            % {
                "n": len(bars),
                "total": total,
                "months": ", ".join(f"{bar.label}: {bar.count}" for bar in bars),
            }
        ),
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- member development ---------------------------------------------------------------------


_LEVEL_RANK = Case(
    When(level=Level.ADVANCED, then=Value(2)),
    When(level=Level.INTERMEDIATE, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


@dataclass
class Development:
    subject: Member
    chart: BarChart
    conversations: int
    conversations_recent: int
    people_tied: int
    brought_in: int
    joined: int
    moved_up: int
    rounds: int
    ideas_gathered: int
    forwards: int
    receptions: int
    sessions_attended: int
    sessions_presented: int
    last_study: datetime | None
    pairs: list[Pair]
    notes: list[LeadNote]
    memberships: list[Membership]
    joined_from: PersonMember | None
    note_units: list[Unit] = field(default_factory=list)

    @property
    def open_pair(self) -> Pair | None:
        return next((pair for pair in self.pairs if pair.ended_at is None), None)


def development(viewer: Member, subject: Member, *, now: datetime | None = None) -> Development:
    """Everything on a member's development page, counted within what the viewer may see.

    `subject` must already be checked against `access.development_subjects(viewer)`.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    units = access.visible_units(viewer)
    rounds = access.visible_rounds(viewer)
    sessions = access.visible_study_sessions(viewer)

    conversations = Conversation.objects.filter(unit__in=units, recorded_by=subject)
    first_month = _add_months(today.replace(day=1), -(MONTHS - 1))
    starts = [_add_months(first_month, i) for i in range(MONTHS + 1)]
    # One pass over the member's conversations: a conditional count per month (index range
    # scans, no per-row date function), the total and the recent ones.
    per_month = {
        f"m{i}": Count(
            "pk",
            filter=Q(
                happened_at__gte=_midnight(starts[i]), happened_at__lt=_midnight(starts[i + 1])
            ),
        )
        for i in range(MONTHS)
    }
    conversation_counts = conversations.aggregate(
        total=Count("pk"),
        recent=Count(
            "pk", filter=Q(happened_at__gte=now - timedelta(days=settings.STUDY_QUIET_DAYS))
        ),
        **per_month,
    )
    monthly = {starts[i]: conversation_counts[f"m{i}"] for i in range(MONTHS)}

    current_rank = (
        Assessment.objects.filter(person=OuterRef("person"), struggle=OuterRef("struggle"))
        .order_by("-assessed_at", "-id")
        .annotate(rank=_LEVEL_RANK)
        .values("rank")[:1]
    )
    moved_up = (
        Assessment.objects.filter(assessed_by=subject, person__unit__in=units)
        .annotate(rank=_LEVEL_RANK, now_rank=Subquery(current_rank))
        .filter(now_rank__gt=F("rank"))
        .values("person")
        .distinct()
        .count()
    )

    invitations = Invitation.objects.filter(invited_by=subject, person__unit__in=units)
    brought_in = invitations.filter(answer="accepted").values("person").distinct().count()
    joined = PersonMember.objects.filter(
        invitation__invited_by=subject, person__unit__in=units
    ).count()

    entries = PoolEntry.objects.filter(idea__recorded_by=subject, round__in=rounds)
    forwards = Forward.objects.filter(forwarded_by=subject, entry__round__in=rounds)
    receptions = Reception.objects.filter(recorded_by=subject, line__round__in=rounds)
    rounds_taken_part = (
        Round.objects.filter(pk__in=rounds.values("pk"))
        .filter(
            Exists(entries.filter(round=OuterRef("pk")))
            | Exists(forwards.filter(entry__round=OuterRef("pk")))
            | Exists(receptions.filter(line__round=OuterRef("pk")))
        )
        .count()
    )
    study = sessions.aggregate(
        attended=Count("pk", filter=Q(attendees=subject), distinct=True),
        last=Max("held_at", filter=Q(attendees=subject)),
    )
    presented = sessions.filter(presenter=subject, held_at__lte=now).count()

    joined_from = (
        PersonMember.objects.filter(member=subject, person__unit__in=units)
        .select_related("person", "unit", "invitation__invited_by")
        .first()
    )
    return Development(
        subject=subject,
        chart=month_chart(monthly, first_month),
        conversations=conversation_counts["total"],
        conversations_recent=conversation_counts["recent"],
        people_tied=Person.objects.filter(unit__in=units, responsible=subject).count(),
        brought_in=brought_in,
        joined=joined,
        moved_up=moved_up,
        rounds=rounds_taken_part,
        ideas_gathered=entries.count(),
        forwards=forwards.count(),
        receptions=receptions.count(),
        sessions_attended=study["attended"],
        sessions_presented=presented,
        last_study=study["last"],
        pairs=list(
            access.visible_pairs(viewer)
            .filter(Q(newer=subject) | Q(experienced=subject))
            .select_related("newer", "experienced", "unit")[:10]
        ),
        notes=list(
            access.visible_lead_notes(viewer)
            .filter(subject=subject)
            .select_related("written_by", "unit")[:50]
        ),
        memberships=list(
            Membership.objects.filter(member=subject, unit__in=units).select_related("unit")
        ),
        joined_from=joined_from,
        note_units=list(access.led_units(viewer).filter(memberships__member=subject).distinct()),
    )


# --- who needs support ----------------------------------------------------------------------


@dataclass(frozen=True)
class SupportRow:
    member: Member
    last_conversation: datetime | None
    presented: bool
    paired: bool
    last_study: datetime | None
    quiet: bool
    no_study: bool

    @property
    def needs_support(self) -> bool:
        return self.quiet or not self.presented or not self.paired or self.no_study


def support(viewer: Member, unit: Unit, *, now: datetime | None = None) -> list[SupportRow]:
    """The members of a unit (and below) with what suggests they need support: no
    conversations lately, never presented, no pair, no study for months. Alphabetical: the
    page is for the leads, and nothing in it ranks anyone."""
    now = now or timezone.now()
    units = access.visible_units(viewer)
    sessions = access.visible_study_sessions(viewer)
    members = Member.objects.filter(
        is_active=True, memberships__unit__path__startswith=unit.path
    ).distinct()
    last_conversation = (
        Conversation.objects.filter(unit__in=units, recorded_by=OuterRef("pk"))
        .order_by("-happened_at")
        .values("happened_at")[:1]
    )
    last_study = (
        sessions.filter(attendees=OuterRef("pk")).order_by("-held_at").values("held_at")[:1]
    )
    open_pairs = access.visible_pairs(viewer).filter(ended_at__isnull=True)
    rows = members.annotate(
        last_conversation=Subquery(last_conversation),
        last_study=Subquery(last_study),
        presented=Exists(sessions.filter(presenter=OuterRef("pk"), held_at__lte=now)),
        paired=Exists(open_pairs.filter(Q(newer=OuterRef("pk")) | Q(experienced=OuterRef("pk")))),
        sort_name=Lower(Coalesce(NullIf("display_name", Value("")), "username")),
    ).order_by("sort_name", "username")
    quiet_since = now - timedelta(days=settings.STUDY_QUIET_DAYS)
    study_since = now - timedelta(days=settings.STUDY_NO_STUDY_DAYS)
    return [
        SupportRow(
            member=row,
            last_conversation=row.last_conversation,
            presented=row.presented,
            paired=row.paired,
            last_study=row.last_study,
            quiet=row.last_conversation is None or row.last_conversation < quiet_since,
            no_study=row.last_study is None or row.last_study < study_since,
        )
        for row in rows
    ]


# --- from advanced to organizer -------------------------------------------------------------


@dataclass(frozen=True)
class AdvancedRow:
    person: Person
    struggle: Struggle
    since: datetime | None
    invitations: list[Invitation]


def advanced_not_members(viewer: Member, unit: Unit) -> list[AdvancedRow]:
    """People of the unit (and below) whose latest level on a struggle is advanced and who are
    not members yet: since when, who holds the tie, and every invitation with its answer."""
    people = (
        access.visible_people(viewer)
        .filter(unit__in=access.visible_units(viewer), unit__path__startswith=unit.path)
        .filter(as_member__isnull=True)
    )
    struggle_ids = (
        Assessment.objects.filter(person__in=people, level=Level.ADVANCED)
        .values_list("struggle_id", flat=True)
        .distinct()
    )
    struggles = access.visible_struggles(viewer).filter(pk__in=list(struggle_ids)).order_by("name")
    invitations = Prefetch(
        "invitations",
        queryset=access.visible_invitations(viewer)
        .select_related("invited_by", "study_group")
        .order_by("-invited_at", "-id"),
        to_attr="visible_invitations",
    )
    rows: list[AdvancedRow] = []
    for struggle in struggles:
        later_not_advanced = Assessment.objects.filter(
            person=OuterRef("person"), struggle=struggle, assessed_at__gt=OuterRef("assessed_at")
        ).exclude(level=Level.ADVANCED)
        since = (
            Assessment.objects.filter(
                person=OuterRef("pk"), struggle=struggle, level=Level.ADVANCED
            )
            .exclude(Exists(later_not_advanced))
            .order_by("assessed_at", "id")
            .values("assessed_at")[:1]
        )
        found = (
            with_current_level(people, struggle)
            .filter(current_level=Level.ADVANCED)
            .annotate(since=Subquery(since))
            .select_related("responsible", "place")
            .prefetch_related(invitations)
            .order_by("since", "last_name", "first_name", "id")[:ADVANCED_LIMIT]
        )
        rows.extend(
            AdvancedRow(
                person=person,
                struggle=struggle,
                since=person.since,
                invitations=person.visible_invitations,
            )
            for person in found
        )
    return rows


def joined_members(viewer: Member, unit: Unit) -> QuerySet[PersonMember]:
    """People of the unit who joined as members, most recent first (the path's history)."""
    return (
        PersonMember.objects.filter(
            unit__in=access.led_units(viewer), unit__path__startswith=unit.path
        )
        .select_related("person", "member", "invitation__invited_by")
        .order_by("-joined_at")
    )


# --- study tied to practice -----------------------------------------------------------------


def studied(viewer: Member, round_: Round) -> tuple[list[StudySession], list[StudyQuestion]]:
    """Sessions that took the round's summation or one of its lines as their text, and the
    questions study sent into its pool, as far as the viewer may see them."""
    sessions = access.visible_study_sessions(viewer)
    taken = list(
        sessions.filter(Q(summation_of=round_) | Q(line__round=round_))
        .select_related("group", "presenter", "line")
        .order_by("-held_at")[:20]
    )
    questions = list(
        StudyQuestion.objects.filter(round=round_, session__in=sessions)
        .select_related("idea", "session__group")
        .order_by("-raised_at")[:20]
    )
    return taken, questions
