"""How fast the round's pages stay with a big pool.

Builds a fresh database with `massline demo --round-ideas N` (default 100,000), then requests
the concentrate board and the line page as the leading unit's admin, in-process through the
whole middleware stack (login, visibility), and a bare baseline view in the same run: the same
stack rendering 200 pool entries with no aggregates. Prints p50/p95 of each and their ratio to
the baseline, so the figures travel between noisy machines.

    .venv/bin/python bench/round_pages.py [--ideas 100000] [--requests 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_bench .venv/bin/python bench/...
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import types
from collections.abc import Callable

os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-bench-"))
os.environ.setdefault("MASSLINE_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")

import django
from pagetimes import summary

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from massline.organization.models import Member  # noqa: E402
from massline.rounds.models import PoolEntry, Round  # noqa: E402

BARE = engines["django"].from_string(
    "<ul>{% for e in entries %}<li>{{ e.idea.kind }} {{ e.idea.text }}</li>{% endfor %}</ul>"
)


def bare_entries(request, pk: int) -> HttpResponse:
    """The baseline: the same request stack, 200 rows, no aggregates, no access rule."""
    entries = PoolEntry.objects.filter(round_id=pk).select_related("idea")[:200]
    return HttpResponse(BARE.render({"entries": entries}))


bench_urls = types.ModuleType("bench_urls")
bench_urls.urlpatterns = [
    path("bare/<int:pk>/", bare_entries, name="bare"),
    path("", include("massline.urls")),
]
sys.modules["bench_urls"] = bench_urls


def timed(client: Client, url: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    print(f"database: {django.db.connection.vendor}; building a round of {args.ideas} ideas")
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", people=2000, round_ideas=args.ideas, verbosity=0)
    print(f"built in {time.perf_counter() - start:.1f} s")
    big = Round.objects.get(question__startswith=f"What do {args.ideas}")
    line = big.lines.get()
    client = Client()
    rosa = Member.objects.get(username="rosa")
    client.force_login(rosa)
    session = client.session  # rosa is an admin: her session carries her second factor
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=rosa).persistent_id
    session.save()
    pages: dict[str, Callable[[], str]] = {
        "bare 200 rows (baseline)": lambda: reverse("bare", args=[big.pk]),
        "concentrate board": lambda: reverse("board", args=[big.pk]),
        "line page": lambda: reverse("line_detail", args=[big.pk, line.pk]),
        "round page": lambda: reverse("round_detail", args=[big.pk]),
    }
    with override_settings(ROOT_URLCONF="bench_urls"):
        results = {}
        for name, url in pages.items():
            timed(client, url(), 3)  # warm caches and connections
            results[name] = summary(timed(client, url(), args.requests))
    base_p50 = results["bare 200 rows (baseline)"][0]
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p50 / baseline':>15}")
    for name, (p50, p95) in results.items():
        print(f"{name:28} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / base_p50:15.1f}x")


if __name__ == "__main__":
    main()
