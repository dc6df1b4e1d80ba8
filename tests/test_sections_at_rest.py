"""A person's section values at rest (tokens under the vault key), key rotation, forgetting a
person, the migration from value ids, and the per-theme tallies the board reads."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from massline import vault
from massline.ideas.models import Idea
from massline.people.models import Person
from massline.people.services import forget_person
from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry
from massline.sections import selectors, services, tokens
from massline.sections.models import PersonSection, RaisedBy, ThemeTally
from massline.vault import keys
from tests import factories as f
from tests.conftest import World
from tests.test_sections import _theme_raised_by, _value, define_shifts


@pytest.fixture
def shifts(world: World):
    return define_shifts(world)


def _raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return cursor.fetchall()


def _breakdown(world: World, theme) -> dict[str, dict[str, int | None]]:
    """The board's breakdown of one theme: dimension -> label -> visible count."""
    result = selectors.theme_breakdowns(world.rosa, theme.round, [theme])[theme.pk]
    return {
        row.dimension.name: {cell.label or "unknown": cell.count for cell in row.cells}
        for row in result.rows
    } | {"total": {"": result.total}}


def _live(world: World, theme) -> dict[str, dict[str, int | None]]:
    """The same, counted live from the theme's pool entries (what the tallies must equal)."""
    dimensions = selectors.dimensions_for(world.rosa, theme.round.leading_unit)
    people = Person.objects.filter(
        pk__in=PoolEntry.objects.filter(theme=theme, person__isnull=False).values("person_id")
    )
    result = selectors.people_breakdown(dimensions, people, 1)
    return {
        row.dimension.name: {cell.label or "unknown": cell.count for cell in row.cells}
        for row in result.rows
    } | {"total": {"": result.total}}


# --- at rest ---------------------------------------------------------------------------------


def test_the_database_holds_no_link_from_a_person_to_a_value(
    world: World, shifts, monkeypatch
) -> None:
    shift, nationality = shifts
    syrian, night = _value(nationality, "Syrian"), _value(shift, "Night")
    people = [f.PersonFactory(unit=world.elm.unit) for _ in range(3)]
    for person in people:
        services.set_person_values(
            person, {shift.pk: night.pk, nationality.pk: syrian.pk}, by=world.rosa
        )
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), PersonSection._meta.db_table
        )
    ]
    assert "value_id" not in columns
    relations = connection.introspection.get_relations(
        connection.cursor(), PersonSection._meta.db_table
    )
    assert all(table != "sections_sectionvalue" for _col, table in relations.values())
    rows = _raw_rows(PersonSection._meta.db_table)
    stored = {row[columns.index("token")] for row in rows}
    assert len(rows) == 6 and len(stored) == 2  # equal values share a token: documented
    text = repr(rows)
    for label in ("Syrian", "Night", "Colombian", "Day"):
        assert label not in text
    # the tokens are not the value ids, nor anything computed from the database alone
    for token in stored:
        assert token not in {str(syrian.pk), str(night.pk)} and len(token) == 32
    assert selectors.current_values(people[0], [shift, nationality]) == {
        shift.pk: night,
        nationality.pk: syrian,
    }
    # under another master key the same rows say nothing
    monkeypatch.setenv(keys.KEY_ENV, vault.generate_master_key())
    assert selectors.current_values(people[0], [shift, nationality]) == {}
    assert not stored & set(tokens.values_by_token([shift, nationality]))


def test_rotation_re_tokens_every_row_and_the_board_keeps_counting(
    world: World, shifts, monkeypatch, capsys
) -> None:
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    old = keys.key_file_path().read_text().strip()  # what everyone here is sealed under
    theme = _theme_raised_by(world, {("Day", "Syrian"): 5, ("Night", None): 6}, shifts)
    before = _breakdown(world, theme)
    old_tokens = set(PersonSection.objects.values_list("token", flat=True))
    new = vault.generate_master_key()
    monkeypatch.setenv(keys.KEY_ENV, f"{new},{old}")
    assert _breakdown(world, theme) == before  # both keys: read meanwhile
    call_command("rotate_key")
    assert "sections.PersonSection: 16 rows re-indexed" in capsys.readouterr().out
    monkeypatch.setenv(keys.KEY_ENV, new)
    assert not old_tokens & set(PersonSection.objects.values_list("token", flat=True))
    assert _breakdown(world, theme) == before == _live(world, theme)
    shift, _nationality = shifts
    someone = PersonSection.objects.filter(dimension=shift).first().person
    assert selectors.current_values(someone, [shift])[shift.pk].label in ("Day", "Night")


def test_forgetting_a_person_takes_their_values_and_their_count_with_them(
    world: World, shifts
) -> None:
    theme = _theme_raised_by(world, {("Day", "Syrian"): 6, ("Night", None): 6}, shifts)
    assert _breakdown(world, theme)["Shift"]["Day"] == 6
    person = (
        PersonSection.objects.filter(
            token=tokens.token_for(shifts[0].pk, _value(shifts[0], "Day").pk)
        )
        .first()
        .person
    )
    forget_person(person)
    assert not PersonSection.objects.filter(person_id=person.pk).exists()
    assert not RaisedBy.objects.filter(person_id=person.pk).exists()
    after = _breakdown(world, theme)
    assert after["Shift"]["Day"] == 5 and after["total"][""] == 11
    assert after == _live(world, theme)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_value_ids_into_tokens() -> None:
    from django.db.migrations.executor import MigrationExecutor

    before = [("sections", "0002_line_translations_and_person_languages")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    unit = old_apps.get_model("organization", "Unit").objects.create(
        name="Old", slug="old-union", path=""
    )
    person = old_apps.get_model("people", "Person").objects.create(unit=unit, first_name="Pre")
    dimension = old_apps.get_model("sections", "Dimension").objects.create(unit=unit, name="Shift")
    value = old_apps.get_model("sections", "SectionValue").objects.create(
        dimension=dimension, label="Night"
    )
    old_apps.get_model("sections", "PersonSection").objects.create(
        person_id=person.pk, dimension=dimension, value=value
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    row = PersonSection.objects.get(person_id=person.pk)
    assert row.token == tokens.token_for(dimension.pk, value.pk)
    fresh = Person.objects.get(pk=person.pk)
    assert selectors.current_values(fresh, [row.dimension])[dimension.pk].label == "Night"


# --- the kept tallies ------------------------------------------------------------------------


def _idea_of(world: World, person: Person, round_) -> PoolEntry:
    idea = Idea.objects.create(unit=world.elm.unit, person=person, kind="concern", text="rent")
    entry = PoolEntry.of(round_, idea)
    entry.save()
    return entry


def test_tallies_follow_ideas_moved_merged_and_values_changed(world: World, shifts) -> None:
    shift, nationality = shifts
    heat = _theme_raised_by(world, {("Day", "Syrian"): 6, ("Night", "Colombian"): 7}, shifts)
    round_ = heat.round
    rent = rounds.create_theme(round_, "Rent", by=world.elm.organizer)
    assert _breakdown(world, heat) == _live(world, heat)
    # move five night-shift people's ideas to another theme
    night = tokens.token_for(shift.pk, _value(shift, "Night").pk)
    movers = list(
        PersonSection.objects.filter(dimension=shift, token=night).values_list(
            "person_id", flat=True
        )[:5]
    )
    moved = list(
        PoolEntry.objects.filter(theme=heat, person_id__in=movers).values_list("pk", flat=True)
    )
    rounds.place_in_theme(round_, moved, rent, by=world.elm.organizer)
    assert _breakdown(world, heat)["Shift"]["Night"] == 2
    assert _breakdown(world, rent)["Shift"]["Night"] == 5
    # a person who raised both keeps counting once in each
    both = Person.objects.get(pk=movers[0])
    again = _idea_of(world, both, round_)
    rounds.place_in_theme(round_, [again.pk], heat, by=world.elm.organizer)
    assert _breakdown(world, heat)["total"][""] == 9
    # merging folds an idea (and its theme) into another's
    keep = PoolEntry.objects.filter(theme=rent).first()
    rounds.merge(round_, round_.leading_unit, keep.pk, [again.pk], by=world.elm.organizer)
    # a person's value changing moves their count in every theme they raised
    services.set_person_values(both, {shift.pk: _value(shift, "Day").pk}, by=world.rosa)
    services.set_person_values(both, {nationality.pk: None}, by=world.rosa)
    # an idea nobody placed through a service (the theme engine's bulk update, say)
    stray = _idea_of(world, f.PersonFactory(unit=world.elm.unit), round_)
    PoolEntry.objects.filter(pk=stray.pk).update(theme=heat)
    for theme in (heat, rent):
        assert _breakdown(world, theme) == _live(world, theme)
    assert ThemeTally.objects.get(theme=heat).people == _live(world, heat)["total"][""]
