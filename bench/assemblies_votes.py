"""How fast an assembly takes a secret ballot: N members voting at once from their phones.

Builds a fresh database with a union of N members (default 200), all checked in, and a
secret vote open. Then N voters, T at a time in threads (each thread its own database
connection), do what a phone does: take a ballot token (logged in), cast the ballot (no
session). In the same run a baseline: the same number of bare POSTs through the same request
stack (login, sessions, CSRF, middleware) to a view that reads the form and writes nothing.
Prints ballots per second, per-ballot p50/p95, the ratio to the baseline, whether N ballots
fit in 30 seconds, and checks the count: no ballot lost or counted twice.

    .venv/bin/python bench/assemblies_votes.py [--members 200] [--threads 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_bench .venv/bin/python bench/...
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import types
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-bench-"))
os.environ.setdefault("MASSLINE_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")

import django
from pagetimes import summary

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from massline.assemblies import services  # noqa: E402
from massline.assemblies.models import Attendance, QuorumRule, Vote  # noqa: E402
from massline.organization.models import Member, Membership, Role, Unit, UnitKind  # noqa: E402
from massline.organization.services import save_unit  # noqa: E402


def bare_post(request: HttpRequest) -> HttpResponse:
    """The baseline: the same stack, a form read, no database write."""
    return HttpResponse(request.POST.get("choice", ""))


bench_urls = types.ModuleType("bench_urls")
bench_urls.urlpatterns = [
    path("bare/", bare_post, name="bare"),
    path("", include("massline.urls")),
]
sys.modules["bench_urls"] = bench_urls


def build(members: int) -> tuple[Member, list[Member], Vote]:
    union = save_unit(Unit(name="Bench Union", slug="bench-union", kind=UnitKind.MASS_ORGANIZATION))
    chair = Member.objects.create_user("bench-chair", password="bench-password-long")
    Membership.objects.create(member=chair, unit=union, role=Role.ADMIN)
    people = Member.objects.bulk_create(
        Member(username=f"voter{n:04}", password=chair.password) for n in range(members)
    )
    Membership.objects.bulk_create(Membership(member=m, unit=union) for m in people)
    assembly = services.schedule_assembly(
        union,
        services.Schedule("general", "Bench", timezone.now(), QuorumRule.SHARE, quorum_percent=50),
        items=["Strike"],
        by=chair,
    )
    services.open_assembly(assembly, by=chair)
    Attendance.objects.bulk_create(Attendance(assembly=assembly, member=m) for m in people)
    item = assembly.items.get()
    services.open_item(item, by=chair)
    motion = services.propose_motion(item, "We strike on Monday", by=people[0])
    return chair, people, services.open_vote(motion, "secret", by=chair)


def run(work, n: int, threads: int) -> tuple[float, list[float]]:
    def timed(i: int) -> float:
        start = time.perf_counter()
        try:
            work(i)
        finally:
            connections.close_all()
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        times = list(pool.map(timed, range(n)))
    return time.perf_counter() - start, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {args.members} members, {args.threads} at a time")
    chair, people, vote = build(args.members)
    clients = []
    for member in people:
        client = Client()
        client.force_login(member)
        clients.append(client)
    token_url = reverse("vote_token", args=[vote.pk])
    cast_url = reverse("ballot_cast", args=[vote.pk])
    choices = ["yes" if n % 3 else "no" for n in range(args.members)]

    with override_settings(ROOT_URLCONF="bench_urls"):
        bare_url = reverse("bare")

        def bare(i: int) -> None:
            for _ in range(2):  # a ballot is two requests
                assert clients[i].post(bare_url, {"choice": choices[i]}).status_code == 200

        def ballot(i: int) -> None:
            token = secrets.token_hex(32)
            answer = clients[i].post(token_url, {"token_hash": services.hash_token(token)})
            assert answer.status_code == 200, answer.content
            answer = Client().post(
                cast_url, {"token": token, "choice": choices[i]}, content_type="application/json"
            )
            assert answer.status_code == 200, answer.content

        run(bare, min(20, args.members), args.threads)  # warm up
        base_wall, base_times = run(bare, args.members, args.threads)
        wall, times = run(ballot, args.members, args.threads)

    services.close_vote(vote, by=chair)
    vote.refresh_from_db()
    expected = {"yes": choices.count("yes"), "no": choices.count("no")}
    assert vote.counts == expected, (vote.counts, expected)
    assert (vote.tokens_issued, vote.ballots_cast, vote.tokens_unused) == (args.members,) * 2 + (0,)
    base_p50, base_p95 = summary(base_times)
    p50, p95 = summary(times)
    print(f"{'':34} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'wall s':>7}")
    print(
        f"{'bare POST x2 (baseline)':34} {args.members / base_wall:8.1f} "
        f"{base_p50 * 1000:8.1f} {base_p95 * 1000:8.1f} {base_wall:7.2f}"
    )
    print(
        f"{'secret ballot (token + cast)':34} {args.members / wall:8.1f} "
        f"{p50 * 1000:8.1f} {p95 * 1000:8.1f} {wall:7.2f}"
    )
    print(f"ballot / baseline: {wall / base_wall:.1f}x the time of the bare requests")
    verdict = "within" if wall <= 30 else "NOT within"
    print(
        f"{args.members} ballots in {wall:.1f} s: {verdict} 30 s; counted {vote.counts}, none lost"
    )


if __name__ == "__main__":
    main()
