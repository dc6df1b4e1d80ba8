from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.people.models import Person
from massline.people.normalize import normalize_email, normalize_phone
from massline.people.selectors import filter_people
from massline.people.services import ConcurrentEditError, update_person
from tests import factories as f
from tests.conftest import World, client_for


def test_phone_and_email_normalisation() -> None:
    assert normalize_phone(" (555) 123-4567 ") == "5551234567"
    assert normalize_phone("0044 20 7946 0000") == "+442079460000"
    assert normalize_email(" Ana@Example.ORG ") == "ana@example.org"
    with pytest.raises(ValidationError):
        normalize_phone("12")
    with pytest.raises(ValidationError):
        normalize_email("not-an-email")


def test_filters(world: World) -> None:
    elm = world.elm
    people = access.visible_people(world.rosa)
    stale = f.PersonFactory(
        unit=elm.unit,
        first_name="Olga",
        last_name="Ivanova",
        last_contact_at=timezone.now() - timedelta(days=60),
    )
    assert list(filter_people(people, {"q": "amara ok"})) == [elm.person]
    # Contacts are encrypted: a whole phone or email matches, however it is typed; a part
    # of one does not.
    phone = elm.person.phone
    typed = f"{phone[:-7]} ({phone[-7:-4]}) {phone[-4:]}"
    assert list(filter_people(people, {"q": typed})) == [elm.person]
    assert list(filter_people(people, {"q": phone[-6:]})) == []
    assert list(filter_people(people, {"q": elm.person.email.upper()})) == [elm.person]
    assert set(filter_people(people, {"unit": elm.unit})) == {elm.person, stale}
    assert list(filter_people(people, {"place": elm.place})) == [elm.person]
    assert list(filter_people(people, {"struggle": elm.struggle, "level": "intermediate"})) == [
        elm.person
    ]
    assert stale in filter_people(people, {"struggle": elm.struggle, "level": "none"})
    assert stale in filter_people(people, {"contact": "stale30"})
    assert stale not in filter_people(people, {"contact": "never"})


def test_people_list_page_and_htmx_fragment(world: World) -> None:
    rosa = client_for(world.rosa)
    page = rosa.get(reverse("people_list"), {"q": "Boris"})
    assert "Boris Petrov" in page.content.decode()
    assert "Amara" not in page.content.decode()
    fragment = rosa.get(reverse("people_list"), {"q": "Amara"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "Amara Okafor" in fragment.content.decode()


def test_level_filter_needs_a_struggle(world: World) -> None:
    page = client_for(world.rosa).get(reverse("people_list"), {"level": "advanced"})
    assert "Choose the struggle" in page.content.decode()


def test_second_save_of_a_stale_edit_is_refused(world: World) -> None:
    person = world.elm.person
    update_person(person, {"notes": "first"}, expected_version=1)
    with pytest.raises(ConcurrentEditError):
        update_person(Person.objects.get(pk=person.pk), {"notes": "second"}, expected_version=1)
    person.refresh_from_db()
    assert (person.notes, person.version) == ("first", 2)


def test_concurrent_edit_through_the_form(world: World) -> None:
    person = world.elm.person
    alice = client_for(world.elm.organizer)
    rosa = client_for(world.rosa)
    form = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "email": person.email,
        "unit": person.unit_id,
        "place": person.place_id,
        "responsible": world.elm.organizer.pk,
        "version": 1,
    }
    first = alice.post(reverse("person_edit", args=[person.pk]), {**form, "notes": "from Alice"})
    assert first.status_code == 302
    second = rosa.post(reverse("person_edit", args=[person.pk]), {**form, "notes": "from Rosa"})
    assert second.status_code == 200
    assert "Someone else changed this person" in second.content.decode()
    assert "from Rosa" in second.content.decode(), "the refused edit is still on the page"
    person.refresh_from_db()
    assert person.notes == "from Alice"


def test_add_person_validates(world: World) -> None:
    alice = client_for(world.elm.organizer)
    bad = alice.post(
        reverse("person_new"),
        {"first_name": "", "email": "nope", "phone": "1", "unit": world.elm.unit.pk},
    )
    body = bad.content.decode()
    assert "This field is required" in body and "valid email" in body
    good = alice.post(
        reverse("person_new"),
        {"first_name": "Li", "unit": world.elm.unit.pk, "phone": "555 222 3333"},
    )
    assert good.status_code == 302
    assert Person.objects.get(first_name="Li").phone == "5552223333"


def test_cannot_put_a_person_into_a_sibling_unit(world: World) -> None:
    alice = client_for(world.elm.organizer)
    response = alice.post(
        reverse("person_new"), {"first_name": "Li", "unit": world.building_c.unit.pk}
    )
    assert response.status_code == 200
    assert not Person.objects.filter(first_name="Li").exists()


def test_person_page_shows_level_chart(world: World) -> None:
    f.AssessmentFactory(person=world.elm.person, struggle=world.elm.struggle, level="advanced")
    body = (
        client_for(world.elm.organizer)
        .get(reverse("person_detail", args=[world.elm.person.pk]))
        .content.decode()
    )
    assert "<svg" in body and "polyline" in body
    assert "Level over time" in body
