"""Every page's query count is constant in the size of the data (an N+1 fails here).

Each page is requested with a small unit and again after the unit has grown fourfold; the
number of queries must not change, and stays under a ceiling so a slow creep shows too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.conftest import World, client_for

CEILING = 40


def _grow(world: World, people: int) -> None:
    """Add people to Elm, each with a conversation, an idea in the round, a level and a
    follow-up: the things every page lists."""
    elm = world.elm
    for number in range(people):
        person = f.PersonFactory(
            unit=elm.unit, first_name=f"Grown{number}", place=elm.place, responsible=elm.organizer
        )
        conversation = f.ConversationFactory(unit=elm.unit, people=[person], place=elm.place)
        f.IdeaFactory(unit=elm.unit, conversation=conversation, person=person)
        f.AssessmentFactory(person=person, struggle=elm.struggle, assessed_by=elm.organizer)
        f.FollowUpFactory(person=person, owner=elm.organizer, conversation=conversation)


PAGES: dict[str, Callable[[World], str]] = {
    "my work": lambda w: reverse("my_work"),
    "people list": lambda w: reverse("people_list"),
    "people search": lambda w: reverse("people_list") + "?q=Grown",
    "people phone search": lambda w: (
        reverse("people_list") + "?" + urlencode({"q": w.elm.person.phone})
    ),
    "people filtered": lambda w: (
        reverse("people_list")
        + "?"
        + urlencode(
            {
                "unit": w.elm.unit.pk,
                "place": w.elm.place.pk,
                "struggle": w.elm.struggle.pk,
                "level": "intermediate",
                "contact": "stale30",
            }
        )
    ),
    "people next page": lambda w: reverse("people_list") + f"?after={w.elm.person.pk}",
    "people previous page": lambda w: reverse("people_list") + f"?before={w.elm.person.pk}",
    "person": lambda w: reverse("person_detail", args=[w.elm.person.pk]),
    "ties": lambda w: reverse("ties"),
    "conversation": lambda w: reverse("conversation_detail", args=[w.elm.conversation.pk]),
    "rounds": lambda w: reverse("round_list"),
    "round": lambda w: reverse("round_detail", args=[w.elm.round.pk]),
    "unit pool": lambda w: reverse("unit_pool", args=[w.elm.round.pk, w.elm.unit.pk]),
    "board": lambda w: reverse("board", args=[w.elm.round.pk]),
    "line": lambda w: reverse("line_detail", args=[w.elm.round.pk, w.elm.line.pk]),
    "actions": lambda w: reverse("round_actions", args=[w.elm.round.pk]),
}


def _queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session warms caches of its own
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("viewer", ["alice", "rosa"])
def test_query_count_does_not_grow_with_the_data(world: World, page: str, viewer: str) -> None:
    member = world.elm.organizer if viewer == "alice" else world.rosa
    client = client_for(member)
    url = PAGES[page](world)
    _grow(world, 3)
    small = _queries(client, url)
    _grow(world, 12)
    large = _queries(client, url)
    assert large == small, f"{page}: {small} queries with 5 people, {large} with 17"
    assert small <= CEILING, f"{page}: {small} queries"


# --- the people list, pinned -------------------------------------------------------------

# What each request of the people list asks of the database, for an organizer of one unit
# with the second factor required: the session, the member, their memberships (which also
# answer whether a second factor is needed and whether to show Manage), the cadre bodies; the
# page's ids, its rows, the bounded count; the filters' units, places and struggles. The
# pages here are 2 people long, so there is always a next page to count.
PEOPLE_LIST_QUERIES = {
    "people list": ("", {}, 10),
    "people list, htmx": ("", {"HX-Request": "true"}, 7),  # no filter options
    "people search": ("?q=Grown", {}, 11),  # and the read audit's one INSERT
    "people search, one page": ("?q=Grown1", {}, 10),  # all found: nothing left to count
}


@pytest.mark.parametrize("page", sorted(PEOPLE_LIST_QUERIES))
def test_people_list_query_count_is_pinned(
    world: World, settings, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    from massline.people import views

    settings.MASSLINE_REQUIRE_TWO_FACTOR = True
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = client_for(world.elm.organizer)
    _grow(world, 3)
    query, headers, expected = PEOPLE_LIST_QUERIES[page]
    url = reverse("people_list") + query
    client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert len(captured) == expected, [query["sql"] for query in captured]
