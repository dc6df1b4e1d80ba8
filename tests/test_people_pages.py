"""The people list pages by keyset and counts no further than it must, at any size."""

from __future__ import annotations

import pytest
from django.urls import reverse

from massline import access
from massline.people import selectors
from massline.people.models import Person
from massline.people.selectors import bounded_count, filter_people, people_page
from tests import factories as f
from tests.conftest import World, client_for


def _names(page: selectors.PeoplePage) -> list[str]:
    return [person.full_name for person in page.people]


def test_pages_walk_everyone_once_in_name_order_both_ways(world: World) -> None:
    unit = world.elm.unit
    # equal last names, and equal full names, so the order needs the first name and the id
    for first in ("Ana", "Ana", "Bea", "Cy", "Dee"):
        f.PersonFactory(unit=unit, first_name=first, last_name="Same")
    people = filter_people(access.visible_people(world.elm.organizer), {})
    expected = list(people.order_by("last_name", "first_name", "id"))
    walked, page = [], people_page(people, size=2)
    assert not page.has_previous
    while True:
        walked += page.people
        if not page.has_next:
            break
        page = people_page(people, after=page.last_pk, size=2)
        assert page.has_previous
    assert walked == expected
    # and back again from the last page
    back = []
    while True:
        back = page.people + back
        if not page.has_previous:
            break
        page = people_page(people, before=page.first_pk, size=2)
        assert page.has_next
    assert back == expected


def test_a_page_after_someone_unseen_is_the_first_page(world: World) -> None:
    alice_sees = filter_people(access.visible_people(world.elm.organizer), {})
    unseen = world.building_c.person
    page = people_page(alice_sees, after=unseen.pk, size=50)
    assert page.people == list(alice_sees.order_by("last_name", "first_name", "id"))
    assert not page.has_previous and unseen not in page.people


def test_the_count_stops_past_its_limit_and_the_page_says_more_than(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):
        f.PersonFactory(unit=world.elm.unit, first_name=f"Many{number}")
    everyone = Person.objects.all()
    assert bounded_count(everyone, limit=3) == 4
    assert bounded_count(everyone, limit=100) == everyone.count()
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    body = client_for(world.elm.organizer).get(reverse("people_list")).content.decode()
    assert "More than 3 people" in body
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 100)
    body = client_for(world.elm.organizer).get(reverse("people_list")).content.decode()
    assert "6 people" in body and "More than" not in body


def test_the_pager_links_keep_the_search_and_continue_after_the_last_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from massline.people import views

    for number in range(3):
        f.PersonFactory(unit=world.elm.unit, first_name="Paged", last_name=f"P{number}")
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = client_for(world.elm.organizer)
    first = client.get(reverse("people_list"), {"q": "Paged"}).content.decode()
    last_shown = Person.objects.get(last_name="P1").pk
    assert "Paged P0" in first and "Paged P2" not in first
    assert f"?q=Paged&amp;after={last_shown}" in first
    second = client.get(reverse("people_list"), {"q": "Paged", "after": last_shown})
    body = second.content.decode()
    assert "Paged P2" in body and "Paged P0" not in body
    assert "?q=Paged&amp;before=" in body


def test_rows_link_each_person_and_say_where_and_when_with_everything_escaped(
    world: World,
) -> None:
    elm = world.elm
    odd = f.PersonFactory(
        unit=elm.unit, first_name="<b>Zed</b>", last_name="O'Hara & Co", place=None
    )
    odd.last_contact_at = None
    odd.save()
    client = client_for(elm.organizer)
    body = client.get(reverse("people_list")).content.decode()
    assert f'<a href="{reverse("person_detail", args=[odd.pk])}">' in body
    assert "&lt;b&gt;Zed&lt;/b&gt; O&#x27;Hara &amp; Co</a>" in body
    assert f"{elm.unit.name} · never talked" in body  # no place: the unit
    assert f"{elm.place.name} · " in body  # Amara, at the Elm house
    level = client.get(reverse("people_list"), {"struggle": elm.struggle.pk}).content.decode()
    current = elm.person.assessments.latest("assessed_at").level
    assert f'<span class="level level-{current}">{current}</span>' in level


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_ago_says_what_naturaltime_says(language: str) -> None:
    from datetime import timedelta

    from django.contrib.humanize.templatetags.humanize import naturaltime
    from django.utils import timezone, translation

    from massline.web.since import ago

    now = timezone.now()
    # each well inside its wording, so the clock moving between the two calls changes nothing
    seconds = [30.5, 90, 5_400, 9_000, 129_600, 700_000, 3_000_000, 40_000_000, 99_000_000]
    moments = [now - timedelta(seconds=s) for s in seconds]
    moments += [now + timedelta(seconds=s) for s in seconds]
    with translation.override(language):
        for moment in moments * 2:  # the second time from what was remembered
            assert ago(moment) == naturaltime(moment), moment
