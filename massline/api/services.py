"""The API's writes: each hands over to the service the pages use, with the same rules.

Where the pages themselves save a form (places, struggles, a person's creation, ideas and
follow-ups outside a conversation), the write is here, in one transaction, with the rule
the page's form applies (only managed units for places and struggles).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.api.models import Tag, Tagging
from massline.conversations.models import Conversation, FollowUp
from massline.conversations.services import (
    ConversationRecord,
    complete_follow_up,
    record_conversation,
    refresh_last_contact,
)
from massline.ideas.models import Idea
from massline.ideas.services import spoken_language
from massline.organization.models import Member, Unit
from massline.organization.services import save_unit
from massline.people.models import Person, Place
from massline.people.services import duplicates_of, update_person
from massline.rounds import services as rounds
from massline.rounds.models import Action, Line, PoolEntry, Reception, Round, Theme
from massline.struggles.models import Assessment, Struggle
from massline.struggles.services import record_assessments

SEALED_OR_PLAIN = ("phone", "email")


def _require_managed(member: Member, unit_id: int | None) -> None:
    if not access.managed_units(member).filter(pk=unit_id).exists():
        raise PermissionDenied(_("Only the unit's admins change this."))


def _assign(obj: object, data: dict) -> None:
    for name, value in data.items():
        setattr(obj, name, value)


# --- the organization ----------------------------------------------------------------------


def save_api_unit(member: Member, data: dict, unit: Unit | None = None) -> Unit:
    if unit is not None:
        _require_managed(member, unit.pk)
    unit = unit or Unit()
    _assign(unit, data)
    if not member.is_superuser:
        _require_managed(member, unit.parent_id)
    return save_unit(unit)


@transaction.atomic
def save_place(member: Member, data: dict, place: Place | None = None) -> Place:
    if place is not None:
        _require_managed(member, place.unit_id)
    place = place or Place()
    _assign(place, data)
    _require_managed(member, place.unit_id)
    place.full_clean()
    place.save()
    return place


@transaction.atomic
def save_struggle(member: Member, data: dict, struggle: Struggle | None = None) -> Struggle:
    if struggle is not None:
        _require_managed(member, struggle.unit_id)
    struggle = struggle or Struggle()
    _assign(struggle, data)
    _require_managed(member, struggle.unit_id)
    struggle.save()
    return struggle


# --- people --------------------------------------------------------------------------------


@transaction.atomic
def create_person(member: Member, data: dict) -> Person:
    """A new person in a unit the member sees; refused when the phone or email is already
    someone's among the people the member sees (the import's dedupe rule)."""
    visible = access.visible_people(member)
    for name in SEALED_OR_PLAIN:
        value = data.get(name)
        if value and duplicates_of(visible, **{"phone": "", "email": "", name: value}).exists():
            raise ValidationError({name: _("Someone with this %s is already recorded.") % name})
    data.setdefault("responsible", member)
    person = Person(
        unit=data["unit"],
        first_name=data["first_name"],
        last_name=data.get("last_name", ""),
        place=data.get("place"),
        responsible=data.get("responsible"),
        notes=data.get("notes", ""),
    )
    for name in SEALED_OR_PLAIN:
        setattr(person, name, data.get(name, ""))
    person.save()
    return person


def change_person(person: Person, data: dict, expected_version: int) -> Person:
    return update_person(person, data, expected_version=expected_version)


def tag_person(person: Person, names: list[str]) -> list[Tag]:
    """Add tags by name (made in the person's unit when new); tags already on stay once."""
    tags = []
    for name in dict.fromkeys(n.strip()[:100] for n in names if n.strip()):
        tag, _created = Tag.objects.get_or_create(unit_id=person.unit_id, name=name)
        Tagging.objects.get_or_create(person=person, tag=tag)
        tags.append(tag)
    return tags


@transaction.atomic
def record_assessment(member: Member, data: dict) -> Assessment:
    (assessment,) = record_assessments(
        [data["person"]],
        data["struggle"],
        level=data.get("level") or None,
        score=data.get("score"),
        by=member,
        note=data.get("note", ""),
    )
    return assessment


# --- conversations, ideas, follow-ups --------------------------------------------------------


def create_conversation(member: Member, data: dict) -> Conversation:
    record = ConversationRecord(
        unit=data["unit"],
        people=list(data["people"]),
        kind=data["kind"],
        happened_at=data.get("happened_at") or timezone.now(),
        place=data.get("place"),
        notes=data.get("notes", ""),
        mood=data.get("mood", ""),
    )
    return record_conversation(record, by=member)


@transaction.atomic
def change_conversation(conversation: Conversation, data: dict) -> Conversation:
    people = data.pop("people", None)
    _assign(conversation, data)
    conversation.save()
    before = set(conversation.people.values_list("pk", flat=True))
    if people is not None:
        conversation.people.set(people)
    refresh_last_contact(sorted(before | set(conversation.people.values_list("pk", flat=True))))
    return conversation


@transaction.atomic
def save_idea(member: Member, data: dict, idea: Idea | None = None) -> Idea:
    if idea is None:
        idea = Idea(recorded_by=member)
        if not data.get("language"):
            data["language"] = spoken_language([data.get("person")], member)
    _assign(idea, data)
    idea.save()
    return idea


@transaction.atomic
def save_follow_up(member: Member, data: dict, follow_up: FollowUp | None = None) -> FollowUp:
    done = data.pop("done", None)
    if follow_up is None:
        follow_up = FollowUp(owner=member)
    _assign(follow_up, data)
    follow_up.save()
    if done:
        complete_follow_up(follow_up)
    elif done is False and follow_up.done_at is not None:
        follow_up.done_at = None
        follow_up.save(update_fields=["done_at"])
    return follow_up


# --- rounds --------------------------------------------------------------------------------


def open_round(member: Member, data: dict) -> Round:
    gather_from = data.get("gather_from") or timezone.now()
    return rounds.open_round(
        struggle=data["struggle"],
        leading_unit=data["leading_unit"],
        units=data["units"],
        question=data["question"],
        gather_from=gather_from,
        gather_until=data["gather_until"],
        by=member,
    )


@transaction.atomic
def change_round(member: Member, round_: Round, data: dict) -> Round:
    """Only the leading unit changes a round; its state moves one step at a time."""
    if not rounds.leads(member, round_):
        raise PermissionDenied(_("Only the leading unit changes the round."))
    state = data.pop("state", None)
    units = data.pop("units", None)
    if data:
        _assign(round_, data)
        if round_.gather_until <= round_.gather_from:
            raise rounds.RoundError(
                {"gather_until": _("The gathering window must end after it starts.")}
            )
        round_.save()
    if units is not None:
        round_.units.set(units)
    if state is not None and state != round_.state:
        if rounds.NEXT_STATE.get(rounds.RoundState(round_.state)) != state:
            raise rounds.RoundError({"state": _("A round moves one step at a time.")})
        rounds.advance(round_, by=member)
    return round_


def _provenance(round_: Round, data: dict) -> tuple[list[Theme], list[PoolEntry]]:
    themes = list(Theme.objects.filter(round=round_, pk__in=data.get("themes", [])))
    entries = list(PoolEntry.objects.filter(round=round_, pk__in=data.get("entries", [])))
    if len(themes) != len(set(data.get("themes", []))) or len(entries) != len(
        set(data.get("entries", []))
    ):
        raise rounds.RoundError(_("A line's provenance must come from its own round."))
    return themes, entries


def write_line(member: Member, data: dict, line: Line | None = None) -> Line:
    """A new line, or a new version of one (the earlier versions stay as its history)."""
    round_ = line.round if line is not None else data["round"]
    current = line.versions.order_by("-number").first() if line is not None else None
    if line is not None and "themes" not in data and "entries" not in data and current:
        themes, entries = list(current.themes.all()), list(current.entries.all())
    else:
        themes, entries = _provenance(round_, data)
    draft = rounds.LineDraft(
        concern=data.get("concern", current.concern if current else ""),
        action=data.get("action", current.action if current else ""),
        rationale=data.get("rationale", current.rationale if current else ""),
        change_note=data.get("change_note", ""),
    )
    version = rounds.write_line(round_, draft, themes=themes, entries=entries, by=member, line=line)
    return version.line


def record_reception(member: Member, data: dict, reception: Reception | None = None) -> Reception:
    line = reception.line if reception else data["line"]
    person = reception.person if reception else data["person"]
    return rounds.record_reception(
        line,
        person,
        response=data.get("response", reception.response if reception else ""),
        said=data.get("said", reception.said if reception else ""),
        by=member,
    )


def plan_action(member: Member, data: dict) -> Action:
    round_ = data.pop("round")
    return rounds.plan_action(round_, by=member, **data)


@transaction.atomic
def change_action(member: Member, action: Action, data: dict) -> Action:
    round_ = action.round
    if not (rounds.leads(member, round_) or rounds.member_units_in_round(member, round_).exists()):
        raise PermissionDenied(_("Only members taking part change actions."))
    _assign(action, data)
    action.save()
    return action
