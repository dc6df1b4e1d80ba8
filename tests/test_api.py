"""The REST API: tokens, reads with audit, creates with idempotency, conditional updates,
bad input, and the OSDI signup helper."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from massline.accounts.services import suspend
from massline.api import tokens
from massline.api.models import ApiToken, Scope, Tag
from massline.audit.models import ReadEvent
from massline.idempotency.models import IdempotentWrite
from massline.people.models import Person
from tests.conftest import World, client_for


def api(member, scope: str = Scope.WRITE) -> Client:
    _token, raw = tokens.create_token(member, name="test", scope=scope, days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, url: str, data, **headers):
    body = data if isinstance(data, (bytes, str)) else json.dumps(data)
    return client.post(url, body, content_type="application/json", headers=headers)


def patch(client: Client, url: str, data, **headers):
    return client.patch(url, json.dumps(data), content_type="application/json", headers=headers)


PEOPLE = "/api/v1/people/"


def new_person(world: World, **extra) -> dict:
    return {"unit": world.elm.unit.pk, "first_name": "Nadia", "last_name": "Haddad", **extra}


# --- tokens -------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_a_digest(world: World) -> None:
    token, raw = tokens.create_token(world.elm.organizer, name="x", scope=Scope.READ, days=7)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in json.dumps(stored, default=str)
    assert tokens.check(raw) == token
    assert tokens.check(raw + "x") is None
    assert tokens.check(raw.replace(token.prefix, "0" * 12)) is None


def test_no_token_wrong_token_expired_or_revoked_is_401(world: World) -> None:
    assert Client().get(PEOPLE).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer ml_nope_nope").get(PEOPLE).status_code == 401
    token, raw = tokens.create_token(world.elm.organizer, name="x", scope=Scope.READ, days=7)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(PEOPLE).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert client.get(PEOPLE).status_code == 401
    token2, raw2 = tokens.create_token(world.elm.organizer, name="y", scope=Scope.READ, days=7)
    tokens.revoke(token2)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw2}").get(PEOPLE).status_code == 401


def test_a_suspended_members_tokens_stop_at_once(world: World) -> None:
    alice = world.elm.organizer
    client = api(alice)
    assert client.get(PEOPLE).status_code == 200
    suspend(alice, by=world.rosa)
    assert client.get(PEOPLE).status_code == 401
    assert post(client, PEOPLE, new_person(world)).status_code == 401
    assert not Person.objects.filter(first_name="Nadia").exists()
    # revoked, not paused: reactivating the account does not bring the token back
    assert not ApiToken.objects.filter(member=alice, revoked_at__isnull=True).exists()
    alice.is_active, alice.suspended_at = True, None
    alice.save()
    assert client.get(PEOPLE).status_code == 401


def test_the_token_page_shows_a_new_token_once_and_revokes(world: World) -> None:
    browser = client_for(world.elm.organizer)
    response = browser.post(
        reverse("api_tokens"), {"name": "signup form", "scope": "write", "days": "30"}
    )
    assert response.status_code == 200
    raw = response.context["created"]
    assert raw.startswith("ml_") and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert raw not in browser.get(reverse("api_tokens")).content.decode()
    token = ApiToken.objects.get(member=world.elm.organizer)
    assert token.scope == Scope.WRITE and token.digest != raw
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(PEOPLE).status_code == 200
    browser.post(reverse("api_token_revoke", args=[token.pk]))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(PEOPLE).status_code == 401


def test_bob_cannot_revoke_alices_token(world: World) -> None:
    token, raw = tokens.create_token(world.elm.organizer, name="x", scope=Scope.READ, days=7)
    bob = client_for(world.building_c.organizer)
    assert bob.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert tokens.check(raw) is not None


# --- reads --------------------------------------------------------------------------------


def test_people_list_and_detail_are_audited_and_scoped(world: World) -> None:
    client = api(world.elm.organizer, Scope.READ)
    before = ReadEvent.objects.count()
    listing = client.get(PEOPLE).json()
    assert [p["id"] for p in listing["results"]] == [world.elm.person.pk]
    assert listing["count"] == 1
    detail = client.get(f"{PEOPLE}{world.elm.person.pk}/")
    assert detail.status_code == 200 and detail["ETag"]
    assert detail.json()["phone"] == world.elm.person.phone
    events = list(ReadEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["search", "view_person"]
    assert events[1].object_id == world.elm.person.pk
    assert client.get(f"{PEOPLE}{world.building_c.person.pk}/").status_code == 404


def test_filters_are_validated_and_applied(world: World) -> None:
    client = api(world.rosa, Scope.READ)
    both = client.get(PEOPLE).json()
    assert both["count"] == 2
    elm = client.get(PEOPLE, {"unit": world.elm.unit.pk}).json()
    assert [p["id"] for p in elm["results"]] == [world.elm.person.pk]
    by_name = client.get(PEOPLE, {"q": "bori"}).json()
    assert [p["id"] for p in by_name["results"]] == [world.building_c.person.pk]
    bad = client.get(PEOPLE, {"unit": "elm"})
    assert bad.status_code == 400 and "unit" in bad.json()
    huge = client.get(PEOPLE, {"unit": str(10**30)})
    assert huge.status_code == 400
    assert client.get(f"{PEOPLE}{10**30}/").status_code == 404
    assert client.get(f"{PEOPLE}abc/").status_code == 404
    assert client.get(PEOPLE, {"page": 99}).status_code == 404


# --- creates and idempotency -----------------------------------------------------------------


def test_create_then_replay_with_the_same_key_creates_once(world: World) -> None:
    client = api(world.elm.organizer)
    first = post(
        client, PEOPLE, new_person(world, phone="+1 555 010 2000"), **{"Idempotency-Key": "k1"}
    )
    assert first.status_code == 201, first.content
    again = post(
        client, PEOPLE, new_person(world, phone="+1 555 010 2000"), **{"Idempotency-Key": "k1"}
    )
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert first["Location"].endswith(f"{PEOPLE}{first.json()['id']}/")
    assert Person.objects.filter(first_name="Nadia").count() == 1
    other = post(client, PEOPLE, new_person(world, first_name="Other"), **{"Idempotency-Key": "k1"})
    assert other.status_code == 422
    assert Person.objects.filter(first_name="Other").count() == 0
    created = Person.objects.get(first_name="Nadia")
    assert created.phone == "+15550102000" and created.responsible == world.elm.organizer


def test_a_duplicate_phone_or_email_is_refused(world: World) -> None:
    client = api(world.elm.organizer)
    response = post(client, PEOPLE, new_person(world, phone=world.elm.person.phone))
    assert response.status_code == 400 and "phone" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"first_name": "Nadia", ', None),  # malformed JSON
        ({"unit": "elm", "first_name": "Nadia"}, "unit"),  # wrong type
        ({"unit": 1, "first_name": ["Nadia"]}, "first_name"),
        ({"first_name": "Nadia", "colour": "red"}, "colour"),  # unknown field
        ({"first_name": "Nadia", "version": 7}, "version"),  # read-only field
        ({"first_name": "Nadia", "email": "not-an-email"}, "email"),
        ({"first_name": "Nadia", "phone": "12"}, "phone"),
        ([1, 2, 3], None),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_writes_nothing(
    world: World, body, field
) -> None:
    client = api(world.elm.organizer)
    if isinstance(body, dict):
        body = {"unit": world.elm.unit.pk, **body}
    count = Person.objects.count()
    response = post(client, PEOPLE, body, **{"Idempotency-Key": "bad"})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    if field:
        assert field in response.json()
    assert Person.objects.count() == count
    assert not IdempotentWrite.objects.exists()


def test_an_oversized_body_is_413_and_writes_nothing(world: World, settings) -> None:
    settings.MASSLINE_API_MAX_BODY = 1000
    client = api(world.elm.organizer)
    response = post(client, PEOPLE, new_person(world, notes="x" * 2000))
    assert response.status_code == 413
    assert not Person.objects.filter(first_name="Nadia").exists()


# --- conditional updates ------------------------------------------------------------------


def test_a_stale_update_gets_412_and_overwrites_nothing(world: World) -> None:
    alice, rosa = api(world.elm.organizer), api(world.rosa)
    url = f"{PEOPLE}{world.elm.person.pk}/"
    etag = alice.get(url)["ETag"]
    assert patch(alice, url, {"notes": "no If-Match"}).status_code == 428
    rosas = patch(rosa, url, {"notes": "Rosa's note"}, **{"If-Match": etag})
    assert rosas.status_code == 200 and rosas["ETag"] != etag
    stale = patch(alice, url, {"notes": "Alice's note"}, **{"If-Match": etag})
    assert stale.status_code == 412
    world.elm.person.refresh_from_db()
    assert world.elm.person.notes == "Rosa's note"
    fresh = patch(alice, url, {"notes": "Alice's note"}, **{"If-Match": rosas["ETag"]})
    assert fresh.status_code == 200 and fresh.json()["notes"] == "Alice's note"


def test_a_stale_update_of_a_place_gets_412(world: World) -> None:
    rosa = api(world.rosa)
    url = f"/api/v1/places/{world.elm.place.pk}/"
    etag = rosa.get(url)["ETag"]
    assert patch(rosa, url, {"address": "40 Elm St"}, **{"If-Match": etag}).status_code == 200
    assert patch(rosa, url, {"address": "41 Elm St"}, **{"If-Match": etag}).status_code == 412
    world.elm.place.refresh_from_db()
    assert world.elm.place.address == "40 Elm St"


def test_an_organizer_cannot_change_what_only_admins_manage(world: World) -> None:
    alice = api(world.elm.organizer)
    url = f"/api/v1/places/{world.elm.place.pk}/"
    etag = alice.get(url)["ETag"]
    assert patch(alice, url, {"name": "Renamed"}, **{"If-Match": etag}).status_code in (400, 403)
    world.elm.place.refresh_from_db()
    assert world.elm.place.name != "Renamed"


# --- the writes go through the services ------------------------------------------------------


def test_recording_a_conversation_updates_last_contact(world: World) -> None:
    client = api(world.elm.organizer)
    moment = timezone.now().replace(microsecond=0)
    response = post(
        client,
        "/api/v1/conversations/",
        {
            "unit": world.elm.unit.pk,
            "people": [world.elm.person.pk],
            "kind": "one_on_one",
            "happened_at": moment.isoformat(),
            "notes": "talked about heat",
        },
    )
    assert response.status_code == 201, response.content
    world.elm.person.refresh_from_db()
    assert world.elm.person.last_contact_at == moment


def test_follow_up_done_and_assessment_history(world: World) -> None:
    client = api(world.elm.organizer)
    url = f"/api/v1/follow-ups/{world.elm.follow_up.pk}/"
    etag = client.get(url)["ETag"]
    done = patch(client, url, {"done": True}, **{"If-Match": etag})
    assert done.status_code == 200 and done.json()["done"] is True
    response = post(
        client,
        "/api/v1/assessments/",
        {"person": world.elm.person.pk, "struggle": world.elm.struggle.pk, "score": 1},
    )
    assert response.status_code == 201 and response.json()["level"] == "advanced"
    assessment = f"/api/v1/assessments/{world.elm.assessment.pk}/"
    assert patch(client, assessment, {"note": "x"}, **{"If-Match": "*"}).status_code == 405


def test_a_line_update_writes_a_new_version(world: World) -> None:
    from massline.rounds.models import RoundState, Theme

    world.elm.round.state = RoundState.CONCENTRATING
    world.elm.round.save()
    theme = Theme.objects.create(round=world.elm.round, name="heat")
    client = api(world.elm.organizer)
    url = f"/api/v1/lines/{world.elm.line.pk}/"
    etag = client.get(url)["ETag"]
    missing = patch(
        client, url, {"action": "sign the petition", "themes": [theme.pk]}, **{"If-Match": etag}
    )
    assert missing.status_code == 400 and "change_note" in missing.json()
    revised = patch(
        client,
        url,
        {"action": "sign the petition", "change_note": "asked for", "themes": [theme.pk]},
        **{"If-Match": etag},
    )
    assert revised.status_code == 200, revised.content
    assert revised.json()["version"] == 2
    assert world.elm.line.versions.count() == 2


# --- session use from a browser --------------------------------------------------------------


def test_a_session_write_needs_the_csrf_token(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.elm.organizer)
    assert browser.get(PEOPLE).status_code == 200
    assert post(browser, PEOPLE, new_person(world)).status_code == 403
    assert not Person.objects.filter(first_name="Nadia").exists()


# --- OSDI person signup helper ---------------------------------------------------------------

SIGNUP = "/api/v1/osdi/people/"


def _signup(email: str, tags: list[str], given: str = "Nadia") -> dict:
    return {
        "person": {
            "given_name": given,
            "family_name": "Haddad",
            "email_addresses": [{"address": email, "status": "subscribed"}],
            "phone_numbers": [{"number": "+1 555 010 3000", "number_type": "Mobile"}],
            "postal_addresses": [{"postal_code": "20009", "country": "US"}],
            "custom_fields": {"shift": "nights"},
        },
        "add_tags": tags,
    }


def test_osdi_signup_creates_then_matches_by_email_and_adds_tags(world: World) -> None:
    _token, raw = tokens.create_token(world.elm.organizer, name="f", scope=Scope.WRITE, days=7)
    form = Client(HTTP_OSDI_API_TOKEN=raw)
    first = post(form, SIGNUP, _signup("Nadia@Example.org", ["volunteer"]))
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["given_name"] == "Nadia" and body["tags"] == ["volunteer"]
    assert body["email_addresses"][0]["address"] == "nadia@example.org"
    person = Person.objects.get(first_name="Nadia")
    assert person.unit == world.elm.unit and "shift: nights" in person.notes
    again = post(form, SIGNUP, _signup("nadia@example.org", ["volunteer", "petition"], "Nadi"))
    assert again.status_code == 200
    assert again.json()["identifiers"] == body["identifiers"]
    assert again.json()["tags"] == ["petition", "volunteer"]
    assert Person.objects.filter(unit=world.elm.unit).count() == 2  # Amara and Nadia
    assert set(Tag.objects.values_list("name", flat=True)) == {"petition", "volunteer"}
    person.refresh_from_db()
    assert person.first_name == "Nadi"
    tagged = api(world.elm.organizer, Scope.READ).get(PEOPLE, {"tag": "petition"}).json()
    assert [p["id"] for p in tagged["results"]] == [person.pk]


def test_osdi_signup_refuses_bad_input_and_other_units(world: World) -> None:
    client = api(world.elm.organizer)
    no_contact = post(client, SIGNUP, {"person": {"given_name": "X"}})
    assert no_contact.status_code == 400 and "person" in no_contact.json()
    unknown = post(client, SIGNUP, {**_signup("a@b.org", []), "extra": 1})
    assert unknown.status_code == 400 and "extra" in unknown.json()
    sibling = post(client, f"{SIGNUP}?unit={world.building_c.unit.pk}", _signup("a@b.org", []))
    assert sibling.status_code == 404
    assert not Person.objects.filter(first_name="Nadia").exists()
    read_only = api(world.elm.organizer, Scope.READ)
    assert post(read_only, SIGNUP, _signup("a@b.org", [])).status_code == 403


def test_osdi_signup_replays_with_an_idempotency_key(world: World) -> None:
    client = api(world.elm.organizer)
    key = {"Idempotency-Key": "form-1"}
    first = post(client, SIGNUP, _signup("z@example.org", ["x"]), **key)
    again = post(client, SIGNUP, _signup("z@example.org", ["x"]), **key)
    assert first.content == again.content
    assert post(client, SIGNUP, _signup("y@example.org", ["x"]), **key).status_code == 422
    assert Person.objects.filter(first_name="Nadia").count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="in-memory SQLite serialises the threads anyway"
)
@pytest.mark.django_db(transaction=True)
def test_racing_replays_of_one_key_create_one_person() -> None:
    from tests import factories as f

    unit = f.UnitFactory()
    member = f.MemberFactory()
    f.MembershipFactory(member=member, unit=unit, role="organizer")
    _token, raw = tokens.create_token(member, name="race", scope=Scope.WRITE, days=1)
    body = json.dumps({"unit": unit.pk, "first_name": "Racer"})
    barrier, answers = threading.Barrier(3), []

    def replay() -> None:
        from django.db import connections

        barrier.wait()
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
            answers.append(
                client.post(
                    PEOPLE, body, content_type="application/json", headers={"Idempotency-Key": "r"}
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=replay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Person.objects.filter(first_name="Racer").count() == 1
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1
