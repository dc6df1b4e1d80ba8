"""What the audit of reads costs on page time.

Builds a fresh database (`massline demo --people 2000`), fills the audit log with N earlier
events (default 200,000) so its indexes are of a realistic size, then requests the person page
and a people search as an organizer, in-process through the whole middleware stack, with
auditing on and off in the same run (alternating request by request, so drift hits both
equally). Prints p50/p95 of each and the on/off ratio, then the hook's own time.

    .venv/bin/python bench/audit_cost.py [--events 200000] [--requests 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_bench .venv/bin/python bench/...
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-bench-"))
os.environ.setdefault("MASSLINE_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")

import django
from pagetimes import summary

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from massline import access  # noqa: E402
from massline.audit import services as audit  # noqa: E402
from massline.audit.models import ReadEvent  # noqa: E402
from massline.organization.models import Member  # noqa: E402
from massline.people.models import Person  # noqa: E402


def prefill(events: int) -> None:
    members = list(Member.objects.values_list("pk", flat=True))
    people = list(Person.objects.values_list("pk", "unit_id", "place_id"))
    rng = random.Random(7)
    now = timezone.now()
    batch = []
    for _ in range(events):
        pk, unit, place = rng.choice(people)
        batch.append(
            ReadEvent(
                member_id=rng.choice(members),
                action="view_person",
                object_kind="person",
                object_id=pk,
                unit_id=unit,
                place_ref=place,
                source="net:0123456789ab",
                at=now - timezone.timedelta(seconds=rng.randrange(90 * 86400)),
            )
        )
        if len(batch) == 5000:
            ReadEvent.objects.bulk_create(batch)
            batch = []
    ReadEvent.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    print(f"database: {django.db.connection.vendor}")
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", people=2000, verbosity=0)
    prefill(args.events)
    print(f"built in {time.perf_counter() - start:.1f} s; {ReadEvent.objects.count()} events")
    maria = Member.objects.get(username="maria")
    client = Client()
    client.force_login(maria)
    people = list(access.visible_people(maria).values_list("pk", flat=True)[:50])
    pages = {
        "person page": lambda i: reverse("person_detail", args=[people[i % len(people)]]),
        "people search": lambda i: reverse("people_list") + "?q=" + "ab"[i % 2],
    }
    results: dict[tuple[str, bool], list[float]] = {}
    for name, url in pages.items():
        for i in range(args.requests + 5):
            order = (True, False) if i % 2 else (False, True)
            for audited in order:
                with override_settings(MASSLINE_AUDIT=audited):
                    begin = time.perf_counter()
                    response = client.get(url(i))
                    elapsed = time.perf_counter() - begin
                assert response.status_code == 200, (url(i), response.status_code)
                if i >= 5:  # the first few warm caches and connections
                    results.setdefault((name, audited), []).append(elapsed)
    print(f"{'page':16} {'audit':>6} {'p50 ms':>8} {'p95 ms':>8} {'p50 on/off':>11}")
    for name in pages:
        off = summary(results[(name, False)])
        on = summary(results[(name, True)])
        for audited, (p50, p95) in ((False, off), (True, on)):
            ratio = f"{on[0] / off[0]:10.3f}x" if audited else ""
            state = "on" if audited else "off"
            print(f"{name:16} {state:>6} {p50 * 1e3:8.2f} {p95 * 1e3:8.2f} {ratio}")
    # The hook on its own (digest of the network, one INSERT and its commit), no page around it.
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user = maria
    person = Person.objects.get(pk=people[0])
    times = []
    for _ in range(args.requests):
        begin = time.perf_counter()
        audit.record(request, "view_person", person=person)
        times.append(time.perf_counter() - begin)
    p50, p95 = summary(times)
    print(f"{'record() alone':16} {'':>6} {p50 * 1e3:8.2f} {p95 * 1e3:8.2f}")
    print(f"{ReadEvent.objects.count()} events after the run")


if __name__ == "__main__":
    main()
