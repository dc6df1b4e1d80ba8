"""Throughput of the members' pages under load, against a bare view in the same run.

Builds a fresh database with `massline demo --people N` (or reuses one), starts gunicorn on
127.0.0.1 with production-like settings (debug off, the visibility rule and the read audit
on), logs in several organizers, and drives the pages with wrk for a bounded time: a bare
Django view that renders the same 50 rows with no login, visibility or audit (the baseline),
the people list, searched by name and by phone, my work, each organizer's page of one of
their people, the ties page; and, as the leading unit's admin past the second factor, the
concentrate board and the line page of the largest round. Prints requests/s, latency and the
ratio to the baseline (the aim for the people list is at least 0.5). The pages take turns
for several rounds, so a load that comes and goes on the machine weighs on each alike. Needs
`wrk` (Debian package `wrk`).

    .venv/bin/python bench/people_load.py [--people 5000] [--seconds 5] [--rounds 3]
    MASSLINE_DATA_DIR=<the first run's> .venv/bin/python bench/people_load.py --reuse
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_load .venv/bin/python bench/...
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-load-"))
os.environ.setdefault("MASSLINE_ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("MASSLINE_SECRET_KEY", "load-benchmark-only-" + "x" * 40)
os.environ["DJANGO_SETTINGS_MODULE"] = "load_settings"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from members import largest_round_and_its_admin, logged_in  # noqa: E402

from massline import access  # noqa: E402
from massline.organization.models import Member, Role  # noqa: E402
from massline.people.models import Person  # noqa: E402

WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(member: Member) -> str:
    """The cookie of a logged-in session of `member`, past the second factor if need be."""
    cookie = logged_in(member).cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={cookie}"


def organizers(count: int) -> list[Member]:
    """Organizers of base units (a second factor is not needed there)."""
    members = list(Member.objects.filter(memberships__role=Role.ORGANIZER).distinct()[:count])
    if not members:
        sys.exit("the demo has no organizers to log in as")
    return members


def one_of_their_people(member: Member) -> Person:
    return access.visible_people(member).filter(responsible=member).order_by("pk").first()


Target = tuple[str, str | None]  # a URL and the cookie to ask for it with


def wrk(targets: list[Target], seconds: int, connections: int) -> tuple[float, float]:
    """Requests/s summed over one wrk per target (a member), and their mean latency in ms."""
    share = max(1, connections // len(targets))
    runs = []
    for url, cookie in targets:
        command = ["wrk", "-t1", f"-c{share}", f"-d{seconds}s", "--latency", url]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    rate, latencies = 0.0, []
    for run in runs:
        out, _ = run.communicate(timeout=seconds + 60)
        failures = NON_2XX.search(out)
        if failures:
            sys.exit(f"{targets[0][0]}: {failures.group(1)} answers were not 2xx/3xx:\n{out}")
        rate += float(WRK_LINE.search(out).group(1))
        value, unit = LATENCY.search(out).groups()
        latencies.append(float(value) * UNIT[unit])
    return rate, sum(latencies) / len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=5, help="of each page in each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the demo an earlier run built (same database and MASSLINE_DATA_DIR)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    if args.reuse:
        print(f"database: {django.db.connection.vendor}; reusing its demo")
    else:
        print(f"database: {django.db.connection.vendor}; building a demo of {args.people} people")
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("demo", people=args.people, verbosity=0)
        print(f"built in {time.perf_counter() - start:.1f} s")
    print(f"{Person.objects.count()} people")
    members = organizers(args.members)
    cookies = [session_cookie(member) for member in members]
    someone = Person.objects.exclude(phone="").order_by("pk").first()
    big, admin = largest_round_and_its_admin()
    line = big.lines.order_by("pk").first()
    admin_cookie = session_cookie(admin)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "massline.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=os.environ,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bare/people/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)

        def each(path: str) -> list[Target]:
            return [(base + path, cookie) for cookie in cookies]

        pages: dict[str, list[Target]] = {
            "bare 50 rows (baseline)": [(f"{base}/bare/people/", None)] * len(cookies),
            "people list": each("/people/"),
            "people list, name search": each(f"/people/?q={someone.last_name[:4]}"),
            "people list, phone search": each(f"/people/?q={someone.phone}"),
            "my work": each("/"),
            "person with timeline": [
                (f"{base}/people/{one_of_their_people(member).pk}/", cookie)
                for member, cookie in zip(members, cookies, strict=True)
            ],
            "ties": each("/ties/"),
        }
        if admin is not None and line is not None:
            pages["concentrate board"] = [(f"{base}/rounds/{big.pk}/board/", admin_cookie)]
            pages["line page"] = [(f"{base}/rounds/{big.pk}/lines/{line.pk}/", admin_cookie)]
        for targets in pages.values():
            wrk(targets, 2, args.connections)  # warm the workers
        # the pages take turns, so a load that comes and goes on the machine falls on all
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
        for _ in range(args.rounds):
            for name, targets in pages.items():
                runs[name].append(wrk(targets, args.seconds, args.connections))
        results = {
            name: (sum(r for r, _ in rounds) / len(rounds), sum(m for _, m in rounds) / len(rounds))
            for name, rounds in runs.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = results["bare 50 rows (baseline)"][0]
    print(
        f"{args.workers} gunicorn workers, {args.connections} connections, {len(cookies)} members,"
        f" {args.rounds} rounds of {args.seconds} s a page"
    )
    print(f"{'page':28} {'req/s':>8} {'mean ms':>8} {'vs baseline':>12}")
    for name, (rate, latency) in results.items():
        print(f"{name:28} {rate:8.1f} {latency:8.1f} {rate / baseline:11.2f}x")


if __name__ == "__main__":
    main()
