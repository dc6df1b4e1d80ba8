"""What a phone takes into the field: the member's own list, only the fields needed.

"Their list" is the people they keep the tie with (`responsible`) among those the visibility
rule gives them, with what they need at the door: the last conversation, levels, open
follow-ups and the line to bring when a round is returning.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from massline import access
from massline.conversations.models import Conversation
from massline.organization.models import Member
from massline.people.models import Person
from massline.rounds.models import Line, RoundState
from massline.rounds.selectors import return_list

NOTE_LENGTH = 280


def assigned_people(member: Member) -> QuerySet[Person]:
    return access.visible_people(member).filter(responsible=member)


def returning_lines(member: Member) -> QuerySet[Line]:
    return (
        Line.objects.filter(
            round__in=access.visible_rounds(member),
            round__state=RoundState.RETURNING,
            published_at__isnull=False,
        )
        .select_related("round__struggle")
        .order_by("id")
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def field_list(member: Member) -> tuple[dict, list[Person]]:
    """The list as JSON-ready data, and the people in it (for the audit log)."""
    now = timezone.now()
    visible_last = access.visible_conversations(member).filter(people=OuterRef("pk"))
    people = list(
        assigned_people(member)
        .annotate(
            last_conversation_id=Subquery(
                visible_last.order_by("-happened_at", "-id").values("pk")[:1]
            )
        )
        .select_related("place")
        .order_by("last_name", "first_name", "id")
    )
    ids = [person.pk for person in people]
    conversations = {
        conversation.pk: conversation
        for conversation in Conversation.objects.filter(
            pk__in=[p.last_conversation_id for p in people if p.last_conversation_id]
        )
    }
    struggles = list(access.visible_struggles(member).filter(is_active=True).order_by("name"))
    levels: dict[int, dict[int, dict]] = {}
    history = access.visible_assessments(member).filter(
        person_id__in=ids, struggle__in=access.visible_struggles(member)
    )
    for assessment in history.order_by("person_id", "struggle_id", "-assessed_at", "-id").only(
        "person_id", "struggle_id", "level", "assessed_at"
    ):
        levels.setdefault(assessment.person_id, {}).setdefault(
            assessment.struggle_id,
            {
                "struggle": assessment.struggle_id,
                "level": assessment.level,
                "on": _iso(assessment.assessed_at),
            },
        )
    follow_ups: dict[int, list[dict]] = {}
    for follow_up in access.visible_follow_ups(member).filter(
        person_id__in=ids, done_at__isnull=True
    ):
        follow_ups.setdefault(follow_up.person_id, []).append(
            {"id": follow_up.pk, "due_on": follow_up.due_on.isoformat(), "note": follow_up.note}
        )
    lines = []
    for line in returning_lines(member):
        version = line.versions.order_by("-number").first()
        if version is None:
            continue
        bring_to = [
            {"person": person.pk, "level": person.current_level or "", "answered": person.answered}
            for person in return_list(member, line)
        ]
        lines.append(
            {
                "id": line.pk,
                "round": line.round.question,
                "struggle": line.round.struggle_id,
                "concern": version.concern,
                "action": version.action,
                "rationale": version.rationale,
                "people": bring_to,
            }
        )
    data = {
        "prepared_at": now.isoformat(),
        "expires_at": (now + timedelta(hours=settings.MASSLINE_FIELD_LIST_HOURS)).isoformat(),
        "member": {"id": member.pk, "name": member.get_full_name() or member.get_username()},
        "people": [
            {
                **_person(person),
                "last_conversation": _conversation(conversations.get(person.last_conversation_id)),
                "levels": list(levels.get(person.pk, {}).values()),
                "follow_ups": follow_ups.get(person.pk, []),
            }
            for person in people
        ],
        "struggles": [{"id": s.pk, "name": s.name} for s in struggles],
        "places": [
            {"id": place.pk, "name": place.name, "unit": place.unit_id}
            for place in access.visible_places(member).order_by("name")
        ],
        "units": [
            {"id": unit.pk, "name": unit.name}
            for unit in access.visible_units(member).order_by("path")
        ],
        "lines": lines,
    }
    return data, people


def _person(person: Person) -> dict:
    return {
        "id": person.pk,
        "version": person.version,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "place": person.place_id,
        "unit": person.unit_id,
        "last_contact_at": _iso(person.last_contact_at),
    }


def _conversation(conversation: Conversation | None) -> dict | None:
    if conversation is None:
        return None
    notes = conversation.notes
    return {
        "happened_at": _iso(conversation.happened_at),
        "kind": conversation.kind,
        "mood": conversation.mood,
        "notes": notes if len(notes) <= NOTE_LENGTH else notes[: NOTE_LENGTH - 1] + "…",
    }
