"""How fast a member's development page stays for a member with 10,000 conversations.

Builds a fresh database with a union, a base unit, its lead and two organizers: "heavy" with
N conversations (default 10,000), assessments that moved people up, pool entries, forwards,
receptions and study sessions, and "light" with 10 conversations. Requests each one's
development page as the lead, in-process through the whole middleware stack (login,
visibility, audit), plus a bare view in the same run (the same stack rendering 10 rows with no
aggregates). Prints p50/p95 and the ratios to the light page and to the bare view, so the
figures travel between noisy machines.

    .venv/bin/python bench/study_development.py [--conversations 10000] [--requests 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/massline_bench .venv/bin/python bench/...
"""

from __future__ import annotations

import time
from datetime import timedelta

from inprocess import URLCONF, arguments, fresh_database, measure, serve_baseline  # sets Django up

# isort: split
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from massline.conversations.models import Conversation
from massline.ideas.models import Idea
from massline.organization.models import Member, Membership, Role, Unit, UnitKind
from massline.organization.services import save_unit
from massline.people.models import Person
from massline.rounds import services as rounds
from massline.rounds.models import Forward, PoolEntry
from massline.struggles.models import Assessment, Level, Struggle
from massline.study import services as study

BARE = engines["django"].from_string(
    "<ul>{% for c in rows %}<li>{{ c.kind }} {{ c.happened_at }}</li>{% endfor %}</ul>"
)


def bare_rows(request, pk: int) -> HttpResponse:
    """The baseline: the same request stack, 10 rows, no aggregates, no access rule."""
    rows = Conversation.objects.filter(recorded_by_id=pk)[:10]
    return HttpResponse(BARE.render({"rows": rows}))


serve_baseline("bare/<int:pk>/", bare_rows)


def _member(username: str, unit: Unit, role: str) -> Member:
    member = Member.objects.create(username=username, display_name=username.title())
    Membership.objects.create(member=member, unit=unit, role=role)
    return member


def build(conversations: int) -> tuple[Member, Member, Member]:
    now = timezone.now()
    union = save_unit(Unit(name="Union", slug="union", kind=UnitKind.MASS_ORGANIZATION))
    elm = save_unit(Unit(name="Elm", slug="elm", parent=union))
    lead = _member("lead", union, Role.LEAD)
    heavy = _member("heavy", elm, Role.ORGANIZER)
    light = _member("light", elm, Role.ORGANIZER)
    struggle = Struggle.objects.create(unit=union, name="Rent")
    people = Person.objects.bulk_create(
        Person(unit=elm, first_name=f"P{i}", last_name="Tenant", responsible=heavy)
        for i in range(2000)
    )
    for member, n in ((heavy, conversations), (light, 10)):
        rows = Conversation.objects.bulk_create(
            (
                Conversation(
                    unit=elm,
                    kind="door_knock",
                    recorded_by=member,
                    happened_at=now - timedelta(days=i % 400, minutes=i),
                )
                for i in range(n)
            ),
            batch_size=5000,
        )
        Conversation.people.through.objects.bulk_create(
            (
                Conversation.people.through(conversation_id=c.pk, person_id=people[i % 2000].pk)
                for i, c in enumerate(rows)
            ),
            batch_size=5000,
        )
        Assessment.objects.bulk_create(
            (
                Assessment(
                    person=people[i % 2000],
                    struggle=struggle,
                    level=(Level.INTERMEDIATE, Level.ADVANCED)[i % 2],
                    assessed_by=member,
                    assessed_at=now - timedelta(days=400 - i % 400),
                )
                for i in range(n // 2)
            ),
            batch_size=5000,
        )
    round_ = rounds.open_round(
        struggle=struggle,
        leading_unit=union,
        units=[elm],
        question="What next?",
        gather_from=now - timedelta(days=30),
        gather_until=now + timedelta(days=30),
        by=lead,
    )
    ideas = Idea.objects.bulk_create(
        Idea(unit=elm, struggle=struggle, kind="concern", text=f"Idea {i}", recorded_by=heavy)
        for i in range(conversations // 5)
    )
    entries = PoolEntry.objects.bulk_create(
        (PoolEntry.of(round_, idea) for idea in ideas), batch_size=5000
    )
    Forward.objects.bulk_create(
        Forward(entry=e, from_unit=elm, to_unit=union, forwarded_by=heavy) for e in entries[::2]
    )
    group = study.create_group(elm, name="Readers", by=lead)
    for week in range(52):
        session = study.plan_session(group, held_at=now - timedelta(weeks=week), by=lead)
        study.record_attendance(session, [heavy.pk, light.pk], by=lead)
    return lead, heavy, light


def main() -> None:
    args = arguments(__doc__, "conversations", 10_000)
    start = time.perf_counter()
    print(f"database: {fresh_database()}; {args.conversations} conversations")
    lead, heavy, light = build(args.conversations)
    print(f"built in {time.perf_counter() - start:.1f} s")
    client = Client()
    client.force_login(lead)
    unit_id = heavy.memberships.get().unit_id
    # The lead leads a unit with sub-units, so the site would ask for a second factor;
    # the benchmark measures the page, not the login.
    with override_settings(ROOT_URLCONF=URLCONF, MASSLINE_REQUIRE_TWO_FACTOR=False):
        pages = {
            "bare 10 rows (baseline)": reverse("bare", args=[heavy.pk]),
            "development, 10 conversations": reverse("member_development", args=[light.pk]),
            f"development, {args.conversations} conv.": reverse(
                "member_development", args=[heavy.pk]
            ),
            "who needs support (unit)": reverse("unit_support", args=[unit_id]),
        }
        results = measure(client, pages, args.requests)
    base = results["bare 10 rows (baseline)"][0]
    light_p50 = results["development, 10 conversations"][0]
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'/ bare':>8} {'/ 10 conv.':>10}")
    for name, (p50, p95) in results.items():
        print(
            f"{name:34} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / base:7.1f}x"
            f" {p50 / light_p50:9.2f}x"
        )


if __name__ == "__main__":
    main()
