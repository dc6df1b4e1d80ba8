"""A person's timeline comes a page at a time, newest first, and "Show older" brings the rest
without skipping or repeating anything, even entries recorded at the same moment."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.struggles.models import Level
from massline.web.timeline import TIMELINE_PAGE, parse_cursor, person_timeline
from tests import factories as f
from tests.conftest import World, client_for


def _history(world: World, conversations: int, assessments: int) -> None:
    """Conversations and assessments of Alice's person, several at one shared moment."""
    elm = world.elm
    moment = timezone.now() - timedelta(days=3)
    for n in range(conversations):
        at = moment if n % 4 == 0 else moment - timedelta(hours=n)
        f.ConversationFactory(unit=elm.unit, people=[elm.person], happened_at=at, notes=f"c{n}")
    for n in range(assessments):
        at = moment if n % 3 == 0 else moment - timedelta(hours=n, minutes=30)
        f.AssessmentFactory(
            person=elm.person,
            struggle=elm.struggle,
            assessed_by=elm.organizer,
            assessed_at=at,
            level=Level.INTERMEDIATE,
        )


def _all_pages(world: World) -> list[list]:
    member = world.elm.organizer
    pages, before = [], None
    while True:
        page = person_timeline(
            world.elm.person,
            access.visible_conversations(member),
            access.visible_struggles(member),
            before=before,
        )
        pages.append(page["timeline"])
        if not page["older"]:
            return pages
        before = parse_cursor(page["older"])


def test_pages_cover_the_whole_history_once_in_order(world: World) -> None:
    _history(world, conversations=40, assessments=20)
    pages = _all_pages(world)
    entries = [entry for page in pages for entry in page]
    assert all(len(page) == TIMELINE_PAGE for page in pages[:-1])
    total = world.elm.person.conversations.count() + world.elm.person.assessments.count()
    assert len(entries) == total
    assert len({(entry.kind, entry.item.pk) for entry in entries}) == total
    keys = [entry.key for entry in entries]
    assert keys == sorted(keys, reverse=True)


def test_a_short_history_is_one_page(world: World) -> None:
    pages = _all_pages(world)
    assert len(pages) == 1 and len(pages[0]) == 2  # the world's conversation and assessment


def test_malformed_cursors_mean_the_newest_page() -> None:
    for raw in (None, "", "yesterday", "2026-01-01~1", "2026-01-01T00:00:00~x~1", "a~1~2"):
        assert parse_cursor(raw) is None
    assert parse_cursor("2026-01-01T00:00:00~1~2") is None  # no time zone: ambiguous


def test_show_older_brings_the_next_page_in_place(world: World) -> None:
    _history(world, conversations=TIMELINE_PAGE + 5, assessments=0)
    client = client_for(world.elm.organizer)
    url = reverse("person_detail", args=[world.elm.person.pk])
    first = client.get(url).content.decode()
    assert first.count('<li class="card ') == TIMELINE_PAGE
    older = re.search(r'hx-get="[^"]*\?before=([^"]+)"', first).group(1)
    partial = client.get(f"{url}?before={older}", HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in partial  # only the entries, for the list
    shown = partial.count('<li class="card ')
    assert shown == TIMELINE_PAGE + 5 + 2 - TIMELINE_PAGE  # and the world's two entries
    assert "Show older" not in partial
    # without JavaScript the link opens the whole page at the older entries
    page = client.get(f"{url}?before={older}").content.decode()
    assert "<h1>" in page and page.count('<li class="card ') == shown


def test_older_pages_keep_to_what_the_viewer_may_see(world: World) -> None:
    """A conversation recorded in Bob's unit about Alice's person stays out of every page."""
    _history(world, conversations=TIMELINE_PAGE + 2, assessments=0)
    hidden = f.ConversationFactory(
        unit=world.building_c.unit, people=[world.elm.person], notes="from the other unit"
    )
    entries = [entry for page in _all_pages(world) for entry in page]
    assert hidden.pk not in {entry.item.pk for entry in entries if entry.kind == "conversation"}
