"""Bulk writing of people and the streaming CSV import (massline.people.bulk, transfer).

The streaming import must accept and refuse exactly what the row-by-row importer does, and
what it writes must be ordinary people: readable, searchable, shreddable.
"""

from __future__ import annotations

import io
from pathlib import Path

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from massline.organization.models import Unit
from massline.people import bulk, transfer
from massline.people.bulk import (
    PersonRow,
    Sealer,
    Staging,
    may_skip_triggers,
    write_people,
    written_as_read,
)
from massline.people.models import Person, PersonKey, Place
from massline.people.selectors import find_by_contact
from massline.people.services import forget_person
from massline.people.transfer import import_people, import_people_stream
from massline.vault import VaultError, open_text
from tests.conftest import World
from tests.test_transfer import HEADER, _run

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["written as read", "written at the end"])
def write_mode(request, monkeypatch) -> str:
    """Both ways the streaming import writes (on PostgreSQL: as read when the role may skip
    the per-row trigger checks, else at the end) must accept and refuse the same."""
    if request.param == "written at the end":
        monkeypatch.setattr(bulk, "may_skip_triggers", lambda *_args: False)
    return request.param


def _stream(body: bytes, world: World, **options) -> transfer.ImportReport:
    return import_people_stream(
        io.BytesIO(body), unit=world.elm.unit, existing=Person.objects.all(), **options
    )


def _bad_file(world: World) -> bytes:
    return (
        HEADER
        + "Good,Row,5550102222,good@example.org,,\n"  # line 2: fine
        + "Bad,Email,,not-an-email,,\n"  # line 3
        + "Lost,Place,,,Nowhere Tower,\n"  # line 4
        + "Too,Few,columns\n"  # line 5
        + f"Dup,Existing,{world.elm.person.phone},,,\n"  # line 6
        + "Twice,Here,(555) 010-2222,good@example.org,,\n"  # line 7: same as line 2
    ).encode() + b"Bad,\xff\xfeUTF,,,,\n"  # line 8


@pytest.mark.usefixtures("write_mode")
def test_bad_rows_name_every_line_like_the_row_importer_and_write_nothing(world: World) -> None:
    before = (Person.objects.count(), PersonKey.objects.count())
    body = _bad_file(world)
    streamed = _stream(body, world)
    row_by_row = import_people(body, unit=world.elm.unit, existing=Person.objects.all())
    assert sorted(streamed.errors) == sorted(row_by_row.errors)
    assert [error.split(":")[0] for error in streamed.errors] == [
        f"line {n}" for n in (3, 4, 5, 6, 7, 8)
    ]
    assert "line 7: same phone as line 2; same email as line 2" in streamed.errors
    assert (streamed.rows, streamed.created, streamed.error_count) == (7, 0, 6)
    assert (Person.objects.count(), PersonKey.objects.count()) == before


@pytest.mark.usefixtures("write_mode")
def test_a_good_file_is_sealed_readable_and_searchable(world: World) -> None:
    body = (
        HEADER
        + "Ana,Silva,555 010 1111,Ana@Example.org,Elm house,\n"
        + 'José,Núñez,,jose@example.org,,"lives on 4th\\5, knows\n\teveryone"\n'
    ).encode()
    report = _stream(body, world)
    assert (report.ok, report.created) == (True, 2)
    ana = Person.objects.get(first_name="Ana")
    assert (ana.phone, ana.email, ana.place) == ("5550101111", "ana@example.org", world.elm.place)
    assert ana.phone_sealed.startswith("k1.") and "5550101111" not in ana.phone_sealed
    assert list(find_by_contact(Person.objects.all(), phone="(555) 010-1111")) == [ana]
    assert list(find_by_contact(Person.objects.all(), email="ANA@example.org ")) == [ana]
    assert Person.objects.get(first_name="José").notes == "lives on 4th\\5, knows\n\teveryone"


def test_lines_are_counted_across_quoted_line_breaks_and_chunks(world: World) -> None:
    body = (
        HEADER
        + 'One,A,,,,"first\nsecond\nthird"\n'  # lines 2-4
        + "Two,B,,bad-email,,\n"  # line 5
        + 'Three,C,,,,"x\ny"\n'  # lines 6-7
        + ",Nameless,,,,\n"  # line 8
    ).encode()
    streamed = _stream(body, world, chunk_rows=2)
    assert streamed.errors == ["line 5: bad email 'bad-email'", "line 8: first_name is empty"]
    row_by_row = import_people(body, unit=world.elm.unit, existing=Person.objects.all())
    assert (streamed.errors, streamed.rows) == (row_by_row.errors, row_by_row.rows)


def test_dry_run_checks_everything_and_writes_nothing(world: World) -> None:
    before = Person.objects.count()
    report = _stream((HEADER + "Ana,Silva,5550101111,,,\n").encode(), world, dry_run=True)
    assert (report.ok, report.rows, report.created) == (True, 1, 0)
    assert Person.objects.count() == before


@pytest.mark.usefixtures("write_mode")
def test_re_imports_skip_people_already_recorded_as_the_exchange_import_does(
    world: World,
) -> None:
    known = world.elm.person
    body = (
        HEADER
        + f"Again,Known,{known.phone},,,\n"  # line 2: skipped
        + "New,One,5550103333,,,\n"  # line 3: created
    ).encode()
    report = _stream(body, world, skip_existing=True)
    assert (report.ok, report.existing, report.created) == (True, [2], 1)
    assert find_by_contact(Person.objects.all(), phone=known.phone).count() == 1
    twice = (HEADER + "New,Two,5550104444,,,\nNew,Again,5550104444,,,\n").encode()
    report = _stream(twice, world, skip_existing=True)
    assert report.errors == ["line 3: same phone as line 2"]


def test_the_report_is_capped_but_the_count_is_not(world: World, monkeypatch) -> None:
    monkeypatch.setattr(transfer, "REPORTED_ERRORS", 3)
    body = (HEADER + "".join(f",no first name {n},,,,\n" for n in range(10))).encode()
    report = _stream(body, world, chunk_rows=4)
    assert report.errors == [f"line {n}: first_name is empty" for n in (2, 3, 4)]
    assert (report.error_count, report.omitted_errors) == (10, 7)


class _CountingLines(io.BytesIO):
    """A file that counts the lines read from it."""

    read_lines = 0

    def __next__(self) -> bytes:
        line = super().__next__()
        self.read_lines += 1
        return line


def test_the_file_is_read_as_it_is_written_not_all_at_once(world: World) -> None:
    body = (HEADER + "".join(f"P{n},L,,p{n}@example.org,,\n" for n in range(200))).encode()
    stream = _CountingLines(body)
    read_when_written: list[int] = []
    report = import_people_stream(
        stream,
        unit=world.elm.unit,
        existing=Person.objects.all(),
        chunk_rows=10,
        progress=lambda stage, _rows, _bytes: read_when_written.append((stage, stream.read_lines)),
    )
    assert report.created == 200
    assert read_when_written[0] == ("reading", 11)  # the header and one chunk
    assert read_when_written[-3:] == [
        ("reading", 201),
        ("checking duplicates", 201),
        ("writing", 201),
    ]


@pytest.mark.usefixtures("write_mode")
def test_a_pool_of_sealing_processes_writes_the_same_readable_people(world: World) -> None:
    body = (HEADER + "".join(f"P{n},L,55501{n:05d},,,\n" for n in range(30))).encode()
    report = _stream(body, world, workers=2, chunk_rows=7)
    assert report.created == 30
    person = Person.objects.get(first_name="P17")
    assert person.phone == "5550100017"
    assert find_by_contact(Person.objects.all(), phone="555 010 0017").get() == person


def test_write_people_gives_each_person_a_key_and_deleting_them_shreds_it(world: World) -> None:
    rows = [
        PersonRow(
            unit_id=world.elm.unit.pk,
            first_name=f"Bulk{n}",
            phone=f"+1555020{n:04d}",
            email=f"bulk{n}@example.org",
            address=f"{n} Elm Street",
            sensitive_notes="asked not to be called at work",
        )
        for n in range(5)
    ]
    ids = write_people(rows, chunk_rows=2)
    people = Person.objects.filter(pk__in=ids).order_by("pk")
    assert [p.first_name for p in people] == [f"Bulk{n}" for n in range(5)]
    third = people[2]
    assert (third.phone, third.email, third.address) == (
        "+15550200002",
        "bulk2@example.org",
        "2 Elm Street",
    )
    assert third.sensitive_notes == "asked not to be called at work"
    assert find_by_contact(Person.objects.all(), email="bulk2@example.org").get() == third
    assert PersonKey.objects.filter(person_id__in=ids).count() == 5
    token, other_key = third.phone_sealed, people[1].data_key
    forget_person(third)
    assert not PersonKey.objects.filter(person_id=third.pk).exists()
    with pytest.raises(VaultError):  # no other key opens it: with its own gone, it is noise
        open_text(token, purpose=Person.phone.purpose, key=other_key)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_the_command_streams_large_files_on_postgresql(
    world: World, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(transfer, "STREAM_FROM_BYTES", 1)
    path = tmp_path / "people.csv"
    path.write_bytes(_bad_file(world))
    assert _run("import", "people", str(path), "--unit", "elm", "--as", "alice") != 0
    err = capsys.readouterr().err
    assert "line 6: duplicate of a person already recorded" in err
    assert "6 bad rows; nothing was imported" in err
    path.write_bytes((HEADER + "Ana,Silva,555 010 1111,ana@example.org,,\n").encode())
    assert _run("import", "people", str(path), "--unit", "elm", "--as", "alice") == 0
    assert "imported 1 people" in capsys.readouterr().out
    assert Person.objects.get(first_name="Ana").phone == "5550101111"


# --- writing without per-row foreign-key triggers (PostgreSQL) ---------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="session_replication_role is PostgreSQL's"
)


def _replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def _add(staging: Staging, row: PersonRow) -> None:
    """Stage `row` as line 2, as the import does: written as read when the role may."""
    sealed = Sealer().seal(row)
    ids = staging.new_ids(1)
    staging.add(
        [(2, *sealed)] if ids is None else written_as_read([(2, sealed)], ids, staging.written_at)
    )


def _staged_write(world: World, **references) -> int:
    """Stage one good person (with `references` overriding unit_id/place_id/...) and write."""
    row = PersonRow(unit_id=world.elm.unit.pk, first_name="Staged", phone="5550107777")
    with Staging(Person.objects.all()) as staging:
        _add(staging, row._replace(**references))
        return staging.write(skip_known=False)


@postgresql_only
def test_references_are_checked_once_and_triggers_skipped_when_the_role_may(
    world: World, monkeypatch
) -> None:
    seen_roles: list[str] = []
    real_lock = Staging.lock_references

    def lock_and_look(self, cursor) -> None:
        real_lock(self, cursor)
        seen_roles.append(_replication_role())

    monkeypatch.setattr(Staging, "lock_references", lock_and_look)
    with connection.cursor() as cursor:
        assert may_skip_triggers(cursor, Person, PersonKey)  # the tests run as a superuser
    assert _staged_write(world, place_id=world.elm.place.pk) == 1
    assert seen_roles == ["replica"]  # checked once, while the triggers are off
    assert _replication_role() == "origin"  # and back on for the rest of the transaction
    staged = Person.objects.get(first_name="Staged")
    assert (staged.place, staged.phone, staged.vault_key.person_id) == (
        world.elm.place,
        "5550107777",
        staged.pk,
    )


@postgresql_only
@pytest.mark.parametrize("reference", ["unit_id", "place_id", "responsible_id"])
def test_a_reference_to_a_row_that_is_gone_is_refused(world: World, reference: str) -> None:
    before = (Person.objects.count(), PersonKey.objects.count())
    with pytest.raises(IntegrityError, match="no longer exists"), transaction.atomic():
        _staged_write(world, **{reference: 987654321})
    assert (Person.objects.count(), PersonKey.objects.count()) == before


@postgresql_only
def test_without_the_privilege_the_triggers_check_as_usual(world: World, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "may_skip_triggers", lambda *_args: False)
    monkeypatch.setattr(Staging, "lock_references", lambda *_args: pytest.fail("not needed"))
    assert _staged_write(world) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        _staged_write(world, place_id=987654321)
        with connection.cursor() as cursor:  # deferred checks run now, not at the test's end
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_place_used_by_an_import_cannot_be_deleted_until_it_commits() -> None:
    """The lock is what keeps a concurrent delete from leaving a person pointing nowhere
    while the triggers are off."""
    unit = Unit.objects.create(name="Locked", slug="locked")
    place = Place.objects.create(unit=unit, name="Locked house")
    row = PersonRow(unit_id=unit.pk, first_name="Locked", place_id=place.pk)
    settings = connection.settings_dict
    with transaction.atomic(), Staging(Person.objects.all()) as staging:
        _add(staging, row)
        with connection.cursor() as cursor:
            staging.lock_references(cursor)
        with (
            psycopg.connect(
                host=settings["HOST"],
                port=settings["PORT"],
                user=settings["USER"],
                dbname=settings["NAME"],
                autocommit=True,
            ) as other,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            other.execute("SET lock_timeout = '200ms'")
            other.execute("DELETE FROM people_place WHERE id = %s", [place.pk])
        transaction.set_rollback(True)
    Place.objects.filter(pk=place.pk).delete()
    unit.delete()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_place_deleted_while_people_are_written_as_read_is_caught_at_the_end() -> None:
    """People written as read are checked once, before commit: a place another session
    deletes meanwhile (it cannot see our uncommitted people) makes the import refuse."""
    unit = Unit.objects.create(name="Gone", slug="gone")
    place = Place.objects.create(unit=unit, name="Gone house")
    settings = connection.settings_dict
    with (
        pytest.raises(IntegrityError, match="place"),
        transaction.atomic(),
        Staging(Person.objects.all()) as staging,
    ):
        _add(staging, PersonRow(unit_id=unit.pk, first_name="Gone", place_id=place.pk))
        assert staging.as_read and staging.wrote == 1
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=settings["USER"],
            dbname=settings["NAME"],
            autocommit=True,
        ) as other:
            other.execute("DELETE FROM people_place WHERE id = %s", [place.pk])
    assert not Person.objects.filter(first_name="Gone").exists()
    unit.delete()
