"""Every write of study, pairs, notes and invitations goes through here, so the roles and the
invariants hold whether the request comes from a page, the demo or a test."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.ideas.models import Idea, IdeaKind
from massline.ideas.services import spoken_language
from massline.organization.models import Member, Membership, Role, Unit
from massline.people.models import Person
from massline.rounds.models import Line, PoolEntry, Round, RoundState
from massline.rounds.services import FIRST_CUT_STATES, member_units_in_round, round_unit_ids
from massline.struggles.models import Struggle
from massline.study.files import check_reading_file
from massline.study.models import (
    Answer,
    Invitation,
    InvitationKind,
    LeadNote,
    Pair,
    PersonMember,
    PresenterChange,
    Reading,
    StudyGroup,
    StudyQuestion,
    StudySession,
)

RUNNING_ROLES = (Role.ORGANIZER, Role.LEAD, Role.ADMIN)


class StudyError(ValidationError):
    """A step the data does not allow; the message says what to do instead."""


class ConcurrentEditError(StudyError):
    """Someone else saved the same thing after this editor opened it."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# --- who may do what ---------------------------------------------------------------------


def _holds_role(member: Member, unit: Unit, roles: Iterable[str]) -> bool:
    """A role in the unit itself or in a unit above it."""
    return Membership.objects.filter(
        member=member, unit_id__in=[*unit.ancestor_ids(), unit.pk], role__in=list(roles)
    ).exists()


def runs_unit(member: Member, unit: Unit) -> bool:
    """Organizers, leads and admins of a unit (or above) start its study groups."""
    if not access.visible_units(member).filter(pk=unit.pk).exists():
        return False
    return member.is_superuser or _holds_role(member, unit, RUNNING_ROLES)


def runnable_units(member: Member) -> QuerySet[Unit]:
    """Units whose study groups the member may start (organizer or above, and below)."""
    units = access.visible_units(member)
    if member.is_superuser:
        return units
    paths = Membership.objects.filter(member=member, role__in=RUNNING_ROLES).values_list(
        "unit__path", flat=True
    )
    match = Q(pk__in=[])
    for path in paths:
        match |= Q(path__startswith=path)
    return units.filter(match)


def leads_unit(member: Member, unit: Unit) -> bool:
    """Leads and admins of a unit (or above): pairs, notes, invitations, joining."""
    return access.led_units(member).filter(pk=unit.pk).exists()


def in_group(member: Member, group: StudyGroup) -> bool:
    return group.members.filter(pk=member.pk).exists()


def uses_group(member: Member, group: StudyGroup) -> bool:
    """Group members, and those who run its unit, plan sessions and keep the reading list."""
    return in_group(member, group) or runs_unit(member, group.unit)


def group_candidates(group: StudyGroup) -> QuerySet[Member]:
    """Who can be in a group: active members of its unit or of a unit below it."""
    return Member.objects.filter(
        is_active=True, memberships__unit__path__startswith=group.unit.path
    ).distinct()


# --- groups and readings -----------------------------------------------------------------


@transaction.atomic
def create_group(unit: Unit, *, name: str, description: str = "", by: Member) -> StudyGroup:
    """A new group starts with its creator and the members of the unit itself."""
    _require(runs_unit(by, unit), _("Only organizers and leads of a unit start its study groups."))
    if not name.strip():
        raise StudyError(_("A study group needs a name."))
    group = StudyGroup.objects.create(
        unit=unit, name=name.strip(), description=description.strip(), created_by=by
    )
    members = set(
        Membership.objects.filter(unit=unit, member__is_active=True).values_list(
            "member_id", flat=True
        )
    )
    group.members.set(members | {by.pk})
    return group


def _claim_version(rows: QuerySet, expected_version: int | None, refusal: str) -> None:
    """Move the row on to its next version, or refuse if someone saved it since the page
    (at `expected_version`) was read. Without a version (older clients) nothing is checked."""
    if expected_version is None:
        return
    if not rows.filter(version=expected_version).update(version=F("version") + 1):
        raise ConcurrentEditError(refusal)


@transaction.atomic
def set_members(
    group: StudyGroup,
    member_ids: Iterable[int],
    *,
    by: Member,
    expected_version: int | None = None,
) -> None:
    """Replace the group's membership with the ticked members (of its unit and below).

    With `expected_version` (the page's), a list changed by someone else since is refused.
    """
    _require(uses_group(by, group), _("Only the group and its organizers change who is in it."))
    _claim_version(
        StudyGroup.objects.filter(pk=group.pk),
        expected_version,
        _("Someone else changed who is in this group meanwhile: reload, then tick again."),
    )
    chosen = set(
        group_candidates(group).filter(pk__in=list(member_ids)).values_list("pk", flat=True)
    )
    if not chosen:
        raise StudyError(_("A study group needs at least one member."))
    group.members.set(chosen)


def add_reading(
    group: StudyGroup,
    *,
    title: str,
    by: Member,
    author: str = "",
    url: str = "",
    part: str = "",
    upload=None,
) -> Reading:
    """Add to the reading list. An upload is checked by content first: a bad file raises and
    nothing is stored, neither the row nor the bytes."""
    _require(uses_group(by, group), _("Only the group keeps its reading list."))
    if not title.strip():
        raise StudyError({"title": _("A reading needs a title.")})
    reading = Reading(
        group=group,
        title=title.strip(),
        author=author.strip(),
        url=url.strip(),
        part=part.strip(),
        added_by=by,
    )
    if upload is not None:
        try:
            reading.file_kind = check_reading_file(upload)
        except ValidationError as error:
            raise StudyError({"upload": error.messages}) from None
        reading.file_size = upload.size
        reading.original_name = (upload.name or "")[-255:]
    try:
        with transaction.atomic():
            if upload is not None:
                reading.file.save("upload", upload, save=False)
            reading.save()
    except Exception:
        if reading.file.name:
            reading.file.storage.delete(reading.file.name)
        raise
    return reading


# --- the presenter rotation ----------------------------------------------------------------


def presenter_order(group: StudyGroup, *, exclude: StudySession | None = None) -> list[Member]:
    """The group's members in the order they should present next: never presented first, then
    least recently presented, ties broken by name (then username), so it is deterministic.

    A session already planned counts as presenting, so its presenter goes to the back.
    """
    sessions = StudySession.objects.filter(group=group, presenter=OuterRef("pk"))
    if exclude is not None and exclude.pk:
        sessions = sessions.exclude(pk=exclude.pk)
    last = sessions.order_by("-held_at").values("held_at")[:1]
    return list(
        group.members.filter(is_active=True)
        .annotate(
            last_presented=Subquery(last),
            sort_name=Lower(Coalesce(NullIf("display_name", Value("")), "username")),
        )
        .order_by(F("last_presented").asc(nulls_first=True), "sort_name", "username", "pk")
    )


def suggest_presenter(group: StudyGroup, *, exclude: StudySession | None = None) -> Member | None:
    order = presenter_order(group, exclude=exclude)
    return order[0] if order else None


def _check_text(by: Member, group: StudyGroup, reading, summation_of, line) -> None:
    if reading is not None and reading.group_id != group.pk:
        raise StudyError({"reading": _("That reading is not on this group's list.")})
    rounds = access.visible_rounds(by)
    if summation_of is not None:
        _require(rounds.filter(pk=summation_of.pk).exists(), "Not found")
        if summation_of.state != RoundState.CLOSED:
            raise StudyError(
                {"summation_of": _("That round has no summation yet: it closes with one.")}
            )
    if line is not None:
        _require(rounds.filter(pk=line.round_id).exists(), "Not found")


@transaction.atomic
def plan_session(
    group: StudyGroup,
    *,
    held_at: datetime,
    by: Member,
    place: str = "",
    presenter: Member | None = None,
    reading: Reading | None = None,
    summation_of: Round | None = None,
    line: Line | None = None,
) -> StudySession:
    """Plan (or record) a session; the presenter defaults to the suggested one."""
    _require(uses_group(by, group), _("Only the group plans its sessions."))
    _check_text(by, group, reading, summation_of, line)
    suggestion = suggest_presenter(group)
    if presenter is None:
        presenter = suggestion
    elif not in_group(presenter, group):
        raise StudyError({"presenter": _("The presenter must be a member of the group.")})
    session = StudySession.objects.create(
        group=group,
        held_at=held_at,
        place=place.strip(),
        presenter=presenter,
        reading=reading,
        summation_of=summation_of,
        line=line,
        created_by=by,
    )
    if presenter is not None:
        PresenterChange.objects.create(
            session=session,
            kind=PresenterChange.Kind.ASSIGNED,
            to_member=presenter,
            suggested=suggestion is not None and presenter.pk == suggestion.pk,
            by=by,
        )
    return session


@transaction.atomic
def swap_presenter(session: StudySession, with_member: Member, *, by: Member) -> StudySession:
    """Hand the session to another member. If they were due to present a later session of the
    group, the two trade places; both changes are kept in the history."""
    group = session.group
    _require(uses_group(by, group), _("Only the group changes its presenters."))
    session = StudySession.objects.select_for_update().get(pk=session.pk)
    if not in_group(with_member, group):
        raise StudyError(_("The new presenter must be a member of the group."))
    if session.presenter_id == with_member.pk:
        raise StudyError(_("%(name)s already presents this session.") % {"name": with_member})
    previous = session.presenter
    theirs = (
        StudySession.objects.select_for_update()
        .filter(group=group, presenter=with_member, held_at__gt=timezone.now())
        .exclude(pk=session.pk)
        .order_by("held_at", "pk")
        .first()
    )
    session.presenter = with_member
    session.save(update_fields=["presenter"])
    PresenterChange.objects.create(
        session=session,
        kind=PresenterChange.Kind.SWAPPED,
        from_member=previous,
        to_member=with_member,
        by=by,
    )
    if theirs is not None and previous is not None:
        theirs.presenter = previous
        theirs.save(update_fields=["presenter"])
        PresenterChange.objects.create(
            session=theirs,
            kind=PresenterChange.Kind.SWAPPED,
            from_member=with_member,
            to_member=previous,
            by=by,
        )
    return session


# --- holding a session ---------------------------------------------------------------------


@transaction.atomic
def record_attendance(
    session: StudySession,
    member_ids: Iterable[int],
    *,
    by: Member,
    guest_ids: Iterable[int] = (),
    expected_version: int | None = None,
) -> StudySession:
    """Who came: members of the group, and invited people the recorder can see.

    With `expected_version` (the page's), a list saved by someone else since is not
    overwritten: the save is refused and they reload to see it.
    """
    _require(uses_group(by, session.group), _("Only the group records who came."))
    _claim_version(
        StudySession.objects.filter(pk=session.pk),
        expected_version,
        _("Someone else saved this session meanwhile: reload, then tick again."),
    )
    members = list(session.group.members.filter(pk__in=list(member_ids)))
    guests = list(access.visible_people(by).filter(pk__in=list(guest_ids)))
    session.attendees.set(members)
    session.guests.set(guests)
    return session


def save_notes(
    session: StudySession, notes: str, *, expected_version: int, by: Member
) -> StudySession:
    """Save the discussion notes unless someone else saved them since the editor opened them:
    the check and the write are one UPDATE, so two note-takers never silently overwrite."""
    _require(uses_group(by, session.group), _("Only the group writes its notes."))
    updated = StudySession.objects.filter(pk=session.pk, version=expected_version).update(
        notes=notes.strip(), version=F("version") + 1
    )
    if not updated:
        raise ConcurrentEditError(
            _(
                "Someone else saved the notes while you were writing. Yours were not saved: "
                "copy them, reload to see theirs, then add yours."
            )
        )
    session.refresh_from_db()
    return session


@transaction.atomic
def raise_question(session: StudySession, *, text: str, round_: Round, by: Member) -> StudyQuestion:
    """A question raised in study joins a round's pool as an idea (kind: question) in one
    step, linked back to the session. It is gathered through the study group's unit when
    that unit takes part, else through the raiser's own unit in the round."""
    _require(uses_group(by, session.group), _("Only the group raises its questions."))
    _require(access.visible_rounds(by).filter(pk=round_.pk).exists(), "Not found")
    text = text.strip()
    if not text:
        raise StudyError({"text": _("Write the question first.")})
    if round_.state not in FIRST_CUT_STATES:
        raise StudyError(
            _("That round is no longer taking ideas: it is %(state)s.")
            % {"state": round_.get_state_display().lower()}
        )
    if session.group.unit_id in round_unit_ids(round_):
        unit = session.group.unit
    else:
        unit = member_units_in_round(by, round_).order_by("-path").first()
    if unit is None:
        raise StudyError(_("Neither this group's unit nor yours takes part in that round."))
    idea = Idea.objects.create(
        unit=unit,
        struggle=round_.struggle,
        kind=IdeaKind.QUESTION,
        text=text,
        language=spoken_language(by=by),
        recorded_by=by,
    )
    entry = PoolEntry.of(round_, idea)
    entry.save()
    return StudyQuestion.objects.create(
        session=session, idea=idea, round=round_, entry=entry, raised_by=by
    )


# --- pairs and lead notes ------------------------------------------------------------------


def _in_unit(member: Member, unit: Unit) -> bool:
    return Membership.objects.filter(member=member, unit__path__startswith=unit.path).exists()


@transaction.atomic
def pair_up(unit: Unit, *, newer: Member, experienced: Member, by: Member) -> Pair:
    """Pair a newer member with an experienced one; a member has one open pair at a time."""
    _require(leads_unit(by, unit), _("Only the unit's leads make pairs."))
    if newer.pk == experienced.pk:
        raise StudyError(_("A pair is two different members."))
    if not (_in_unit(newer, unit) and _in_unit(experienced, unit)):
        raise StudyError(_("Both members must belong to %(unit)s.") % {"unit": unit})
    if Pair.objects.filter(newer=newer, ended_at__isnull=True).exists():
        raise StudyError(_("%(name)s already has a pair: end it first.") % {"name": newer})
    try:
        with transaction.atomic():
            return Pair.objects.create(
                unit=unit, newer=newer, experienced=experienced, created_by=by
            )
    except IntegrityError:
        raise StudyError(
            _("%(name)s already has a pair: end it first.") % {"name": newer}
        ) from None


def end_pair(pair: Pair, *, by: Member) -> Pair:
    _require(leads_unit(by, pair.unit), _("Only the unit's leads end pairs."))
    Pair.objects.filter(pk=pair.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    pair.refresh_from_db()
    return pair


def write_lead_note(subject: Member, *, unit: Unit, text: str, by: Member) -> LeadNote:
    _require(leads_unit(by, unit) and _in_unit(subject, unit), "Not found")
    if not text.strip():
        raise StudyError({"text": _("Write the note first.")})
    return LeadNote.objects.create(subject=subject, unit=unit, text=text.strip(), written_by=by)


# --- from advanced to organizer ------------------------------------------------------------


def invite(
    person: Person,
    *,
    unit: Unit,
    kind: str,
    by: Member,
    study_group: StudyGroup | None = None,
    struggle: Struggle | None = None,
    note: str = "",
) -> Invitation:
    """Record that a person was invited to a meeting, a study group or to join."""
    _require(leads_unit(by, unit), _("Only the unit's leads record invitations."))
    _require(access.visible_people(by).filter(pk=person.pk).exists(), "Not found")
    if kind not in InvitationKind.values:
        raise StudyError({"kind": _("Choose what they are invited to.")})
    if kind == InvitationKind.STUDY:
        if study_group is None:
            raise StudyError({"study_group": _("Choose the study group.")})
        _require(access.visible_study_groups(by).filter(pk=study_group.pk).exists(), "Not found")
    else:
        study_group = None
    if kind == InvitationKind.JOIN and PersonMember.objects.filter(person=person).exists():
        raise StudyError(_("%(name)s is already a member.") % {"name": person})
    return Invitation.objects.create(
        person=person,
        unit=unit,
        kind=kind,
        study_group=study_group,
        struggle=struggle,
        note=note.strip()[:500],
        invited_by=by,
    )


def record_answer(invitation: Invitation, *, answer: str, by: Member, note: str = "") -> Invitation:
    """Record their answer. Joining goes through `join_as_member`, which records it too."""
    _require(leads_unit(by, invitation.unit), _("Only the unit's leads record answers."))
    if answer not in Answer.values or answer == Answer.PENDING:
        raise StudyError({"answer": _("Choose their answer.")})
    if invitation.kind == InvitationKind.JOIN and answer == Answer.ACCEPTED:
        raise StudyError(_("To accept, make them a member: choose “Joins as a member”."))
    invitation.answer = answer
    invitation.answer_note = note.strip()[:500]
    invitation.answered_at = timezone.now()
    invitation.answer_recorded_by = by
    invitation.save(update_fields=["answer", "answer_note", "answered_at", "answer_recorded_by"])
    return invitation


@transaction.atomic
def join_as_member(
    invitation: Invitation,
    *,
    username: str,
    password: str,
    by: Member,
    display_name: str = "",
) -> PersonMember:
    """The person joins the inviting unit: a new account linked one-to-one to their existing
    person record, so their conversations, assessments and history stay theirs, not a copy."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    unit, person = invitation.unit, invitation.person
    _require(leads_unit(by, unit), _("Only the unit's leads make members."))
    _require(access.visible_people(by).filter(pk=person.pk).exists(), "Not found")
    if invitation.kind != InvitationKind.JOIN:
        raise StudyError(_("Invite them to join first."))
    if PersonMember.objects.filter(person=person).exists():
        raise StudyError(_("%(name)s is already a member.") % {"name": person})
    username = username.strip()
    if not username:
        raise StudyError({"username": _("Choose a username for the new account.")})
    if Member.objects.filter(username__iexact=username).exists():
        raise StudyError({"username": _("That username is taken: choose another.")})
    member = Member(
        username=username,
        display_name=(display_name or person.full_name).strip()[:150],
        first_name=person.first_name[:150],
        last_name=person.last_name[:150],
        email=person.email,
    )
    try:
        validate_password(password, member)
    except ValidationError as error:
        raise StudyError({"password": error.messages}) from None
    member.set_password(password)
    member.save()
    Membership.objects.create(member=member, unit=unit, role=Role.MEMBER)
    now = timezone.now()
    invitation.answer = Answer.ACCEPTED
    invitation.answered_at = now
    invitation.answer_recorded_by = by
    invitation.save(update_fields=["answer", "answered_at", "answer_recorded_by"])
    return PersonMember.objects.create(
        person=person, member=member, unit=unit, invitation=invitation, joined_at=now, linked_by=by
    )
