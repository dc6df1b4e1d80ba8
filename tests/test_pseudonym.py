"""Pseudonyms: the real identity is sealed and only its named keepers read it."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from massline import access
from massline.people.models import Person, SealedIdentity
from massline.people.services import forget_person
from tests import factories as f
from tests.conftest import World, client_for


def _seal(world: World, **extra) -> Person:
    person = world.elm.person
    data = {
        "version": 0,
        "pseudonym_first_name": "Sparrow",
        "real_name": "Amara Okafor",
        "phone": "+1 555 404 0404",
        "email": "amara.real@example.org",
        "address": "3 Quiet Court",
        "keepers": [],
        **extra,
    }
    response = client_for(world.elm.organizer).post(reverse("person_seal", args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()
    return Person.objects.get(pk=person.pk)


def test_sealing_hides_the_identity_from_everyone_but_the_keepers(world: World) -> None:
    person = _seal(world)
    assert person.full_name == "Sparrow" and person.is_pseudonym
    # The open record no longer holds the contacts, so nothing finds the person by them.
    assert (person.phone, person.email, person.address) == ("", "", "")
    assert not Person.objects.filter(phone="+15554040404").exists()
    sealed = SealedIdentity.objects.get(person=person)
    assert list(sealed.keepers.all()) == [world.elm.organizer]
    assert (sealed.real_name, sealed.phone) == ("Amara Okafor", "+15554040404")

    alice = client_for(world.elm.organizer)
    page = alice.get(reverse("person_sealed", args=[person.pk])).content.decode()
    assert "Amara Okafor" in page and "+15554040404" in page and "3 Quiet Court" in page
    detail = alice.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert reverse("person_sealed", args=[person.pk]) in detail

    # Rosa leads the whole union and sees Sparrow, but is not a keeper.
    rosa = client_for(world.rosa)
    detail = rosa.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "Sparrow" in detail and "Okafor" not in detail
    assert "only its keepers" in detail
    for name in ("person_sealed", "person_seal"):
        assert rosa.get(reverse(name, args=[person.pk])).status_code == 404
    listing = rosa.get(reverse("people_list"), {"q": "Amara"}).content.decode()
    assert "Sparrow" not in listing
    export = access.visible_people(world.rosa).filter(pk=person.pk).get()
    assert export.phone == "" and export.email == ""


def test_keepers_are_chosen_among_those_who_see_the_person(world: World) -> None:
    person = _seal(world, keepers=[world.rosa.pk])
    sealed = SealedIdentity.objects.get(person=person)
    assert set(sealed.keepers.all()) == {world.elm.organizer, world.rosa}
    rosa = client_for(world.rosa)
    assert rosa.get(reverse("person_sealed", args=[person.pk])).status_code == 200
    # Bob, in the sibling unit, cannot be made a keeper: the form refuses him.
    response = client_for(world.elm.organizer).post(
        reverse("person_seal", args=[person.pk]),
        {
            "version": sealed.version,
            "pseudonym_first_name": "Sparrow",
            "real_name": "Amara Okafor",
            "keepers": [world.building_c.organizer.pk],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert world.building_c.organizer not in sealed.keepers.all()
    # A keeper who can no longer see the person loses the sealed identity too.
    assert not access.visible_sealed_identities(world.building_c.organizer).exists()


def test_an_edit_against_an_old_version_is_refused(world: World) -> None:
    person = _seal(world)
    alice = client_for(world.elm.organizer)
    opened_at = SealedIdentity.objects.get(person=person).version
    first = alice.post(
        reverse("person_seal", args=[person.pk]),
        {"version": opened_at, "pseudonym_first_name": "Sparrow", "real_name": "Amara O."},
    )
    assert first.status_code == 302
    # A second editor who opened the form at the same time saves after the first.
    stale = {"version": opened_at, "pseudonym_first_name": "Sparrow", "real_name": "Someone"}
    response = alice.post(reverse("person_seal", args=[person.pk]), stale)
    assert response.status_code == 200
    assert "Someone else changed the sealed identity" in response.content.decode()
    assert SealedIdentity.objects.get(person=person).real_name == "Amara O."


def test_the_real_name_is_ciphertext_and_shredded_with_the_person(world: World) -> None:
    person = _seal(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_sealedidentity WHERE person_id = %s", [person.pk])
        raw = repr(cursor.fetchall())
    assert "Okafor" not in raw and "4040404" not in raw and "Quiet" not in raw
    forget_person(person)
    assert not SealedIdentity.objects.filter(person_id=person.pk).exists()


def test_sealing_needs_a_real_name_and_saves_nothing_otherwise(world: World) -> None:
    person = world.elm.person
    response = client_for(world.elm.organizer).post(
        reverse("person_seal", args=[person.pk]),
        {"version": 0, "pseudonym_first_name": "Sparrow", "real_name": "", "phone": "12"},
    )
    assert response.status_code == 200
    assert not SealedIdentity.objects.exists()
    assert Person.objects.get(pk=person.pk).full_name == "Amara Okafor"


def test_the_sibling_unit_cannot_seal_or_read(world: World) -> None:
    other = f.PersonFactory(unit=world.building_c.unit)
    alice = client_for(world.elm.organizer)
    for name in ("person_seal", "person_sealed"):
        assert alice.get(reverse(name, args=[other.pk])).status_code == 404
    response = alice.post(
        reverse("person_seal", args=[other.pk]),
        {"version": 0, "pseudonym_first_name": "X", "real_name": "Y"},
    )
    assert response.status_code == 404 and not SealedIdentity.objects.exists()
