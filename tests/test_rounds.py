"""The round as a workflow: each state, each role, and the numbers it shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.ideas.models import Idea, IdeaKind
from massline.organization.models import Role
from massline.rounds import selectors, services
from massline.rounds.models import Line, PoolEntry, Reception, Round, RoundState
from massline.struggles.models import Level
from tests import factories as f
from tests.conftest import World, client_for


@pytest.fixture
def district(world: World) -> Round:
    """A round led by the union, with both buildings taking part."""
    struggle = f.StruggleFactory(unit=world.union, name="Stop the rent increase")
    # The world's own ideas are about other struggles, so only the ones below join this round.
    Idea.objects.filter(unit=world.elm.unit).update(struggle=world.elm.struggle)
    Idea.objects.filter(unit=world.building_c.unit).update(struggle=world.building_c.struggle)
    round_ = f.RoundFactory(
        struggle=struggle,
        leading_unit=world.union,
        units=[world.elm.unit, world.building_c.unit],
        question="How do we stop the rent increase?",
    )
    for unit_world, texts in (
        (world.elm, ["Rent is too high", "Withhold together", "Rent is too high!"]),
        (world.building_c, ["Call the inspector", "A strike won't work"]),
    ):
        for text in texts:
            f.IdeaFactory(
                unit=unit_world.unit,
                person=unit_world.person,
                struggle=struggle,
                text=text,
                raised_at=timezone.now() - timedelta(hours=1),
                kind=IdeaKind.OBJECTION if "won't" in text else IdeaKind.CONCERN,
            )
    f.AssessmentFactory(
        person=world.elm.person,
        struggle=struggle,
        level=Level.ADVANCED,
        assessed_at=timezone.now() - timedelta(days=1),
    )
    return round_


def _entries(round_: Round, unit, text: str | None = None) -> list[int]:
    entries = PoolEntry.objects.filter(round=round_, held_by=unit)
    if text:
        entries = entries.filter(idea__text=text)
    return list(entries.values_list("pk", flat=True))


def test_gathering_pulls_ideas_of_the_window_and_units_once(world: World, district: Round) -> None:
    assert services.gather(district) == 5
    assert services.gather(district) == 0, "idempotent"
    late = f.IdeaFactory(
        unit=world.elm.unit,
        struggle=district.struggle,
        raised_at=district.gather_until + timedelta(days=1),
    )
    outside = f.IdeaFactory(unit=f.UnitFactory(), struggle=district.struggle)
    services.gather(district)
    pooled = set(PoolEntry.objects.filter(round=district).values_list("idea_id", flat=True))
    assert late.pk not in pooled and outside.pk not in pooled
    entry = PoolEntry.objects.get(round=district, idea__text="Withhold together")
    assert (entry.level, entry.unit, entry.held_by) == ("advanced", world.elm.unit, world.elm.unit)


def test_first_cut_forward_merge_and_review(world: World, district: Round) -> None:
    services.gather(district)
    alice, elm = world.elm.organizer, world.elm.unit
    high = _entries(district, elm, "Rent is too high")
    again = _entries(district, elm, "Rent is too high!")
    services.merge(district, elm, high[0], high + again, by=alice)
    n = services.forward(district, elm, high, note="raised by 2 on the 4th floor", by=alice)
    assert n == 1
    held = PoolEntry.objects.filter(round=district, held_by=world.union)
    assert set(held.values_list("idea__text", flat=True)) == {
        "Rent is too high",
        "Rent is too high!",
    }
    services.mark_reviewed(district, elm, _entries(district, elm, "Withhold together"), by=alice)
    pool = list(selectors.unit_pool(district, elm))
    assert [e.idea.text for e in pool if not e.reviewed] == []
    forwarded = next(e for e in pool if e.idea.text == "Rent is too high")
    assert forwarded.forwarded_note == "raised by 2 on the 4th floor" and forwarded.n_merged == 1
    assert any(e.idea.text == "Withhold together" for e in pool), "unforwarded stays visible"


def test_a_member_cannot_cut_for_a_sibling_unit(world: World, district: Round) -> None:
    services.gather(district)
    with pytest.raises(PermissionDenied):
        services.forward(
            district,
            world.building_c.unit,
            _entries(district, world.building_c.unit),
            note="",
            by=world.elm.organizer,
        )
    response = client_for(world.elm.organizer).get(
        reverse("unit_pool", args=[district.pk, world.building_c.unit.pk])
    )
    assert response.status_code == 404


def test_base_members_see_their_pool_not_their_siblings(world: World, district: Round) -> None:
    services.gather(district)
    alice = client_for(world.elm.organizer)
    body = alice.get(reverse("unit_pool", args=[district.pk, world.elm.unit.pk])).content.decode()
    assert "Withhold together" in body and "Call the inspector" not in body
    assert alice.get(reverse("board", args=[district.pk])).status_code == 404, "not leading"
    my_work = alice.get(reverse("my_work")).content.decode()
    assert "How do we stop the rent increase?" in my_work


def _concentrate(world: World, district: Round):
    services.gather(district)
    for unit_world in (world.elm, world.building_c):
        services.forward(
            district,
            unit_world.unit,
            _entries(district, unit_world.unit),
            note="all of it",
            by=unit_world.organizer,
        )
    services.advance(district, by=world.rosa)
    theme = services.create_theme(district, "Rent", by=world.rosa)
    services.place_in_theme(district, _entries(district, world.union), theme, by=world.rosa)
    return theme


def _published_line(world: World, district: Round) -> Line:
    """The district round concentrated into one theme and a line on it, published by Rosa."""
    theme = _concentrate(world, district)
    line = services.write_line(
        district,
        services.LineDraft("the increase", "withhold it"),
        themes=[theme],
        entries=[],
        by=world.rosa,
    ).line
    services.publish_line(line, by=world.rosa)
    return line


def test_state_machine_and_roles(world: World, district: Round) -> None:
    with pytest.raises(PermissionDenied):
        services.advance(district, by=world.elm.organizer)
    with pytest.raises(services.RoundError):
        services.create_theme(district, "Too early", by=world.rosa)
    theme = _concentrate(world, district)
    assert district.state == RoundState.CONCENTRATING
    with pytest.raises(services.RoundError, match="Publish a line"):
        services.advance(district, by=world.rosa)
    with pytest.raises(services.RoundError):
        services.close_round(district, services.Summation("a", "b"), by=world.rosa)
    version = services.write_line(
        district,
        services.LineDraft("the 8% increase", "withhold it together"),
        themes=[theme],
        entries=[],
        by=world.rosa,
    )
    services.publish_line(version.line, by=world.rosa)
    district.refresh_from_db()
    assert district.state == RoundState.RETURNING
    with pytest.raises(services.RoundError):
        services.create_theme(district, "Too late", by=world.rosa)
    with pytest.raises(services.RoundError, match="summation"):
        services.close_round(district, services.Summation("", ""), by=world.rosa)
    services.close_round(
        district, services.Summation("Door knocks", "They fear eviction"), by=world.rosa
    )
    assert district.state == RoundState.CLOSED
    with pytest.raises(services.RoundError):
        services.record_reception(
            version.line, world.elm.person, response="agrees", said="", by=world.rosa
        )


def test_board_breadth_is_counted_by_the_database(
    world: World, district: Round, django_assert_max_num_queries
) -> None:
    theme = _concentrate(world, district)
    with django_assert_max_num_queries(3):
        themes = list(selectors.themes_with_breadth(district))
    (rent,) = themes
    assert rent == theme
    b = rent.breadth
    assert (b["n_ideas"], b["n_people"], b["n_units"], b["n_places"]) == (5, 2, 2, 2)
    assert (b["n_advanced"], b["n_objections"]) == (3, 1)
    services.place_in_theme(
        district, _entries(district, world.union, "Call the inspector"), None, by=world.rosa
    )
    rent.refresh_from_db()
    assert (rent.breadth["n_ideas"], rent.breadth["n_units"]) == (4, 2)


def test_line_versions_keep_provenance_and_changes(world: World, district: Round) -> None:
    theme = _concentrate(world, district)
    objection = PoolEntry.objects.get(round=district, idea__text="A strike won't work")
    first = services.write_line(
        district,
        services.LineDraft("the increase", "withhold it"),
        themes=[theme],
        entries=[objection],
        by=world.rosa,
    )
    with pytest.raises(services.RoundError, match="what changed"):
        services.write_line(
            district,
            services.LineDraft("x", "y"),
            themes=[theme],
            entries=[],
            by=world.rosa,
            line=first.line,
        )
    second = services.write_line(
        district,
        services.LineDraft(
            "the increase",
            "withhold it, with a strike fund",
            change_note="Answers the fear of eviction",
        ),
        themes=[theme],
        entries=[objection],
        by=world.rosa,
        line=first.line,
    )
    assert second.number == 2 and list(second.entries.all()) == [objection]
    page = (
        client_for(world.rosa)
        .get(reverse("line_detail", args=[district.pk, first.line.pk]))
        .content.decode()
    )
    assert "<ins>" in page and "strike fund" in page and "Answers the fear of eviction" in page
    assert "A strike won&#x27;t work" in page


def test_return_list_receptions_and_tallies(world: World, district: Round) -> None:
    line = _published_line(world, district)
    alice = world.elm.organizer
    newcomer = f.PersonFactory(unit=world.elm.unit, responsible=alice)
    wavering = f.PersonFactory(unit=world.elm.unit, responsible=alice)
    f.AssessmentFactory(person=wavering, struggle=district.struggle, level=Level.INTERMEDIATE)
    order = [p.pk for p in selectors.return_list(alice, line)]
    assert order == [world.elm.person.pk, wavering.pk, newcomer.pk], "advanced first"
    services.record_reception(line, world.elm.person, response="agrees", said="", by=alice)
    services.record_reception(
        line, wavering, response="disagrees", said="We will all be evicted", by=alice
    )
    services.record_reception(line, newcomer, response="not_reached", said="", by=alice)
    said = Idea.objects.get(text="We will all be evicted")
    assert said.kind == IdeaKind.OBJECTION
    assert PoolEntry.objects.filter(round=district, idea=said, level="intermediate").exists()
    tallies = selectors.reception_tallies(line)
    assert (tallies["overall"].reached, tallies["overall"].total) == (2, 3)
    by_level = {t.label: t.counts for t in tallies["by_level"]}
    assert by_level["Advanced"] == {"agrees": 1}
    assert by_level["Intermediate"] == {"disagrees": 1}
    services.record_reception(line, wavering, response="in_part", said="", by=alice)
    assert Reception.objects.filter(line=line, person=wavering).get().response == "in_part"
    with pytest.raises(PermissionDenied):
        services.record_reception(
            line, world.building_c.person, response="agrees", said="", by=alice
        )


def test_the_return_list_comes_a_page_at_a_time(world: World, district: Round) -> None:
    from massline.rounds.views import RETURN_LIST_SIZE

    line = _published_line(world, district)
    alice = world.elm.organizer
    people = [f.PersonFactory(unit=world.elm.unit, responsible=alice) for _ in range(30)]
    for person in people[::7]:
        f.AssessmentFactory(person=person, struggle=district.struggle, level=Level.ADVANCED)
    expected = [p.pk for p in selectors.return_list(alice, line)]
    assert len(expected) == 31
    client = client_for(alice)
    url = reverse("line_detail", args=[district.pk, line.pk])
    first = client.get(url)
    later = client.get(url, {"start": RETURN_LIST_SIZE})
    shown = [p.pk for p in first.context["return_list"]] + [
        p.pk for p in later.context["return_list"]
    ]
    assert shown == expected  # the same order, nobody twice, nobody left out
    assert len(first.context["return_list"]) == RETURN_LIST_SIZE
    assert f"?start={RETURN_LIST_SIZE}#return" in first.content.decode()
    assert "?start=0#return" in later.content.decode()  # and back
    assert client.get(url, {"start": "-3"}).context["return_start"] == 0


def test_receptions_are_tallied_by_the_unit_where_they_were_asked(
    world: World, district: Round
) -> None:
    line = _published_line(world, district)
    services.record_reception(line, world.elm.person, response="agrees", said="", by=world.rosa)
    services.record_reception(
        line, world.building_c.person, response="disagrees", said="", by=world.rosa
    )
    reception = Reception.objects.get(line=line, person=world.elm.person)
    assert reception.unit == world.elm.unit
    by_unit = {t.label: t.counts for t in selectors.reception_tallies(line)["by_unit"]}
    assert by_unit == {
        world.elm.unit.name: {"agrees": 1},
        world.building_c.unit.name: {"disagrees": 1},
    }


def test_petition_majority_is_a_passed_structure_test(world: World, district: Round) -> None:
    place = world.elm.place
    neighbours = [f.PersonFactory(unit=world.elm.unit, place=place) for _ in range(3)]
    petition = services.plan_action(
        district,
        by=world.rosa,
        kind="petition",
        title="Petition",
        happens_on=timezone.localdate(),
        place=place,
    )
    for person in neighbours[:2]:
        services.record_participation(petition, person, asked=True, took_part=True, by=world.rosa)
    people = access.visible_people(world.rosa)
    result = selectors.action_result(petition, people)
    assert (result.took_part, result.population, result.majority) == (2, 4, False)
    services.record_participation(
        petition, world.elm.person, asked=True, took_part=True, by=world.rosa
    )
    assert selectors.action_result(petition, people).majority


def test_summation_numbers_and_next_round_carry_in(world: World, district: Round) -> None:
    line = _published_line(world, district)
    services.record_reception(
        line,
        world.elm.person,
        response="in_part",
        said="Only if the whole building does",
        by=world.elm.organizer,
    )
    f.AssessmentFactory(
        person=world.building_c.person,
        struggle=district.struggle,
        level=Level.BACKWARD,
        assessed_at=district.gather_from - timedelta(1),
    )
    f.AssessmentFactory(
        person=world.building_c.person, struggle=district.struggle, level=Level.INTERMEDIATE
    )
    numbers = selectors.round_numbers(district)
    assert (numbers.ideas, numbers.forwarded, numbers.themes, numbers.people_reached) == (
        6,
        5,
        1,
        1,
    )
    assert (numbers.moved_up, numbers.moved_down) == (1, 0)
    services.close_round(
        district, services.Summation("Knocking together", "Fear of eviction"), by=world.rosa
    )
    following = services.open_next_round(
        district,
        question="How do we protect those who withhold?",
        gather_from=timezone.now(),
        gather_until=timezone.now() + timedelta(days=7),
        by=world.rosa,
    )
    carried = set(following.entries.values_list("idea__text", flat=True))
    assert carried == {"Only if the whole building does", "A strike won't work"}
    services.gather(following)
    assert set(following.entries.values_list("idea__text", flat=True)) == carried, (
        "ideas the previous round already weighed are not gathered again"
    )
    assert following.previous == district
    with pytest.raises(services.RoundError):
        services.open_next_round(
            district,
            question="again",
            gather_from=timezone.now(),
            gather_until=timezone.now() + timedelta(days=1),
            by=world.rosa,
        )


def test_open_a_round_through_the_page(world: World) -> None:
    rosa = client_for(world.rosa)
    struggle = f.StruggleFactory(unit=world.union)
    now = timezone.localtime()
    response = rosa.post(
        reverse("round_new"),
        {
            "struggle": struggle.pk,
            "question": "What next?",
            "leading_unit": world.union.pk,
            "units": [world.elm.unit.pk],
            "gather_from": now.strftime("%Y-%m-%dT%H:%M"),
            "gather_until": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    round_ = Round.objects.get(question="What next?")
    page = rosa.get(reverse("round_detail", args=[round_.pk])).content.decode()
    assert round_.public_token in page and "<svg" in page


def test_only_organizers_of_a_unit_may_lead_from_it(world: World) -> None:
    member = f.MemberFactory(username="mo")
    f.MembershipFactory(member=member, unit=world.elm.unit, role=Role.MEMBER)
    form_page = client_for(member).get(reverse("round_new")).content.decode()
    assert f'value="{world.elm.unit.pk}"' not in form_page.split('name="units"')[0]


class TestPublicSuggestions:
    def _post(self, client, round_: Round, **extra):
        from django.core import signing

        started = signing.dumps(0, salt="public-idea")
        data = {
            "kind": "proposal",
            "text": "Hold meetings in Spanish too",
            "website": "",
            "started": started,
            **extra,
        }
        return client.post(
            reverse("public_idea", args=[round_.public_token]), data, REMOTE_ADDR="10.0.0.9"
        )

    def test_anonymous_idea_joins_the_pool(self, world: World, district: Round, client) -> None:
        page = client.get(reverse("public_idea", args=[district.public_token]))
        assert (
            page.status_code == 200 and "You do not need to give your name" in page.content.decode()
        )
        assert self._post(client, district).status_code == 200
        entry = PoolEntry.objects.get(round=district, idea__text="Hold meetings in Spanish too")
        assert entry.idea.person is None and entry.held_by == world.union

    def test_honeypot_and_rate_limit(self, world: World, district: Round, client) -> None:
        from django.core.cache import cache

        cache.clear()
        self._post(client, district, website="http://spam.example")
        assert not Idea.objects.filter(text="Hold meetings in Spanish too").exists()
        for _ in range(5):
            assert self._post(client, district).status_code == 200
        assert self._post(client, district).status_code == 429
        assert Idea.objects.filter(text="Hold meetings in Spanish too").count() == 5

    def test_closed_rounds_and_bad_tokens(self, world: World, district: Round, client) -> None:
        assert client.get(reverse("public_idea", args=["nope"])).status_code == 404
        district.state = RoundState.CONCENTRATING
        district.save()
        self._post(client, district)
        assert not Idea.objects.filter(text="Hold meetings in Spanish too").exists()
