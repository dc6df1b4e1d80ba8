"""Breadth by section at scale: 1,000,000 people, 5 dimensions, on PostgreSQL.

Builds the data with INSERT ... SELECT generate_series (no Python loop over rows): one
organization of 10 base units, a million people, 5 dimensions with 3 to 8 values each (about
90% of values known, so the "unknown" cell is real), and a round whose board has themes
raised by 50,000, 5,000 and 500 people. A person's values are stored as tokens
(massline.sections.tokens), as the application writes them.

For each theme it times, in the same run:
- before: counting at view time, the statement the board ran before the per-theme tallies
  (the theme's distinct people joined to their sections, GROUP BY token, plus the total);
- after: what the board runs now (`theme_breakdowns`: the member's dimensions, the minimum,
  the tallies brought up to date with the pool, the kept counts, suppression included), both
  when nothing moved and right after an idea moved into the theme (`place_in_theme`);
- the first view of a theme nobody looked at yet (the tally counted from nothing), once.
Prints p50/p95 and the ratio after/before. Aim: p95 <= 200 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_sections_bench \\
        .venv/bin/python bench/sections_breadth.py [--people 1000000] [--runs 30]

The database named in DATABASE_URL is dropped and rebuilt, so its name must contain "bench";
`--reuse` times again on what the last run built (its themes then hold a few more people).
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
    from massline.sections.tokens import token_for
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
        k = len(values)
        value_tokens = [token_for(dimension.pk, value.pk) for value in values]
        # skewed and deterministic: value (id * prime) mod k, unknown for 1 person in 10
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PersonSection._meta.db_table} "
                "(person_id, dimension_id, token, recorded_at) "
                "SELECT p.id, %s, (%s::text[])[1 + ((p.id * %s) %% %s)], now() "
                f"FROM {Person._meta.db_table} p WHERE (p.id * 7 + %s) %% 10 <> 0",
                [dimension.pk, value_tokens, 31 + 2 * position, k, position],
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


def reuse() -> dict:
    """The member, round and themes a previous run built (`--reuse`)."""
    from massline.organization.models import Member
    from massline.rounds.models import Round, Theme

    round_ = Round.objects.get(struggle__name="Bench struggle")
    themes = {name: Theme.objects.get(round=round_, name=name) for name, _n, _p in THEMES}
    return {"member": Member.objects.get(username="bench"), "round": round_, "themes": themes}


def timed(call, runs: int, before_each=None) -> list[float]:
    call()  # warm the caches once, as a board that is in use would be
    times = []
    for _ in range(runs):
        if before_each is not None:
            before_each()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def live_breakdown(member, round_, theme) -> dict:
    """Before: the board's statement before the tallies, counting the theme's people's
    sections at view time (the same dimensions, totals and suppression)."""
    from django.db import connection

    from massline.rounds.models import PoolEntry
    from massline.sections import selectors
    from massline.sections.models import PersonSection

    dimensions = selectors.dimensions_for(member, round_.leading_unit)
    minimum = selectors.minimum_cell(round_.leading_unit_id)
    marks = ", ".join(["%s"] * len(dimensions))
    sql = f"""
        WITH raised AS (
            SELECT DISTINCT person_id FROM {PoolEntry._meta.db_table}
            WHERE theme_id = %s AND person_id IS NOT NULL
        )
        SELECT NULL, NULL, COUNT(*) FROM raised
        UNION ALL
        SELECT s.dimension_id, s.token, COUNT(*)
        FROM raised r JOIN {PersonSection._meta.db_table} s ON s.person_id = r.person_id
        WHERE s.dimension_id IN ({marks})
        GROUP BY s.dimension_id, s.token
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [theme.pk, *[d.pk for d in dimensions]])
        rows = cursor.fetchall()
    total = next(n for d, _t, n in rows if d is None)
    known = selectors._by_value(dimensions, [r for r in rows if r[0] is not None])
    return {"total": total, "rows": selectors._rows(dimensions, total, known, minimum)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--reuse", action="store_true", help="time again on the data the last run built"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database whose name contains 'bench'")
    if not args.reuse:
        rebuild_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from pagetimes import summary

    from massline.ideas.models import Idea
    from massline.rounds.models import PoolEntry
    from massline.rounds.services import place_in_theme
    from massline.sections.models import PersonSection, ThemeTally
    from massline.sections.selectors import theme_breakdowns

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    world = reuse() if args.reuse else build(args.people)
    member, round_ = world["member"], world["round"]
    print(
        f"built {args.people:,} people, {PersonSection.objects.count():,} section values "
        f"in {len(DIMENSIONS)} dimensions, in {time.perf_counter() - start:.0f} s"
    )
    # ideas of people who raised nothing yet, on the board but in no theme: moved in one by
    # one to time the view right after a move
    loose = list(
        PoolEntry.objects.filter(round=round_, theme__isnull=True).values_list("pk", flat=True)
    )
    if not loose:
        first_idea = (Idea.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        people = list(
            PersonSection.objects.order_by("-person_id")
            .values_list("person_id", flat=True)
            .distinct()[: args.runs * 3 + 3]
        )
        for person_id in people:
            idea = Idea.objects.create(
                unit=round_.leading_unit, person_id=person_id, kind="concern", text="moved in"
            )
            PoolEntry.of(round_, idea).save()
        loose = list(
            PoolEntry.objects.filter(round=round_, idea_id__gte=first_idea).values_list(
                "pk", flat=True
            )
        )
    print(
        f"{'theme':<14}{'people':>8}{'first view':>12}"
        f"{'before p50':>12}{'before p95':>12}{'after p50':>11}{'after p95':>11}"
        f"{'moved p95':>11}{'ratio p95':>11}"
    )
    worst = 0.0
    for name, theme in world["themes"].items():
        ThemeTally.objects.filter(theme=theme).delete()
        started = time.perf_counter()
        theme_breakdowns(member, round_, [theme])
        first = time.perf_counter() - started
        before = timed(lambda theme=theme: live_breakdown(member, round_, theme), args.runs)
        after = timed(lambda theme=theme: theme_breakdowns(member, round_, [theme]), args.runs)

        def move_one(theme=theme) -> None:
            place_in_theme(round_, [loose.pop()], theme, by=member)

        moved = timed(
            lambda theme=theme: theme_breakdowns(member, round_, [theme]),
            args.runs // 3 or 1,
            before_each=move_one,
        )
        result = theme_breakdowns(member, round_, [theme])[theme.pk]
        live = live_breakdown(member, round_, theme)
        assert result.total == live["total"] and [
            [c.count for c in row.cells] for row in result.rows
        ] == [[c.count for c in row.cells] for row in live["rows"]], "tally differs from live"
        b50, b95 = summary(before)
        a50, a95 = summary(after)
        _m50, m95 = summary(moved) if len(moved) > 1 else (moved[0], moved[0])
        worst = max(worst, a95, m95)
        print(
            f"{name:<14}{result.total:>8,}{first * 1000:>12.1f}"
            f"{b50 * 1000:>12.1f}{b95 * 1000:>12.1f}{a50 * 1000:>11.1f}{a95 * 1000:>11.1f}"
            f"{m95 * 1000:>11.1f}{a95 / b95:>11.3f}"
        )
    every = list(world["themes"].values())
    board = timed(lambda: theme_breakdowns(member, round_, every), args.runs)
    p50, p95 = summary(board)
    worst = max(worst, p95)
    print(
        f"{'whole board':<14}{'':>8}{'':>12}{'':>12}{'':>12}{p50 * 1000:>11.1f}{p95 * 1000:>11.1f}"
    )
    print(f"aim p95 <= 200 ms: {'met' if worst <= 0.2 else 'NOT met'}")


if __name__ == "__main__":
    main()
