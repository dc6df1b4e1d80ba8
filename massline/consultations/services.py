"""Every write of a consultation goes through here, so roles, the voting period, moderation
and the per-device caps hold whether the request comes from a page or a test.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from massline.consultations.analysis import refresh_results
from massline.consultations.models import (
    AnalysisStatus,
    Choice,
    Consultation,
    Participant,
    Statement,
    StatementOrigin,
    StatementStatus,
    Vote,
)
from massline.ideas.models import IdeaKind
from massline.organization.models import Member
from massline.rounds import services as round_services
from massline.rounds.models import Line, PoolEntry, Round, RoundState, Theme

logger = logging.getLogger(__name__)

STATEMENT_MAX = 280
# A device may propose this many statements: enough to be heard, too few to flood moderation.
SUBMISSIONS_PER_DEVICE = 3
# Recompute after this many new votes, or when results are older than REFRESH_AFTER.
REFRESH_EVERY_VOTES = 10
REFRESH_AFTER = timedelta(minutes=1)
# A queued or running analysis not finished after this long died with its worker.
STUCK_AFTER = timedelta(minutes=10)


class ConsultationError(ValidationError):
    """A step the consultation's period, moderation or the member's role does not allow."""


def leads(member: Member, consultation: Consultation) -> bool:
    """The leading unit of the round runs its consultations."""
    return round_services.leads(member, consultation.round)


def _require_leading(member: Member, consultation: Consultation) -> None:
    if not leads(member, consultation):
        raise PermissionDenied(_("Only the leading unit runs a consultation."))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STATEMENT_MAX else text[: STATEMENT_MAX - 1].rstrip() + "…"


# --- creating and running ----------------------------------------------------------------


def theme_drafts(theme: Theme, per_theme: int) -> list[PoolEntry]:
    """A theme's most-said ideas (duplicates folded): the statements it drafts."""
    return list(
        PoolEntry.objects.filter(theme=theme, merged_into__isnull=True)
        .select_related("idea")
        .order_by("-n_merged", "id")[:per_theme]
    )


@transaction.atomic
def create_consultation(
    round_: Round,
    *,
    title: str,
    closes_at: datetime,
    by: Member,
    themes: Iterable[Theme] = (),
    lines: Iterable[Line] = (),
    extra: Iterable[str] = (),
    per_theme: int = 3,
    opens_at: datetime | None = None,
    accepts_statements: bool = True,
) -> Consultation:
    """Open a consultation on a round, its statements drafted from themes, lines and text."""
    if not round_services.leads(by, round_):
        raise PermissionDenied(_("Only the leading unit opens a consultation."))
    if round_.state == RoundState.CLOSED:
        raise ConsultationError(_("The round is closed."))
    opens_at = opens_at or timezone.now()
    if closes_at <= opens_at:
        raise ConsultationError({"closes_at": _("The voting period must end after it starts.")})
    consultation = Consultation.objects.create(
        round=round_,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        accepts_statements=accepts_statements,
        created_by=by,
    )
    drafts: list[Statement] = []
    for theme in themes:
        if theme.round_id != round_.pk:
            raise ConsultationError(_("A theme of another round cannot seed this consultation."))
        drafts += [
            Statement(
                text=_short(entry.idea.text),
                origin=StatementOrigin.THEME,
                theme=theme,
                entry=entry,
            )
            for entry in theme_drafts(theme, per_theme)
        ]
    for line in lines:
        if line.round_id != round_.pk:
            raise ConsultationError(_("A line of another round cannot seed this consultation."))
        version = line.versions.order_by("-number").first()
        if version:
            drafts.append(
                Statement(text=_short(version.summary), origin=StatementOrigin.LINE, line=line)
            )
    drafts += [
        Statement(text=_short(text), origin=StatementOrigin.MEMBER)
        for text in extra
        if text.strip()
    ]
    seen: set[str] = set()
    unique = [s for s in drafts if not (s.text.lower() in seen or seen.add(s.text.lower()))]
    if not unique:
        raise ConsultationError(_("Choose themes or a line, or write statements to vote on."))
    for statement in unique:
        statement.consultation = consultation
        statement.moderated_by = by
        statement.moderated_at = timezone.now()
    Statement.objects.bulk_create(unique)
    return consultation


def add_statement(consultation: Consultation, text: str, *, by: Member) -> Statement:
    """A statement written by the leading unit: approved at once."""
    _require_leading(by, consultation)
    if not text.strip():
        raise ConsultationError(_("Write the statement first."))
    return Statement.objects.create(
        consultation=consultation,
        text=_short(text),
        origin=StatementOrigin.MEMBER,
        moderated_by=by,
        moderated_at=timezone.now(),
    )


def close(consultation: Consultation, *, by: Member) -> Consultation:
    """Stop the voting now; the results stay."""
    _require_leading(by, consultation)
    now = timezone.now()
    if consultation.closes_at > now:
        consultation.closes_at = max(now, consultation.opens_at)
        consultation.save(update_fields=["closes_at"])
    return consultation


@transaction.atomic
def moderate(statement: Statement, *, approve: bool, by: Member) -> Statement:
    """Approve a submitted statement, or moderate one out (the engine then leaves it out)."""
    _require_leading(by, statement.consultation)
    statement.status = StatementStatus.APPROVED if approve else StatementStatus.REJECTED
    statement.moderated_by = by
    statement.moderated_at = timezone.now()
    statement.save(update_fields=["status", "moderated_by", "moderated_at"])
    return statement


# --- the people's side (no account) ------------------------------------------------------


def _require_open(consultation: Consultation) -> None:
    if not consultation.is_open:
        raise ConsultationError(_("This consultation is not open for votes."))


def new_participant(consultation: Consultation) -> Participant:
    """A new anonymous device; the caller keeps its token in a cookie."""
    _require_open(consultation)
    return Participant.objects.create(consultation=consultation, token=secrets.token_urlsafe(32))


def cast_vote(participant: Participant, statement: Statement, choice: int) -> Vote:
    """Vote (or change a vote) on one statement; may queue a recount of the results."""
    consultation = participant.consultation
    _require_open(consultation)
    if statement.consultation_id != consultation.pk or statement.status != StatementStatus.APPROVED:
        raise ConsultationError(_("That statement is not open for votes."))
    vote, _created = Vote.objects.update_or_create(
        participant=participant,
        statement=statement,
        defaults={"choice": Choice(choice), "voted_at": timezone.now()},
    )
    maybe_refresh(consultation)
    return vote


def submit_statement(participant: Participant, text: str) -> Statement:
    """A participant's statement, held until the leading unit approves it."""
    consultation = participant.consultation
    _require_open(consultation)
    if not consultation.accepts_statements:
        raise ConsultationError(_("This consultation does not take new statements."))
    if participant.submitted.count() >= SUBMISSIONS_PER_DEVICE:
        raise ConsultationError(
            _("Thank you: each phone may propose %(n)d statements.") % {"n": SUBMISSIONS_PER_DEVICE}
        )
    if len(" ".join(text.split())) < 3:
        raise ConsultationError(_("Write the statement first."))
    return Statement.objects.create(
        consultation=consultation,
        text=_short(text),
        origin=StatementOrigin.PARTICIPANT,
        status=StatementStatus.PENDING,
        submitted_by=participant,
    )


# --- results -----------------------------------------------------------------------------


def maybe_refresh(consultation: Consultation) -> bool:
    """Queue a recount after every REFRESH_EVERY_VOTES votes, or when the results are older
    than REFRESH_AFTER and new votes exist: fresh results without an engine run per vote."""
    votes = Vote.objects.filter(statement__consultation=consultation)
    since = consultation.results_at
    new = votes.filter(voted_at__gt=since).count() if since else votes.count()
    if not new:
        return False
    if since and new < REFRESH_EVERY_VOTES and since > timezone.now() - REFRESH_AFTER:
        return False
    return request_refresh(consultation)


def request_refresh(consultation: Consultation) -> bool:
    """Queue the analysis unless one is already on its way; True when queued."""
    now = timezone.now()
    claimed = (
        Consultation.objects.filter(pk=consultation.pk)
        .filter(
            Q(analysis_status__in=(AnalysisStatus.IDLE, AnalysisStatus.FAILED))
            | Q(analysis_queued_at__lt=now - STUCK_AFTER)
        )
        .update(analysis_status=AnalysisStatus.QUEUED, analysis_queued_at=now)
    )
    if not claimed:
        return False
    try:
        refresh_results.enqueue(consultation.pk)
    except Exception as error:
        logger.exception("Could not queue the analysis of consultation %s", consultation.pk)
        Consultation.objects.filter(pk=consultation.pk).update(
            analysis_status=AnalysisStatus.FAILED, analysis_error=f"Could not queue: {error}"
        )
        return False
    return True


@transaction.atomic
def carry_to_board(statement: Statement, *, by: Member) -> PoolEntry:
    """A consensus statement becomes a proposal on the round's board, held by the leading
    unit, keeping its provenance: the consultation and its numbers when it was carried."""
    consultation = statement.consultation
    _require_leading(by, consultation)
    if statement.carried_to_id:
        raise ConsultationError(_("That statement is already on the board."))
    results = consultation.results
    if statement.pk not in results.get("consensus", []):
        raise ConsultationError(_("Only a consensus statement is carried to the board."))
    numbers = results["statements"][str(statement.pk)]
    agree = round(100 * numbers["agree"] / numbers["seen"]) if numbers["seen"] else 0
    carried = {
        "consultation": consultation.pk,
        "title": consultation.title,
        "agree_percent": agree,
        "votes": numbers["seen"],
        "group_agree_percent": [
            round(100 * a / s) if s else None for a, _d, s in numbers["groups"]
        ],
        "results_at": consultation.results_at.isoformat() if consultation.results_at else None,
    }
    text = (
        f"{statement.text} (consultation “{consultation.title}”: {agree}% of "
        f"{numbers['seen']} agreed, in every opinion group)"
    )
    entry = round_services.add_to_board(consultation.round, text, kind=IdeaKind.PROPOSAL, by=by)
    statement.carried_to = entry
    statement.carried_numbers = carried
    statement.carried_at = timezone.now()
    statement.save(update_fields=["carried_to", "carried_numbers", "carried_at"])
    return entry
