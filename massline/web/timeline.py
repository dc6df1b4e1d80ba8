"""A person's timeline and their level over time per struggle, as the person page shows it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime

from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.people.models import Person
from massline.struggles.models import LEVEL_RANK, Assessment, Struggle

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 300, 90, 14
# Entries on one page of a timeline: years of conversations must not make the page slow.
TIMELINE_PAGE = 25
# Order of two entries at the same moment (newest first, then by this, then newest id).
_KIND_RANK = {"conversation": 1, "assessment": 0}


@dataclass
class LevelChart:
    """Points of one struggle's level history, laid out for an inline SVG."""

    struggle: Struggle
    assessments: list[Assessment]
    points: str
    dots: list[tuple[float, float, str, str]]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def current(self) -> Assessment:
        return self.assessments[-1]


def _y(level: str) -> float:
    usable = CHART_HEIGHT - 2 * CHART_PAD
    return CHART_PAD + usable * (1 - LEVEL_RANK[level] / 2)


def level_chart(struggle: Struggle, history: list[Assessment]) -> LevelChart:
    """Lay out an assessment history (oldest first) along a time axis."""
    start, end = history[0].assessed_at, history[-1].assessed_at
    span = (end - start).total_seconds() or 1.0
    usable = CHART_WIDTH - 2 * CHART_PAD
    dots = []
    for assessment in history:
        x = CHART_PAD + (
            usable * (assessment.assessed_at - start).total_seconds() / span
            if len(history) > 1
            else usable / 2
        )
        label = f"{assessment.assessed_at:%Y-%m-%d}: {assessment.get_level_display()}"
        dots.append((round(x, 1), round(_y(assessment.level), 1), assessment.level, label))
    points = " ".join(f"{x},{y}" for x, y, _, _ in dots)
    return LevelChart(struggle=struggle, assessments=history, points=points, dots=dots)


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    item: object

    @property
    def key(self) -> tuple[datetime, int, int]:
        """Where the entry stands in the timeline; larger is newer."""
        return (self.at, _KIND_RANK[self.kind], self.item.pk)

    @property
    def cursor(self) -> str:
        """The entry's key as a query-string value, to ask for what is older."""
        at, rank, pk = self.key
        return f"{at.isoformat()}~{rank}~{pk}"


def parse_cursor(raw: str | None) -> tuple[datetime, int, int] | None:
    """The key a `?before=` value names; None for a missing or malformed one (the newest page)."""
    try:
        at, rank, pk = (raw or "").split("~")
        moment = parse_datetime(at)
        key = (moment, int(rank), int(pk))
    except ValueError:
        return None
    return key if moment is not None and moment.tzinfo is not None else None


def _older(before: tuple[datetime, int, int] | None, kind: str, at_field: str) -> Q:
    """Rows of `kind` whose key is below `before` (all rows without one)."""
    if before is None:
        return Q()
    at, rank, pk = before
    same_moment = Q(**{at_field: at})
    if _KIND_RANK[kind] > rank:
        same_moment = Q(pk__in=[])
    elif _KIND_RANK[kind] == rank:
        same_moment &= Q(pk__lt=pk)
    return Q(**{f"{at_field}__lt": at}) | same_moment


def person_timeline(
    person: Person,
    conversations: QuerySet[Conversation],
    struggles: QuerySet[Struggle],
    *,
    before: tuple[datetime, int, int] | None = None,
    size: int = TIMELINE_PAGE,
) -> dict[str, object]:
    """One page of a person's conversations and assessments, newest first (older than
    `before`), with their level charts and open follow-ups.

    `conversations` and `struggles` are the viewer's visible ones, so a conversation recorded
    by a unit the viewer cannot see never shows up here. `older` is the cursor of the next
    page, or "" at the start of the person's history.
    """
    conversations = (
        conversations.filter(people=person)
        .filter(_older(before, "conversation", "happened_at"))
        .select_related("recorded_by", "place")
        .prefetch_related(Prefetch("ideas", queryset=Idea.objects.order_by("id")))
        .order_by("-happened_at", "-id")[: size + 1]
    )
    assessments = list(
        Assessment.objects.filter(person=person, struggle__in=struggles)
        .select_related("struggle", "assessed_by")
        .order_by("assessed_at", "id")
    )
    follow_ups = list(
        FollowUp.objects.filter(person=person).select_related("owner").order_by("due_on")
    )
    history: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        history[assessment.struggle_id].append(assessment)
    charts = [level_chart(items[0].struggle, items) for items in history.values()]
    entries = [TimelineEntry(c.happened_at, "conversation", c) for c in conversations]
    entries += [
        entry
        for entry in (TimelineEntry(a.assessed_at, "assessment", a) for a in assessments)
        if before is None or entry.key < before
    ]
    entries.sort(key=lambda entry: entry.key, reverse=True)
    return {
        "timeline": entries[:size],
        "older": entries[size - 1].cursor if len(entries) > size else "",
        "charts": charts,
        "open_follow_ups": [f for f in follow_ups if f.done_at is None],
    }
