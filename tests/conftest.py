"""Named personas in one small organization with two sibling base units.

Alice organizes at 40 Elm, Bob in Building C (her sibling unit), Rosa administers the
tenants' union above both, and Carl belongs to the unrelated workers' committee.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from massline.organization.models import Member, Role, Unit, UnitKind
from massline.people.models import Person
from tests import factories as f


@dataclass
class UnitWorld:
    """One base unit with one of everything in it."""

    unit: Unit
    organizer: Member
    person: Person
    place: object
    conversation: object
    idea: object
    follow_up: object
    struggle: object
    assessment: object
    round: object
    line: object
    action: object
    consultation: object = None
    statement: object = None
    # massline/aid: filled by add_aid_world() at the end of this file
    aid_program: object = None
    aid_request: object = None
    aid_delivery: object = None
    aid_offer: object = None


@dataclass
class World:
    union: Unit
    rosa: Member
    carl: Member
    elm: UnitWorld
    building_c: UnitWorld


def _unit_world(parent: Unit, slug: str, name: str, organizer: str, person: str) -> UnitWorld:
    unit = f.UnitFactory(name=name, slug=slug, parent=parent)
    member = f.MemberFactory(username=organizer)
    f.MembershipFactory(member=member, unit=unit, role=Role.ORGANIZER)
    place = f.PlaceFactory(unit=unit, name=f"{name} house")
    first, last = person.split()
    someone = f.PersonFactory(
        unit=unit, first_name=first, last_name=last, place=place, responsible=member
    )
    conversation = f.ConversationFactory(unit=unit, people=[someone], place=place)
    idea = f.IdeaFactory(
        unit=unit, conversation=conversation, person=someone, text=f"{first} wants heat"
    )
    follow_up = f.FollowUpFactory(person=someone, owner=member, conversation=conversation)
    struggle = f.StruggleFactory(unit=unit, name=f"{name} struggle")
    assessment = f.AssessmentFactory(person=someone, struggle=struggle, assessed_by=member)
    round_ = f.RoundFactory(
        struggle=struggle, leading_unit=unit, units=[unit], question=f"How do we win in {name}?"
    )
    line = f.drafted_line(round_, concern=f"the cold in {name}")
    action = f.ActionFactory(round=round_, title=f"Meeting at {name}", place=place)
    consultation = f.ConsultationFactory(round=round_, title=f"What now in {name}?")
    statement = f.StatementFactory(consultation=consultation, text=f"{first} wants a vote")
    return UnitWorld(
        unit,
        member,
        someone,
        place,
        conversation,
        idea,
        follow_up,
        struggle,
        assessment,
        round_,
        line,
        action,
        consultation,
        statement,
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Real hashing is slow on purpose; tests need speed, not resistance to cracking."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings) -> None:
    """Background jobs run inside the request, so tests need no worker process."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def default_language_between_tests() -> Iterator[None]:
    """A request in Arabic leaves Arabic active on the test's thread; without this, a test
    checking an English message would pass or fail by which test ran before it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def no_second_factor(settings) -> None:
    """Tests log admins in with force_login or a password; tests/test_security.py turns the
    two-factor requirement back on where it tests it."""
    settings.MASSLINE_REQUIRE_TWO_FACTOR = False


@pytest.fixture
def world(db) -> World:
    union = f.UnitFactory(
        name="Eastside Tenants Union", slug="union", kind=UnitKind.MASS_ORGANIZATION
    )
    rosa = f.MemberFactory(username="rosa")
    f.MembershipFactory(member=rosa, unit=union, role=Role.ADMIN)
    elm = _unit_world(union, "elm", "Elm", "alice", "Amara Okafor")
    building_c = _unit_world(union, "building-c", "Building C", "bob", "Boris Petrov")
    workers = f.UnitFactory(name="Workers", slug="workers", kind=UnitKind.MASS_ORGANIZATION)
    carl = f.MemberFactory(username="carl")
    f.MembershipFactory(member=carl, unit=workers, role=Role.ADMIN)
    add_aid_world(elm)
    add_aid_world(building_c)
    return World(union=union, rosa=rosa, carl=carl, elm=elm, building_c=building_c)


def client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def alice(world: World) -> Client:
    return client_for(world.elm.organizer)


def add_aid_world(world: UnitWorld) -> None:
    """A mutual-aid program in the unit with a request (its recipient's contact details are
    secrets for tests/test_visibility.py), a claimed delivery and an offer."""
    from massline.aid import services as aid

    name = world.unit.name
    program = aid.create_program(
        unit=world.unit, by=world.organizer, name=f"{name} grocery run", kind="grocery_delivery"
    )
    request = aid.submit_request(
        program,
        aid.RequestIntake(
            need=f"Groceries for the {name} family",
            area=f"{name} north",
            name=f"Recipient of {name}",
            phone="+15550001" + str(world.unit.pk).zfill(3),
            address=f"{world.unit.pk} Secret Lane, {name}",
        ),
    )
    delivery = aid.claim(request.deliveries.get(), by=world.organizer)
    offer = aid.submit_offer(
        program, aid.OfferIntake(kind="car", description=f"A van from {name}", phone="+15550002")
    )
    world.aid_program, world.aid_request, world.aid_delivery, world.aid_offer = (
        program,
        request,
        delivery,
        offer,
    )
