"""The demo's mutual aid: a Thursday grocery delivery run by the 40 Elm committee and a rent
fund of the tenants' union, with eight weeks of history so the loop chart has a shape.

Everything goes through the services (so the demo obeys the same rules as the pages), then
dates are moved into the past. Deterministic for a given random generator.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from massline.aid import services
from massline.aid.models import AidRequest, Delivery, ProgramKind, ProgramRoleKind
from massline.conversations.models import Conversation
from massline.conversations.services import IdeaRaised, refresh_last_contact
from massline.ideas.models import Idea, IdeaKind
from massline.organization.models import Member, Membership, Role, Unit
from massline.rounds import services as rounds
from massline.rounds.models import ActionKind, Round
from massline.struggles.models import Level, Struggle

NEEDS = [
    "Groceries for the week: rice, beans, vegetables",
    "Baby formula and nappies",
    "Halal meat and bread, we are five",
    "Fresh fruit and milk for the kids",
    "Cleaning supplies and soap",
    "Diabetic-friendly food for my father",
]
AREAS = ["Elm north", "Elm south", "Park side", "Station blocks"]
DOOR_NOTES = [
    "The heating was off again last week; she asked who else in the building is cold.",
    "Works nights at the warehouse, worried the rent increase means moving out.",
    "Wants to know when the next building meeting is, can bring two neighbours.",
    "Tired and wary; took the flyer in Spanish.",
]
DOOR_IDEAS = [
    (IdeaKind.CONCERN, "The landlord ignores every repair request"),
    (IdeaKind.PROPOSAL, "Hold the building meeting in the courtyard so kids can come"),
    (IdeaKind.OBJECTION, "People are afraid to be seen at meetings by the caretaker"),
    (IdeaKind.EXPERIENCE, "When we all complained together the lift got fixed in a week"),
]
FIRST = ["Samira", "Dolores", "Ahmed", "Grace", "Tuan", "Olga", "Precious", "Karim", "Lucía"]
LAST = ["Haddad", "Ibarra", "Khan", "Mensah", "Nguyen", "Petrova", "Okoro", "Saleh", "Ruiz"]


def _volunteer(username: str, name: str, unit: Unit, password: str) -> Member:
    member = Member(username=username, display_name=name, first_name=name.split()[0])
    member.set_password(password)
    member.save()
    Membership.objects.create(member=member, unit=unit, role=Role.MEMBER)
    return member


def build_aid_demo(rng: random.Random, now: datetime, *, password: str) -> None:
    """Programs, requests, deliveries, door conversations, stock, fund and shifts."""
    elm = Unit.objects.filter(slug="elm-40").first()
    tenants = Unit.objects.filter(slug="eastside-tenants").first()
    if elm is None or tenants is None:
        return
    maria = Member.objects.get(username="maria")
    rosa = Member.objects.get(username="rosa")
    struggle = Struggle.objects.filter(name__startswith="Stop the 8%").first()
    grocery = services.create_program(
        unit=elm,
        by=maria,
        name="Thursday grocery delivery",
        kind=ProgramKind.GROCERY_DELIVERY,
        description="Neighbours bring groceries to neighbours, and talk at the door.",
        struggle=struggle,
        areas="\n".join(AREAS),
        currency="USD",
    )
    team = [
        _volunteer("sam", "Sam Osei", elm, password),
        _volunteer("ines", "Inés Moreno", elm, password),
        _volunteer("yusuf", "Yusuf Ali", elm, password),
    ]
    for member in team:
        services.set_role(grocery, member, ProgramRoleKind.VOLUNTEER, by=member)
    services.record_stock(
        grocery, by=maria, item="food bag", direction="in", quantity=Decimal(60), measure="bags"
    )
    services.record_stock(
        grocery, by=maria, item="baby formula", direction="in", quantity=Decimal(12), measure="tins"
    )

    today = timezone.localdate()
    for index in range(22):
        weeks_ago = 7 - index // 3
        when = now - timedelta(weeks=weeks_ago, days=rng.randint(0, 3), hours=rng.randint(1, 8))
        consent = rng.random() < 0.6
        request = services.submit_request(
            grocery,
            services.RequestIntake(
                need=rng.choice(NEEDS),
                area=rng.choice(AREAS),
                household_size=rng.randint(1, 6),
                urgency=rng.choice(["today", "week", "whenever"]),
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                phone=f"+1555{rng.randrange(10**6, 10**7)}",
                address=f"{rng.randint(1, 80)} Elm St, flat {rng.randint(1, 9)}{rng.choice('ABC')}",
                consent_contact=consent,
                recurrence="weekly" if index % 7 == 0 else "",
            ),
        )
        delivery = request.deliveries.get()
        if weeks_ago == 0 and index % 3 == 2:
            continue  # still open on the board
        volunteer = team[0] if index % 2 else rng.choice(team)
        services.claim(delivery, by=volunteer)
        if rng.random() < 0.1:
            services.fail(delivery, by=volunteer, reason="not_home")
        else:
            services.complete(delivery, by=volunteer, hours=Decimal("1.5"), handed_over="2 bags")
            services.record_stock(
                grocery,
                by=volunteer,
                item="food bag",
                direction="out",
                quantity=Decimal(2),
                delivery=delivery,
            )
            if rng.random() < 0.55:
                kind, text = rng.choice(DOOR_IDEAS)
                services.record_doorstep_conversation(
                    delivery,
                    services.Doorstep(
                        notes=rng.choice(DOOR_NOTES),
                        ideas=[IdeaRaised(kind=kind, text=text)],
                        level=rng.choice([Level.INTERMEDIATE, Level.INTERMEDIATE, Level.ADVANCED])
                        if request.consent_contact and struggle
                        else "",
                    ),
                    by=volunteer,
                )
        _backdate(request, when, today)

    _meeting_of_the_served(grocery, maria, now)

    rent = services.create_program(
        unit=tenants,
        by=rosa,
        name="Eastside rent fund",
        kind=ProgramKind.RENT_FUND,
        description="Members chip in; tenants facing arrears get a hand while we fight.",
        currency="USD",
        accepts_offers=True,
    )
    for weeks_ago, amount, note in [
        (8, "450.00", "Solidarity dinner"),
        (6, "120.00", "Monthly dues"),
        (4, "300.00", "Raffle"),
        (1, "120.00", "Monthly dues"),
    ]:
        services.record_fund(
            rent,
            by=rosa,
            direction="income",
            amount=Decimal(amount),
            note=note,
            at=now - timedelta(weeks=weeks_ago),
        )
    for weeks_ago, amount, note in [(5, "380.00", "Arrears, Building C"), (2, "250.00", "Arrears")]:
        services.record_fund(
            rent,
            by=rosa,
            direction="payout",
            amount=Decimal(amount),
            note=note,
            at=now - timedelta(weeks=weeks_ago),
        )
    services.submit_offer(
        grocery,
        services.OfferIntake(
            kind="car", description="A van on Thursday evenings", phone="+15550001111"
        ),
    )
    for weeks_ago in range(7):
        services.record_shift(
            grocery,
            by=maria,
            member=team[0],
            day=today - timedelta(weeks=weeks_ago),
            hours=Decimal(3),
            what="Packing bags at the hall",
        )
    services.record_shift(
        grocery,
        by=maria,
        member=team[2],
        day=today - timedelta(days=9),
        hours=Decimal(0),
        no_show=True,
    )


def _backdate(request: AidRequest, when: datetime, today) -> None:
    """Move a request and what came of it into the past (the services stamp `now`)."""
    AidRequest.objects.filter(pk=request.pk).update(created_at=when)
    finished = when + timedelta(days=1)
    for delivery in Delivery.objects.filter(request=request, finished_at__isnull=False):
        Delivery.objects.filter(pk=delivery.pk).update(
            due_on=finished.date(), claimed_at=when + timedelta(hours=2), finished_at=finished
        )
        if delivery.conversation_id:
            at = finished + timedelta(minutes=10)
            Conversation.objects.filter(pk=delivery.conversation_id).update(happened_at=at)
            Idea.objects.filter(conversation_id=delivery.conversation_id).update(raised_at=at)
    AidRequest.objects.filter(pk=request.pk, closed_at__isnull=False).update(closed_at=finished)
    person_id = AidRequest.objects.filter(pk=request.pk).values_list("person_id", flat=True)[0]
    if person_id:
        refresh_last_contact([person_id])


def _meeting_of_the_served(program, organizer: Member, now: datetime) -> None:
    """A building meeting a few of the people served came to, so the headline shows it."""
    round_ = (
        Round.objects.filter(units=program.unit, state__in=rounds.OPEN_STATES)
        .order_by("-opened_at")
        .first()
    )
    if round_ is None:
        return
    action = rounds.plan_action(
        round_,
        by=organizer,
        kind=ActionKind.MEETING,
        title="Building meeting in the courtyard",
        happens_on=(now - timedelta(days=3)).date(),
    )
    served = AidRequest.objects.filter(program=program, person__isnull=False).order_by("id")
    for person in sorted({request.person for request in served[:6:2]}, key=lambda p: p.pk):
        rounds.record_participation(action, person, asked=True, took_part=True, by=organizer)
