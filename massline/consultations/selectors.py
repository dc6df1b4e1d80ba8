"""Reads of a consultation: what a voter sees next, the statements with their counts, and
the opinion map drawn from the stored results."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from massline.consultations.models import (
    Choice,
    Consultation,
    Participant,
    Statement,
    StatementStatus,
    Vote,
)

# Accessible on white, told apart by the group letter as well as the colour.
GROUP_COLOURS = ("#b3261e", "#1f5fa8", "#2e7d32", "#7b4fa0", "#8a5a00")
OUTSIDE_COLOUR = "#9e9e9e"
MAP_SIZE = 300
MAP_PAD = 16


def open_statements(consultation: Consultation) -> QuerySet[Statement]:
    return consultation.statements.filter(status=StatementStatus.APPROVED)


def next_statement(consultation: Consultation, participant: Participant | None) -> Statement | None:
    """The statement this voter should see next.

    Polis's routing: the engine's priority from the last analysis (divisive, agreed-with and
    little-seen statements first). Statements the last analysis has not seen need votes most,
    so they come first; without any analysis, the fewest votes come first.
    """
    candidates = open_statements(consultation).annotate(n_votes=Count("votes"))
    if participant is not None:
        candidates = candidates.exclude(votes__participant=participant)
    priorities = consultation.results.get("priorities", {})
    ranked = sorted(
        candidates,
        key=lambda s: (-priorities.get(str(s.pk), float("inf")), s.n_votes, s.pk),
    )
    return ranked[0] if ranked else None


def voted(participant: Participant | None) -> QuerySet[Vote]:
    if participant is None:
        return Vote.objects.none()
    return participant.votes.filter(statement__status=StatementStatus.APPROVED).select_related(
        "statement"
    )


def with_counts(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    return statements.annotate(
        n_agree=Count("votes", filter=Q(votes__choice=Choice.AGREE)),
        n_disagree=Count("votes", filter=Q(votes__choice=Choice.DISAGREE)),
        n_pass=Count("votes", filter=Q(votes__choice=Choice.PASS)),
        n_votes=Count("votes"),
    )


def vote_count(consultation: Consultation) -> int:
    return Vote.objects.filter(statement__consultation=consultation).count()


@dataclass
class Point:
    x: float
    y: float
    colour: str
    label: str


@dataclass
class GroupView:
    label: str
    size: int
    colour: str
    centre: tuple[float, float]
    representative: list[dict]


@dataclass
class StatementRow:
    statement: Statement
    agree: int
    disagree: int
    seen: int
    groups: list[tuple[str, int | None]]  # group letter, agree percent (None: no votes)

    @property
    def agree_percent(self) -> int:
        return round(100 * self.agree / self.seen) if self.seen else 0

    @property
    def disagree_percent(self) -> int:
        return round(100 * self.disagree / self.seen) if self.seen else 0


@dataclass
class OpinionMap:
    points: list[Point]
    groups: list[GroupView]
    rows: dict[int, StatementRow]
    consensus: list[StatementRow]
    divisive: list[StatementRow]
    size: int = MAP_SIZE


def opinion_map(consultation: Consultation) -> OpinionMap | None:
    """The stored results scaled into the SVG's square, with statements looked up once."""
    results = consultation.results
    if not results.get("points"):
        return None
    raw = results["points"]
    xs, ys = [p[0] for p in raw], [p[1] for p in raw]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    inner = MAP_SIZE - 2 * MAP_PAD
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            round(MAP_SIZE / 2 + (x - cx) / span * inner, 1),
            round(MAP_SIZE / 2 - (y - cy) / span * inner, 1),
        )

    letters = [g["label"] for g in results["groups"]]
    points = []
    for x, y, group in raw:
        px, py = place(x, y)
        inside = 0 <= group < len(letters)
        points.append(
            Point(
                px,
                py,
                GROUP_COLOURS[group % len(GROUP_COLOURS)] if inside else OUTSIDE_COLOUR,
                letters[group] if inside else "",
            )
        )
    statements = consultation.statements.in_bulk([int(sid) for sid in results["statements"]])
    rows = {
        int(sid): StatementRow(
            statements[int(sid)],
            n["agree"],
            n["disagree"],
            n["seen"],
            [
                (letter, round(100 * a / s) if s else None)
                for letter, (a, _d, s) in zip(letters, n["groups"], strict=True)
            ],
        )
        for sid, n in results["statements"].items()
        if int(sid) in statements
    }
    groups = []
    for i, group in enumerate(results["groups"]):
        mine = [p for p in points if p.label == group["label"]]
        centre = (
            round(sum(p.x for p in mine) / len(mine), 1) if mine else MAP_SIZE / 2,
            round(sum(p.y for p in mine) / len(mine), 1) if mine else MAP_SIZE / 2,
        )
        reps = [
            {**r, "statement": rows[r["statement"]].statement}
            for r in group["representative"]
            if r["statement"] in rows
        ]
        groups.append(
            GroupView(
                group["label"], group["size"], GROUP_COLOURS[i % len(GROUP_COLOURS)], centre, reps
            )
        )
    return OpinionMap(
        points=points,
        groups=groups,
        rows=rows,
        consensus=[rows[sid] for sid in results["consensus"] if sid in rows],
        divisive=[rows[sid] for sid in results["divisive"] if sid in rows],
    )
