"""Writes of the field app: phones (register, revoke, end) and the writes a phone replays.

Every write a phone sends goes through the service the web pages use (people's forms and
`update_person`, `record_conversation`, `record_reception`), so the field app has no rules of
its own to drift from theirs. Exactly-once is the idempotency app's job, applied in the views.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.accounts.services import can_suspend
from massline.conversations.forms import ConversationForm
from massline.conversations.models import Conversation
from massline.conversations.services import record_conversation
from massline.field.models import Device, EndReason
from massline.organization.models import Member
from massline.people.forms import PersonForm
from massline.people.models import Person
from massline.people.services import ConcurrentEditError, duplicates_of, update_person
from massline.rounds.models import Line, Reception, Response, RoundState
from massline.rounds.services import record_reception

# What a phone may change on a person: what the list gave it, nothing more.
EDITABLE = ("first_name", "last_name", "phone", "place")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- devices -----------------------------------------------------------------------------


def register_device(member: Member, name: str, session_key: str) -> tuple[Device, str]:
    """A new phone: the token is returned once and only its digest is kept."""
    token = secrets.token_urlsafe(32)
    device = Device.objects.create(
        member=member,
        name=(name.strip() or _("Phone"))[:80],
        token_digest=digest(token),
        session_key=session_key or "",
        last_seen_at=timezone.now(),
    )
    return device, token


def device_for_token(token: str) -> Device | None:
    if not token or len(token) > 200:
        return None
    return Device.objects.select_related("member").filter(token_digest=digest(token)).first()


def seen(device: Device, session_key: str | None, *, prepared: bool = False) -> None:
    """Remember the phone's current session, so reporting it lost can end that session."""
    now = timezone.now()
    changes = {"last_seen_at": now, "session_key": session_key or device.session_key}
    if prepared:
        changes["prepared_at"] = now
    Device.objects.filter(pk=device.pk).update(**changes)
    for name, value in changes.items():
        setattr(device, name, value)


def may_end(by: Member, device: Device) -> bool:
    """The phone's owner may end it; so may whoever may suspend the owner."""
    return by.pk == device.member_id or by.is_superuser or can_suspend(by, device.member)


@transaction.atomic
def report_lost(device: Device, *, by: Member) -> Device:
    """Revoke a phone: its session ends now and, at its next contact, it is told to wipe."""
    if not may_end(by, device):
        raise PermissionDenied(_("You may not revoke this phone."))
    if device.ended_at is None:
        device.ended_at = timezone.now()
        device.end_reason = EndReason.LOST
        device.ended_by = by
        device.save(update_fields=["ended_at", "end_reason", "ended_by"])
    if device.session_key:
        Session.objects.filter(session_key=device.session_key).delete()
    return device


def end_for_session(session_key: str | None, member: Member) -> int:
    """Logging out ends the phones that used this session (their data is wiped with it)."""
    if not session_key:
        return 0
    return Device.objects.filter(
        member=member, session_key=session_key, ended_at__isnull=True
    ).update(ended_at=timezone.now(), end_reason=EndReason.LOGGED_OUT, ended_by=member)


def refusal_of(device: Device | None, user: Member) -> str:
    """Why a phone must wipe itself, or "" when it may carry on."""
    if device is None:
        return ""
    if device.ended_at is not None:
        return device.end_reason or EndReason.LOST
    if not device.member.is_active:
        return EndReason.SUSPENDED
    if user.is_authenticated and user.pk != device.member_id:
        return "other_member"
    return ""


# --- the writes a phone replays ------------------------------------------------------------


class Rejected(Exception):
    """The write is invalid; `errors` says why, per field where it can."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {"__all__": [errors]} if isinstance(errors, str) else errors
        super().__init__(str(self.errors))


class NotVisible(Exception):
    """The record is not one the member may see (answered as not found)."""


@dataclass
class Conflict(Exception):
    """The person changed online since the phone downloaded them: both versions, unmerged."""

    theirs: dict[str, object]
    yours: dict[str, object]
    detail: str = field(default="")


def person_fields(person: Person) -> dict[str, object]:
    """The fields a phone holds of a person (also what a conflict shows as 'theirs')."""
    return {
        "id": person.pk,
        "version": person.version,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "place": person.place_id,
        "unit": person.unit_id,
    }


def _person_form(member: Member, data: QueryDict, instance: Person | None = None) -> PersonForm:
    return PersonForm(
        data,
        instance=instance,
        units=access.visible_units(member),
        places=access.visible_places(member),
        members=access.visible_members(member),
    )


def _query(values: dict[str, object]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(item) for item in value])
        elif value is not None:
            data[key] = str(value)
    return data


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise Rejected({name: [_("Expected text.")]})
    return str(value)


def _id(value: object, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise Rejected({name: [_("Expected a record number.")]})
    return int(value)


@transaction.atomic
def add_person(member: Member, body: dict) -> Person:
    """A person met in the field: the people form's rules, the member keeps the tie."""
    values = {
        "first_name": _text(body, "first_name"),
        "last_name": _text(body, "last_name"),
        "phone": _text(body, "phone"),
        "email": "",
        "unit": _id(body.get("unit"), "unit"),
        "place": _id(body.get("place"), "place"),
        "responsible": member.pk,
        "notes": "",
    }
    form = _person_form(member, _query(values))
    if not form.is_valid():
        raise Rejected(_errors(form))
    phone = form.cleaned_data["phone"]
    if phone and duplicates_of(access.visible_people(member), phone=phone, email="").exists():
        raise Rejected({"phone": [_("Someone with this phone is already recorded.")]})
    return form.save()


def _errors(form) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


@transaction.atomic
def change_person(member: Member, body: dict) -> Person:
    """An edit made offline lands only on the version it was made to; else both are shown."""
    person_id = _id(body.get("person"), "person")
    person = access.visible_people(member).filter(pk=person_id).first() if person_id else None
    if person is None:
        raise NotVisible
    changes = body.get("changes")
    if not isinstance(changes, dict) or not changes or set(changes) - set(EDITABLE):
        raise Rejected(_("Say what changed: first name, last name, phone or place."))
    expected = _id(body.get("version"), "version")
    if expected is None:
        raise Rejected({"version": [_("The version the edit was made to is missing.")]})
    current = person_fields(person)
    data = {**current, **{name: changes[name] for name in EDITABLE if name in changes}}
    values = {
        **{name: data[name] for name in ("first_name", "last_name", "phone", "place", "unit")},
        "email": person.email,
        "responsible": person.responsible_id,
        "notes": person.notes,
    }
    form = _person_form(member, _query(values), instance=Person.objects.get(pk=person.pk))
    if not form.is_valid():
        raise Rejected(_errors(form))
    cleaned = {name: form.cleaned_data[name] for name in changes}
    if expected != person.version:
        raise Conflict(theirs=current, yours=dict(changes))
    try:
        return update_person(person, cleaned, expected_version=expected)
    except ConcurrentEditError as error:
        person.refresh_from_db()
        raise Conflict(
            theirs=person_fields(person), yours=dict(changes), detail=str(error)
        ) from None


@transaction.atomic
def add_conversation(member: Member, body: dict) -> Conversation:
    """A conversation from the field, through the web form's rules and the one service."""
    raw_people = body.get("people")
    if not isinstance(raw_people, list) or not raw_people:
        raise Rejected({"people": [_("Who was the conversation with?")]})
    ids = [_id(value, "people") for value in raw_people]
    people = list(access.visible_people(member).filter(pk__in=ids))
    if len(people) != len(set(ids)):
        raise NotVisible
    ideas = body.get("ideas") or []
    if not isinstance(ideas, list) or not all(isinstance(idea, dict) for idea in ideas):
        raise Rejected({"ideas": [_("Each idea needs a kind and some text.")]})
    levels = body.get("levels") or {}
    if not isinstance(levels, dict):
        raise Rejected({"levels": [_("Expected a level per person.")]})
    values: dict[str, object] = {
        "people": [person.pk for person in people],
        "kind": _text(body, "kind"),
        "happened_at": _text(body, "happened_at"),
        "unit": people[0].unit_id,
        "place": _id(body.get("place"), "place"),
        "mood": _text(body, "mood"),
        "notes": _text(body, "notes"),
        "struggle": _id(body.get("struggle"), "struggle"),
        "follow_up_due": _text(body, "follow_up_due"),
        "follow_up_owner": member.pk if body.get("follow_up_due") else "",
        "follow_up_with": str(_id(body.get("follow_up_with"), "follow_up_with") or ""),
        "follow_up_note": _text(body, "follow_up_note"),
        "idea-kind": [str(idea.get("kind", "")) for idea in ideas],
        "idea-text": [str(idea.get("text", "")) for idea in ideas],
        "language": _text(body, "language"),
    }
    for key, level in levels.items():
        values[f"level_{_id(key, 'levels')}"] = str(level or "")
    form = ConversationForm(
        _query(values),
        member=member,
        people=access.visible_people(member),
        units=access.visible_units(member),
        places=access.visible_places(member),
        struggles=access.visible_struggles(member).filter(is_active=True),
        members=access.visible_members(member),
    )
    if not form.is_valid():
        raise Rejected(_errors(form))
    if form.cleaned_data["happened_at"] > timezone.now() + timedelta(minutes=10):
        raise Rejected({"happened_at": [_("A conversation cannot happen in the future.")]})
    return record_conversation(form.to_record(None), by=member)


def add_reception(member: Member, body: dict) -> Reception:
    """How a person took the line, recorded where they said it."""
    line_id = _id(body.get("line"), "line")
    person_id = _id(body.get("person"), "person")
    line = (
        Line.objects.filter(
            pk=line_id, round__in=access.visible_rounds(member), published_at__isnull=False
        )
        .select_related("round__struggle")
        .first()
    )
    person = access.visible_people(member).filter(pk=person_id).first()
    if line is None or person is None:
        raise NotVisible
    if line.round.state != RoundState.RETURNING:
        raise Rejected(_("This round no longer takes receptions."))
    response = _text(body, "response")
    if response not in Response.values:
        raise Rejected({"response": [_("Choose how they took the line.")]})
    try:
        return record_reception(
            line, person, response=response, said=_text(body, "said")[:4000], by=member
        )
    except ValidationError as error:
        raise Rejected(" ".join(error.messages)) from None
