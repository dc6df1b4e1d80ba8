"""Breadth by section leaving massline (the board's CSV, the API): a small cell never does;
and section values in people exports only when chosen and approved.

The cases are the pages' differencing cases (tests/test_sections.py), checked on the other
two surfaces; the API routes are probed here with a sibling unit's token
(tests/test_api_visibility.py lists them as probed here).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from massline.audit.models import ExportRequest
from massline.ideas.models import Idea
from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry
from massline.sections import services
from tests import factories as f
from tests.conftest import World, client_for
from tests.test_api import api
from tests.test_sections import _theme_raised_by, _value, define_shifts
from tests.test_transfer import _run


@pytest.fixture
def shifts(world: World):
    return define_shifts(world)


def _csv(member, round_) -> list[dict[str, str]]:
    response = client_for(member).get(reverse("round_sections_csv", args=[round_.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _cells_by(rows: list[dict[str, str]], dimension: str) -> dict[str, str]:
    return {row["value"]: row["count"] for row in rows if row["dimension"] == dimension}


def _api_cells(member, theme) -> tuple[dict, dict[tuple[str, str], dict]]:
    response = api(member).get(f"/api/v1/themes/{theme.pk}/sections/")
    assert response.status_code == 200
    body = response.json()
    return body, {(c["dimension"], c["value"]): c for c in body["cells"]}


def _no_small_count_leaves(rows: list[dict[str, str]], body: dict) -> None:
    """Every number that leaves is at least the minimum; nothing else is a number."""
    for row in rows:
        assert row["count"] in ("fewer than 5", "hidden") or int(row["count"]) >= 5, row
    for cell in body["cells"]:
        assert (cell["count"] is None) == (cell["shown"] != "count")
        assert cell["count"] is None or cell["count"] >= 5


def _recoverable(counts: list[int | None], total: int) -> int:
    """How many people an observer can single out from a row and its total: those of a cell
    that is the only one without a number (the total minus the others)."""
    return total - sum(n for n in counts if n is not None) if counts.count(None) == 1 else 0


def test_a_lone_small_cell_does_not_leave_by_the_csv_or_the_api(world: World, shifts) -> None:
    """Day 9, night 3 of 12: "Day 9" beside "12 people" would give night away on any surface."""
    theme = _theme_raised_by(world, {("Day", "Colombian"): 9, ("Night", "Colombian"): 3}, shifts)
    rows = _csv(world.rosa, world.elm.round)
    shift = _cells_by(rows, "Shift")
    assert shift == {"Day": "hidden", "Night": "fewer than 5", "unknown": "fewer than 5"}
    assert {row["people"] for row in rows} == {"12"}
    body, cells = _api_cells(world.rosa, theme)
    assert body["people"] == 12 and body["minimum"] == 5 and body["shown"]
    assert cells[("Shift", "Night")]["shown"] == "small"
    assert cells[("Shift", "Day")] == {
        "dimension": "Shift",
        "sensitive": False,
        "value": "Day",
        "count": None,
        "shown": "hidden",
    }
    _no_small_count_leaves(rows, body)
    shift_counts = [c["count"] for (d, _v), c in cells.items() if d == "Shift"]
    assert _recoverable(shift_counts, body["people"]) == 0
    assert b"9" not in api(world.rosa).get(f"/api/v1/themes/{theme.pk}/sections/").content


def test_two_rows_of_the_same_people_give_no_small_cell_away(world: World, shifts) -> None:
    """Shift and nationality of the same 13 people, two Syrians on the night shift."""
    theme = _theme_raised_by(
        world,
        {("Day", "Colombian"): 6, ("Night", "Colombian"): 5, ("Night", "Syrian"): 2},
        shifts,
    )
    rows = _csv(world.rosa, world.elm.round)
    assert _cells_by(rows, "Shift") == {"Day": "6", "Night": "7", "unknown": "fewer than 5"}
    assert _cells_by(rows, "Nationality") == {
        "Colombian": "hidden",
        "Syrian": "fewer than 5",
        "unknown": "fewer than 5",
    }
    body, cells = _api_cells(world.rosa, theme)
    assert cells[("Nationality", "Syrian")]["count"] is None
    assert cells[("Nationality", "Colombian")]["count"] is None  # else 13 - 11 = 2 Syrians
    _no_small_count_leaves(rows, body)
    for dimension in ("Shift", "Nationality"):
        counts = [c["count"] for (d, _v), c in cells.items() if d == dimension]
        assert _recoverable(counts, body["people"]) == 0


def test_a_line_a_few_people_from_a_theme_has_no_breakdown_on_either(world: World, shifts) -> None:
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
    response = api(world.rosa).get(f"/api/v1/lines/{version.line_id}/sections/")
    assert response.json() == {"people": None, "minimum": 5, "shown": False, "cells": []}
    rows = _csv(world.rosa, world.elm.round)
    assert {row["kind"] for row in rows} == {"theme"}  # the theme's rows only
    assert {row["people"] for row in rows} == {"12"}


def test_sensitive_dimensions_leave_only_for_members_with_the_right(world: World, shifts) -> None:
    theme = _theme_raised_by(world, {("Day", "Colombian"): 9, ("Night", "Syrian"): 5}, shifts)
    organizer = world.elm.organizer
    rows = _csv(organizer, world.elm.round)
    assert rows and {row["dimension"] for row in rows} == {"Shift"}
    _body, cells = _api_cells(organizer, theme)
    assert {dimension for dimension, _value_ in cells} == {"Shift"}
    services.grant_sensitive_right(world.union, organizer, by=world.rosa)
    assert {row["dimension"] for row in _csv(organizer, world.elm.round)} == {
        "Shift",
        "Nationality",
    }
    assert {row["sensitive"] for row in _csv(organizer, world.elm.round)} == {"", "yes"}


def test_a_sibling_unit_gets_404_for_the_theme_the_line_and_the_csv(world: World, shifts) -> None:
    theme = _theme_raised_by(world, {("Day", "Colombian"): 9, ("Night", "Syrian"): 5}, shifts)
    sibling = world.building_c.organizer
    token = api(sibling)
    assert token.get(f"/api/v1/themes/{theme.pk}/sections/").status_code == 404
    assert token.get(f"/api/v1/lines/{world.elm.line.pk}/sections/").status_code == 404
    url = reverse("round_sections_csv", args=[world.elm.round.pk])
    assert client_for(sibling).get(url).status_code == 404
    # and the sibling's own objects answer, so the 404s above are about whose they are
    own_line = world.building_c.line.pk
    assert token.get(f"/api/v1/lines/{own_line}/sections/").status_code == 200


def test_the_board_links_to_the_csv(world: World, shifts) -> None:
    _theme_raised_by(world, {("Day", "Colombian"): 6}, shifts)
    page = client_for(world.elm.organizer).get(reverse("board", args=[world.elm.round.pk]))
    assert reverse("round_sections_csv", args=[world.elm.round.pk]) in page.content.decode()


# --- people exports: section values only when chosen and approved --------------------------


def _export(tmp_path: Path, *extra: str, as_member: str = "alice") -> int:
    out = tmp_path / "people.csv"
    return _run("export", "people", "--unit", "elm", "--out", str(out), "--as", as_member, *extra)


def _exported(tmp_path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((tmp_path / "people.csv").open(encoding="utf-8")))


def test_a_people_export_carries_no_section_values_unless_chosen(
    world: World, shifts, tmp_path: Path
) -> None:
    shift, _nationality = shifts
    person = world.elm.person
    services.set_person_values(person, {shift.pk: _value(shift, "Night").pk}, by=world.rosa)
    assert _export(tmp_path) == 0
    rows = _exported(tmp_path)
    assert "Shift" not in rows[0] and "Night" not in (tmp_path / "people.csv").read_text()


def test_chosen_dimensions_need_an_approval_for_exactly_them(
    world: World, shifts, tmp_path: Path, capsys
) -> None:
    shift, _nationality = shifts
    person = world.elm.person
    services.set_person_values(person, {shift.pk: _value(shift, "Night").pk}, by=world.rosa)
    # a small export of one unit, which would pass alone, waits for approval with sections
    assert _export(tmp_path, "--sections", "Shift") == 1
    refused = capsys.readouterr().err
    assert "Shift" in refused and "needs a second member's approval" in refused
    assert not (tmp_path / "people.csv").exists()
    request_id = refused.split("export approve ")[1].split()[0]
    assert _run("export", "approve", request_id, "--as", "rosa") == 0
    assert _export(tmp_path, "--sections", "Shift") == 0
    rows = {row["first_name"]: row for row in _exported(tmp_path)}
    assert rows[person.first_name]["Shift"] == "Night"
    assert {row["Shift"] for row in rows.values()} <= {"Night", ""}
    assert "Nationality" not in next(iter(rows.values()))
    # used once
    assert _export(tmp_path, "--sections", "Shift") == 1
    capsys.readouterr()
    # the approval of one set of dimensions is not an approval of another
    services.grant_sensitive_right(world.union, world.elm.organizer, by=world.rosa)
    assert _export(tmp_path, "--sections", "Shift") == 1
    request_id = capsys.readouterr().err.split("export approve ")[1].split()[0]
    assert _run("export", "approve", request_id, "--as", "rosa") == 0
    assert _export(tmp_path, "--sections", "Shift,Nationality") == 1
    assert _export(tmp_path, "--sections", "Shift") == 0


def test_a_sensitive_dimension_needs_the_right_to_be_exported(
    world: World, shifts, tmp_path: Path, capsys
) -> None:
    assert _export(tmp_path, "--sections", "Nationality") == 1
    assert "no dimension Nationality" in capsys.readouterr().err
    assert not ExportRequest.objects.exists()
