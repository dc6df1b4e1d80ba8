"""`massline backup` and `massline restore`: encrypted, complete, and careful."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from massline import backup
from massline.audit import services as audit
from massline.demo import build_demo
from massline.organization.models import Member
from massline.people.models import Person
from tests.test_transfer import _run

KEY = "correct horse battery staple"
# Rebuilt by `migrate` with their own ids and timestamps; compared by name where it matters.
REBUILT = {"django_migrations", "django_content_type", "auth_permission", "django_session"}


def _m2m_tables() -> dict[str, list[str]]:
    """Many-to-many link tables and their columns without the row id, which nothing points
    to and a JSON dump does not carry (PostgreSQL's test database numbers them differently)."""
    tables = {}
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through._meta
            if through.auto_created:
                columns = [f.column for f in through.local_fields if not f.primary_key]
                tables[through.db_table] = columns
    return tables


def _snapshot() -> dict[str, list[tuple]]:
    tables = {}
    links = _m2m_tables()
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - REBUILT):
            columns = ", ".join(map(connection.ops.quote_name, links.get(table, ["*"])))
            columns = "*" if table not in links else columns
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table)}")
            tables[table] = sorted(cursor.fetchall(), key=repr)
    return tables


@pytest.fixture
def backup_key(monkeypatch) -> None:
    monkeypatch.setenv(backup.KEY_ENV, KEY)


def _empty_the_database() -> None:
    if connection.vendor == "postgresql":
        # The test's transaction holds deferred foreign-key checks, which TRUNCATE refuses.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


def test_round_trip_on_this_database_compares_every_table(
    db, tmp_path: Path, backup_key, capsys
) -> None:
    build_demo(people=40)
    admin = Member.objects.get(username="admin")
    audit.record(None, "view_person", member=admin, person=Person.objects.first())
    before = _snapshot()
    assert sum(map(len, before.values())) > 400
    path = tmp_path / "massline.backup"
    assert _run("backup", "--out", str(path)) == 0
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    body = path.read_bytes()
    assert body.startswith(b"massline-backup 1")
    # Phrases with spaces cannot occur by chance in base64 ciphertext, unlike short words.
    assert b"40 Elm St" not in body and b"Stop the 8% rent" not in body

    assert _run("restore", str(path)) == 1  # not into a database that holds data
    assert "not empty" in capsys.readouterr().err

    _empty_the_database()
    assert backup.database_is_empty()
    assert _run("restore", str(path)) == 0
    assert _snapshot() == before
    # Sequences moved past the restored ids (PostgreSQL), so new rows do not collide.
    fresh = Person.objects.create(unit=Person.objects.first().unit, first_name="New")
    assert fresh.pk > max(row[0] for row in before["people_person"])


def test_wrong_key_is_a_clear_error_and_loads_nothing(
    db, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv(backup.KEY_ENV, KEY)
    build_demo(people=5)
    path = tmp_path / "massline.backup"
    _run("backup", "--out", str(path))
    _empty_the_database()
    monkeypatch.setenv(backup.KEY_ENV, "a different passphrase")
    assert _run("restore", str(path)) == 1
    assert "cannot decrypt" in capsys.readouterr().err
    assert backup.database_is_empty()
    monkeypatch.setenv(backup.KEY_ENV, "short")
    assert _run("backup", "--out", str(path)) == 1
    assert "at least 16 characters" in capsys.readouterr().err
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    monkeypatch.setenv(backup.KEY_ENV, KEY)
    assert _run("restore", str(damaged)) == 1
    assert "cannot decrypt" in capsys.readouterr().err


def _massline(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"MASSLINE_DATA_DIR": str(data_dir), backup.KEY_ENV: KEY, "HF_HUB_OFFLINE": "1"})
    return subprocess.run(
        [sys.executable, "-m", "massline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def _tables(path: Path) -> dict[str, list]:
    links = _m2m_tables()
    with sqlite3.connect(path) as db:
        names = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] != "django_migrations"  # applied-at times differ, nothing else
        ]
        return {
            name: sorted(
                db.execute(f'SELECT {", ".join(links.get(name, ["*"]))} FROM "{name}"'), key=repr
            )
            for name in names
        }


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="uses SQLite data directories; the SQLite run covers it"
)
def test_round_trip_between_two_fresh_installations(tmp_path: Path) -> None:
    """The most faithful check: two data directories, the real command line, every table."""
    source, target = tmp_path / "source", tmp_path / "target"
    _massline(source, "migrate", "--verbosity", "0")
    _massline(source, "demo", "--people", "40")
    _massline(source, "backup", "--out", str(tmp_path / "b"))
    assert "restored" in _massline(target, "restore", str(tmp_path / "b")).stdout
    before, after = _tables(source / "massline.sqlite3"), _tables(target / "massline.sqlite3")
    assert set(before) == set(after)
    assert sum(map(len, before.values())) > 400
    for name in before:
        assert before[name] == after[name], name
