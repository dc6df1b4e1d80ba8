"""The opinion engine over a consultation's votes, run as a background job (django-tasks).

The engine finds the opinion groups and each group's representative statements; the numbers
shown beside them (agree shares per group) are counted by the database. The outcome is kept
on the consultation as plain JSON, so the results page and the voting page read one row.
"""

from __future__ import annotations

import logging
import string

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_tasks import task

from massline.consultations.models import (
    AnalysisStatus,
    Choice,
    Consultation,
    Statement,
    StatementStatus,
    Vote,
)
from massline.engines.opinion import OpinionResult, analyze

logger = logging.getLogger(__name__)

# Every opinion group agrees with a consensus statement at least this much.
CONSENSUS_SHARE = 0.6
# A statement divides when the groups' agree shares lie at least this far apart.
DIVIDES_AT = 0.5
LISTED = 5


@task()
def refresh_results(consultation_id: int) -> None:
    """The background task: recount one consultation's results."""
    run_analysis(consultation_id)


def run_analysis(consultation_id: int) -> None:
    """Claim the queued analysis, run it, and store the outcome or the error."""
    started = timezone.now()
    claimed = Consultation.objects.filter(
        pk=consultation_id, analysis_status=AnalysisStatus.QUEUED
    ).update(analysis_status=AnalysisStatus.RUNNING)
    if not claimed:
        return
    consultation = Consultation.objects.get(pk=consultation_id)
    try:
        results = compute(consultation)
    except Exception as error:
        logger.exception("Analysis of consultation %s failed", consultation_id)
        Consultation.objects.filter(pk=consultation_id).update(
            analysis_status=AnalysisStatus.FAILED, analysis_error=f"The engine failed: {error}"
        )
        return
    # Votes cast while it ran are newer than `started`, so they trigger the next run.
    Consultation.objects.filter(pk=consultation_id).update(
        results=results,
        results_at=started,
        analysis_status=AnalysisStatus.IDLE,
        analysis_error="",
    )


def _counted(votes: QuerySet[Vote]) -> dict[str, list[int]]:
    """Agree, disagree and seen (passes included) per statement, by the database."""
    rows = votes.values("statement_id").annotate(
        agree=Count("pk", filter=Q(choice=Choice.AGREE)),
        disagree=Count("pk", filter=Q(choice=Choice.DISAGREE)),
        seen=Count("pk"),
    )
    return {str(r["statement_id"]): [r["agree"], r["disagree"], r["seen"]] for r in rows}


def compute(consultation: Consultation) -> dict:
    """One engine run over every vote on approved and moderated-out statements."""
    votes = Vote.objects.filter(
        statement__consultation=consultation,
        statement__status__in=(StatementStatus.APPROVED, StatementStatus.REJECTED),
    )
    rows = [
        (participant, statement, choice, voted_at.timestamp())
        for participant, statement, choice, voted_at in votes.values_list(
            "participant_id", "statement_id", "choice", "voted_at"
        ).iterator(chunk_size=10_000)
    ]
    if not rows:
        return {}
    moderated = set(
        Statement.objects.filter(
            consultation=consultation, status=StatementStatus.REJECTED
        ).values_list("pk", flat=True)
    )
    result = analyze(rows, moderated_out=moderated)
    data = result.to_dict()
    group_keys = sorted(data["groups"], key=int)
    members = [data["groups"][key] for key in group_keys]
    overall = _counted(votes)
    per_group = [_counted(votes.filter(participant_id__in=ids)) for ids in members]
    statements = {
        sid: {
            "agree": counts[0],
            "disagree": counts[1],
            "seen": counts[2],
            "groups": [group.get(sid, [0, 0, 0]) for group in per_group],
        }
        for sid, counts in overall.items()
    }
    group_of = {pid: i for i, ids in enumerate(members) for pid in ids}
    live = {int(sid) for sid in statements} - moderated
    gic = {int(k): v for k, v in data["group_informed_consensus"].items()}
    return {
        "participants": len(data["projections"]),
        "votes": len(rows),
        "groups": [
            {
                "label": string.ascii_uppercase[i],
                "size": len(ids),
                "representative": _representative(data["repness"][key], moderated),
            }
            for i, (key, ids) in enumerate(zip(group_keys, members, strict=True))
        ],
        "points": [
            [xy[0], xy[1], group_of.get(int(pid), -1)] for pid, xy in data["projections"].items()
        ],
        "statements": statements,
        "consensus": _consensus(statements, live, gic, data["consensus"]["agree"], members),
        "divisive": _divisive(statements, live, len(members)),
        "priorities": _priorities(result),
    }


def _representative(records: list[dict], moderated: set[int]) -> list[dict]:
    """What a group stands for: the engine's picks where most of the group is on that side."""
    return [
        {
            "statement": r["comment_id"],
            "side": r["repful"],
            "percent": round(100 * r["n_success"] / r["n_trials"]),
            "of": r["n_trials"],
        }
        for r in records
        if r["n_trials"] and 2 * r["n_success"] > r["n_trials"] and r["comment_id"] not in moderated
    ]


def _share(agree: int, seen: int) -> float:
    return agree / seen if seen else 0.0


def _consensus(
    statements: dict, live: set[int], gic: dict[int, float], majority: list, members: list
) -> list[int]:
    """Statements every opinion group supports, best first by group-informed consensus.

    With no groups yet (too few voters), the engine's majority consensus stands in.
    """
    if not members:
        return [sid for sid in majority if sid in live]
    found = [
        int(sid)
        for sid, n in statements.items()
        if int(sid) in live
        and all(s and _share(a, s) >= CONSENSUS_SHARE for a, _d, s in n["groups"])
    ]
    return sorted(found, key=lambda sid: -gic.get(sid, 0.0))


def _divisive(statements: dict, live: set[int], n_groups: int) -> list[int]:
    """Statements the groups answer most differently, widest gap first."""
    if n_groups < 2:
        return []
    gaps = []
    for sid, n in statements.items():
        shares = [_share(a, s) for a, _d, s in n["groups"] if s]
        if int(sid) in live and len(shares) >= 2 and max(shares) - min(shares) >= DIVIDES_AT:
            gaps.append((max(shares) - min(shares), int(sid)))
    return [sid for _gap, sid in sorted(gaps, reverse=True)[:LISTED]]


def _priorities(result: OpinionResult) -> dict[str, float]:
    """The engine's routing priority per statement (Polis: who needs votes next)."""
    return {
        str(sid): float(p)
        for sid, p in zip(result.matrix.statements.tolist(), result.priorities, strict=True)
    }
