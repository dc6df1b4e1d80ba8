"""Deletion that really deletes, checked in the database's own files (not a dump).

SQLite keeps deleted text in free pages and its WAL; PostgreSQL keeps dead tuples in table
files and everything in pg_wal. So these tests read those raw files: a phone or email must
never be there, before or after the person is deleted, because it was only ever written
encrypted under the person's key, and deleting the person destroys the key.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from massline.people.models import Person
from massline.people.services import forget_person
from tests import factories as f

PHONE = "+15550123987"
EMAIL = "shred.me.please@example.org"
NAME = "Quintavious"


def _massline(data_dir: Path, *args: str, extra_env: dict | None = None) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MASSLINE_FIELD_KEY")
    }
    env.update({"MASSLINE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **(extra_env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "massline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


SECOND_ADMIN = (
    "from massline.organization.models import Member; "
    "Member.objects.create_superuser('second', password='x-long-password-for-test')"
)


def _export_all(data_dir: Path, extra_env: dict | None = None) -> Path:
    """`massline export people --all`, approved by a second administrator as it must be."""
    out = data_dir / "all.csv"
    args = ("export", "people", "--all", "--out", str(out), "--as", "admin")
    _massline(data_dir, "shell", "-c", SECOND_ADMIN, extra_env=extra_env)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MASSLINE_FIELD_KEY")
    }
    env.update({"MASSLINE_DATA_DIR": str(data_dir), **(extra_env or {})})
    refused = subprocess.run(
        [sys.executable, "-m", "massline.cli", *args], env=env, capture_output=True, text=True
    )
    request = re.search(r"export approve (\d+)", refused.stderr)
    assert request, refused.stderr[-2000:]
    _massline(
        data_dir, "export", "approve", request.group(1), "--as", "second", extra_env=extra_env
    )
    _massline(data_dir, *args, extra_env=extra_env)
    return out


def _needles(value: str) -> list[bytes]:
    """The value as stored, and its digits alone (a phone typed another way)."""
    needles = [value.encode()]
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 6 and "@" not in value:
        needles.append(digits.encode())
    return needles


def _found(blob: bytes, values: list[str]) -> list[str]:
    return [value for value in values if any(needle in blob for needle in _needles(value))]


def _sqlite_files(data_dir: Path) -> bytes:
    main = data_dir / "massline.sqlite3"
    return b"".join(
        path.read_bytes() for path in (main, main.with_name(main.name + "-wal")) if path.exists()
    )


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite files; PostgreSQL below")
def test_after_demo_the_sqlite_file_holds_none_of_the_exported_contacts(tmp_path: Path) -> None:
    _massline(tmp_path, "migrate", "--verbosity", "0")
    _massline(tmp_path, "demo", "--people", "60")
    _export_all(tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "all.csv").read_text())))
    phones = [row["phone"] for row in rows if row["phone"]]
    emails = [row["email"] for row in rows if row["email"]]
    assert len(phones) >= 60 and len(emails) >= 60
    blob = _sqlite_files(tmp_path)
    # The search does see the data: names (not encrypted) are there.
    assert _found(blob, [row["last_name"] for row in rows])
    assert _found(blob, phones) == [] and _found(blob, emails) == []
    key_file = tmp_path / "field_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert key_file.read_bytes().strip() not in blob


SHRED_SCRIPT = textwrap.dedent(
    f"""
    from pathlib import Path
    from django.conf import settings
    from django.db import connection
    from massline.organization.models import Unit
    from massline.people.models import Person
    from massline.people.services import forget_person

    unit = Unit.objects.order_by("pk").first()
    person = Person.objects.create(
        unit=unit, first_name="{NAME}", phone="{PHONE}", email="{EMAIL}",
        address="1 Shred Street", sensitive_notes="sensitive shred note",
    )
    assert Person.objects.get(pk=person.pk).phone == "{PHONE}"
    forget_person(person)
    main = Path(settings.DATABASES["default"]["NAME"])
    blob = b"".join(
        p.read_bytes() for p in (main, main.with_name(main.name + "-wal")) if p.exists()
    )
    # Checked while the connection is open, so the WAL is still there.
    print("WAL", main.with_name(main.name + "-wal").exists())
    for secret in ("{PHONE}", "5550123987", "{EMAIL}", "Shred Street", "shred note"):
        print("FOUND" if secret.encode() in blob else "absent", secret)
    print("NAME", "{NAME}".encode() in blob)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite files; PostgreSQL below")
def test_a_deleted_persons_contacts_are_not_in_the_sqlite_file_or_wal(tmp_path: Path) -> None:
    _massline(tmp_path, "migrate", "--verbosity", "0")
    _massline(tmp_path, "demo", "--people", "10")
    out = _massline(tmp_path, "shell", "-c", SHRED_SCRIPT)
    assert "WAL True" in out
    assert "FOUND" not in out, out
    assert out.count("absent") == 5
    # The plaintext name of the same deleted row is still in the files (what the database
    # keeps after a DELETE): the search would have seen the phone had it been stored.
    assert "NAME True" in out
    blob = _sqlite_files(tmp_path)
    assert _found(blob, [PHONE, EMAIL]) == []


def _postgres_files() -> tuple[list[Path], str]:
    """Files of this database and the WAL, or a reason they cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        if cursor.fetchone()[0] != "on":
            return [], "reading the data directory needs a PostgreSQL superuser"
        cursor.execute("SHOW data_directory")
        data_dir = Path(cursor.fetchone()[0])
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        oid = cursor.fetchone()[0]
    if not os.access(data_dir, os.R_OK | os.X_OK):
        return [], f"{data_dir} is not readable by this user"
    files = [p for p in (data_dir / "base" / str(oid)).iterdir() if p.is_file()]
    files += [p for p in (data_dir / "pg_wal").iterdir() if p.is_file()]
    return files, ""


def _postgres_blob(files: list[Path]) -> bytes:
    chunks = []
    for path in files:
        try:
            chunks.append(path.read_bytes())
        except OSError:
            continue
    return b"".join(chunks)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL files; SQLite above")
@pytest.mark.django_db(transaction=True)
def test_a_deleted_persons_contacts_are_not_in_postgresql_files_or_wal() -> None:
    files, reason = _postgres_files()
    if reason:
        pytest.skip(reason)
    person = f.PersonFactory(first_name=NAME, phone=PHONE, email=EMAIL)
    assert Person.objects.get(pk=person.pk).phone == PHONE
    forget_person(person)
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # flush table pages to their files
    files, _ = _postgres_files()
    blob = _postgres_blob(files)
    assert NAME.encode() in blob  # the deleted row's plaintext name: the search sees rows
    assert _found(blob, [PHONE, EMAIL]) == []


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL files; SQLite above")
def test_after_demo_postgresql_files_hold_none_of_the_exported_contacts(tmp_path: Path) -> None:
    files, reason = _postgres_files()
    if reason:
        pytest.skip(reason)
    import psycopg

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_demo"
    base = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}"
    )
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {"DATABASE_URL": f"{base}/{name}"}
        _massline(tmp_path, "migrate", "--verbosity", "0", extra_env=env)
        _massline(tmp_path, "demo", "--people", "60", extra_env=env)
        out = _export_all(tmp_path, extra_env=env)
        with psycopg.connect(f"{base}/{name}", autocommit=True) as db:
            db.execute("CHECKPOINT")
            oid = db.execute(
                "SELECT oid FROM pg_database WHERE datname = current_database()"
            ).fetchone()[0]
            data_dir = Path(db.execute("SHOW data_directory").fetchone()[0])
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        files = [p for p in (data_dir / "base" / str(oid)).iterdir() if p.is_file()]
        files += [p for p in (data_dir / "pg_wal").iterdir() if p.is_file()]
        blob = _postgres_blob(files)
        assert _found(blob, [row["last_name"] for row in rows])
        phones = [row["phone"] for row in rows if row["phone"]]
        emails = [row["email"] for row in rows if row["email"]]
        assert len(phones) >= 60
        assert _found(blob, phones) == [] and _found(blob, emails) == []
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
