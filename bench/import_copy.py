"""Importing people from CSV against a plain PostgreSQL COPY of the same rows, in one run.

Generates a realistic CSV (names, phones typed in mixed formats, emails, places, notes, and
some people the organization already has, typed differently) into a temporary file, then:

1. baselines, both plain COPY of the same number of rows:
   a. the CSV file into a table of six text columns (what COPY costs at its cheapest);
   b. the same people already in the people table's shape (made beforehand: names, sealed
      values and blind indexes of the same lengths, random bytes) into a table made
      `LIKE people INCLUDING ALL`: the same indexes, no foreign keys. This is the cost of
      the database write itself, and the one the aim (at most 3x) is judged against;
2. massline: `import_people_stream` of the same file into a unit of an organization that
   already has people (--existing), with validation of every row, sealing of phone and email
   under a new data key per person, deduplication in the file and against the people the
   importer may see (blind indexes, in SQL), and the write, all in one transaction. People
   already recorded are skipped, as a re-import from another tool does.

Prints the times, both ratios, rows/s, a breakdown by stage (wall time, and CPU time of this
process, the workers and the PostgreSQL backend), the peak resident memory of this process
and of the sealing workers (and their proportional total, shared pages counted once), and
appends the figures to /tmp/growth-figures.md.
The database named in DATABASE_URL is dropped and created afresh.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_copyimport \\
        .venv/bin/python bench/import_copy.py [--rows 1000000] [--existing 100000]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/massline_copyimport"
FIGURES = Path("/tmp/growth-figures.md")
FIRST = "Ana Amara Bilal Carmen Chen Dario Esra Fatima Gustavo Hana Ibrahim Jamal Keisha Lina "
FIRST += "Malik Nadia Omar Priya Quentin Rosa Samir Tomas Umar Valentina Wei Ximena Yusuf Zainab"
LAST = "Silva Okafor Haddad Nguyen Kowalski Garcia Mensah Rahman Rossi Dubois Yilmaz Tanaka "
LAST += "Ivanova Cohen Mbeki Fernandez Larsen Novak Ortiz Petrov Quispe Santos Abebe Kaya"
PHONE_FORMATS = ("({a}) {b}-{c}", "{a}.{b}.{c}", "{a} {b} {c}", "{a}{b}{c}", "{a}-{b}-{c}")
DOMAINS = ("example.org", "mail.example.com", "union.example.net", "Example.ORG")
PLACES = [f"Building {n}" for n in range(1, 21)]


def phone(number: int, style: int) -> str:
    digits = f"55{number:08d}"
    return PHONE_FORMATS[style % len(PHONE_FORMATS)].format(
        a=digits[:3], b=digits[3:6], c=digits[6:]
    )


def person(number: int, rng: random.Random) -> list[str]:
    first, last = rng.choice(FIRST.split()), rng.choice(LAST.split())
    has_phone, has_email = rng.random() < 0.9, rng.random() < 0.8
    return [
        first,
        last,
        phone(number, rng.randrange(5)) if has_phone or not has_email else "",
        f"{first}.{last}{number}@{rng.choice(DOMAINS)}" if has_email else "",
        rng.choice(PLACES) if rng.random() < 0.3 else "",
        "met at the door, wants repairs" if rng.random() < 0.2 else "",
    ]


def write_csv(path: Path, rows: int, existing: int, seed: int = 14) -> int:
    """The file to import: `rows` people, about 2% of them already recorded (numbers below
    `existing`, typed in another format); returns how many of those."""
    rng = random.Random(seed)
    repeats = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["first_name", "last_name", "phone", "email", "place", "notes"])
        for n in range(rows):
            if repeats < existing and rng.random() < 0.02:  # each known person once
                writer.writerow(["Again", "Known", phone(repeats, rng.randrange(5)), "", "", ""])
                repeats += 1
            else:
                writer.writerow(person(existing + n, rng))
    return repeats


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def backend_cpu(backend_pid: int) -> float:
    """CPU used so far by a PostgreSQL backend."""
    ticks = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(backend_pid: int) -> float:
    """CPU used so far by this process, its finished children and its PostgreSQL backend: a
    figure that, unlike the wall clock, does not grow when others load the machine."""
    mine = os.times()
    return (mine.user + mine.system + mine.children_user + mine.children_system) + backend_cpu(
        backend_pid
    )


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def pss_mb() -> float:
    """Proportional memory of this process and its children (the sealing workers): pages
    shared after fork are counted once, as they are in the machine's memory."""
    pids = [os.getpid()]
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        pids += [int(pid) for pid in (task / "children").read_text().split()]
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:  # a worker that just ended
            pass
    return total / 1024


_DIGITS = re.compile(r"\d")


def sealed_length(plain: int) -> int:
    """Length of "k1." + base64 of nonce + ciphertext + tag, for `plain` bytes."""
    return 3 + -(-(12 + plain + 16) * 4 // 3)


def people_shaped(csv_path: Path, out_path: Path, unit_id: int, places: dict[str, int]) -> None:
    """The rows of the CSV as the people table holds them (COPY text, PEOPLE_COLUMNS), with
    random stand-ins of the same length for sealed values and blind indexes."""
    stamp = datetime.now(UTC).isoformat()
    with csv_path.open(newline="") as source, out_path.open("w") as out:
        rows = csv.reader(source)
        next(rows)
        for first, last, phone_, email, place, notes in rows:
            phone_len = len(_DIGITS.findall(phone_))
            sealed_phone = "k" * sealed_length(phone_len) if phone_len else ""
            sealed_email = "k" * sealed_length(len(email)) if email else ""
            out.write(
                "\t".join(
                    [
                        str(unit_id),
                        first,
                        last,
                        sealed_phone,
                        os.urandom(16).hex() if phone_len else "",
                        sealed_email,
                        os.urandom(16).hex() if email else "",
                        notes,
                        str(places[place]) if place else "\\N",
                        "false",
                        "1",
                        stamp,
                        stamp,
                        "",
                        "",
                    ]
                )
                + "\n"
            )


PEOPLE_COLUMNS = (
    "unit_id, first_name, last_name, phone_sealed, phone_index, email_sealed, email_index, "
    "notes, place_id, is_pseudonym, version, created_at, updated_at, address_sealed, "
    "sensitive_notes_sealed"
)


def timed_copy(table: str, like: str, sql: str, path: Path, cpu: Callable[[], float]):
    """Wall and CPU seconds of COPYing a file with `sql` into a new `table` (columns or LIKE
    clause `like`) and committing; the table is dropped after."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} ({like})")
    spent, started = cpu(), time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        path.open("rb") as stream,
        cursor.cursor.copy(sql) as copy,
    ):
        while block := stream.read(1 << 20):
            copy.write(block)
    took = time.perf_counter() - started, cpu() - spent
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--existing", type=int, help="people already recorded (rows/10)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    existing = args.rows // 10 if args.existing is None else args.existing
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("this benchmark compares with PostgreSQL COPY: set DATABASE_URL to PostgreSQL")
    os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-import-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")
    fresh_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from tqdm import tqdm

    from massline.access import visible_people
    from massline.organization.models import Member, Membership, Role, Unit, UnitKind
    from massline.people.bulk import PersonRow, write_people
    from massline.people.models import Person, Place
    from massline.people.transfer import import_people_stream

    call_command("migrate", verbosity=0)
    federation = Unit.objects.create(
        name="Federation", slug="federation", kind=UnitKind.MASS_ORGANIZATION
    )
    unit = Unit.objects.create(name="Eastside", slug="eastside", parent=federation)
    Place.objects.bulk_create(Place(unit=unit, name=name) for name in PLACES)
    member = Member.objects.create_user(username="importer", password="bench-only-password")
    Membership.objects.create(member=member, unit=federation, role=Role.ADMIN)
    started = time.perf_counter()
    write_people(
        (
            PersonRow(unit_id=unit.pk, first_name="Known", phone=f"55{n:08d}")
            for n in range(existing)
        ),
        workers=args.workers,
    )
    print(f"{existing:,} people already recorded ({time.perf_counter() - started:.1f} s)")

    with tempfile.TemporaryDirectory(prefix="massline-import-") as folder:
        path = Path(folder) / "people.csv"
        repeats = write_csv(path, args.rows, existing)
        size = path.stat().st_size
        print(f"{args.rows:,} rows, {size / 1e6:.0f} MB, {repeats:,} already recorded")

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

        def cpu() -> float:
            return cpu_seconds(backend)

        shaped = Path(folder) / "people.copy"
        places = dict(Place.objects.filter(unit=unit).values_list("name", "id"))
        people_shaped(path, shaped, unit.pk, places)
        baseline, baseline_cpu = timed_copy(
            "plain_copy",
            "first_name text, last_name text, phone text, email text, place text, notes text",
            "COPY plain_copy FROM STDIN WITH (FORMAT csv, HEADER)",
            path,
            cpu,
        )
        shaped_wall, shaped_cpu = timed_copy(
            "plain_people",
            f"LIKE {Person._meta.db_table} INCLUDING ALL",
            f"COPY plain_people ({PEOPLE_COLUMNS}) FROM STDIN",
            shaped,
            cpu,
        )
        shaped.unlink()

        rss_before = peak_rss_mb(resource.RUSAGE_SELF)
        pss_peak = pss_mb()
        marks: list[tuple[str, float, float, float]] = []  # stage, wall, this process, backend

        def mark(stage: str) -> None:
            mine = os.times()
            marks.append(
                (stage, time.perf_counter(), mine.user + mine.system, backend_cpu(backend))
            )

        def show(stage: str, _rows: int, read: int) -> None:
            nonlocal pss_peak
            if not marks or marks[-1][0] != stage:
                mark(stage)
            pss_peak = max(pss_peak, pss_mb())
            bar.set_description(stage)
            bar.update(read - bar.n)

        mark("starting")
        total_cpu = cpu()
        with path.open("rb") as stream, tqdm(total=size, unit="B", unit_scale=True) as bar:
            # The import is all or nothing in its own transaction; this outer one only lets
            # the commit (and any deferred checks) be timed apart.
            with transaction.atomic():
                report = import_people_stream(
                    stream,
                    unit=unit,
                    existing=visible_people(member),
                    skip_existing=True,
                    workers=args.workers,
                    progress=show,
                )
                mark("committing")
            mark("done")
        took = marks[-1][1] - marks[0][1]
        took_cpu = cpu() - total_cpu
    if not report.ok:
        sys.exit(f"the import failed: {report.error_count} errors, first {report.errors[:3]}")
    assert report.created + len(report.existing) == args.rows
    assert Person.objects.filter(unit=unit).count() == existing + report.created
    rss = peak_rss_mb(resource.RUSAGE_SELF)
    workers_rss = peak_rss_mb(resource.RUSAGE_CHILDREN)
    stages = []
    for (stage, wall, mine, db), (_next, wall2, mine2, db2) in itertools.pairwise(marks):
        stages.append(
            f"  {stage:<20} {wall2 - wall:8.2f} s wall  CPU: this process {mine2 - mine:6.2f} s,"
            f" backend {db2 - db:6.2f} s"
        )
    seconds = report.seconds
    lines = [
        f"COPY of the CSV into text columns {baseline:8.2f} s {args.rows / baseline:>10,.0f} rows/s"
        f"  CPU {baseline_cpu:7.2f} s",
        f"COPY into LIKE people INCL. ALL   {shaped_wall:8.2f} s"
        f" {args.rows / shaped_wall:>10,.0f} rows/s  CPU {shaped_cpu:7.2f} s",
        f"massline import                   {took:8.2f} s {args.rows / took:>10,.0f} rows/s"
        f"  CPU {took_cpu:7.2f} s  ({report.created:,} created,"
        f" {len(report.existing):,} already recorded, skipped)",
        f"ratio to the people-shaped COPY   {took / shaped_wall:8.2f}  (aim: at most 3);"
        f" CPU ratio {took_cpu / shaped_cpu:.2f}",
        f"ratio to the CSV COPY             {took / baseline:8.2f};"
        f" CPU ratio {took_cpu / baseline_cpu:.2f}"
        f" (CPU: client, sealing workers and backend; load avg"
        f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        "stages (from the progress calls; reading overlaps the workers' CPU):",
        *stages,
        f"  workers' CPU: validating {seconds['validating']:.2f} s"
        f" ({seconds['validating'] / args.rows * 1e6:.1f} us/row), sealing"
        f" {seconds['sealing']:.2f} s ({seconds['sealing'] / args.rows * 1e6:.1f} us/row);"
        f" staging COPY {seconds['staging']:.2f} s wall, duplicates SQL"
        f" {seconds['duplicates']:.2f} s, final insert {seconds['writing']:.2f} s",
        f"peak RSS   {rss:.0f} MB this process ({rss_before:.0f} MB before the import),"
        f" {workers_rss:.0f} MB the largest of {args.workers} sealing workers;"
        f" all together {pss_peak:.0f} MB proportional (shared pages once)",
    ]
    print("\n".join(lines))
    command = " ".join(["DATABASE_URL=" + url, ".venv/bin/python", *sys.argv])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with FIGURES.open("a") as out:
        out.write(
            f"\n## people import, {args.rows:,} rows into {existing:,} existing ({stamp})\n"
            f"`{command}`\n\n```\n" + "\n".join(lines) + "\n```\n"
        )


if __name__ == "__main__":
    main()
