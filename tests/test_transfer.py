"""CSV import and export, through the same `massline` command organizers use."""

from __future__ import annotations

import csv
from pathlib import Path
from unittest import mock

from massline.cli import main
from massline.people.models import Person
from tests import factories as f
from tests.conftest import World

HEADER = "first_name,last_name,phone,email,place,notes\n"


def _run(*args: str) -> int:
    """Run the real `massline` command line; returns its exit status.

    Django closes every connection when a command ends, which would end the test's own
    transaction on PostgreSQL, so that one step is switched off here.
    """
    try:
        with mock.patch("django.core.management.base.connections.close_all"):
            return main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)


def _write(tmp_path: Path, body: bytes) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(body)
    return path


def test_good_file_imports_everyone(world: World, tmp_path: Path, capsys) -> None:
    body = (
        HEADER + "Ana,Silva,555 010 1111,ana@example.org,Elm house,\n"
        'José,Núñez,,jose@example.org,,"lives on 4th, knows everyone"\n'
    ).encode()
    _run("import", "people", str(_write(tmp_path, body)), "--unit", "elm", "--as", "alice")
    assert "imported 2 people" in capsys.readouterr().out
    jose = Person.objects.get(first_name="José")
    assert (jose.unit.slug, jose.notes) == ("elm", "lives on 4th, knows everyone")
    assert Person.objects.get(first_name="Ana").place == world.elm.place


def test_bad_rows_are_all_named_and_nothing_is_imported(
    world: World, tmp_path: Path, capsys
) -> None:
    body = (
        HEADER
        + "Good,Row,5550102222,good@example.org,,\n"  # line 2: fine
        + "Bad,Email,,not-an-email,,\n"  # line 3
        + "Lost,Place,,,Nowhere Tower,\n"  # line 4
        + "Too,Few,columns\n"  # line 5
        + f"Dup,Existing,{world.elm.person.phone},,,\n"  # line 6
        + "Twice,Here,,good@example.org,,\n"  # line 7
    ).encode() + b"Bad,\xff\xfeUTF,,,,\n"  # line 8
    path = _write(tmp_path, body)
    assert _run("import", "people", str(path), "--unit", "elm", "--as", "alice") == 1
    errors = capsys.readouterr().err
    assert "6 bad rows; nothing was imported" in errors
    assert "line 3: bad email 'not-an-email'" in errors
    assert "line 4: unknown place 'Nowhere Tower'" in errors
    assert "line 5: 3 columns, but the header has 6" in errors
    assert "line 6: duplicate of a person already recorded" in errors
    assert "line 7: same email as line 2" in errors
    assert "line 8: not valid UTF-8" in errors
    assert "line 2:" not in errors
    assert not Person.objects.filter(first_name="Good").exists()


def test_dry_run_validates_only(world: World, tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, (HEADER + "Ana,Silva,,,,\n").encode())
    _run("import", "people", str(path), "--unit", "elm", "--as", "alice", "--dry-run")
    assert "1 rows are valid" in capsys.readouterr().out
    assert not Person.objects.filter(first_name="Ana").exists()


def test_unknown_columns_are_reported(world: World, tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, b"first_name,shoe_size\nAna,38\n")
    _run("import", "people", str(path), "--unit", "elm", "--as", "alice")
    assert "ignored unknown columns: shoe_size" in capsys.readouterr().err


def test_cannot_import_into_a_unit_one_cannot_see(world: World, tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, (HEADER + "Ana,Silva,,,,\n").encode())
    assert _run("import", "people", str(path), "--unit", "building-c", "--as", "alice") == 1
    assert "no unit 'building-c'" in capsys.readouterr().err


def test_empty_and_headerless_files(world: World, tmp_path: Path, capsys) -> None:
    assert _run("import", "people", str(_write(tmp_path, b"")), "--unit", "elm", "--as", "alice")
    assert "line 1: the file is empty" in capsys.readouterr().err
    assert _run(
        "import", "people", str(_write(tmp_path, b"name\nAna\n")), "--unit", "elm", "--as", "alice"
    )
    assert "no first_name column" in capsys.readouterr().err


def test_export_covers_the_unit_subtree_and_escapes_formulas(world: World, tmp_path: Path) -> None:
    f.PersonFactory(unit=world.building_c.unit, first_name="=HYPERLINK(1)", last_name="X")
    out = tmp_path / "out.csv"
    _run("export", "people", "--unit", "union", "--out", str(out), "--as", "rosa")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {row["unit"] for row in rows} == {"elm", "building-c"}
    assert "'=HYPERLINK(1)" in {row["first_name"] for row in rows}
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_export_all_is_for_administrators(world: World, tmp_path: Path, capsys) -> None:
    assert _run("export", "people", "--all", "--out", str(tmp_path / "x.csv"), "--as", "rosa") == 1
    assert "administrators only" in capsys.readouterr().err
    f.MemberFactory(username="root", is_superuser=True)
    f.MemberFactory(username="root2", is_superuser=True)
    # --all needs a second administrator's approval (see tests/test_audit.py), used once.
    assert _run("export", "people", "--all", "--out", str(tmp_path / "x.csv"), "--as", "root")
    request_id = capsys.readouterr().err.split("export approve ")[1].split()[0]
    assert _run("export", "approve", request_id, "--as", "root2") == 0
    _run("export", "people", "--all", "--out", str(tmp_path / "x.csv"), "--as", "root")
    assert len((tmp_path / "x.csv").read_text().splitlines()) == 3


def test_export_round_trips_through_import(world: World, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    _run("export", "people", "--unit", "elm", "--out", str(out), "--as", "alice")
    Person.objects.filter(unit__slug="elm").delete()
    _run("import", "people", str(out), "--unit", "elm", "--as", "alice")
    assert Person.objects.filter(unit__slug="elm", first_name="Amara").exists()
