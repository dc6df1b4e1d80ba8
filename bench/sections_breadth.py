"""Breadth by section at scale: 1,000,000 people, 5 dimensions, on PostgreSQL.

Builds the data with INSERT ... SELECT generate_series (no Python loop over rows): one
organization of 10 base units, a million people, 5 dimensions with 3 to 8 values each (about
90% of values known, so the "unknown" cell is real), and a round whose board has themes
raised by 50,000, 5,000 and 500 people. Then times, for each theme, what the board runs for
its "raised by N people: night shift 9, day shift 5" line (`theme_breakdowns`: the member's
dimensions, the minimum, the totals and the counts, suppression included), against a baseline
measured in the same run: the board's existing breadth aggregate for the same theme
(`count_breadth`). Prints p50/p95 and the ratio. Aim: p95 <= 200 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_sections_bench \\
        .venv/bin/python bench/sections_breadth.py [--people 1000000] [--runs 30]

The database named in DATABASE_URL is dropped and rebuilt, so its name must contain "bench".
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

DIMENSIONS = [  # name, topic, values
    ("Shift", "shift", ["Day", "Evening", "Night"]),
    ("Grade", "grade", ["A", "B", "C", "D"]),
    ("Language", "language", ["Spanish", "Arabic", "English", "Tagalog", "Haitian Creole"]),
    ("Nationality", "nationality", [f"N{i}" for i in range(8)]),
    ("Gender", "gender", ["Woman", "Man", "Another"]),
]
THEMES = [("Broad", 50_000, 7919), ("Middle", 5_000, 104_729), ("Narrow", 500, 1_299_709)]


def rebuild_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = config["NAME"]
    if config["ENGINE"] != "django.db.backends.postgresql" or "bench" not in name:
        sys.exit("DATABASE_URL must be a PostgreSQL database whose name contains 'bench'")
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def insert_series(model, n: int, values: dict[str, str]) -> None:
    """INSERT n rows of `model` in one statement. `values` are SQL expressions over the series
    number g for the named columns (write % as %%); other columns take their model default."""
    from django.db import connection

    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in values:
            expressions.append(values[field.column])
        elif field.has_default():
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            expressions.append("NULL")
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        elif field.get_internal_type() in ("CharField", "TextField"):
            expressions.append("''")
        else:
            raise SystemExit(f"no value for {model.__name__}.{field.column}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM generate_series(1, {int(n)}) AS g",
            params,
        )


def build(n_people: int) -> dict:
    from django.db import connection

    from massline.ideas.models import Idea
    from massline.organization.models import Member, Unit, UnitKind
    from massline.organization.services import save_unit
    from massline.people.models import Person
    from massline.rounds.models import PoolEntry, Round, RoundState, Theme
    from massline.rounds.services import refresh_breadth
    from massline.sections.models import Dimension, PersonSection, SectionValue
    from massline.struggles.models import Struggle

    member = Member.objects.create_superuser("bench", password="bench-password-42")
    union = save_unit(Unit(name="Bench union", slug="bench", kind=UnitKind.MASS_ORGANIZATION))
    units = [save_unit(Unit(name=f"Base {i}", slug=f"base-{i}", parent=union)) for i in range(10)]
    first_unit = min(u.pk for u in units)
    insert_series(
        Person,
        n_people,
        {"unit_id": f"{first_unit} + (g %% 10)", "first_name": "'P' || g", "last_name": "''"},
    )
    low = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    for position, (name, topic, labels) in enumerate(DIMENSIONS):
        dimension = Dimension.objects.create(
            unit=union, name=name, topic=topic, position=position, sensitive=False
        )
        values = SectionValue.objects.bulk_create(
            SectionValue(dimension=dimension, label=label, position=i)
            for i, label in enumerate(labels)
        )
        first_value, k = values[0].pk, len(values)
        # skewed and deterministic: value (id * prime) mod k, unknown for 1 person in 10
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PersonSection._meta.db_table} "
                "(person_id, dimension_id, value_id, recorded_at) "
                "SELECT p.id, %s, %s + ((p.id * %s) %% %s), now() "
                f"FROM {Person._meta.db_table} p WHERE (p.id * 7 + %s) %% 10 <> 0",
                [dimension.pk, first_value, 31 + 2 * position, k, position],
            )
    struggle = Struggle.objects.create(unit=union, name="Bench struggle")
    round_ = Round.objects.create(
        struggle=struggle,
        leading_unit=union,
        question="What now?",
        gather_until="2099-01-01T00:00:00Z",
        state=RoundState.CONCENTRATING,
    )
    round_.units.set(units)
    themes = {}
    for name, size, prime in THEMES:
        theme = Theme.objects.create(round=round_, name=name)
        first_idea = (Idea.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        insert_series(
            Idea,
            size,
            {
                "unit_id": f"{first_unit} + (g %% 10)",
                # distinct people: g * prime mod n is one-to-one while prime does not divide n
                "person_id": f"{low} + (g::bigint * {prime}) %% {n_people}",
                "kind": "'concern'",
                "text": "'the heat, again'",
            },
        )
        ideas = (
            f"(SELECT id, unit_id, person_id FROM {Idea._meta.db_table} WHERE id >= {first_idea})"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PoolEntry._meta.db_table} (round_id, idea_id, unit_id, person_id, "
                "kind, level, held_by_id, n_merged, theme_id, added_at) "
                f"SELECT %s, i.id, i.unit_id, i.person_id, 'concern', '', %s, 0, %s, now() "
                f"FROM {ideas} i",
                [round_.pk, union.pk, theme.pk],
            )
        refresh_breadth([theme.pk])
        themes[name] = Theme.objects.get(pk=theme.pk)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a settled table
    return {"member": member, "round": round_, "themes": themes}


def timed(call, runs: int) -> list[float]:
    call()  # warm the caches once, as a board that is in use would be
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database whose name contains 'bench'")
    rebuild_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from pagetimes import summary

    from massline.rounds.breadth import count_breadth
    from massline.rounds.models import PoolEntry
    from massline.sections.models import PersonSection
    from massline.sections.selectors import theme_breakdowns

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    world = build(args.people)
    print(
        f"built {args.people:,} people, {PersonSection.objects.count():,} section values "
        f"in {len(DIMENSIONS)} dimensions, in {time.perf_counter() - start:.0f} s"
    )
    print(f"{'theme':<16}{'people':>8}{'p50 ms':>10}{'p95 ms':>10}{'baseline p95':>14}{'ratio':>8}")
    worst = 0.0
    for name, theme in world["themes"].items():
        sections = timed(
            lambda theme=theme: theme_breakdowns(world["member"], world["round"], [theme]),
            args.runs,
        )
        baseline = timed(
            lambda theme=theme: count_breadth(PoolEntry.objects.filter(theme=theme)), args.runs
        )
        p50, p95 = summary(sections)
        _b50, b95 = summary(baseline)
        worst = max(worst, p95)
        result = theme_breakdowns(world["member"], world["round"], [theme])[theme.pk]
        print(
            f"{name:<16}{result.total:>8,}{p50 * 1000:>10.1f}{p95 * 1000:>10.1f}"
            f"{b95 * 1000:>14.1f}{p95 / b95:>8.2f}"
        )
    every = list(world["themes"].values())
    board = timed(lambda: theme_breakdowns(world["member"], world["round"], every), args.runs)
    p50, p95 = summary(board)
    print(f"{'whole board':<16}{'':>8}{p50 * 1000:>10.1f}{p95 * 1000:>10.1f}")
    print(f"aim p95 <= 200 ms: {'met' if max(worst, p95) <= 0.2 else 'NOT met'}")


if __name__ == "__main__":
    main()
