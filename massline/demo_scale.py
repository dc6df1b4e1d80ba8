"""The demo grown to a large organization: `massline demo --people 1000000`.

The small demo (massline.demo) stays the core: same units, same logins (maria, rosa, ...).
Around it grow more mass organizations with many base units, each with an organizer, places
and a struggle, and the rest of the people, ~10 conversations each spread over two years,
ideas and assessments from those conversations, follow-ups, and a round of N/10 ideas with
themes, a published line and receptions. About 200 units, 10 struggles and 10 million
conversations at a million people; everything scales with N.

New logins, all with the demo password: organizer001... (one per new base unit) and
lead01... (an admin per new mass organization).

Rows go in through bulk paths only: COPY on PostgreSQL, batched INSERTs elsewhere (fine up
to ~20,000 people); people are sealed and written by massline.people.bulk. As each chunk of
people comes back with its ids, its conversations are written, so memory stays flat.
Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
import sys
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import NamedTuple, TextIO

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from massline.conversations.models import Conversation, ConversationKind, FollowUp, Mood
from massline.demo import (
    DEMO_PASSWORD,
    FIRST_NAMES,
    LAST_NAMES,
    NOTES,
    TENANT_IDEAS,
    WORKPLACE_IDEAS,
    DemoSummary,
    build_demo,
)
from massline.ideas.models import Idea
from massline.organization.models import Member, Membership, Role, Unit, UnitKind
from massline.organization.services import save_unit
from massline.people.bulk import PersonRow, default_workers, seal_people, write_sealed
from massline.people.models import Person, Place, PlaceKind
from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry, Reception, Response, Round, RoundState, Theme
from massline.struggles.models import Assessment, Level, Struggle

# From this many people on, `massline demo` builds the large organization; below, the small
# demo exactly as the tests and the browser tests know it.
LARGE_FROM = 1_001
BASE_PEOPLE = 300  # the small demo at the core of the large one
CHUNK = 10_000  # people written (and their conversations generated) at a time
TWO_YEARS = 730 * 24 * 3600  # seconds

TENANT_ORGS = [
    "Northside Tenants Federation",
    "Southgate Renters Union",
    "Hillcrest Housing Association",
    "Westbank Tenants Alliance",
]
WORKER_ORGS = [
    "Metro Transit Workers Union",
    "City Care Workers Union",
    "Warehouse Workers United",
]
STREETS = ["Oak", "Maple", "Cedar", "Pine", "Birch", "Walnut", "Spruce", "Willow", "Ash", "Elm"]
SITES = ["Depot", "Garage", "Care Home", "Distribution Centre", "Hospital Ward", "Yard"]


@dataclass(frozen=True)
class Scale:
    """How big each part of the organization is for `people` people."""

    people: int

    @property
    def base_units(self) -> int:
        return max(8, round(self.people / 5000))

    @property
    def new_mass_organizations(self) -> int:
        return max(1, math.ceil(5 * self.people / 1_000_000))

    @property
    def round_ideas(self) -> int:
        return max(200, self.people // 10)

    @property
    def receptions(self) -> int:
        return max(100, self.people // 50)


@dataclass
class BaseUnit:
    """What a person's rows need to know about the base unit they belong to."""

    pk: int
    organizers: list[int]
    places: list[int]
    struggle: int
    ideas: dict[str, list[str]]


@dataclass
class Counts:
    people: int = 0
    conversations: int = 0
    ideas: int = 0
    assessments: int = 0
    follow_ups: int = 0


class BulkWriter:
    """Streams rows into a model's table: COPY on PostgreSQL, batched multi-row INSERTs
    elsewhere (SQLite: fine up to ~20,000 people).

    `fields` are attribute names (`unit_id`, not `unit`); a model written without `id` gets
    ids from the database. Ids that other rows must point to are reserved first
    (`reserve_ids`), so nothing has to be read back. Like bulk_create, it sends no signals
    and calls no save(): the rows must be complete as given.
    """

    batch_size = 2000

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"

    def reserve_ids(self, model: type[models.Model], count: int) -> int:
        """The first of `count` consecutive free ids of `model`, kept for the caller."""
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            if self.copy:
                # Inserts into the table wait for this lock until we commit, so no one else
                # takes an id from the sequence between nextval and setval.
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [model._meta.db_table, model._meta.db_table, count],
                )
                return cursor.fetchone()[0] - count + 1
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            return cursor.fetchone()[0]

    @contextmanager
    def trusting_references(self) -> Iterator[None]:
        """Inside: PostgreSQL does not check the foreign keys of the rows written.

        Django's foreign keys are checked at commit, one trigger event per row and key: for
        tens of millions of rows that queue alone takes gigabytes and the commit many
        minutes. The rows written here point only at rows just written or read, and
        tests/test_demo_scale.py checks every reference. Needs a superuser (as
        pg_restore --disable-triggers does); for anyone else the checks simply stay on.
        """
        with connection.cursor() as cursor:
            trusted = False
            if self.copy:
                cursor.execute("SELECT current_setting('is_superuser') = 'on'")
                trusted = cursor.fetchone()[0]
            if trusted:
                cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                yield
            finally:
                if trusted:
                    cursor.execute("SET LOCAL session_replication_role = origin")

    def write(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
        """Write `rows` (tuples in the order of `fields`); returns how many."""
        quote = connection.ops.quote_name
        rest, defaults = _defaults(model, fields)
        names = [*fields, *rest]
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
        table = quote(model._meta.db_table)
        written = 0
        with connection.cursor() as cursor:
            if self.copy:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, *defaults))
                        written += 1
                return written
            prepare = [model._meta.get_field(name).get_db_prep_save for name in fields]
            insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
            batch: list[list] = []
            for row in rows:
                batch.append(
                    [p(value, connection) for p, value in zip(prepare, row, strict=True)] + defaults
                )
                if len(batch) == self.batch_size:
                    cursor.executemany(insert, batch)
                    written, batch = written + len(batch), []
            if batch:
                cursor.executemany(insert, batch)
        return written + len(batch)


def _defaults(model: type[models.Model], fields: Sequence[str]) -> tuple[list[str], list]:
    """The required columns the caller left out, and what bulk_create would write in them:
    COPY fills no Python-side default, and other apps may add fields to these tables."""
    rest, values = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.attname in fields or model_field.primary_key or model_field.null:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = model_field.get_default()
        rest.append(model_field.attname)
        values.append(model_field.get_db_prep_save(value, connection))
    return rest, values


def build_large_demo(
    people: int,
    seed: int = 7,
    round_ideas: int | None = None,
    progress: TextIO | None = sys.stderr,
) -> DemoSummary:
    """The small demo grown to `people` people in all. Expects an empty database.

    `progress`: where the progress bars go (None: nowhere).
    """
    scale = Scale(people)
    rng = random.Random(seed)
    now = timezone.now()
    writer = BulkWriter()
    counts = Counts()

    def step(name: str) -> None:
        if progress is not None:
            print(f"  small demo: {name}...", file=progress)

    with transaction.atomic():
        small = build_demo(people=BASE_PEOPLE, seed=seed, progress=step)
        units = _grow_units(rng, scale)
        with _bars(progress) as bars, writer.trusting_references():
            _people_and_their_conversations(
                writer, seed, units, people - BASE_PEOPLE, now, counts, bars
            )
        build_large_round(
            round_ideas or scale.round_ideas,
            seed=seed,
            receptions=scale.receptions,
            writer=writer,
            progress=progress,
        )
    _analyze()
    return DemoSummary(
        units=Unit.objects.count(),
        people=small.people + counts.people,
        conversations=small.conversations + counts.conversations,
        ideas=small.ideas + counts.ideas,
        assessments=small.assessments + counts.assessments,
        follow_ups=small.follow_ups + counts.follow_ups,
    )


STAGES = ("people", "conversations", "ideas", "assessments", "follow-ups")


@contextmanager
def _bars(out: TextIO | None) -> Iterator[dict[str, tqdm]]:
    """One progress bar per stage, stacked on `out` (None: no bars), closed together."""
    bars = {
        stage: tqdm(
            desc=f"{stage:>13}",
            unit=" rows",
            unit_scale=True,
            position=n,
            file=out,
            disable=out is None,
        )
        for n, stage in enumerate(STAGES)
    }
    try:
        yield bars
    finally:
        for bar in bars.values():
            bar.close()


def _grow_units(rng: random.Random, scale: Scale) -> list[BaseUnit]:
    """New mass organizations and base units around the small demo's, with their organizers,
    places and struggles; returns every base unit the bulk people will be spread over."""
    tenants = Unit.objects.get(slug="eastside-tenants")
    workers = Unit.objects.get(slug="harbor-works")
    district = Struggle.objects.get(unit=tenants, parent__isnull=True)
    night_struggle = Struggle.objects.get(unit=workers, parent__isnull=True)
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose

    organizations: list[tuple[Unit, Struggle, bool]] = [
        (tenants, district, True),
        (workers, night_struggle, False),
    ]
    leads = []
    for n in range(scale.new_mass_organizations):
        is_tenants = n % 2 == 0
        names = TENANT_ORGS if is_tenants else WORKER_ORGS
        name = names[(n // 2) % len(names)]
        if n // 2 >= len(names):
            name = f"{name} {n // 2 // len(names) + 1}"
        org = save_unit(Unit(name=name, slug=f"org-{n + 1}", kind=UnitKind.MASS_ORGANIZATION))
        goal = (
            f"Stop the rent increases across {name}"
            if is_tenants
            else f"A first contract for {name}"
        )
        struggle = Struggle.objects.create(unit=org, name=goal)
        organizations.append((org, struggle, is_tenants))
        leads.append((Member(username=f"lead{n + 1:02d}", password=password), org))

    base_units = [_existing_base_unit(slug, night_struggle) for slug in _SMALL_BASE_UNITS]
    new_units = []
    for k in range(scale.base_units - len(base_units)):
        org, struggle, is_tenants = organizations[k % len(organizations)]
        street = STREETS[k % len(STREETS)]
        if is_tenants:
            name = f"{10 + 2 * k} {street} St Committee"
        else:
            name = f"{SITES[k % len(SITES)]} {k + 1} Committee"
        unit = save_unit(
            Unit(name=name, slug=f"{org.slug}-{k + 1}", kind=UnitKind.BASE_UNIT, parent=org)
        )
        new_units.append((unit, struggle, is_tenants, k))

    organizers = []
    for unit, _, _, k in new_units:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        organizers.append(
            (
                Member(
                    username=f"organizer{k + 1:03d}",
                    first_name=first,
                    display_name=f"{first} {last}",
                    password=password,
                ),
                unit,
            )
        )
    for who, _ in leads:
        who.display_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    Member.objects.bulk_create([who for who, _ in leads + organizers])  # sets their pks
    Membership.objects.bulk_create(
        [Membership(member=who, unit=org, role=Role.ADMIN) for who, org in leads]
        + [Membership(member=who, unit=unit, role=Role.ORGANIZER) for who, unit in organizers]
    )
    Place.objects.bulk_create(
        [
            Place(
                unit=unit,
                name=(
                    f"{10 + 2 * k + n * 100} {STREETS[k % len(STREETS)]} St"
                    if is_tenants
                    else f"{unit.name.removesuffix(' Committee')}, {hall}"
                ),
                kind=PlaceKind.BUILDING if is_tenants else PlaceKind.WORKPLACE,
            )
            for unit, _, is_tenants, k in new_units
            for n, hall in enumerate(("main floor", "night hall", "loading bay"))
        ]
    )
    places: dict[int, list[int]] = {}
    for pk, unit_id in Place.objects.filter(unit__in=[u for u, *_ in new_units]).values_list(
        "pk", "unit_id"
    ):
        places.setdefault(unit_id, []).append(pk)
    for (unit, struggle, is_tenants, _), (who, _) in zip(new_units, organizers, strict=True):
        base_units.append(
            BaseUnit(
                pk=unit.pk,
                organizers=[who.pk],
                places=places[unit.pk],
                struggle=struggle.pk,
                ideas=TENANT_IDEAS if is_tenants else WORKPLACE_IDEAS,
            )
        )
    return base_units


# The small demo's base units, and whether they are tenants' (else workers').
_SMALL_BASE_UNITS = {
    "elm-40": True,
    "building-c": True,
    "riverside": True,
    "night-shift": False,
    "day-shift": False,
}


def _existing_base_unit(slug: str, night_struggle: Struggle) -> BaseUnit:
    """One of the small demo's base units, with the organizers and struggle it already has."""
    unit = Unit.objects.get(slug=slug)
    organizers = list(
        Member.objects.filter(
            memberships__unit__in=[unit.pk, unit.parent_id],
            memberships__role__in=[Role.ORGANIZER, Role.ADMIN],
        ).values_list("pk", flat=True)
    )
    # The struggle the small demo assesses this unit's people on (it lives in demo.py only).
    struggle = (
        Assessment.objects.filter(person__unit=unit).values_list("struggle_id", flat=True).first()
        or night_struggle.pk
    )
    tenants = _SMALL_BASE_UNITS[slug]
    return BaseUnit(
        pk=unit.pk,
        organizers=organizers,
        places=list(unit.places.values_list("pk", flat=True)),
        struggle=struggle,
        ideas=TENANT_IDEAS if tenants else WORKPLACE_IDEAS,
    )


CONVERSATION_FIELDS = [
    "id",
    "unit_id",
    "kind",
    "happened_at",
    "place_id",
    "notes",
    "mood",
    "recorded_by_id",
    "created_at",
]
IDEA_FIELDS = [
    "unit_id",
    "conversation_id",
    "person_id",
    "struggle_id",
    "kind",
    "text",
    "recorded_by_id",
    "raised_at",
]
ASSESSMENT_FIELDS = [
    "person_id",
    "struggle_id",
    "level",
    "score",
    "note",
    "assessed_by_id",
    "assessed_at",
]
FOLLOW_UP_FIELDS = ["person_id", "owner_id", "due_on", "note", "done_at", "created_at"]
LEVELS = [Level.ADVANCED] * 2 + [Level.INTERMEDIATE] * 6 + [Level.BACKWARD] * 2
LEVEL_MIX = [Level.ADVANCED, Level.INTERMEDIATE, Level.INTERMEDIATE, Level.BACKWARD]
FOLLOW_UP_NOTES = ["Bring the flyer", "Invite to Thursday's meeting", "Ask about the lease"]


class Plan(NamedTuple):
    """What a person's rows and their conversations' rows share."""

    unit: BaseUnit
    place_id: int
    responsible_id: int
    times: list[datetime]  # of their conversations, oldest first


def _people_and_their_conversations(
    writer: BulkWriter,
    seed: int,
    units: list[BaseUnit],
    people: int,
    now: datetime,
    counts: Counts,
    bars: dict[str, tqdm],
) -> None:
    """`people` people spread over `units` (some units bigger than others), each with a
    first contact somewhere in the last two years and ~10 conversations since, the last of
    which is their `last_contact_at`.

    People are sealed (in worker processes when there are many) and written chunk by chunk;
    as each chunk's ids come back, that chunk's conversations are written."""
    # Two generators: the people's is read ahead by the sealing pool, the conversations'
    # only in this loop, so both draw the same numbers whatever the pool's timing.
    plan_rng = random.Random(f"{seed}:people")
    talk_rng = random.Random(f"{seed}:conversations")
    sizes = list(accumulate(plan_rng.uniform(0.4, 1.6) for _ in units))
    plans: deque[Plan] = deque()

    def rows() -> Iterator[PersonRow]:
        for index in range(people):
            unit = plan_rng.choices(units, cum_weights=sizes)[0]
            first, last = plan_rng.choice(FIRST_NAMES), plan_rng.choice(LAST_NAMES)
            since = plan_rng.uniform(0, TWO_YEARS)
            talks = 0 if plan_rng.random() < 0.05 else 1 + int(plan_rng.expovariate(0.1))
            times = sorted(
                now - timedelta(seconds=plan_rng.uniform(0, since)) for _ in range(talks)
            )
            plan = Plan(unit, plan_rng.choice(unit.places), plan_rng.choice(unit.organizers), times)
            plans.append(plan)
            yield PersonRow(
                unit_id=unit.pk,
                first_name=first,
                last_name=last,
                phone=f"+1646{(index * PHONE_STEP + 1_234_567) % 10**7:07d}",
                email=f"{_ascii(first)}.{_ascii(last)}.{index}@example.net",
                place_id=plan.place_id,
                responsible_id=plan.responsible_id,
                last_contact_at=times[-1] if times else None,
            )

    bars["people"].reset(total=people)
    workers = default_workers() if people >= 50_000 else 1
    for ids in write_sealed(seal_people(rows(), workers=workers, chunk_rows=CHUNK)):
        chunk = [(pk, plans.popleft()) for pk in ids]
        counts.people += len(ids)
        bars["people"].update(len(ids))
        _conversations_of(writer, talk_rng, chunk, now, counts, bars)


PHONE_STEP = 7919  # coprime with 10**7, so person index -> phone number is one-to-one


def _ascii(name: str) -> str:
    """A name as it can stand in an email address."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace("'", "")


def _conversations_of(
    writer: BulkWriter,
    rng: random.Random,
    people: list[tuple[int, Plan]],
    now: datetime,
    counts: Counts,
    bars: dict[str, tqdm],
) -> None:
    """The conversations of one chunk of people, and the ideas, assessments and follow-ups
    that came out of them."""
    total = sum(len(plan.times) for _, plan in people)
    conversation_id = writer.reserve_ids(Conversation, total) if total else 0
    conversations, links, ideas, assessments, follow_ups = [], [], [], [], []
    kinds, moods = ConversationKind.values, Mood.values
    for person_id, (unit, place_id, responsible_id, times) in people:
        idea_kinds = list(unit.ideas)
        for happened_at in times:
            recorded_by = rng.choice(unit.organizers)
            conversations.append(
                (
                    conversation_id,
                    unit.pk,
                    rng.choice(kinds),
                    happened_at,
                    place_id,
                    rng.choice(NOTES),
                    rng.choice(moods),
                    recorded_by,
                    happened_at,
                )
            )
            links.append((conversation_id, person_id))
            chance = rng.random()
            if chance < 0.33:
                kind = rng.choice(idea_kinds)
                ideas.append(
                    (
                        unit.pk,
                        conversation_id,
                        person_id,
                        unit.struggle,
                        kind,
                        rng.choice(unit.ideas[kind]),
                        recorded_by,
                        happened_at,
                    )
                )
            if chance > 0.7:
                level = rng.choice(LEVELS)
                assessments.append(
                    (person_id, unit.struggle, level, None, "", recorded_by, happened_at)
                )
            conversation_id += 1
        if times and rng.random() < 0.05:
            due = times[-1] + timedelta(days=rng.randint(3, 21))
            follow_ups.append(
                (
                    person_id,
                    responsible_id,
                    due.date(),
                    rng.choice(FOLLOW_UP_NOTES),
                    due if due < now - timedelta(days=7) else None,
                    times[-1],
                )
            )
    through = Conversation.people.through
    for stage, model, fields, rows in (
        ("conversations", Conversation, CONVERSATION_FIELDS, conversations),
        (None, through, ["conversation_id", "person_id"], links),
        ("ideas", Idea, IDEA_FIELDS, ideas),
        ("assessments", Assessment, ASSESSMENT_FIELDS, assessments),
        ("follow-ups", FollowUp, FOLLOW_UP_FIELDS, follow_ups),
    ):
        writer.write(model, fields, rows)
        if stage:
            bars[stage].update(len(rows))
    counts.conversations += len(conversations)
    counts.ideas += len(ideas)
    counts.assessments += len(assessments)
    counts.follow_ups += len(follow_ups)


def build_large_round(
    ideas: int,
    seed: int = 7,
    receptions: int = 2000,
    writer: BulkWriter | None = None,
    progress: TextIO | None = None,
) -> Round:
    """A round of the tenants' union with `ideas` forwarded ideas, 20 themes holding 80% of
    them, a published line and `receptions` receptions: the data the round benchmark pages
    through. Written in bulk; needs the demo loaded first."""
    writer = writer or BulkWriter()
    rng = random.Random(seed)
    tenants = Unit.objects.get(slug="eastside-tenants")
    rosa = Member.objects.get(username="rosa")
    district = Struggle.objects.get(unit=tenants, parent__isnull=True)
    buildings = list(Unit.objects.filter(parent=tenants))
    people = list(
        Person.objects.filter(unit__in=buildings)
        .order_by()
        .values_list("pk", "unit_id", "place_id")
    )
    now = timezone.now()
    with transaction.atomic():
        big = rounds.open_round(
            struggle=district,
            leading_unit=tenants,
            units=buildings,
            by=rosa,
            question=f"What do {ideas} voices say?",
            gather_from=now - timedelta(days=30),
            gather_until=now + timedelta(days=30),
        )
        themes = Theme.objects.bulk_create(
            [Theme(round=big, name=f"Theme {n + 1}", created_by=rosa) for n in range(20)]
        )
        theme_ids = [theme.pk for theme in themes] + [None] * 5  # a fifth stays unsorted
        bank = [(kind, text) for kind, texts in TENANT_IDEAS.items() for text in texts]
        first_idea = writer.reserve_ids(Idea, ideas)
        drawn = []
        for n in range(ideas):
            person_id, unit_id, place_id = rng.choice(people)
            kind, text = rng.choice(bank)
            raised_at = now - timedelta(seconds=rng.uniform(0, 30 * 24 * 3600))
            drawn.append((first_idea + n, person_id, unit_id, place_id, kind, text, raised_at))
        with (
            writer.trusting_references(),
            tqdm(
                total=ideas * 2,
                desc="   round pool",
                unit=" rows",
                file=progress,
                disable=progress is None,
            ) as bar,
        ):
            writer.write(
                Idea,
                ["id", "unit_id", "person_id", "struggle_id", "kind", "text", "raised_at"],
                (
                    (
                        pk,
                        unit_id,
                        person_id,
                        district.pk,
                        kind,
                        f"{text} ({rng.randrange(10**6)})",
                        at,
                    )
                    for pk, person_id, unit_id, _, kind, text, at in drawn
                ),
            )
            bar.update(ideas)
            writer.write(
                PoolEntry,
                [
                    "round_id",
                    "idea_id",
                    "unit_id",
                    "person_id",
                    "place_id",
                    "kind",
                    "level",
                    "held_by_id",
                    "n_merged",
                    "theme_id",
                    "added_at",
                ],
                (
                    (
                        big.pk,
                        pk,
                        unit_id,
                        person_id,
                        place_id,
                        kind,
                        rng.choice(LEVEL_MIX),
                        tenants.pk,
                        0,
                        rng.choice(theme_ids),
                        at,
                    )
                    for pk, person_id, unit_id, place_id, kind, _, at in drawn
                ),
            )
            bar.update(ideas)
        del drawn
        Round.objects.filter(pk=big.pk).update(state=RoundState.CONCENTRATING)
        big.refresh_from_db()
        rounds.refresh_breadth(theme_ids)
        version = rounds.write_line(
            big,
            rounds.LineDraft("the rent increase", "withhold it together, all at once"),
            themes=themes[:3],
            entries=PoolEntry.objects.filter(theme__in=themes[:3]).order_by("id")[:20],
            by=rosa,
        )
        rounds.publish_line(version.line, by=rosa)
        writer.write(
            Reception,
            [
                "line_id",
                "version_id",
                "person_id",
                "unit_id",
                "response",
                "said",
                "level",
                "recorded_at",
            ],
            (
                (
                    version.line_id,
                    version.pk,
                    person_id,
                    unit_id,
                    rng.choice(Response.values),
                    "",
                    rng.choice(Level.values),
                    now - timedelta(seconds=rng.uniform(0, 24 * 3600)),
                )
                for person_id, unit_id, _ in rng.sample(people, k=min(len(people), receptions))
            ),
        )
    return big


def _analyze() -> None:
    """Fresh planner statistics, so the first pages on the new data choose good plans."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
