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

import time

from inprocess import URLCONF, arguments, fresh_database, measure, serve_baseline  # sets Django up

# isort: split
from django.core.management import call_command
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from massline.organization.models import Member
from massline.rounds.models import PoolEntry, Round

BARE = engines["django"].from_string(
    "<ul>{% for e in entries %}<li>{{ e.idea.kind }} {{ e.idea.text }}</li>{% endfor %}</ul>"
)


def bare_entries(request, pk: int) -> HttpResponse:
    """The baseline: the same request stack, 200 rows, no aggregates, no access rule."""
    entries = PoolEntry.objects.filter(round_id=pk).select_related("idea")[:200]
    return HttpResponse(BARE.render({"entries": entries}))


serve_baseline("bare/<int:pk>/", bare_entries)


def main() -> None:
    args = arguments(__doc__, "ideas", 100_000)
    start = time.perf_counter()
    print(f"database: {fresh_database()}; building a round of {args.ideas} ideas")
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
    with override_settings(ROOT_URLCONF=URLCONF):
        pages = {
            "bare 200 rows (baseline)": reverse("bare", args=[big.pk]),
            "concentrate board": reverse("board", args=[big.pk]),
            "line page": reverse("line_detail", args=[big.pk, line.pk]),
            "round page": reverse("round_detail", args=[big.pk]),
        }
        results = measure(client, pages, args.requests)
    base_p50 = results["bare 200 rows (baseline)"][0]
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p50 / baseline':>15}")
    for name, (p50, p95) in results.items():
        print(f"{name:28} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / base_p50:15.1f}x")


if __name__ == "__main__":
    main()
