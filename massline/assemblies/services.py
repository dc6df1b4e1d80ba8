"""Every write of an assembly goes through here, so the rules of a democratic meeting hold
whether the request comes from a phone, the command line or a test: only members in good
standing who checked in vote, once; nothing is amended or voted after it closed; a vote needs
quorum; a carried motion lands in the unit's register in the same transaction as its result.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyKind,
    AssemblyState,
    Attendance,
    Ballot,
    BallotToken,
    Candidate,
    Decision,
    ItemState,
    Majority,
    Mandate,
    Minutes,
    MinutesState,
    Motion,
    MotionKind,
    MotionState,
    OfficeKind,
    QuorumRule,
    ReportBack,
    RollCallVote,
    Speaker,
    TokenReceipt,
    Vote,
    VoteMethod,
    VoteState,
)
from massline.organization.models import Member, Membership, Role, Unit, UnitKind
from massline.rounds import services as round_services
from massline.rounds.models import Action, Line, Round

ASSEMBLY_UNIT_KINDS = (UnitKind.MASS_ORGANIZATION, UnitKind.COMMITTEE)
CHAIR_ROLES = (Role.ORGANIZER, Role.LEAD, Role.ADMIN)
YES, NO, ABSTAIN = "yes", "no", "abstain"
TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")


class AssemblyError(ValidationError):
    """A step the meeting's rules do not allow; nothing was changed."""


def _refuse(message: str) -> None:
    raise AssemblyError(message)


# --- who is who ---------------------------------------------------------------------------


def members_in_good_standing(unit: Unit) -> QuerySet[Member]:
    """Active, unsuspended members with a membership in the unit or a unit below it (cadre
    bodies excluded: belonging to one makes nobody a member of the mass organization)."""
    memberships = (
        Membership.objects.filter(unit__path__startswith=unit.path)
        .exclude(unit__kind=UnitKind.CADRE_BODY)
        .values("member_id")
    )
    return Member.objects.filter(
        pk__in=memberships, is_active=True, suspended_at__isnull=True
    ).order_by("username")


def in_good_standing(member: Member, unit: Unit) -> bool:
    return member.is_authenticated and members_in_good_standing(unit).filter(pk=member.pk).exists()


def runs(member: Member, unit: Unit) -> bool:
    """Officers of the unit (organizers, leads, admins) and those who administer it call and
    chair its assemblies."""
    if not member.is_authenticated or not member.is_active:
        return False
    if member.is_superuser or access.managed_units(member).filter(pk=unit.pk).exists():
        return True
    return Membership.objects.filter(member=member, unit=unit, role__in=CHAIR_ROLES).exists()


def chairs(member: Member, assembly: Assembly) -> bool:
    return runs(member, assembly.unit)


def _require_chair(member: Member, assembly: Assembly) -> None:
    if not chairs(member, assembly):
        raise PermissionDenied(_("Only the unit's officers chair its assembly."))


def _require_open(assembly: Assembly) -> None:
    """Read from the database: the object in hand may be older than the last open/close."""
    state = Assembly.objects.filter(pk=assembly.pk).values_list("state", flat=True).first()
    if state != AssemblyState.OPEN:
        _refuse(_("The assembly is not in session."))


# --- scheduling ---------------------------------------------------------------------------


@dataclass
class Schedule:
    kind: str
    title: str
    starts_at: datetime
    quorum_rule: str
    quorum_number: int | None = None
    quorum_percent: int | None = None
    place: str = ""
    notice: str = ""


def _check_quorum_rule(schedule: Schedule) -> None:
    if schedule.quorum_rule == QuorumRule.NUMBER:
        if not schedule.quorum_number or schedule.quorum_number < 1:
            _refuse(_("A quorum by number needs a number of members of at least 1."))
    elif schedule.quorum_rule == QuorumRule.SHARE:
        if not schedule.quorum_percent or not 1 <= schedule.quorum_percent <= 100:
            _refuse(_("A quorum by share needs a percentage between 1 and 100."))
    else:
        _refuse(_("Choose a quorum rule."))


@transaction.atomic
def schedule_assembly(
    unit: Unit, schedule: Schedule, *, items: Iterable[str], by: Member
) -> Assembly:
    """Call an assembly of a mass organization or committee, with its agenda."""
    if unit.kind not in ASSEMBLY_UNIT_KINDS:
        _refuse(_("Only mass organizations and their committees hold assemblies."))
    if not runs(by, unit):
        raise PermissionDenied(_("Only the unit's officers call its assemblies."))
    _check_quorum_rule(schedule)
    if not schedule.title.strip():
        _refuse(_("Give the assembly a title."))
    if schedule.kind not in AssemblyKind.values:
        _refuse(_("Choose the kind of meeting."))
    assembly = Assembly.objects.create(
        unit=unit,
        kind=schedule.kind,
        title=schedule.title.strip(),
        starts_at=schedule.starts_at,
        place=schedule.place.strip(),
        notice=schedule.notice.strip(),
        quorum_rule=schedule.quorum_rule,
        quorum_number=schedule.quorum_number if schedule.quorum_rule == QuorumRule.NUMBER else None,
        quorum_percent=schedule.quorum_percent
        if schedule.quorum_rule == QuorumRule.SHARE
        else None,
        called_by=by,
    )
    for position, title in enumerate((t.strip() for t in items if t.strip()), start=1):
        AgendaItem.objects.create(assembly=assembly, position=position, title=title)
    Minutes.objects.create(assembly=assembly)
    return assembly


def add_item(assembly: Assembly, title: str, *, by: Member, description: str = "") -> AgendaItem:
    _require_chair(by, assembly)
    if not title.strip():
        _refuse(_("Give the item a title."))
    with transaction.atomic():
        locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if locked.state == AssemblyState.CLOSED:
            _refuse(_("The assembly is closed: its agenda can no longer change."))
        last = locked.items.aggregate(n=Max("position"))["n"] or 0
        return AgendaItem.objects.create(
            assembly=locked, position=last + 1, title=title.strip(), description=description
        )


def send_notice(assembly: Assembly, *, by: Member, notice: str = "") -> Assembly:
    """Record that the notice went out today (the date is part of the record)."""
    _require_chair(by, assembly)
    if assembly.state != AssemblyState.SCHEDULED:
        _refuse(_("The notice goes out before the assembly opens."))
    if notice.strip():
        assembly.notice = notice.strip()
    if not assembly.notice:
        _refuse(_("Write the notice first."))
    assembly.notice_sent_on = timezone.localdate()
    assembly.save(update_fields=["notice", "notice_sent_on"])
    return assembly


@transaction.atomic
def open_assembly(assembly: Assembly, *, by: Member) -> Assembly:
    _require_chair(by, assembly)
    assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
    if assembly.state != AssemblyState.SCHEDULED:
        _refuse(_("The assembly has already been opened."))
    assembly.state = AssemblyState.OPEN
    assembly.opened_at = timezone.now()
    assembly.members_at_opening = members_in_good_standing(assembly.unit).count()
    assembly.save(update_fields=["state", "opened_at", "members_at_opening"])
    return assembly


@transaction.atomic
def close_assembly(assembly: Assembly, *, by: Member) -> Assembly:
    _require_chair(by, assembly)
    assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
    _require_open(assembly)
    if Vote.objects.filter(motion__item__assembly=assembly, state=VoteState.OPEN).exists():
        _refuse(_("Close the open vote first."))
    assembly.items.exclude(state=ItemState.CLOSED).update(state=ItemState.CLOSED)
    assembly.state = AssemblyState.CLOSED
    assembly.closed_at = timezone.now()
    assembly.save(update_fields=["state", "closed_at"])
    return assembly


# --- attendance and quorum ----------------------------------------------------------------


@dataclass
class Quorum:
    present: int
    required: int
    base: int | None
    reached: bool


def quorum(assembly: Assembly) -> Quorum:
    present = assembly.attendance.count()
    if assembly.quorum_rule == QuorumRule.NUMBER:
        required, base = assembly.quorum_number or 1, None
    else:
        base = assembly.members_at_opening
        if base is None:
            base = members_in_good_standing(assembly.unit).count()
        required = max(1, math.ceil(base * (assembly.quorum_percent or 0) / 100))
    return Quorum(present=present, required=required, base=base, reached=present >= required)


def check_in(assembly: Assembly, member: Member, *, by: Member, remote: bool = False) -> Attendance:
    """A member checks in (on their phone in the room, or remote); the chair can check in
    someone else. Checking in twice changes nothing."""
    if by.pk != member.pk:
        _require_chair(by, assembly)
    assembly = Assembly.objects.select_related("unit").get(pk=assembly.pk)
    if assembly.state == AssemblyState.CLOSED:
        _refuse(_("The assembly is closed."))
    if not in_good_standing(member, assembly.unit):
        _refuse(_("Only members in good standing of %(unit)s check in.") % {"unit": assembly.unit})
    attendance, _created = Attendance.objects.get_or_create(
        assembly=assembly, member=member, defaults={"remote": remote, "checked_in_by": by}
    )
    return attendance


def _present(assembly: Assembly, member: Member) -> bool:
    return assembly.attendance.filter(member=member).exists()


# --- agenda items and the speakers' list --------------------------------------------------


@transaction.atomic
def open_item(item: AgendaItem, *, by: Member) -> AgendaItem:
    _require_chair(by, item.assembly)
    _require_open(item.assembly)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.state == ItemState.CLOSED:
        _refuse(_("This item is closed."))
    item.state = ItemState.OPEN
    item.save(update_fields=["state"])
    return item


@transaction.atomic
def close_item(item: AgendaItem, *, by: Member) -> AgendaItem:
    _require_chair(by, item.assembly)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.state == ItemState.CLOSED:
        _refuse(_("This item is already closed."))
    if item.motions.filter(state=MotionState.VOTING).exists():
        _refuse(_("A vote on this item is still open."))
    item.state = ItemState.CLOSED
    item.save(update_fields=["state"])
    return item


def set_new_speakers_first(item: AgendaItem, value: bool, *, by: Member) -> AgendaItem:
    _require_chair(by, item.assembly)
    item.new_speakers_first = value
    item.save(update_fields=["new_speakers_first"])
    return item


def add_speaker(item: AgendaItem, member: Member, *, by: Member) -> Speaker:
    """Put a member on the list (themselves, or by the chair); once while waiting."""
    if by.pk != member.pk:
        _require_chair(by, item.assembly)
    _require_open(item.assembly)
    item = AgendaItem.objects.select_related("assembly").get(pk=item.pk)
    if item.state != ItemState.OPEN:
        _refuse(_("The speakers' list is open only while the item is discussed."))
    if not _present(item.assembly, member):
        _refuse(_("Check in first to ask for the floor."))
    with transaction.atomic():
        AgendaItem.objects.select_for_update().get(pk=item.pk)
        if item.speakers.filter(member=member, spoke_at__isnull=True).exists():
            _refuse(_("Already on the speakers' list."))
        return Speaker.objects.create(item=item, member=member)


def mark_spoken(speaker: Speaker, *, by: Member) -> Speaker:
    _require_chair(by, speaker.item.assembly)
    if speaker.spoke_at is None:
        speaker.spoke_at = timezone.now()
        speaker.save(update_fields=["spoke_at"])
    return speaker


def speakers_queue(item: AgendaItem) -> list[Speaker]:
    """Who speaks next: in the order they asked, or those who have not spoken on this item
    yet first when the assembly chose so."""
    waiting = list(item.speakers.filter(spoke_at__isnull=True).select_related("member"))
    if not item.new_speakers_first:
        return waiting
    spoke = set(item.speakers.filter(spoke_at__isnull=False).values_list("member_id", flat=True))
    return sorted(waiting, key=lambda s: (s.member_id in spoke, s.added_at, s.pk))


# --- motions ------------------------------------------------------------------------------


def _require_can_move(item: AgendaItem, by: Member) -> None:
    item = AgendaItem.objects.select_related("assembly__unit").get(pk=item.pk)
    if item.state == ItemState.CLOSED:
        _refuse(_("This item is closed: no more motions or amendments."))
    if item.assembly.state == AssemblyState.CLOSED:
        _refuse(_("The assembly is closed."))
    if not in_good_standing(by, item.assembly.unit):
        _refuse(_("Only members in good standing put motions."))


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        _refuse(_("Write the text of the motion."))
    return text


def propose_motion(
    item: AgendaItem, text: str, *, by: Member, majority: str = Majority.SIMPLE
) -> Motion:
    _require_can_move(item, by)
    if majority not in Majority.values:
        _refuse(_("Choose the majority the motion needs."))
    text = _clean_text(text)
    return Motion.objects.create(
        item=item, text=text, proposed_text=text, proposed_by=by, majority=majority
    )


def lines_to_bring(member: Member) -> QuerySet[Line]:
    """Lines of the rounds the member can see, with at least one version."""
    return (
        Line.objects.filter(round__in=access.visible_rounds(member), versions__isnull=False)
        .select_related("round")
        .distinct()
    )


@transaction.atomic
def bring_line(
    item: AgendaItem, line: Line, *, by: Member, majority: str = Majority.SIMPLE
) -> Motion:
    """A line of a round put to the assembly in one step: its current version becomes the
    motion's text, and the line and version stay linked as its provenance. Proposing it
    decides nothing: it is the organization's only if its members carry it."""
    _require_can_move(item, by)
    if not lines_to_bring(by).filter(pk=line.pk).exists():
        raise PermissionDenied(_("Not found"))
    version = line.versions.order_by("-number").first()
    text = version.summary
    if version.rationale:
        text = f"{text}\n\n{version.rationale}"
    motion = Motion.objects.create(
        item=item,
        text=text,
        proposed_text=text,
        proposed_by=by,
        majority=majority,
        line=line,
        line_version=version,
    )
    return motion


@transaction.atomic
def propose_amendment(motion: Motion, text: str, *, by: Member) -> Motion:
    """An amendment proposes new words for a motion; carried, they replace its text."""
    motion = Motion.objects.select_for_update().select_related("item__assembly").get(pk=motion.pk)
    _require_can_move(motion.item, by)
    if motion.kind != MotionKind.MOTION:
        _refuse(_("Only a motion can be amended."))
    if motion.state != MotionState.PROPOSED:
        _refuse(_("The motion is no longer open to amendment."))
    text = _clean_text(text)
    if text == motion.text:
        _refuse(_("The amendment does not change the text."))
    return Motion.objects.create(
        item=motion.item,
        kind=MotionKind.AMENDMENT,
        amends=motion,
        text=text,
        proposed_text=text,
        proposed_by=by,
    )


@dataclass
class Office:
    office: str
    kind: str
    term_ends_on: date
    sent_to: str = ""
    mandate_text: str = ""


@transaction.atomic
def propose_election(
    item: AgendaItem, office: Office, candidates: Iterable[Member], *, by: Member
) -> Motion:
    _require_can_move(item, by)
    candidates = list(candidates)
    if not office.office.strip():
        _refuse(_("Name the office or delegation."))
    if office.kind not in OfficeKind.values:
        _refuse(_("Choose officer or delegate."))
    if office.term_ends_on <= timezone.localdate():
        _refuse(_("A term ends after today."))
    if not candidates:
        _refuse(_("Nominate at least one candidate."))
    unit = item.assembly.unit
    for candidate in candidates:
        if not in_good_standing(candidate, unit):
            _refuse(_("%(name)s is not a member in good standing.") % {"name": candidate})
    if office.kind == OfficeKind.DELEGATE and not office.sent_to.strip():
        _refuse(_("Say where the delegate is sent."))
    text = _("Elect %(office)s until %(end)s") % {
        "office": office.office.strip(),
        "end": office.term_ends_on.isoformat(),
    }
    motion = Motion.objects.create(
        item=item,
        kind=MotionKind.ELECTION,
        text=text,
        proposed_text=text,
        proposed_by=by,
        office=office.office.strip(),
        office_kind=office.kind,
        sent_to=office.sent_to.strip(),
        term_ends_on=office.term_ends_on,
        mandate_text=office.mandate_text.strip(),
    )
    Candidate.objects.bulk_create(Candidate(motion=motion, member=c) for c in candidates)
    return motion


def propose_recall(item: AgendaItem, mandate: Mandate, reason: str, *, by: Member) -> Motion:
    _require_can_move(item, by)
    if mandate.unit_id != item.assembly.unit_id:
        _refuse(_("An assembly recalls only the mandates its own unit gave."))
    if mandate.ended_on is not None:
        _refuse(_("This mandate has already ended."))
    text = _("Recall %(holder)s as %(office)s") % {
        "holder": mandate.holder,
        "office": mandate.office,
    }
    if reason.strip():
        text = f"{text}: {reason.strip()}"
    return Motion.objects.create(
        item=item,
        kind=MotionKind.RECALL,
        text=text,
        proposed_text=text,
        proposed_by=by,
        recalls=mandate,
    )


def withdraw(motion: Motion, *, by: Member) -> Motion:
    if by.pk != motion.proposed_by_id:
        _require_chair(by, motion.assembly)
    with transaction.atomic():
        motion = Motion.objects.select_for_update().get(pk=motion.pk)
        if motion.state != MotionState.PROPOSED:
            _refuse(_("Only a motion not yet voted on can be withdrawn."))
        motion.state = MotionState.WITHDRAWN
        motion.save(update_fields=["state"])
        motion.amendments.filter(state=MotionState.PROPOSED).update(state=MotionState.WITHDRAWN)
    return motion


# --- votes --------------------------------------------------------------------------------


def choices(motion: Motion) -> list[tuple[str, str]]:
    """The answers a ballot offers, as (value, label)."""
    if motion.kind == MotionKind.ELECTION:
        return [
            *[
                (f"candidate:{c.pk}", str(c.member))
                for c in motion.candidates.select_related("member")
            ],
            (NO, _("None of them")),
            (ABSTAIN, _("Abstain")),
        ]
    return [(YES, _("Yes")), (NO, _("No")), (ABSTAIN, _("Abstain"))]


def _require_choice(motion: Motion, choice: str) -> None:
    if choice not in {value for value, _label in choices(motion)}:
        _refuse(_("That is not one of the choices on this ballot."))


@transaction.atomic
def open_vote(motion: Motion, method: str, *, by: Member) -> Vote:
    """Put a motion to the vote: amendments before the motion they amend, with quorum."""
    motion = Motion.objects.select_for_update().select_related("item__assembly").get(pk=motion.pk)
    assembly = motion.item.assembly
    _require_chair(by, assembly)
    _require_open(assembly)
    if method not in VoteMethod.values:
        _refuse(_("Choose how the vote is taken."))
    if motion.item.state != ItemState.OPEN:
        _refuse(_("Open the item before voting on it."))
    if motion.state != MotionState.PROPOSED:
        _refuse(_("This motion is not waiting for a vote."))
    if motion.kind == MotionKind.AMENDMENT and motion.amends.state != MotionState.PROPOSED:
        _refuse(_("The motion this amends is no longer open to amendment."))
    if (
        motion.kind == MotionKind.MOTION
        and motion.amendments.filter(state__in=(MotionState.PROPOSED, MotionState.VOTING)).exists()
    ):
        _refuse(_("Vote on the amendments first."))
    if Vote.objects.filter(motion__item__assembly=assembly, state=VoteState.OPEN).exists():
        _refuse(_("Another vote is open; close it first."))
    status = quorum(assembly)
    if not status.reached:
        _refuse(
            _("No quorum: %(present)s present, %(required)s needed.")
            % {"present": status.present, "required": status.required}
        )
    motion.state = MotionState.VOTING
    motion.save(update_fields=["state"])
    return Vote.objects.create(
        motion=motion, method=method, present_at_opening=status.present, opened_by=by
    )


def _locked_open_vote(vote: Vote) -> Vote:
    vote = Vote.objects.select_for_update().select_related("motion__item__assembly").get(pk=vote.pk)
    if vote.state != VoteState.OPEN:
        _refuse(_("The vote is closed."))
    return vote


def may_vote(vote: Vote, member: Member) -> bool:
    """Whether the member could vote now (for the page; the writes check again)."""
    assembly = vote.motion.item.assembly
    return (
        vote.state == VoteState.OPEN
        and in_good_standing(member, assembly.unit)
        and _present(assembly, member)
    )


def _require_voter(vote: Vote, member: Member) -> None:
    assembly = vote.motion.item.assembly
    if not in_good_standing(member, assembly.unit):
        _refuse(_("Only members in good standing vote."))
    if not _present(assembly, member):
        _refuse(_("Check in to the assembly first: only members present vote."))


@transaction.atomic
def cast_roll_call(vote: Vote, member: Member, choice: str) -> RollCallVote:
    vote = _locked_open_vote(vote)
    if vote.method != VoteMethod.ROLL_CALL:
        _refuse(_("This vote is not taken by name."))
    _require_voter(vote, member)
    _require_choice(vote.motion, choice)
    if RollCallVote.objects.filter(vote=vote, member=member).exists():
        _refuse(_("You have already voted."))
    return RollCallVote.objects.create(vote=vote, member=member, choice=choice)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_for(token: str) -> str:
    """The receipt code a voter can look up among the ballots; not derivable from the
    token's stored hash, so the database cannot join the two."""
    return hashlib.sha256(f"receipt:{token}".encode()).hexdigest()


@transaction.atomic
def issue_token(vote: Vote, member: Member, token_hash: str) -> None:
    """Hand a member their one ballot token for a secret vote.

    The member's phone made the token and sends only its hash. Two rows are written that
    share nothing but the vote: the member received a token; a token with this hash exists.
    """
    vote = _locked_open_vote(vote)
    if vote.method != VoteMethod.SECRET:
        _refuse(_("This vote is not a secret ballot."))
    _require_voter(vote, member)
    token_hash = token_hash.strip().lower()
    if not TOKEN_RE.match(token_hash):
        _refuse(_("The ballot token is malformed."))
    if TokenReceipt.objects.filter(vote=vote, member=member).exists():
        _refuse(_("You have already received your ballot for this vote."))
    if BallotToken.objects.filter(token_hash=token_hash).exists():
        _refuse(_("This token has been used before; the phone must make a new one."))
    try:
        with transaction.atomic():
            TokenReceipt.objects.create(vote=vote, member=member)
            BallotToken.objects.create(vote=vote, token_hash=token_hash)
    except IntegrityError:
        _refuse(_("You have already received your ballot for this vote."))
    Vote.objects.filter(pk=vote.pk).update(tokens_issued=vote.tokens_issued + 1)


@transaction.atomic
def cast_ballot(vote: Vote, token: str, choice: str) -> str:
    """Cast a secret ballot with a token: the token is spent, the ballot keeps only the
    choice and a receipt. Returns the receipt code."""
    vote = _locked_open_vote(vote)
    if vote.method != VoteMethod.SECRET:
        _refuse(_("This vote is not a secret ballot."))
    token = token.strip().lower()
    if not TOKEN_RE.match(token):
        _refuse(_("The ballot token is malformed."))
    _require_choice(vote.motion, choice)
    spent = BallotToken.objects.filter(vote=vote, token_hash=hash_token(token), spent=False).update(
        spent=True
    )
    if spent != 1:
        if BallotToken.objects.filter(vote=vote, token_hash=hash_token(token)).exists():
            _refuse(_("This ballot has already been cast."))
        _refuse(_("This token was not issued for this vote."))
    receipt = receipt_for(token)
    Ballot.objects.create(vote=vote, choice=choice, receipt=receipt)
    return receipt


def record_count(vote: Vote, counts: dict[str, int], *, by: Member) -> Vote:
    """An open vote by show of hands: the chair records the counts and the vote closes."""
    with transaction.atomic():
        vote = _locked_open_vote(vote)
        _require_chair(by, vote.motion.item.assembly)
        if vote.method != VoteMethod.COUNTED:
            _refuse(_("Only a show of hands is counted by the chair."))
        allowed = {value for value, _label in choices(vote.motion)}
        if set(counts) - allowed or any(n < 0 for n in counts.values()):
            _refuse(_("Count every choice with a number of zero or more."))
        present = vote.motion.item.assembly.attendance.count()
        if sum(counts.values()) > present:
            _refuse(
                _("%(total)s votes counted but only %(present)s members are present.")
                % {"total": sum(counts.values()), "present": present}
            )
        return _close(vote, {k: int(v) for k, v in counts.items() if v})


def close_vote(vote: Vote, *, by: Member) -> Vote:
    with transaction.atomic():
        vote = _locked_open_vote(vote)
        _require_chair(by, vote.motion.item.assembly)
        if vote.method == VoteMethod.COUNTED:
            _refuse(_("Enter the counts to close a show of hands."))
        if vote.method == VoteMethod.ROLL_CALL:
            counts = Counter(vote.roll_call.values_list("choice", flat=True))
        else:
            counts = Counter(vote.ballots.values_list("choice", flat=True))
            _shuffle_secret_rows(vote)
            vote.ballots_cast = sum(counts.values())
            vote.tokens_unused = vote.tokens.filter(spent=False).count()
            issued = vote.tokens.count()
            if issued != vote.ballots_cast + vote.tokens_unused or issued != vote.tokens_issued:
                raise RuntimeError("ballot audit does not add up")  # never silently
        return _close(vote, dict(counts))


def _shuffle_secret_rows(vote: Vote) -> None:
    """Rewrite the tokens and ballots of a vote in random order with new random ids, so
    neither their ids nor where they sit on disk follow the order they were cast in."""
    ballots = [(b.choice, b.receipt) for b in vote.ballots.all()]
    tokens = [(t.token_hash, t.spent) for t in vote.tokens.all()]
    rng = random.SystemRandom()
    rng.shuffle(ballots)
    rng.shuffle(tokens)
    vote.ballots.all().delete()
    vote.tokens.all().delete()
    Ballot.objects.bulk_create(Ballot(vote=vote, choice=c, receipt=r) for c, r in ballots)
    BallotToken.objects.bulk_create(
        BallotToken(vote=vote, token_hash=h, spent=s) for h, s in tokens
    )


def outcome(motion: Motion, counts: dict[str, int]) -> tuple[bool, str | None]:
    """Apply the majority rule (abstentions do not count): carried or not, and for an
    election the winning choice."""

    def passes(votes_for: int, votes_cast: int) -> bool:
        if votes_for == 0:
            return False
        if motion.majority == Majority.TWO_THIRDS:
            return votes_for * 3 >= votes_cast * 2
        return votes_for * 2 > votes_cast

    if motion.kind == MotionKind.ELECTION:
        cast = sum(n for k, n in counts.items() if k != ABSTAIN)
        best = max(
            (k for k in counts if k.startswith("candidate:")),
            key=lambda k: counts[k],
            default=None,
        )
        if best is not None and passes(counts[best], cast):
            return True, best
        return False, None
    yes, no = counts.get(YES, 0), counts.get(NO, 0)
    return passes(yes, yes + no), None


def _close(vote: Vote, counts: dict[str, int]) -> Vote:
    """Write the result and what follows from it, in the caller's transaction."""
    motion = vote.motion
    carried, winner = outcome(motion, counts)
    vote.counts = counts
    vote.state = VoteState.CLOSED
    vote.closed_at = timezone.now()
    vote.save()
    motion.state = MotionState.CARRIED if carried else MotionState.DEFEATED
    motion.decided_at = vote.closed_at
    motion.save(update_fields=["state", "decided_at"])
    if carried:
        _carry(motion, winner)
    return vote


def _carry(motion: Motion, winner: str | None) -> None:
    today = timezone.localdate()
    if motion.kind == MotionKind.AMENDMENT:
        Motion.objects.filter(pk=motion.amends_id).update(text=motion.text)
        return
    text = motion.text
    if motion.kind == MotionKind.ELECTION:
        candidate = Candidate.objects.select_related("member").get(pk=int(winner.split(":")[1]))
        Mandate.objects.create(
            unit=motion.assembly.unit,
            kind=motion.office_kind,
            office=motion.office,
            sent_to=motion.sent_to,
            holder=candidate.member,
            mandate_text=motion.mandate_text,
            elected_by=motion,
            term_starts_on=today,
            term_ends_on=motion.term_ends_on,
        )
        text = _("%(name)s elected %(office)s until %(end)s") % {
            "name": candidate.member,
            "office": motion.office,
            "end": motion.term_ends_on.isoformat(),
        }
    elif motion.kind == MotionKind.RECALL:
        Mandate.objects.filter(pk=motion.recalls_id, ended_on__isnull=True).update(
            recalled_by=motion, ended_on=today
        )
    unit = Unit.objects.select_for_update().get(pk=motion.assembly.unit_id)
    number = (unit.decisions.aggregate(n=Max("number"))["n"] or 0) + 1
    Decision.objects.create(unit=unit, number=number, motion=motion, text=text, decided_on=today)


# --- minutes, decisions, mandates ---------------------------------------------------------


class StaleMinutes(AssemblyError):
    """Someone else saved the minutes since this draft was loaded."""


def save_minutes(minutes: Minutes, text: str, *, version: int, by: Member) -> Minutes:
    """Draft the minutes during the meeting; a save over someone else's newer draft is
    refused instead of silently overwriting it."""
    _require_chair(by, minutes.assembly)
    with transaction.atomic():
        current = Minutes.objects.select_for_update().get(pk=minutes.pk)
        if current.state == MinutesState.APPROVED:
            _refuse(_("Approved minutes are not changed."))
        if current.version != version:
            raise StaleMinutes(
                _(
                    "Someone else saved the minutes meanwhile; "
                    "your text is below, theirs is now the draft."
                )
            )
        current.text = text.strip()
        current.version += 1
        current.updated_by = by
        current.save()
        return current


@transaction.atomic
def approve_minutes(minutes: Minutes, *, at: Assembly, by: Member) -> Minutes:
    """Minutes are approved at the next assembly of the same unit, while it is in session."""
    _require_chair(by, at)
    minutes = Minutes.objects.select_for_update().select_related("assembly").get(pk=minutes.pk)
    if minutes.state == MinutesState.APPROVED:
        _refuse(_("These minutes are already approved."))
    if at.unit_id != minutes.assembly.unit_id or at.pk == minutes.assembly_id:
        _refuse(_("Minutes are approved at a later assembly of the same unit."))
    if minutes.assembly.state != AssemblyState.CLOSED:
        _refuse(_("Minutes are approved once their assembly has closed."))
    if at.starts_at < minutes.assembly.starts_at:
        _refuse(_("Minutes are approved at a later assembly of the same unit."))
    _require_open(at)
    if not quorum(at).reached:
        _refuse(_("No quorum: the minutes wait."))
    minutes.state = MinutesState.APPROVED
    minutes.approved_at = at
    minutes.approved_by = by
    minutes.save()
    return minutes


def minutes_to_approve(assembly: Assembly) -> QuerySet[Minutes]:
    return Minutes.objects.filter(
        assembly__unit=assembly.unit,
        assembly__state=AssemblyState.CLOSED,
        assembly__starts_at__lte=assembly.starts_at,
        state=MinutesState.DRAFT,
    ).exclude(assembly=assembly)


@transaction.atomic
def act_on_decision(
    decision: Decision, round_: Round, *, by: Member, kind: str, title: str, happens_on: date
) -> Action:
    """A decision becomes an action of a round, through the round's own rules."""
    if not runs(by, decision.unit):
        raise PermissionDenied(_("Only the unit's officers turn decisions into actions."))
    if not access.visible_rounds(by).filter(pk=round_.pk).exists():
        raise PermissionDenied(_("Not found"))
    if not title.strip():
        _refuse(_("Give the action a title."))
    action = round_services.plan_action(
        round_, by=by, kind=kind, title=title.strip(), happens_on=happens_on
    )
    decision.actions.add(action)
    return action


def report_back(
    mandate: Mandate, text: str, *, by: Member, assembly: Assembly | None = None
) -> ReportBack:
    """A delegate (or an officer of the unit) records what they reported back."""
    if by.pk != mandate.holder_id and not runs(by, mandate.unit):
        raise PermissionDenied(_("Only the delegate or the unit's officers record a report."))
    if not text.strip():
        _refuse(_("Write what was reported."))
    if assembly is not None and assembly.unit_id != mandate.unit_id:
        _refuse(_("Report to an assembly of the unit that gave the mandate."))
    return ReportBack.objects.create(mandate=mandate, text=text.strip(), assembly=assembly)
