"""The unusual-access report a unit's leads see, computed with aggregates over a window.

Three signals, each simple enough to explain to the people it is about:

* **many reads**: a member viewed more than 3x the median of their peers (the members of the
  unit and below, counting those who read nothing) and at least `MANY_READS_FLOOR` records;
* **outside their places**: views of people at a place where the member neither keeps a tie
  (is responsible for someone there) nor has recorded a conversation;
* **exports**: every export, always listed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from massline import access
from massline.audit.models import Action, ExportRequest, ReadEvent
from massline.conversations.models import Conversation
from massline.organization.models import Member, Unit
from massline.people.models import Person

MANY_READS_FACTOR = 3
MANY_READS_FLOOR = 20
OUTSIDE_FLOOR = 5


@dataclass
class MemberAccess:
    member: Member
    views: int = 0
    searches: int = 0
    exports: int = 0
    outside: int = 0
    flags: list[str] = field(default_factory=list)


@dataclass
class UnusualAccess:
    unit: Unit
    days: int
    median_views: float
    rows: list[MemberAccess]
    exports: list[ReadEvent]
    pending: list[ExportRequest]

    @property
    def flagged(self) -> list[MemberAccess]:
        return [row for row in self.rows if row.flags]


def unusual_access(unit: Unit, days: int = 30, *, viewer: Member | None = None) -> UnusualAccess:
    """Reads in `unit` and below; with a viewer, only the part of that subtree they oversee
    (a cadre body below a mass organization stays out of its leads' report)."""
    since = timezone.now() - timedelta(days=days)
    subtree = Unit.objects.filter(path__startswith=unit.path)
    if viewer is not None:
        subtree = access.led_units(viewer).filter(path__startswith=unit.path)
    peers = Member.objects.filter(is_active=True, memberships__unit__in=subtree).distinct()
    # Reads of this subtree's records, and searches (which have no unit) by its members.
    events = ReadEvent.objects.filter(at__gte=since).filter(
        Q(unit__in=subtree) | Q(unit__isnull=True, member__in=peers)
    )
    counts = events.values("member").annotate(
        views=Count("id", filter=Q(action=Action.VIEW_PERSON)),
        searches=Count("id", filter=Q(action__in=[Action.SEARCH, Action.PICK])),
        exports=Count("id", filter=Q(action=Action.EXPORT)),
    )
    usual_place = Exists(
        Person.objects.filter(responsible=OuterRef("member"), place_id=OuterRef("place_ref"))
    ) | Exists(
        Conversation.objects.filter(recorded_by=OuterRef("member"), place_id=OuterRef("place_ref"))
    )
    outside = dict(
        events.filter(action=Action.VIEW_PERSON, place_ref__isnull=False)
        .exclude(usual_place)
        .values("member")
        .annotate(n=Count("id"))
        .values_list("member", "n")
    )
    by_member = {row["member"]: row for row in counts}
    members = {m.pk: m for m in Member.objects.filter(Q(pk__in=by_member) | Q(pk__in=peers))}
    peer_ids = set(peers.values_list("pk", flat=True))
    rows = []
    for pk, member in members.items():
        row = by_member.get(pk, {})
        rows.append(
            MemberAccess(
                member=member,
                views=row.get("views", 0),
                searches=row.get("searches", 0),
                exports=row.get("exports", 0),
                outside=outside.get(pk, 0),
            )
        )
    peer_views = [row.views for row in rows if row.member.pk in peer_ids] or [0]
    median = statistics.median(peer_views)
    for row in rows:
        if row.views >= MANY_READS_FLOOR and row.views > MANY_READS_FACTOR * median:
            row.flags.append(f"read {row.views} records, peers' median {median:g}")
        if row.outside >= OUTSIDE_FLOOR:
            row.flags.append(f"{row.outside} reads outside their places")
        if row.exports:
            row.flags.append(f"{row.exports} exports")
    rows.sort(key=lambda row: (-len(row.flags), -row.views, row.member.username))
    return UnusualAccess(
        unit=unit,
        days=days,
        median_views=median,
        rows=rows,
        exports=list(
            events.filter(action=Action.EXPORT).select_related("member", "unit").order_by("-at")
        ),
        pending=list(
            ExportRequest.objects.filter(
                Q(unit__in=subtree), used_at__isnull=True, created_at__gte=since
            ).select_related("requested_by", "approved_by", "unit")
        ),
    )
