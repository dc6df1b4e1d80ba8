"""The ties page: are the ties with the masses alive, counted only from what the viewer sees."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from massline.organization.models import Member, Role, Unit
from massline.people.models import Person, Place
from massline.web.ties import TiesReport, parse_days, ties_report
from tests import factories as f
from tests.conftest import World, client_for

URL = reverse("ties")


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _monday(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


@dataclass
class Ties:
    """Known data on top of the world: what Alice's page must count, and Bob's it must not."""

    world: World
    dana: Member
    floor: Unit
    fresh: Person
    old: Person
    danas: Person
    upstairs: Person
    annex: Place
    yard: Place
    elm_conversation_times: list[datetime]


def _person(unit: Unit, name: str, responsible: Member, last: datetime | None, **kw) -> Person:
    first, last_name = name.split()
    person = f.PersonFactory(
        unit=unit, first_name=first, last_name=last_name, responsible=responsible, **kw
    )
    Person.objects.filter(pk=person.pk).update(last_contact_at=last)
    return person


def _bury_sibling(world: World, now: datetime, today: date) -> None:
    """Give Building C one of every kind of neglect, so a leak would change Alice's numbers."""
    other = world.building_c
    bob = other.organizer
    _person(other.unit, "Bogdan Stale", bob, now - timedelta(days=90))
    _person(other.unit, "Bella Never", bob, None)
    f.PlaceFactory(unit=other.unit, name="Building C boiler room")
    f.FollowUpFactory(person=other.person, owner=bob, due_on=today - timedelta(days=9))
    f.ConversationFactory(unit=other.unit, recorded_by=bob, happened_at=_midnight(today))


@pytest.fixture
def ties(world: World) -> Ties:
    now = timezone.now()
    today = timezone.localdate()
    elm = world.elm
    alice = elm.organizer
    dana = f.MemberFactory(username="dana", display_name="Dana")
    f.MembershipFactory(member=dana, unit=elm.unit, role=Role.MEMBER)
    floor = f.UnitFactory(name="Elm floor 3", slug="elm-floor-3", parent=elm.unit)

    # People: Amara (world) was never contacted; fresh was, old was long ago.
    fresh = _person(elm.unit, "Fatima Fresh", alice, now - timedelta(days=5))
    old = _person(elm.unit, "Oscar Old", alice, now - timedelta(days=40))
    danas = _person(elm.unit, "Dmitri Never", dana, None)
    upstairs = _person(floor, "Uma Upstairs", dana, now - timedelta(days=60))

    # Follow-ups: the world's is due today (not overdue); two overdue, one done.
    f.FollowUpFactory(person=elm.person, owner=alice, due_on=today - timedelta(days=3))
    f.FollowUpFactory(person=danas, owner=dana, due_on=today - timedelta(days=1))
    f.FollowUpFactory(
        person=old, owner=alice, due_on=today - timedelta(days=10), done_at=now - timedelta(days=2)
    )

    # Places: the world's house was visited yesterday; the annex never; the yard 40 days ago.
    annex = f.PlaceFactory(unit=elm.unit, name="Elm annex")
    yard = f.PlaceFactory(unit=elm.unit, name="Elm yard")
    this_monday = today - timedelta(days=today.weekday())
    times = {
        "yard": now - timedelta(days=40),
        "month": _midnight(today.replace(day=1)),
        "this_week_1": _midnight(this_monday) + timedelta(hours=2),
        "this_week_2": _midnight(this_monday) + timedelta(hours=3),
        "two_weeks_ago": _midnight(this_monday - timedelta(weeks=2)) + timedelta(hours=2),
        "too_old": _midnight(this_monday - timedelta(weeks=12)) + timedelta(hours=2),
    }
    f.ConversationFactory(unit=elm.unit, place=yard, happened_at=times["yard"], recorded_by=dana)
    f.ConversationFactory(unit=elm.unit, happened_at=times["month"], recorded_by=alice)
    # Dana talked last month only, so she is silent this calendar month.
    last_month = _midnight(today.replace(day=1)) - timedelta(seconds=1)
    f.ConversationFactory(unit=elm.unit, happened_at=last_month, recorded_by=dana)
    for key in ("this_week_1", "this_week_2", "two_weeks_ago", "too_old"):
        f.ConversationFactory(unit=elm.unit, happened_at=times[key])
    _bury_sibling(world, now, today)
    return Ties(
        world=world,
        dana=dana,
        floor=floor,
        fresh=fresh,
        old=old,
        danas=danas,
        upstairs=upstairs,
        annex=annex,
        yard=yard,
        elm_conversation_times=[
            elm.conversation.happened_at,
            last_month,
            *times.values(),
        ],
    )


def _report(member: Member, query: str = "") -> TiesReport:
    response = client_for(member).get(URL + query)
    assert response.status_code == 200
    return response.context["report"]


def _names(people: list[Person]) -> set[str]:
    return {person.first_name for person in people}


def test_alice_sees_her_units_numbers_and_none_of_bobs(ties: Ties) -> None:
    alice = ties.world.elm.organizer
    report = _report(alice)

    assert _names(report.stale_people) == {"Amara", "Oscar", "Dmitri", "Uma"}
    assert report.stale_count == 4
    assert report.stale_people[0].last_contact_at is None  # never contacted come first
    assert {fu.person.first_name for fu in report.overdue} == {"Amara", "Dmitri"}
    assert report.overdue_count == 2
    assert {place.name for place in report.quiet_places} == {"Elm annex", "Elm yard"}
    assert report.quiet_places_count == 2
    assert [m.username for m in report.silent_members] == ["dana"]

    rows = {row.member.username: row for row in report.members}
    assert set(rows) == {"alice", "dana"}  # Bob and Rosa are not in a unit Alice sees
    assert (rows["alice"].conversations_this_month, rows["alice"].people) == (1, 3)
    assert (rows["alice"].stale_people, rows["alice"].overdue_follow_ups) == (2, 1)
    assert (rows["dana"].conversations_this_month, rows["dana"].people) == (0, 2)
    assert (rows["dana"].stale_people, rows["dana"].overdue_follow_ups) == (2, 1)

    body = client_for(alice).get(URL).content.decode()
    for secret in ("Bogdan", "Bella", "boiler room", "Boris", "Building C", ">bob<"):
        assert secret not in body


def test_weekly_chart_counts_the_last_twelve_weeks(ties: Ties) -> None:
    report = _report(ties.world.elm.organizer)
    today = timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=i) for i in range(11, -1, -1)]
    expected = Counter(_monday(moment) for moment in ties.elm_conversation_times)

    assert [bar.period for bar in report.chart.bars] == weeks
    assert [bar.count for bar in report.chart.bars] == [expected[week] for week in weeks]
    assert report.chart.bars[-1].count >= 2 and report.chart.bars[-3].count >= 1
    assert report.chart.total == sum(expected[week] for week in weeks)  # too_old left out
    assert report.chart.total == len(ties.elm_conversation_times) - 1


def test_chart_is_an_accessible_inline_svg(ties: Ties) -> None:
    body = client_for(ties.world.elm.organizer).get(URL).content.decode()
    report = _report(ties.world.elm.organizer)
    assert 'role="img"' in body
    assert f'aria-label="Conversations per week, last 12 weeks, {report.chart.total} in all.' in (
        body
    )
    assert body.count("<title>Week of ") == 12
    assert "<script" not in body.split('role="img"')[1].split("</svg>")[0]


def test_days_parameter_moves_the_staleness_line(ties: Ties) -> None:
    report = _report(ties.world.elm.organizer, "?days=45")
    assert report.days == 45
    assert _names(report.stale_people) == {"Amara", "Dmitri", "Uma"}  # Oscar (40 days) is fresh
    assert {place.name for place in report.quiet_places} == {"Elm annex"}
    assert _names(_report(ties.world.elm.organizer, "?days=3").stale_people) >= {"Fatima"}


@pytest.mark.parametrize("raw", [None, "", "abc", "0", "-4", "99999"])
def test_unusable_days_fall_back_to_the_setting(settings, raw: str | None) -> None:
    settings.TIES_STALE_DAYS = 21
    assert parse_days(raw) == 21


def test_parent_unit_sees_both_and_can_narrow_to_a_subtree(ties: Ties) -> None:
    rosa = ties.world.rosa
    everything = _report(rosa)
    assert {"Amara", "Bogdan", "Bella", "Boris"} <= _names(everything.stale_people)
    assert {row.member.username for row in everything.members} == {"rosa", "alice", "bob", "dana"}

    elm = _report(rosa, f"?unit={ties.world.elm.unit.pk}")
    assert _names(elm.stale_people) == {"Amara", "Oscar", "Dmitri", "Uma"}
    assert elm.overdue_count == 2
    assert {row.member.username for row in elm.members} == {"alice", "dana"}

    floor = _report(rosa, f"?unit={ties.floor.pk}")
    assert _names(floor.stale_people) == {"Uma"}
    assert floor.quiet_places_count == 0 and floor.members == []
    assert sum(bar.count for bar in floor.chart.bars) == 0


def test_member_filter_narrows_to_their_people_and_conversations(ties: Ties) -> None:
    report = _report(ties.world.elm.organizer, f"?member={ties.dana.pk}")
    assert report.member == ties.dana
    assert _names(report.stale_people) == {"Dmitri", "Uma"}
    assert [fu.person.first_name for fu in report.overdue] == ["Dmitri"]
    assert [m.username for m in report.silent_members] == ["dana"]
    assert [row.member.username for row in report.members] == ["dana"]
    assert report.chart.total == 2  # the yard visit and last month's talk, both hers
    assert report.quiet_places_count == 0  # her people have no place, so no place is hers


def test_unit_and_member_outside_what_the_viewer_sees_are_404(ties: Ties) -> None:
    alice = client_for(ties.world.elm.organizer)
    world = ties.world
    for query in (
        f"?unit={world.building_c.unit.pk}",
        f"?unit={world.union.pk}",
        "?unit=999999",
        "?unit=abc",
        f"?member={world.building_c.organizer.pk}",
        f"?member={world.rosa.pk}",
        f"?member={world.carl.pk}",
        "?member=abc",
    ):
        assert alice.get(URL + query).status_code == 404, query
    assert alice.get(URL + f"?unit={ties.floor.pk}").status_code == 200
    assert (
        client_for(world.rosa).get(URL + f"?member={world.building_c.organizer.pk}").status_code
        == 200
    )


def test_outsider_sees_an_empty_page(ties: Ties) -> None:
    report = _report(ties.world.carl)
    assert report.stale_count == report.overdue_count == report.quiet_places_count == 0
    assert report.chart.total == 0
    assert [row.member.username for row in report.members] == ["carl"]


def test_nav_links_to_ties(ties: Ties) -> None:
    body = client_for(ties.world.elm.organizer).get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">Ties</a>' in body


def _grow(world: World, copies: int) -> None:
    """More members, people, places, conversations and follow-ups in every unit."""
    today = timezone.localdate()
    for unit_world in (world.elm, world.building_c):
        for i in range(copies):
            member = f.MemberFactory(username=f"{unit_world.unit.slug}-m{i}")
            f.MembershipFactory(member=member, unit=unit_world.unit)
            place = f.PlaceFactory(unit=unit_world.unit)
            person = f.PersonFactory(unit=unit_world.unit, responsible=member, place=place)
            f.ConversationFactory(
                unit=unit_world.unit, people=[person], place=place, recorded_by=member
            )
            f.FollowUpFactory(person=person, owner=member, due_on=today - timedelta(days=2))


def test_query_count_does_not_grow_with_data(ties: Ties, django_assert_max_num_queries) -> None:
    rosa = client_for(ties.world.rosa)
    rosa.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert rosa.get(URL).status_code == 200
    assert len(small.captured_queries) <= 30
    _grow(ties.world, copies=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = rosa.get(URL)
    assert len(response.context["report"].members) == 4 + 16
    with django_assert_max_num_queries(30):
        rosa.get(URL + f"?member={ties.dana.pk}&days=10")


def test_round_participation_counts_only_the_units_in_scope(world: World) -> None:
    from massline.rounds import services

    round_ = world.elm.round
    services.gather(round_)
    gathered = round_.entries.count()
    alice = client_for(world.elm.organizer)
    body = alice.get(reverse("ties")).content.decode()
    assert "Round participation" in body and round_.question in body
    report = ties_report(world.elm.organizer)
    (row,) = [r for r in report.rounds if r.pk == round_.pk]
    assert (row.n_gathered, row.n_forwarded, row.n_receptions) == (gathered, 0, 0)
    assert world.building_c.round.pk not in {r.pk for r in report.rounds}
