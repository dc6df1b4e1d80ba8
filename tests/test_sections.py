"""Sections of the masses: dimensions, a person's values, breadth by section on the board,
the line's warnings, small-cell suppression and the right to sensitive breakdowns."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from massline.ideas.models import Idea
from massline.organization.models import Role
from massline.rounds import services as rounds
from massline.rounds.models import Line, LineVersion, PoolEntry, Reception, Response, RoundState
from massline.sections import selectors, services
from massline.sections.models import PersonSection, SectionValue, Topic
from massline.sections.suppression import Shown, suppress
from massline.sections.tokens import token_for
from tests import factories as f
from tests.conftest import World, client_for


def define_shifts(world: World):
    """The union (the organization at the top) divides its people by shift and nationality."""
    shift = services.define_dimension(
        world.union, "Shift", topic=Topic.SHIFT, values=["Day", "Night"], by=world.rosa
    )
    nationality = services.define_dimension(
        world.union,
        "Nationality",
        topic=Topic.NATIONALITY,
        values=["Colombian", "Syrian"],
        by=world.rosa,
    )
    services.grant_sensitive_right(world.union, world.rosa, by=world.rosa)
    return shift, nationality


@pytest.fixture
def shifts(world: World):
    return define_shifts(world)


def _value(dimension, label: str) -> SectionValue:
    return dimension.values.get(label=label)


def _theme_raised_by(world: World, groups: dict[tuple[str, ...], int], shifts) -> object:
    """A theme on the Elm board raised by people with the given (shift, nationality) values;
    a None value is left unknown."""
    shift, nationality = shifts
    round_ = world.elm.round
    round_.state = RoundState.CONCENTRATING
    round_.save()
    entries = []
    for (shift_label, nation_label), n in groups.items():
        for _i in range(n):
            person = f.PersonFactory(unit=world.elm.unit)
            chosen = {shift.pk: None, nationality.pk: None}
            if shift_label:
                chosen[shift.pk] = _value(shift, shift_label).pk
            if nation_label:
                chosen[nationality.pk] = _value(nationality, nation_label).pk
            services.set_person_values(person, chosen, by=world.rosa)
            idea = Idea.objects.create(
                unit=world.elm.unit, person=person, kind="concern", text="the heat"
            )
            entry = PoolEntry.of(round_, idea)
            entry.save()
            entries.append(entry.pk)
    theme = rounds.create_theme(round_, "Heat", by=world.elm.organizer)
    rounds.place_in_theme(round_, entries, theme, by=world.elm.organizer)
    return theme


def _row(breakdown, name: str) -> dict:
    row = next(r for r in breakdown.rows if r.dimension.name == name)
    return {cell.label or "unknown": cell for cell in row.cells}


# --- dimensions and values --------------------------------------------------------------


def test_sensitive_by_default_for_nationality_not_for_shift(world: World, shifts) -> None:
    shift, nationality = shifts
    assert not shift.sensitive and nationality.sensitive
    religion = services.define_dimension(
        world.union, "Faith", topic=Topic.RELIGION, values=["Any"], by=world.rosa
    )
    assert religion.sensitive
    grade = services.define_dimension(
        world.union, "Grade", topic=Topic.GRADE, values=["A"], by=world.rosa, sensitive=True
    )
    assert grade.sensitive


def test_only_the_organizations_administrator_defines_dimensions(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.define_dimension(
            world.union, "Shift", topic=Topic.SHIFT, values=["Day"], by=world.elm.organizer
        )
    with pytest.raises(ValidationError):
        services.define_dimension(
            world.union, "Shift", topic=Topic.SHIFT, values=["Day", "Day"], by=world.rosa
        )


def test_a_value_of_another_dimension_is_refused_and_nothing_saved(world: World, shifts) -> None:
    shift, nationality = shifts
    person = world.elm.person
    with pytest.raises(ValidationError):
        services.set_person_values(
            person,
            {shift.pk: _value(shift, "Day").pk, nationality.pk: _value(shift, "Night").pk},
            by=world.rosa,
        )
    assert not PersonSection.objects.filter(person=person).exists()


def test_unknown_removes_a_value(world: World, shifts) -> None:
    shift, _nationality = shifts
    person = world.elm.person
    services.set_person_values(person, {shift.pk: _value(shift, "Day").pk}, by=world.rosa)
    services.set_person_values(person, {shift.pk: None}, by=world.rosa)
    assert not PersonSection.objects.filter(person=person).exists()


def test_sensitive_values_need_the_right_even_to_be_set(world: World, shifts) -> None:
    shift, nationality = shifts
    alice = world.elm.organizer
    with pytest.raises(ValidationError):
        services.set_person_values(
            world.elm.person, {nationality.pk: _value(nationality, "Syrian").pk}, by=alice
        )
    services.set_person_values(world.elm.person, {shift.pk: _value(shift, "Day").pk}, by=alice)


def test_person_sections_page(world: World, shifts) -> None:
    shift, _nationality = shifts
    alice = client_for(world.elm.organizer)
    url = reverse("person_sections", args=[world.elm.person.pk])
    page = alice.get(url).content.decode()
    assert "Shift" in page and "Nationality" not in page  # sensitive: no right
    night = _value(shift, "Night")
    response = alice.post(url, {f"d{shift.pk}": night.pk})
    assert response.status_code == 302
    assert selectors.current_values(world.elm.person, [shift]) == {shift.pk: night}
    # someone in the sibling unit is not found
    other = reverse("person_sections", args=[world.building_c.person.pk])
    assert alice.get(other).status_code == 404


def test_sections_page_lets_the_administrator_define(world: World) -> None:
    rosa = client_for(world.rosa)
    response = rosa.post(
        reverse("sections"),
        {
            "organization": world.union.pk,
            "op": "dimension",
            "name": "Language",
            "topic": Topic.LANGUAGE,
            "sensitive": "",
            "values": "Spanish\nArabic\nEnglish",
        },
    )
    assert response.status_code == 302
    page = rosa.get(reverse("sections")).content.decode()
    assert "Language" in page and "Arabic" in page
    # an organizer of a base unit sees the dimension but cannot add one
    alice = client_for(world.elm.organizer)
    assert "Language" in alice.get(reverse("sections")).content.decode()
    denied = alice.post(
        reverse("sections"),
        {"organization": world.union.pk, "op": "dimension", "name": "X", "values": "a"},
    )
    assert denied.status_code == 404


# --- suppression --------------------------------------------------------------------------


def test_cells_below_the_minimum_show_as_fewer_than() -> None:
    cells = suppress([(1, "day", 9), (2, "night", 6), (None, "", 0)], minimum=5)
    assert [c.shown for c in cells] == [Shown.COUNT, Shown.COUNT, Shown.SMALL]


def test_a_lone_small_cell_cannot_be_recovered_from_the_total() -> None:
    """14 people: day 11, night 3, none unknown. Showing day 11 next to "raised by 14" would
    give night away (14 - 11 = 3), so a second non-zero cell is hidden with it."""
    cells = suppress([(1, "day", 11), (2, "night", 3), (None, "", 0)], minimum=5)
    shown = {c.label: c for c in cells}
    assert shown["night"].shown is Shown.SMALL
    assert shown["day"].shown is Shown.HIDDEN
    visible_sum = sum(c.visible_count or 0 for c in cells)
    assert visible_sum == 0  # 14 - 0 tells only night + day + unknown = 14


def test_two_small_cells_protect_each_other() -> None:
    cells = suppress([(1, "a", 10), (2, "b", 3), (3, "c", 2), (None, "", 0)], minimum=5)
    assert [c.shown for c in cells] == [Shown.COUNT, Shown.SMALL, Shown.SMALL, Shown.SMALL]


def _recoverable(cells, total: int) -> set[str]:
    """Cells an observer can work out from the row and the total: a lone hidden cell is the
    total minus the shown cells; several hidden cells give away only their sum."""
    hidden = [c for c in cells if c.visible_count is None]
    if len(hidden) == 1 and hidden[0].count > 0:  # "nobody is unknown" singles out no one
        return {hidden[0].label}
    # with several hidden cells, the observer learns only their sum
    return set()


def test_differencing_a_breakdown_and_its_total_on_the_board(world: World, shifts) -> None:
    theme = _theme_raised_by(world, {("Day", "Colombian"): 9, ("Night", "Colombian"): 3}, shifts)
    rosa = world.rosa
    breakdowns = selectors.theme_breakdowns(rosa, world.elm.round, [theme])
    breakdown = breakdowns[theme.pk]
    assert breakdown.total == 12
    shift = _row(breakdown, "Shift")
    assert shift["Night"].shown is Shown.SMALL
    # not: "Day 9" next to "raised by 12", which would give night = 3
    assert shift["Day"].visible_count is None
    assert _recoverable(list(shift.values()), breakdown.total) == set()


def test_differencing_two_breakdowns_of_the_same_people(world: World, shifts) -> None:
    """Shift and nationality rows of the same 13 people: neither row, nor both together,
    give away the two Syrians on the night shift."""
    theme = _theme_raised_by(
        world,
        {("Day", "Colombian"): 6, ("Night", "Colombian"): 5, ("Night", "Syrian"): 2},
        shifts,
    )
    services.grant_sensitive_right(world.union, world.rosa, by=world.rosa)
    breakdown = selectors.theme_breakdowns(world.rosa, world.elm.round, [theme])[theme.pk]
    shift, nationality = _row(breakdown, "Shift"), _row(breakdown, "Nationality")
    assert (shift["Day"].visible_count, shift["Night"].visible_count) == (6, 7)
    assert nationality["Syrian"].shown is Shown.SMALL
    assert nationality["Colombian"].visible_count is None  # else 13 - 11 = 2 Syrians
    for row in (shift, nationality):
        assert _recoverable(list(row.values()), breakdown.total) == set()


def test_a_line_adding_a_few_people_to_a_theme_shows_no_breakdown(world: World, shifts) -> None:
    """A line answering the theme plus one more person: subtracting the theme's breakdown from
    the line's would tell that person's shift, so the line shows none."""
    theme = _theme_raised_by(world, {("Day", "Colombian"): 6, ("Night", "Colombian"): 6}, shifts)
    shift, _nationality = shifts
    extra = f.PersonFactory(unit=world.elm.unit)
    services.set_person_values(extra, {shift.pk: _value(shift, "Night").pk}, by=world.rosa)
    idea = Idea.objects.create(unit=world.elm.unit, person=extra, kind="concern", text="cold")
    entry = PoolEntry.of(world.elm.round, idea)
    entry.save()
    version = rounds.write_line(
        world.elm.round,
        rounds.LineDraft(concern="the cold", action="act"),
        themes=[theme],
        entries=PoolEntry.objects.filter(pk=entry.pk),
        by=world.elm.organizer,
    )
    result = selectors.line_sections(world.rosa, version.line, version)
    assert result.breakdown.total == 13
    assert result.breakdown.too_close_to == "Heat" and not result.breakdown.shown
    page = client_for(world.elm.organizer).get(
        reverse("line_detail", args=[world.elm.round.pk, version.line.pk])
    )
    assert "differs from the theme" in page.content.decode()


def test_minimum_is_set_per_organization(world: World, shifts) -> None:
    theme = _theme_raised_by(world, {("Day", None): 6, ("Night", None): 6}, shifts)
    services.set_minimum(world.union, 7, by=world.rosa)
    breakdown = selectors.theme_breakdowns(world.rosa, world.elm.round, [theme])[theme.pk]
    assert all(cell.visible_count is None for cell in _row(breakdown, "Shift").values())
    with pytest.raises(ValidationError):
        services.set_minimum(world.union, 1, by=world.rosa)


# --- the board ----------------------------------------------------------------------------


def test_board_shows_breadth_by_section(world: World, shifts) -> None:
    _theme_raised_by(world, {("Day", "Colombian"): 9, ("Night", "Syrian"): 5}, shifts)
    alice = client_for(world.elm.organizer)
    page = alice.get(reverse("board", args=[world.elm.round.pk])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Raised by 14 people, by section:" in text
    assert "Day 9" in text and "Night 5" in text and "unknown fewer than 5" in text
    assert "Syrian" not in page  # nationality is sensitive; alice has no right to it
    services.grant_sensitive_right(world.union, world.elm.organizer, by=world.rosa)
    page = alice.get(reverse("board", args=[world.elm.round.pk])).content.decode()
    assert "Syrian" in page


def test_board_breakdown_costs_the_same_queries_however_many_themes(world: World, shifts) -> None:
    """The member's dimensions and the minimum, the tallies brought up to date (one statement
    finds who came or went), then one query for every theme's counts."""
    theme = _theme_raised_by(world, {("Day", "Colombian"): 6, ("Night", "Syrian"): 6}, shifts)
    themes = [theme] + [
        rounds.create_theme(world.elm.round, f"T{i}", by=world.elm.organizer) for i in range(5)
    ]
    selectors.theme_breakdowns(world.rosa, world.elm.round, themes)  # the first count
    with CaptureQueriesContext(connection) as one_query:
        one = selectors.theme_breakdowns(world.rosa, world.elm.round, themes[:1])
    with CaptureQueriesContext(connection) as six_query:
        six = selectors.theme_breakdowns(world.rosa, world.elm.round, themes)
    assert len(one_query) == len(six_query) <= 11
    assert one[theme.pk].total == six[theme.pk].total == 12


def test_small_theme_has_no_breakdown(world: World, shifts) -> None:
    theme = _theme_raised_by(world, {("Day", None): 2, ("Night", None): 1}, shifts)
    breakdown = selectors.theme_breakdowns(world.rosa, world.elm.round, [theme])[theme.pk]
    assert breakdown.too_small and not breakdown.rows


# --- the line's warnings ------------------------------------------------------------------


def _line_on(theme, world: World) -> LineVersion:
    return rounds.write_line(
        world.elm.round,
        rounds.LineDraft(concern="the heat", action="withhold rent together"),
        themes=[theme],
        entries=PoolEntry.objects.none(),
        by=world.elm.organizer,
    )


def test_line_warns_when_it_comes_from_one_section(world: World, shifts) -> None:
    shift, _nationality = shifts
    theme = _theme_raised_by(world, {("Night", None): 6}, shifts)
    day_worker = f.PersonFactory(unit=world.elm.unit)
    services.set_person_values(day_worker, {shift.pk: _value(shift, "Day").pk}, by=world.rosa)
    version = _line_on(theme, world)
    result = selectors.line_sections(world.rosa, version.line, version)
    assert [(d.name, v.label) for d, v in result.one_section] == [("Shift", "Night")]
    page = client_for(world.elm.organizer).get(
        reverse("line_detail", args=[world.elm.round.pk, version.line.pk])
    )
    assert "Everyone behind this line whose shift is known is Night" in page.content.decode()


def test_line_warns_when_receptions_diverge(world: World, shifts) -> None:
    shift, _nationality = shifts
    theme = _theme_raised_by(world, {("Day", None): 5, ("Night", None): 5}, shifts)
    version = _line_on(theme, world)
    line: Line = version.line
    people = {
        label: list(
            PersonSection.objects.filter(
                dimension=shift, token=token_for(shift.pk, _value(shift, label).pk)
            ).values_list("person", flat=True)
        )
        for label in ("Day", "Night")
    }
    for label, agreeing in (("Day", 4), ("Night", 1)):
        for i, person_id in enumerate(people[label]):
            Reception.objects.create(
                line=line,
                version=version,
                person_id=person_id,
                response=Response.AGREES if i < agreeing else Response.DISAGREES,
            )
    result = selectors.line_sections(world.rosa, line, version)
    assert [(d.name, shares) for d, shares in result.divergent] == [
        ("Shift", [("Day", 80), ("Night", 20)])
    ]


def test_receptions_of_small_sections_are_not_compared(world: World, shifts) -> None:
    shift, _nationality = shifts
    theme = _theme_raised_by(world, {("Day", None): 5, ("Night", None): 2}, shifts)
    version = _line_on(theme, world)
    day = token_for(shift.pk, _value(shift, "Day").pk)
    for ps in PersonSection.objects.filter(dimension=shift):
        Reception.objects.create(
            line=version.line,
            version=version,
            person_id=ps.person_id,
            response=Response.AGREES if ps.token == day else Response.DISAGREES,
        )
    assert selectors.line_sections(world.rosa, version.line, version).divergent == []


def test_sibling_organizer_sees_no_dimensions_of_another_organization(world: World, shifts) -> None:
    assert selectors.dimensions_for(world.carl, world.elm.unit) == []
    f.MembershipFactory(member=world.carl, unit=world.union, role=Role.MEMBER)
    assert [d.name for d in selectors.dimensions_for(world.carl, world.elm.unit)] == ["Shift"]
