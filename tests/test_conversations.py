from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.people.models import Person
from massline.struggles.models import Assessment
from tests.conftest import World, client_for


def _post(world: World, **extra) -> dict:
    elm = world.elm
    data = {
        "people": [str(elm.person.pk)],
        "kind": "door_knock",
        "happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "unit": str(elm.unit.pk),
        "place": str(elm.place.pk),
        "mood": "angry",
        "notes": "Very angry about the increase.",
        "struggle": str(elm.struggle.pk),
        "idea-kind": ["concern", "proposal"],
        "idea-text": ["The rent went up 8%", "Withhold the increase together"],
        f"level_{elm.person.pk}": "advanced",
        f"score_{elm.person.pk}": "2",
        "follow_up_due": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "follow_up_owner": str(elm.organizer.pk),
        "follow_up_with": str(elm.person.pk),
        "follow_up_note": "Bring the flyer",
    }
    data.update(extra)
    return data


def test_record_conversation_with_ideas_assessment_and_follow_up(world: World) -> None:
    elm = world.elm
    response = client_for(elm.organizer).post(reverse("conversation_new"), _post(world))
    assert response.status_code == 302
    conversation = Conversation.objects.latest("id")
    assert list(conversation.people.all()) == [elm.person]
    assert conversation.recorded_by == elm.organizer
    ideas = Idea.objects.filter(conversation=conversation).order_by("id")
    assert [(i.kind, i.text, i.person, i.struggle) for i in ideas] == [
        ("concern", "The rent went up 8%", elm.person, elm.struggle),
        ("proposal", "Withhold the increase together", elm.person, elm.struggle),
    ]
    latest = Assessment.objects.filter(person=elm.person, struggle=elm.struggle).first()
    assert (latest.level, latest.score) == ("advanced", 2)
    assert Assessment.objects.filter(person=elm.person).count() == 2, "history is kept"
    follow_up = FollowUp.objects.get(conversation=conversation)
    assert (follow_up.person, follow_up.owner, follow_up.note) == (
        elm.person,
        elm.organizer,
        "Bring the flyer",
    )
    elm.person.refresh_from_db()
    assert elm.person.last_contact_at == conversation.happened_at
    timeline = client_for(elm.organizer).get(reverse("person_detail", args=[elm.person.pk]))
    assert "Withhold the increase together" in timeline.content.decode()


def test_new_person_on_the_spot(world: World) -> None:
    data = _post(
        world,
        people=[],
        new_first_name="Nadia",
        new_last_name="Rahman",
        new_phone="(555) 010-9999",
        level_new="intermediate",
        follow_up_with="new",
    )
    data.pop(f"level_{world.elm.person.pk}")
    response = client_for(world.elm.organizer).post(reverse("conversation_new"), data)
    assert response.status_code == 302
    nadia = Person.objects.get(first_name="Nadia")
    assert (nadia.unit, nadia.phone, nadia.responsible) == (
        world.elm.unit,
        "5550109999",
        world.elm.organizer,
    )
    assert nadia.assessments.get().level == "intermediate"
    assert FollowUp.objects.filter(person=nadia).exists()


def test_conversation_needs_someone_and_loses_nothing_on_error(world: World) -> None:
    data = _post(world, people=[], follow_up_due="2000-01-01")
    response = client_for(world.elm.organizer).post(reverse("conversation_new"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Who was the conversation with?" in body
    assert "cannot be due in the past" in body
    assert "Withhold the increase together" in body, "typed ideas are kept on the page"
    assert "Very angry about the increase." in body
    assert not Conversation.objects.filter(notes="Very angry about the increase.").exists()


def test_assessment_needs_a_struggle(world: World) -> None:
    data = _post(world, struggle="")
    response = client_for(world.elm.organizer).post(reverse("conversation_new"), data)
    assert "Say which struggle" in response.content.decode()


def test_cannot_record_with_people_of_a_sibling_unit(world: World) -> None:
    data = _post(world, people=[str(world.building_c.person.pk)])
    response = client_for(world.elm.organizer).post(reverse("conversation_new"), data)
    assert response.status_code == 200
    assert not world.building_c.person.conversations.exclude(
        pk=world.building_c.conversation.pk
    ).exists()


def test_person_rows_fragment_follows_the_chosen_people(world: World) -> None:
    alice = client_for(world.elm.organizer)
    response = alice.get(
        reverse("conversation_person_rows"),
        {"people": [world.elm.person.pk], "new_first_name": "Nadia"},
    )
    body = response.content.decode()
    assert f"Level of {world.elm.person.full_name}" in body
    assert "Level of Nadia" in body


def test_follow_up_done(world: World) -> None:
    follow_up = world.elm.follow_up
    response = client_for(world.elm.organizer).post(
        reverse("follow_up_done", args=[follow_up.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None


def test_my_work_shows_my_people_follow_ups_and_recent_conversations(world: World) -> None:
    body = client_for(world.elm.organizer).get(reverse("my_work")).content.decode()
    assert world.elm.person.full_name in body
    assert "Bring the flyer" in body
    assert "One-on-one" in body
