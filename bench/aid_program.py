"""How the mutual-aid program's numbers hold up as a program grows.

Builds a fresh database with one program of N served requests (half of them consenting, so
half are people in the unit; a third of those spoken with, some assessed), then times the
program's headline (`loop_numbers`), the board and the volunteer-load table, and a bare
baseline in the same run: reading 200 requests with their deliveries. Prints p50/p95 and the
ratio to the baseline, so the figures travel between noisy machines.

    .venv/bin/python bench/aid_program.py [--requests 5000] [--repeat 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_bench .venv/bin/python bench/...
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta

os.environ.setdefault("MASSLINE_DATA_DIR", tempfile.mkdtemp(prefix="massline-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "massline.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from massline.aid import selectors, services  # noqa: E402
from massline.aid.models import AidRequest, Delivery, DeliveryState  # noqa: E402
from massline.conversations.models import Conversation  # noqa: E402
from massline.organization.models import Member, Membership, Role, Unit  # noqa: E402
from massline.organization.services import save_unit  # noqa: E402
from massline.people.models import Person  # noqa: E402
from massline.struggles.models import Assessment, Struggle  # noqa: E402


def build(n: int) -> tuple:
    unit = save_unit(Unit(name="Bench unit", slug="bench-unit"))
    member = Member.objects.create(username="bench-coordinator")
    Membership.objects.create(member=member, unit=unit, role=Role.ORGANIZER)
    struggle = Struggle.objects.create(unit=unit, name="Bench struggle")
    program = services.create_program(
        unit=unit, by=member, name="Bench delivery", kind="grocery_delivery", struggle=struggle
    )
    volunteers = []
    for index in range(20):
        volunteer = Member.objects.create(username=f"bench-volunteer-{index}")
        Membership.objects.create(member=volunteer, unit=unit)
        services.set_role(program, volunteer, "volunteer", by=volunteer)
        volunteers.append(volunteer)
    now = timezone.now()
    people = Person.objects.bulk_create(
        Person(unit=unit, first_name=f"Served{i}", phone=f"+1555{2000000 + i}")
        for i in range(n // 2)
    )
    requests = []
    for i in range(n):
        request = AidRequest(
            program=program,
            need="Groceries",
            area=f"Area {i % 12}",
            household_size=1 + i % 5,
            consent_contact=i % 2 == 0,
            person=people[i // 2] if i % 2 == 0 else None,
            created_at=now - timedelta(days=i % 56),
            state="closed" if i % 10 else "open",
        )
        request.phone, request.address = f"+1555{3000000 + i}", f"{i} Bench Street"
        requests.append(request)
    AidRequest.objects.bulk_create(requests, batch_size=2000)
    Delivery.objects.bulk_create(
        (
            Delivery(
                request=request,
                due_on=(request.created_at + timedelta(days=1)).date(),
                state=DeliveryState.DONE if request.state == "closed" else DeliveryState.OPEN,
                volunteer=volunteers[i % 20] if request.state == "closed" else None,
                finished_at=request.created_at + timedelta(days=1)
                if request.state == "closed"
                else None,
            )
            for i, request in enumerate(requests)
        ),
        batch_size=2000,
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(unit=unit, kind="door_knock", happened_at=now) for _ in people[::3]
    )
    Conversation.people.through.objects.bulk_create(
        Conversation.people.through(conversation_id=c.pk, person_id=p.pk)
        for c, p in zip(conversations, people[::3], strict=True)
    )
    Assessment.objects.bulk_create(
        Assessment(person=p, struggle=struggle, level="intermediate") for p in people[::5]
    )
    return program, member


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    program, member = build(args.requests)
    print(f"built {args.requests} requests in {time.perf_counter() - start:.1f}s")

    def baseline() -> None:
        list(
            AidRequest.objects.filter(program=program)
            .prefetch_related("deliveries")
            .order_by("-created_at")[:200]
        )

    cases = {
        "baseline: 200 requests": baseline,
        "loop_numbers (headline)": lambda: selectors.loop_numbers(program),
        "board": lambda: selectors.board(program, member),
        "volunteer_load": lambda: selectors.volunteer_load(program),
    }
    base_p50, _ = timed(baseline, args.repeat)
    numbers = selectors.loop_numbers(program)
    print(f"served {numbers.served}, in the loop {numbers.in_loop}")
    print(f"{'measure':28} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>10}")
    for name, fn in cases.items():
        p50, p95 = timed(fn, args.repeat)
        print(f"{name:28} {p50:8.1f} {p95:8.1f} {p50 / base_p50:10.1f}")


if __name__ == "__main__":
    main()
