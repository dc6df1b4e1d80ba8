"""The field app's server side: the list a phone takes, exactly-once sync, conflicts, wipes.

The phone itself (offline, encryption, Cache Storage) is driven in a real browser in
tests/browser/test_field.py; here the endpoints are held to their promises one by one.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from massline.audit.models import ReadEvent
from massline.conversations.models import Conversation
from massline.field import services
from massline.field.models import Device, EndReason
from massline.people.models import Person
from massline.people.services import update_person
from massline.rounds.models import Reception, RoundState
from tests.conftest import World, client_for
from tests.factories import PersonFactory

SECRET_FIELDS = ("email", "notes")


def _phone(member) -> tuple[Client, Device, str]:
    client = client_for(member)
    client.get(reverse("field_devices"))  # a session key exists once a page was served
    device, token = services.register_device(member, "Phone", client.session.session_key)
    client.defaults["HTTP_X_FIELD_DEVICE"] = token
    return client, device, token


def _post(client: Client, name: str, body: dict, key: str | None = None):
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(
        reverse(name), json.dumps(body), content_type="application/json", headers=headers
    )


def _returning(world: World):
    """Elm's round returning its published line, so it goes on Alice's list."""
    elm = world.elm
    elm.round.state = RoundState.RETURNING
    elm.round.save(update_fields=["state"])
    elm.line.published_at = timezone.now()
    elm.line.save(update_fields=["published_at"])
    return elm.line


# --- preparing -----------------------------------------------------------------------------


def test_the_list_holds_only_the_members_own_people_and_fields(world: World) -> None:
    _returning(world)
    elsewhere = PersonFactory(unit=world.elm.unit, first_name="Nadia", responsible=None)
    client, device, _ = _phone(world.elm.organizer)
    response = client.get(reverse("field_list"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    ids = {person["id"] for person in data["people"]}
    assert ids == {world.elm.person.pk}  # hers, not Nadia (no tie) nor Boris (sibling unit)
    assert elsewhere.pk not in ids
    body = response.content.decode()
    for secret in (world.building_c.person.first_name, world.building_c.person.phone):
        assert secret not in body
    amara = data["people"][0]
    assert amara["phone"] == world.elm.person.phone
    assert not set(SECRET_FIELDS) & set(amara)
    assert amara["last_conversation"]["kind"] == world.elm.conversation.kind
    assert amara["levels"] == [
        {
            "struggle": world.elm.struggle.pk,
            "level": world.elm.assessment.level,
            "on": world.elm.assessment.assessed_at.isoformat(),
        }
    ]
    assert [f["id"] for f in amara["follow_ups"]] == [world.elm.follow_up.pk]
    assert [line["id"] for line in data["lines"]] == [world.elm.line.pk]
    assert data["lines"][0]["people"][0]["person"] == world.elm.person.pk
    assert world.building_c.unit.pk not in {unit["id"] for unit in data["units"]}
    assert data["expires_at"] > data["prepared_at"]
    reads = ReadEvent.objects.filter(member=world.elm.organizer, action="view_person")
    assert list(reads.values_list("object_id", flat=True)) == [world.elm.person.pk]
    device.refresh_from_db()
    assert device.prepared_at is not None


def test_the_list_expires_after_the_configured_hours(world: World, settings) -> None:
    settings.MASSLINE_FIELD_LIST_HOURS = 3
    client, _, _ = _phone(world.elm.organizer)
    data = client.get(reverse("field_list")).json()
    prepared = timezone.datetime.fromisoformat(data["prepared_at"])
    expires = timezone.datetime.fromisoformat(data["expires_at"])
    assert (expires - prepared).total_seconds() == 3 * 3600


def test_the_list_needs_a_registered_phone(world: World) -> None:
    client = client_for(world.elm.organizer)
    assert client.get(reverse("field_list")).status_code == 400
    answer = client.get(reverse("field_list"), headers={"X-Field-Device": "made-up"})
    assert answer.status_code == 403 and answer.json()["wipe"] is True


def test_registering_keeps_only_a_digest_of_the_token(world: World) -> None:
    client = client_for(world.elm.organizer)
    csrf = client.get(reverse("field_hello")).json()["csrf"]
    assert csrf
    answer = client.post(
        reverse("field_register"), json.dumps({"name": "Red phone"}), "application/json"
    )
    assert answer.status_code == 201
    token = answer.json()["token"]
    device = Device.objects.get(pk=answer.json()["device"])
    assert device.name == "Red phone" and device.member == world.elm.organizer
    assert token not in device.token_digest and device.token_digest == services.digest(token)


# --- who must log in, who must wipe ----------------------------------------------------------


def test_an_expired_session_asks_for_a_login_and_keeps_the_data(world: World) -> None:
    _, _, token = _phone(world.elm.organizer)
    answer = Client().get(reverse("field_hello"), headers={"X-Field-Device": token})
    assert answer.status_code == 401
    assert answer.json()["login"] is True and "wipe" not in answer.json()


def test_a_suspended_member_s_phone_is_told_to_wipe(world: World) -> None:
    _, _, token = _phone(world.elm.organizer)
    from massline.accounts.services import suspend

    suspend(world.elm.organizer, by=world.rosa)
    for name in ("field_hello", "field_list"):
        answer = Client().get(reverse(name), headers={"X-Field-Device": token})
        assert answer.status_code == 403 and answer.json()["wipe"] is True, name
        assert answer.json()["reason"] == EndReason.SUSPENDED


def test_a_phone_reported_lost_loses_its_session_and_is_told_to_wipe(world: World) -> None:
    phone, device, _ = _phone(world.elm.organizer)
    session_key = phone.session.session_key
    laptop = client_for(world.elm.organizer)
    page = laptop.get(reverse("field_devices"))
    assert "Phone" in page.content.decode()
    answer = laptop.post(reverse("field_device_lost", args=[device.pk]))
    assert answer.status_code == 302
    device.refresh_from_db()
    assert device.end_reason == EndReason.LOST and device.ended_by == world.elm.organizer
    assert not Session.objects.filter(session_key=session_key).exists()
    answer = phone.get(reverse("field_list"))
    assert answer.status_code == 403 and answer.json()["wipe"] is True
    assert _post(phone, "field_sync_person", {"first_name": "X"}).status_code == 403
    assert laptop.get(reverse("field_devices")).status_code == 200


def test_nobody_else_may_report_a_members_phone_lost(world: World) -> None:
    _, device, _ = _phone(world.elm.organizer)
    bob = client_for(world.building_c.organizer)
    assert bob.post(reverse("field_device_lost", args=[device.pk])).status_code == 404
    assert world.elm.person.first_name not in bob.get(reverse("field_devices")).content.decode()
    device.refresh_from_db()
    assert device.is_active


def test_another_members_login_on_the_phone_wipes_it(world: World) -> None:
    _, _, token = _phone(world.elm.organizer)
    bob = client_for(world.building_c.organizer)
    answer = bob.get(reverse("field_hello"), headers={"X-Field-Device": token})
    assert answer.status_code == 403 and answer.json()["reason"] == "other_member"


def test_logging_out_clears_site_data_and_ends_the_phone(world: World) -> None:
    client, device, _ = _phone(world.elm.organizer)
    answer = client.post(reverse("logout"))
    assert answer["Clear-Site-Data"] == '"cache", "storage"'
    device.refresh_from_db()
    assert device.end_reason == EndReason.LOGGED_OUT
    assert "Clear-Site-Data" not in Client().get(reverse("login")).headers


# --- exactly once ----------------------------------------------------------------------------


def _conversation(world: World) -> dict:
    return {
        "people": [world.elm.person.pk],
        "kind": "door_knock",
        "happened_at": timezone.now().isoformat(),
        "notes": "Talked on the stairs",
        "mood": "angry",
        "struggle": world.elm.struggle.pk,
        "levels": {str(world.elm.person.pk): "advanced"},
        "ideas": [{"kind": "concern", "text": "The boiler is out again"}],
        "follow_up_due": str(timezone.localdate() + timezone.timedelta(days=3)),
        "follow_up_with": world.elm.person.pk,
        "follow_up_note": "Bring the petition",
    }


def test_a_conversation_replayed_three_times_lands_once(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    before = Conversation.objects.count()
    key = str(uuid.uuid4())
    body = _conversation(world)
    answers = [_post(client, "field_sync_conversation", body, key) for _ in "abc"]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert len({a.json()["id"] for a in answers}) == 1
    assert Conversation.objects.count() == before + 1
    conversation = Conversation.objects.get(pk=answers[0].json()["id"])
    assert conversation.recorded_by == world.elm.organizer
    assert conversation.ideas.get().text == "The boiler is out again"
    assert conversation.follow_ups.get().note == "Bring the petition"
    assert world.elm.person.assessments.order_by("-assessed_at", "-id").first().level == "advanced"


def test_a_key_reused_for_another_write_is_refused(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    key = str(uuid.uuid4())
    assert _post(client, "field_sync_conversation", _conversation(world), key).status_code == 201
    other = {**_conversation(world), "notes": "Something else"}
    assert _post(client, "field_sync_conversation", other, key).status_code == 422


def test_a_write_without_a_key_is_refused(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    answer = client.post(
        reverse("field_sync_conversation"), json.dumps(_conversation(world)), "application/json"
    )
    assert answer.status_code == 400


def test_a_new_person_lands_once_with_the_member_keeping_the_tie(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    body = {
        "first_name": "Lena",
        "last_name": "Marsh",
        "phone": "+1 555 201 0042",
        "unit": world.elm.unit.pk,
        "place": world.elm.place.pk,
    }
    key = str(uuid.uuid4())
    first = _post(client, "field_sync_person", body, key)
    again = _post(client, "field_sync_person", body, key)
    assert first.status_code == again.status_code == 201
    lena = Person.objects.get(first_name="Lena")
    assert first.json()["id"] == again.json()["id"] == lena.pk
    assert lena.responsible == world.elm.organizer and lena.unit == world.elm.unit
    duplicate = _post(client, "field_sync_person", {**body, "first_name": "Lina"})
    assert duplicate.status_code == 400 and "phone" in duplicate.json()["errors"]
    assert not Person.objects.filter(first_name="Lina").exists()


def test_bad_input_is_refused_with_reasons_and_nothing_saved(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    before = Conversation.objects.count()
    bad = {**_conversation(world), "kind": "telepathy"}
    answer = _post(client, "field_sync_conversation", bad)
    assert answer.status_code == 400 and "kind" in answer.json()["errors"]
    assert _post(client, "field_sync_conversation", {"people": "x"}).status_code == 400
    assert (
        client.post(
            reverse("field_sync_conversation"),
            "not json",
            content_type="application/json",
            headers={"Idempotency-Key": "k"},
        ).status_code
        == 400
    )
    assert Conversation.objects.count() == before


# --- conflicts -------------------------------------------------------------------------------


def test_an_edit_made_to_an_old_version_shows_both_and_overwrites_nothing(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    amara = world.elm.person
    downloaded = amara.version
    update_person(amara, {"phone": "+15550009999"}, expected_version=downloaded)  # online
    body = {"person": amara.pk, "version": downloaded, "changes": {"phone": "+15550001111"}}
    answer = _post(client, "field_sync_person_change", body)
    assert answer.status_code == 409
    data = answer.json()
    assert data["theirs"]["phone"] == "+15550009999"
    assert data["yours"] == {"phone": "+15550001111"}
    amara.refresh_from_db()
    assert amara.phone == "+15550009999"
    keep_mine = {**body, "version": data["theirs"]["version"]}
    saved = _post(client, "field_sync_person_change", keep_mine)
    assert saved.status_code == 200
    amara.refresh_from_db()
    assert amara.phone == "+15550001111" and amara.version == saved.json()["version"]


def test_conversations_never_conflict_with_edits(world: World) -> None:
    client, _, _ = _phone(world.elm.organizer)
    update_person(world.elm.person, {"first_name": "Ama"}, expected_version=1)
    assert _post(client, "field_sync_conversation", _conversation(world)).status_code == 201


# --- receptions ----------------------------------------------------------------------------


def test_a_reception_recorded_in_the_field_lands_once(world: World) -> None:
    line = _returning(world)
    client, _, _ = _phone(world.elm.organizer)
    body = {"line": line.pk, "person": world.elm.person.pk, "response": "in_part", "said": "Maybe"}
    key = str(uuid.uuid4())
    assert _post(client, "field_sync_reception", body, key).status_code == 201
    assert _post(client, "field_sync_reception", body, key).status_code == 201
    reception = Reception.objects.get(line=line, person=world.elm.person)
    assert reception.response == "in_part" and reception.idea.text == "Maybe"
    bad = _post(client, "field_sync_reception", {**body, "response": "shrug"})
    assert bad.status_code == 400


# --- need-to-know ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "field_sync_person",
        "field_sync_person_change",
        "field_sync_conversation",
        "field_sync_reception",
    ],
)
def test_the_sibling_units_records_are_not_found(world: World, name: str) -> None:
    client, _, _ = _phone(world.elm.organizer)
    other = world.building_c
    bodies = {
        "field_sync_person": {"first_name": "Zed", "unit": other.unit.pk},
        "field_sync_person_change": {
            "person": other.person.pk,
            "version": other.person.version,
            "changes": {"phone": "+15550002222"},
        },
        "field_sync_conversation": {**_conversation(world), "people": [other.person.pk]},
        "field_sync_reception": {"line": other.line.pk, "person": other.person.pk},
    }
    before = (Conversation.objects.count(), Person.objects.count(), Reception.objects.count())
    answer = _post(client, name, bodies[name])
    assert answer.status_code in (400, 404)
    text = answer.content.decode()
    for secret in (other.person.first_name, other.person.last_name, other.person.phone):
        assert secret not in text
    after = (Conversation.objects.count(), Person.objects.count(), Reception.objects.count())
    assert after == before
    other.person.refresh_from_db()
    assert other.person.phone != "+15550002222"
    assert client.get(reverse(name)).status_code == 405


# --- the installable app -----------------------------------------------------------------------


def test_the_shell_is_the_same_for_everyone_and_holds_nothing_personal(world: World) -> None:
    anonymous = Client().get(reverse("field_app"))
    alice = client_for(world.elm.organizer).get(reverse("field_app"))
    assert anonymous.status_code == alice.status_code == 200
    assert anonymous.content == alice.content
    page = alice.content.decode()
    assert "csrfmiddlewaretoken" not in page and "alice" not in page.lower()
    assert world.elm.person.first_name not in page
    assert 'rel="manifest"' in page and "<script>" not in page


def test_the_worker_precaches_static_files_and_the_shell_only(world: World) -> None:
    answer = Client().get(reverse("field_sw"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Cache-Control"] == "no-cache"
    source = answer.content.decode()
    assert "self.__WB_MANIFEST" not in source
    assert '"url": "/field/app/"' in source
    assert "/static/field/build/app.js" in source
    assert "/api/" not in source.split("precacheAndRoute")[0][-4000:]


def test_the_manifest_makes_the_app_installable(world: World) -> None:
    answer = Client().get(reverse("field_manifest"))
    manifest = json.loads(answer.content)
    assert answer["Content-Type"] == "application/manifest+json"
    assert manifest["start_url"] == reverse("field_app") and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert Client().get(icon["src"]).status_code == 200


def test_pages_link_the_manifest_and_the_worker_for_members_only(world: World) -> None:
    page = client_for(world.elm.organizer).get(reverse("my_work")).content.decode()
    assert reverse("field_manifest") in page and "field/build/register.js" in page
    login = Client().get(reverse("login")).content.decode()
    assert "register.js" not in login
    # held at the second-factor page, the worker's URL would redirect: no registration there
    code_page = client_for(world.elm.organizer).get(reverse("two_factor_setup")).content.decode()
    assert "register.js" not in code_page


def test_members_pages_stay_out_of_the_browsers_disk_cache(world: World) -> None:
    page = client_for(world.elm.organizer).get(reverse("people_list"))
    assert "no-store" in page["Cache-Control"]
    assert "Cache-Control" not in Client().get(reverse("field_app")).headers
    assert Client().get(reverse("field_sw"))["Cache-Control"] == "no-cache"
