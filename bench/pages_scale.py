"""How fast the pages members use most stay on a large organization, against a bare view.

Runs against an existing database (build it with `massline demo --people N --round-ideas
100000`; point DATABASE_URL at a copy, since requests write sessions and the read audit).
Requests, in-process through the whole middleware stack (login, visibility rule, read audit
on): my work, the people list (plain, filtered, searched by name and by phone, a later page),
a person's page with timeline and the ties page as an organizer of a base unit; the same list
as the admin of the whole organization; the concentrate board and the line page of the
largest round as its leading unit's admin. A bare view rendering 50 people with no login,
visibility or audit is measured in the same run, interleaved with the pages (each round of
requests asks every page once), so load from elsewhere on the machine falls on all alike.
Prints p50/p95 of each page and its p50 ratio to the baseline. Aims: p95 at most 100 ms,
200 ms for the board.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_copy \\
        .venv/bin/python bench/pages_scale.py [--requests 40]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
from urllib.parse import urlencode

from inprocess import URLCONF, serve_baseline, timed  # sets Django up

# isort: split
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from load_urls import bare_people
from members import largest_round_and_its_admin, logged_in
from pagetimes import summary

from massline import access
from massline.organization.models import Member, Role, Unit, UnitKind
from massline.people.models import Person
from massline.rounds.models import Round

AIMS = {"concentrate board": 0.200}
AIM = 0.100


def organizer() -> Member:
    """The first organizer of a base unit: the member most pages are for."""
    return (
        Member.objects.filter(
            is_active=True,
            memberships__role=Role.ORGANIZER,
            memberships__unit__kind=UnitKind.BASE_UNIT,
        )
        .order_by("pk")
        .first()
    )


def pages(member: Member, base: Client, admin: Client, big: Round) -> dict[str, tuple]:
    """Every page to time, with the client that asks for it."""
    person = (
        access.visible_people(member)
        .exclude(phone="")
        .filter(unit__in=Unit.objects.filter(memberships__member=member))
        .annotate(n=Count("conversations"))
        .order_by("-n", "pk")
        .first()
    )
    struggle = access.visible_struggles(member).order_by("pk").first()
    line = big.lines.order_by("pk").first()
    people = reverse("people_list")
    filtered = {"unit": person.unit_id, "struggle": struggle.pk, "level": "advanced"}
    return {
        "bare 50 rows (baseline)": (Client(), reverse("bare")),
        "my work": (base, reverse("my_work")),
        "people list": (base, people),
        "people list, filtered": (base, f"{people}?{urlencode(filtered)}"),
        "people list, later page": (base, f"{people}?after={person.pk}"),
        "search by name": (base, f"{people}?{urlencode({'q': person.last_name[:4]})}"),
        "search by phone": (base, f"{people}?{urlencode({'q': person.phone})}"),
        "person with timeline": (base, reverse("person_detail", args=[person.pk])),
        "ties": (base, reverse("ties")),
        "people list (admin, all)": (admin, people),
        "concentrate board": (admin, reverse("board", args=[big.pk])),
        "line page": (admin, reverse("line_detail", args=[big.pk, line.pk])),
    }


def explain(client: Client, url: str) -> None:
    """One request of `url`: its queries by time taken, then its Python profile."""
    timed(client, url, 2)  # warm
    with CaptureQueriesContext(connection) as queries:
        profile = cProfile.Profile()
        profile.runcall(timed, client, url, 1)
    spent = sorted(queries.captured_queries, key=lambda query: -float(query["time"]))
    total = sum(float(query["time"]) for query in spent)
    print(f"{url}: {len(spent)} queries, {total * 1000:.1f} ms in the database")
    for query in spent[:12]:
        print(f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:400]}")
    if connection.vendor == "postgresql":  # how the database ran those over 10 ms
        with connection.cursor() as cursor:
            for query in spent:
                if query["sql"].startswith("SELECT") and float(query["time"]) > 0.010:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(r"massline|template", 25)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--explain",
        metavar="PAGE",
        help="instead of timing, ask for one page (e.g. 'ties') and print its queries, slowest "
        "first, and where its Python time went",
    )
    args = parser.parse_args()
    serve_baseline("bare/people/", bare_people)
    big, admin = largest_round_and_its_admin()
    member = organizer()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{Person.objects.count():,} people; organizer {member.username}, admin "
        f"{admin.username}; round of {big.n:,} pool entries"
    )
    times: dict[str, list[float]] = {}
    with override_settings(ROOT_URLCONF=URLCONF):
        todo = pages(member, logged_in(member), logged_in(admin), big)
        if args.explain:
            explain(*todo[args.explain])
            return
        for name, (client, url) in todo.items():
            timed(client, url, 3)  # warm caches and connections
            times[name] = []
        for _ in range(args.requests):
            for name, (client, url) in todo.items():
                times[name] += timed(client, url, 1)
    results = {name: summary(values) for name, values in times.items()}
    base_p50 = results["bare 50 rows (baseline)"][0]
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p50 / base':>11} {'aim p95':>8}")
    for name, (p50, p95) in results.items():
        aim = AIMS.get(name, AIM)
        mark = "" if name.startswith("bare") else ("ok" if p95 <= aim else "OVER")
        print(
            f"{name:28} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / base_p50:10.1f}x "
            f"{aim * 1000:6.0f} {mark}"
        )
    print(f"{os.cpu_count()} cores; {args.requests} requests a page, interleaved")


if __name__ == "__main__":
    main()
