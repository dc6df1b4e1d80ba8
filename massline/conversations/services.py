"""Recording a conversation: one write that also lands its ideas, assessments and follow-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.ideas.services import spoken_language
from massline.organization.models import Member, Unit
from massline.people.models import Person, Place
from massline.struggles.models import Struggle
from massline.struggles.services import record_assessments


@dataclass
class IdeaRaised:
    kind: str
    text: str


@dataclass
class AssessmentGiven:
    person: Person
    level: str | None
    score: int | None


@dataclass
class FollowUpPlanned:
    person: Person
    owner: Member
    due_on: date
    note: str = ""


@dataclass
class ConversationRecord:
    unit: Unit
    people: list[Person]
    kind: str
    happened_at: datetime
    place: Place | None = None
    notes: str = ""
    mood: str = ""
    struggle: Struggle | None = None
    ideas: list[IdeaRaised] = field(default_factory=list)
    assessments: list[AssessmentGiven] = field(default_factory=list)
    follow_up: FollowUpPlanned | None = None
    language: str = ""  # what the ideas were said in; blank: the people's, else the member's


@transaction.atomic
def record_conversation(record: ConversationRecord, *, by: Member) -> Conversation:
    """Save a conversation with everything that came out of it, all or nothing."""
    conversation = Conversation.objects.create(
        unit=record.unit,
        kind=record.kind,
        happened_at=record.happened_at,
        place=record.place,
        notes=record.notes,
        mood=record.mood,
        recorded_by=by,
    )
    conversation.people.set(record.people)
    sole_person = record.people[0] if len(record.people) == 1 else None
    language = record.language or (spoken_language(record.people, by) if record.ideas else "")
    Idea.objects.bulk_create(
        Idea(
            unit=record.unit,
            conversation=conversation,
            person=sole_person,
            struggle=record.struggle,
            kind=idea.kind,
            text=idea.text,
            language=language,
            recorded_by=by,
            raised_at=record.happened_at,
        )
        for idea in record.ideas
    )
    if record.struggle is not None:
        for given in record.assessments:
            record_assessments(
                [given.person], record.struggle, level=given.level, score=given.score, by=by
            )
    if record.follow_up is not None:
        FollowUp.objects.create(
            person=record.follow_up.person,
            conversation=conversation,
            owner=record.follow_up.owner,
            due_on=record.follow_up.due_on,
            note=record.follow_up.note,
        )
    refresh_last_contact([person.pk for person in record.people])
    return conversation


def refresh_last_contact(person_ids: list[int]) -> None:
    """Keep Person.last_contact_at equal to their latest conversation."""
    latest = (
        Conversation.objects.filter(people__in=person_ids)
        .values("people")
        .annotate(latest=Max("happened_at"))
    )
    for row in latest:
        Person.objects.filter(pk=row["people"]).update(last_contact_at=row["latest"])


def complete_follow_up(follow_up: FollowUp) -> FollowUp:
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done_at"])
    return follow_up
