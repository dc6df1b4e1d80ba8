"""A realistic, deterministic demo organization: a tenants' union and a workers' committee.

Everything is drawn from one seeded random generator, so `massline demo --seed 7` builds the
same organization on every machine. Rows are written in bulk so large demos stay quick.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from massline.conversations.models import Conversation, ConversationKind, FollowUp, Mood
from massline.ideas.models import Idea, IdeaKind
from massline.organization.models import Member, Membership, Role, Unit, UnitKind
from massline.organization.services import save_unit
from massline.people.models import Person, Place, PlaceKind
from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry
from massline.struggles.models import Assessment, Level, Struggle

DEMO_PASSWORD = "massline-demo"
# DEMO ONLY: the demo's administrators share this published authenticator key, so anyone can
# compute their codes (`massline demo --code`). Never use the demo data in earnest.
DEMO_TOTP_KEY = b"massline-demo-only!!"
DEMO_TWO_FACTOR_USERS = ("admin", "rosa", "abdi")


def demo_totp_secret() -> str:
    """The demo key as an authenticator app wants it typed (base32)."""
    return base64.b32encode(DEMO_TOTP_KEY).decode()


def demo_totp_code() -> str:
    return f"{totp(DEMO_TOTP_KEY):06d}"


def _enrol_demo_authenticators() -> None:
    for member in Member.objects.filter(username__in=DEMO_TWO_FACTOR_USERS):
        TOTPDevice.objects.create(
            user=member, name="demo (shared key)", key=DEMO_TOTP_KEY.hex(), confirmed=True
        )


FIRST_NAMES = [
    "Maria",
    "Ana",
    "José",
    "Luis",
    "Fatima",
    "Aisha",
    "Omar",
    "Mohamed",
    "Chen",
    "Wei",
    "Li",
    "Mei",
    "Nguyen",
    "Thi",
    "Priya",
    "Ravi",
    "Kwame",
    "Ama",
    "Olu",
    "Ngozi",
    "Dmitri",
    "Olga",
    "Irina",
    "Tomasz",
    "Agnieszka",
    "Kofi",
    "Samira",
    "Yusuf",
    "Leila",
    "Carlos",
    "Rosa",
    "Jamal",
    "Keisha",
    "Tyrone",
    "Denise",
    "Patrick",
    "Siobhan",
    "Sean",
    "Hana",
    "Kenji",
    "Amara",
    "Diego",
    "Lucia",
    "Marisol",
    "Hector",
    "Ines",
    "Abdi",
    "Hodan",
    "Faisal",
    "Noor",
    "Bao",
    "Linh",
    "Tran",
    "Jorge",
    "Elena",
    "Grace",
    "Joseph",
    "Ruth",
    "Daniel",
    "Esther",
]
LAST_NAMES = [
    "García",
    "Hernández",
    "López",
    "Martínez",
    "Rahman",
    "Hussain",
    "Ali",
    "Chen",
    "Wang",
    "Zhang",
    "Nguyen",
    "Tran",
    "Patel",
    "Singh",
    "Mensah",
    "Owusu",
    "Okafor",
    "Adeyemi",
    "Ivanova",
    "Petrov",
    "Kowalski",
    "Nowak",
    "Diallo",
    "Haddad",
    "Yilmaz",
    "Demir",
    "Santos",
    "Silva",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "O'Brien",
    "Murphy",
    "Kim",
    "Park",
    "Tanaka",
    "Sato",
    "Mohamud",
    "Warsame",
    "Abebe",
    "Tesfaye",
    "Cohen",
    "Levi",
    "Rossi",
    "Ferrari",
    "Baptiste",
    "Pierre",
    "Jean-Louis",
]

TENANT_IDEAS = {
    IdeaKind.CONCERN: [
        "The rent went up 8% and my wages did not move at all",
        "No heat in the bedroom since October, the kids sleep in coats",
        "Mold behind the bathroom tiles keeps coming back",
        "The landlord ignores repair requests for months",
        "I am afraid they will not renew my lease if I complain",
        "The elevator has been broken for three weeks and I am on the 9th floor",
        "Garbage piles up in the back courtyard and there are rats",
    ],
    IdeaKind.PROPOSAL: [
        "We should all withhold the increase together, not one by one",
        "Let's collect everyone's repair requests and deliver them at once",
        "A meeting in the lobby every Thursday so people can come after work",
        "Put up flyers in Spanish, Bengali and Chinese, not just English",
        "Call the city housing inspector as a group",
        "Start a rent strike fund so no one faces eviction alone",
    ],
    IdeaKind.OBJECTION: [
        "A rent strike won't work, half the building is on month-to-month leases",
        "People without papers cannot risk going to housing court",
        "The last tenants' association fell apart after two months",
    ],
    IdeaKind.EXPERIENCE: [
        "When we went to the office together last year they fixed the boiler in a week",
        "My cousin's building won a rent freeze after a petition with 80% signed",
        "The super told me off the record that the owner wants to sell",
    ],
    IdeaKind.QUESTION: [
        "Is the 8% increase even legal for a rent-stabilised unit?",
        "Who owns the building now, is it still the same company?",
        "Can they evict us for organizing?",
    ],
}
WORKPLACE_IDEAS = {
    IdeaKind.CONCERN: [
        "Night shift is always short-staffed, two people doing the work of four",
        "They changed the rota with one day's notice again",
        "The forklifts have no working lights on the night shift",
        "Overtime is not paid for the half hour before the shift starts",
        "The heat in the packing hall is unbearable in summer",
    ],
    IdeaKind.PROPOSAL: [
        "Ask for a minimum staffing number written on the rota",
        "Everyone refuses unpaid pre-shift briefings together",
        "A petition for the lights, signed by the whole night shift",
        "Meet in the canteen at the break, not at the union office downtown",
    ],
    IdeaKind.OBJECTION: [
        "Agency workers will be let go first if we make noise",
        "The supervisor will just pick off whoever signs first",
    ],
    IdeaKind.EXPERIENCE: [
        "When day shift stopped together for ten minutes the fans were fixed the same week",
        "I was injured last year and it took months to get sick pay",
    ],
    IdeaKind.QUESTION: [
        "Do agency workers have the same rights to join?",
        "What does the contract say about rota changes?",
    ],
}
NOTES = [
    "Talked at the door for ten minutes, kids in the background.",
    "Met in the canteen at the break; they brought a coworker.",
    "Long talk, very angry about the increase, wants to do something.",
    "Short, polite, a bit suspicious of us.",
    "Knows everyone on the 4th floor; could bring them to a meeting.",
    "Said they would think about it and asked for the flyer in Spanish.",
]


@dataclass
class DemoSummary:
    units: int
    people: int
    conversations: int
    ideas: int
    assessments: int
    follow_ups: int


def _unit(name: str, slug: str, kind: str, parent: Unit | None = None) -> Unit:
    return save_unit(Unit(name=name, slug=slug, kind=kind, parent=parent))


def _member(username: str, name: str, *, superuser: bool = False) -> Member:
    member = Member(
        username=username,
        display_name=name,
        first_name=name.split()[0],
        is_superuser=superuser,
        is_staff=superuser,
    )
    member.set_password(DEMO_PASSWORD)
    member.save()
    return member


def demo_exists() -> bool:
    return Unit.objects.filter(slug="eastside-tenants").exists()


@transaction.atomic
def build_demo(
    people: int = 300, seed: int = 7, progress: Callable[[str], None] = lambda _: None
) -> DemoSummary:
    """Create the demo organization. Expects an empty database."""
    rng = random.Random(seed)
    now = timezone.now()

    progress("units and members")
    tenants = _unit("Eastside Tenants Union", "eastside-tenants", UnitKind.MASS_ORGANIZATION)
    elm = _unit("40 Elm St Building Committee", "elm-40", UnitKind.BASE_UNIT, tenants)
    building_c = _unit("Building C Committee", "building-c", UnitKind.BASE_UNIT, tenants)
    riverside = _unit("Riverside Blocks Committee", "riverside", UnitKind.BASE_UNIT, tenants)
    workers = _unit("Harbor Works Workers' Committee", "harbor-works", UnitKind.MASS_ORGANIZATION)
    night = _unit("Night Shift", "night-shift", UnitKind.BASE_UNIT, workers)
    day = _unit("Day Shift", "day-shift", UnitKind.BASE_UNIT, workers)
    _unit("Organizing Collective", "collective", UnitKind.CADRE_BODY)

    _member("admin", "Admin", superuser=True)
    staff = {
        "maria": ("Maria Santos", elm, Role.ORGANIZER),
        "kwame": ("Kwame Mensah", building_c, Role.ORGANIZER),
        "leila": ("Leila Haddad", riverside, Role.ORGANIZER),
        "tomasz": ("Tomasz Nowak", night, Role.ORGANIZER),
        "hana": ("Hana Kim", day, Role.ORGANIZER),
        "rosa": ("Rosa García", tenants, Role.ADMIN),
        "abdi": ("Abdi Warsame", workers, Role.ADMIN),
    }
    organizers: dict[int, list[Member]] = {}
    for username, (name, unit, role) in staff.items():
        member = _member(username, name)
        Membership.objects.create(member=member, unit=unit, role=role)
        organizers.setdefault(unit.pk, []).append(member)
    organizers[elm.pk].append(organizers[tenants.pk][0])
    organizers[night.pk].append(organizers[workers.pk][0])

    _enrol_demo_authenticators()

    progress("places and struggles")
    places = {
        elm.pk: [Place.objects.create(unit=elm, name="40 Elm St", address="40 Elm St")],
        building_c.pk: [Place.objects.create(unit=building_c, name="Building C, Park Houses")],
        riverside.pk: [
            Place.objects.create(unit=riverside, name=f"Riverside Block {n}") for n in "ABC"
        ],
        night.pk: [
            Place.objects.create(
                unit=night, name="Harbor Works packing hall", kind=PlaceKind.WORKPLACE
            )
        ],
        day.pk: [
            Place.objects.create(
                unit=day, name="Harbor Works loading dock", kind=PlaceKind.WORKPLACE
            )
        ],
    }
    district = Struggle.objects.create(unit=tenants, name="Tenants' rights in the district")
    struggles = {
        elm.pk: Struggle.objects.create(
            unit=tenants, parent=district, name="Stop the 8% rent increase at 40 Elm"
        ),
        building_c.pk: Struggle.objects.create(
            unit=tenants, parent=district, name="Win heat in Building C"
        ),
        riverside.pk: district,
    }
    night_struggle = Struggle.objects.create(unit=workers, name="Organise the night shift")
    struggles[night.pk] = night_struggle
    struggles[day.pk] = Struggle.objects.create(
        unit=workers, parent=night_struggle, name="Safe staffing on every shift"
    )

    progress("people")
    base_units = [elm, building_c, riverside, night, day]
    people_rows = []
    used_phones: set[str] = set()
    for index in range(people):
        unit = base_units[index % len(base_units)]
        phone = ""
        while not phone or phone in used_phones:
            phone = f"+1555{rng.randrange(10**6, 10**7)}"
        used_phones.add(phone)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people_rows.append(
            Person(
                unit=unit,
                first_name=first,
                last_name=last,
                phone=phone,
                email=f"{first}.{last}.{index}@example.org".lower().replace("'", ""),
                place=rng.choice(places[unit.pk]),
                responsible=rng.choice(organizers[unit.pk]),
            )
        )
    Person.objects.bulk_create(people_rows, batch_size=2000)
    all_people = list(Person.objects.select_related("unit").order_by("id"))

    progress("conversations, ideas and assessments")
    conversations: list[Conversation] = []
    talked_with: list[Person] = []
    for person in all_people:
        for _ in range(rng.randint(0, 5)):
            conversations.append(
                Conversation(
                    unit=person.unit,
                    kind=rng.choice(ConversationKind.values),
                    happened_at=now
                    - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600)),
                    place=person.place,
                    notes=rng.choice(NOTES),
                    mood=rng.choice(Mood.values),
                    recorded_by=person.responsible,
                )
            )
            talked_with.append(person)
    Conversation.objects.bulk_create(conversations, batch_size=2000)
    Conversation.people.through.objects.bulk_create(
        [
            Conversation.people.through(conversation_id=c.pk, person_id=p.pk)
            for c, p in zip(conversations, talked_with, strict=True)
        ],
        batch_size=5000,
    )
    ideas, assessments = [], []
    levels = [Level.ADVANCED] * 2 + [Level.INTERMEDIATE] * 6 + [Level.BACKWARD] * 2
    for conversation, person in zip(conversations, talked_with, strict=True):
        bank = WORKPLACE_IDEAS if person.unit_id in (night.pk, day.pk) else TENANT_IDEAS
        for _ in range(rng.choice((0, 1, 1, 2))):
            kind = rng.choice(list(bank))
            ideas.append(
                Idea(
                    unit=person.unit,
                    conversation=conversation,
                    person=person,
                    struggle=struggles[person.unit_id],
                    kind=kind,
                    text=rng.choice(bank[kind]),
                    recorded_by=conversation.recorded_by,
                    raised_at=conversation.happened_at,
                )
            )
        if rng.random() < 0.5:
            assessments.append(
                Assessment(
                    person=person,
                    struggle=struggles[person.unit_id],
                    level=rng.choice(levels),
                    score=None,
                    assessed_by=conversation.recorded_by,
                    assessed_at=conversation.happened_at,
                )
            )
    Idea.objects.bulk_create(ideas, batch_size=2000)
    Assessment.objects.bulk_create(assessments, batch_size=2000)

    progress("follow-ups")
    follow_ups = [
        FollowUp(
            person=person,
            owner=person.responsible,
            due_on=now.date() + timedelta(days=rng.randint(-10, 21)),
            note=rng.choice(
                ["Bring the flyer", "Invite to Thursday's meeting", "Ask about the lease"]
            ),
        )
        for person in rng.sample(all_people, k=len(all_people) // 4)
    ]
    FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
    last_contact: dict[int, object] = {}
    for conversation, person in zip(conversations, talked_with, strict=True):
        if conversation.happened_at > last_contact.get(
            person.pk, conversation.happened_at - timedelta(1)
        ):
            last_contact[person.pk] = conversation.happened_at
    for person in all_people:
        person.last_contact_at = last_contact.get(person.pk)
    Person.objects.bulk_update(all_people, ["last_contact_at"], batch_size=2000)

    progress("rounds")
    _demo_rounds(
        rng,
        now,
        tenants,
        [elm, building_c, riverside],
        district,
        workers,
        [night, day],
        night_struggle,
        staff_members=organizers,
    )
    from massline.study.demo import build_study_demo

    build_study_demo(now)
    from massline.aid.demo import build_aid_demo

    build_aid_demo(rng, now, password=DEMO_PASSWORD)
    from massline.assemblies.demo import build_assemblies_demo

    build_assemblies_demo(now)
    from massline.exchange.demo import build_exchange_demo

    build_exchange_demo(rng, now)
    return DemoSummary(
        units=Unit.objects.count(),
        people=len(all_people),
        conversations=len(conversations),
        ideas=len(ideas),
        assessments=len(assessments),
        follow_ups=len(follow_ups),
    )


def _demo_rounds(
    rng: random.Random,
    now: datetime,
    tenants: Unit,
    buildings: list[Unit],
    district: Struggle,
    workers: Unit,
    shifts: list[Unit],
    night_struggle: Struggle,
    staff_members: dict[int, list[Member]],
) -> None:
    """A tenants' round being concentrated and a workers' round still gathering."""
    rosa = staff_members[tenants.pk][0]
    winter = rounds.open_round(
        struggle=district,
        leading_unit=tenants,
        units=buildings,
        by=rosa,
        question="What should the union fight for this winter?",
        gather_from=now - timedelta(days=60),
        gather_until=now - timedelta(days=1),
    )
    rounds.gather(winter)
    for unit in buildings:
        organizer = staff_members[unit.pk][0]
        held = list(
            PoolEntry.objects.filter(round=winter, held_by=unit).values_list("pk", flat=True)
        )
        chosen = rng.sample(held, k=len(held) // 2)
        rounds.forward(winter, unit, chosen, note=f"the strongest from {unit.name}", by=organizer)
        rounds.mark_reviewed(winter, unit, held, by=organizer)
    rounds.advance(winter, by=rosa)
    for name, words in (
        ("The rent increase", ("rent", "increase", "withhold", "strike")),
        ("Repairs, heat and mold", ("heat", "mold", "repair", "boiler", "elevator")),
    ):
        theme = rounds.create_theme(winter, name, by=rosa)
        matching = Q()
        for word in words:
            matching |= Q(idea__text__icontains=word)
        entries = PoolEntry.objects.filter(round=winter, held_by=tenants).filter(matching)
        rounds.place_in_theme(winter, list(entries.values_list("pk", flat=True)), theme, by=rosa)
    abdi = staff_members[workers.pk][0]
    rounds.open_round(
        struggle=night_struggle,
        leading_unit=workers,
        units=shifts,
        by=abdi,
        question="How do we win safe staffing on nights?",
        gather_from=now - timedelta(days=14),
        gather_until=now + timedelta(days=14),
    )
