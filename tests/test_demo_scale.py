"""`massline demo --people N` for large N: the small demo grown through bulk paths.

Built once for the module (a couple of thousand people) inside a transaction that is rolled
back at the end; each test reads it inside its own savepoint.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.conversations.models import Conversation, FollowUp
from massline.demo import DEMO_PASSWORD
from massline.demo_scale import BASE_PEOPLE, LARGE_FROM, Scale
from massline.ideas.models import Idea
from massline.organization.models import Member, Unit, UnitKind
from massline.people.models import Person, PersonKey
from massline.people.selectors import find_by_contact
from massline.rounds.models import PoolEntry, Reception, Round, RoundState
from massline.struggles.models import Assessment, Struggle

# Building it costs ~10 s of CPU, most of it the small demo at its core.
pytestmark = pytest.mark.slow
PEOPLE = 2000
SCALE = Scale(PEOPLE)
Link = Conversation.people.through


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker) -> str:
    """The command's output; the demo stays in the database for the module's tests."""
    out = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        call_command("demo", people=PEOPLE, verbosity=0, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_table_grows_with_the_people(built: str) -> None:
    assert PEOPLE >= LARGE_FROM
    # the small demo's aid and exchange parts bring a few people of their own
    assert PEOPLE <= Person.objects.count() < PEOPLE + 50
    bulk = PEOPLE - BASE_PEOPLE
    assert 8 * bulk < Conversation.objects.count() < 12 * bulk + 2000
    conversations = Conversation.objects.count()
    assert conversations - 50 < Link.objects.count() < conversations + 50
    assert 0.25 * conversations < Idea.objects.filter(conversation__isnull=False).count()
    assert 0.25 * conversations < Assessment.objects.count() < 0.4 * conversations
    assert FollowUp.objects.count() > bulk / 40
    kinds = {kind: Unit.objects.filter(kind=kind).count() for kind in UnitKind.values}
    assert kinds[UnitKind.BASE_UNIT] == SCALE.base_units
    assert kinds[UnitKind.MASS_ORGANIZATION] == 2 + SCALE.new_mass_organizations
    assert kinds[UnitKind.CADRE_BODY] == 1
    assert Struggle.objects.count() == 5 + SCALE.new_mass_organizations
    assert f"{PEOPLE} people" in built


@pytest.mark.django_db
def test_people_are_spread_over_the_base_units_they_talk_in(built: str) -> None:
    base_units = Unit.objects.filter(kind=UnitKind.BASE_UNIT)
    assert not Person.objects.exclude(unit__in=base_units).exists()
    assert not Link.objects.exclude(
        conversation__unit=Subquery(
            Person.objects.filter(pk=OuterRef("person_id")).values("unit_id")
        )
    ).exists()
    sizes = [unit.people.count() for unit in base_units]
    assert min(sizes) > (PEOPLE - BASE_PEOPLE) / len(sizes) / 4
    assert (
        not Idea.objects.filter(conversation__isnull=False)
        .exclude(
            unit=Subquery(
                Conversation.objects.filter(pk=OuterRef("conversation_id")).values("unit")
            )
        )
        .exists()
    )


@pytest.mark.django_db
def test_every_reference_written_in_bulk_points_at_a_row(built: str) -> None:
    """The bulk writes skip PostgreSQL's foreign key triggers (demo_scale.BulkWriter)."""
    bulk = (Person, PersonKey, Conversation, Link, Idea, Assessment, FollowUp, PoolEntry, Reception)
    for model in bulk:
        for key in model._meta.concrete_fields:
            if key.is_relation:
                targets = key.related_model._base_manager.values("pk")
                dangling = model._base_manager.exclude(**{f"{key.attname}__isnull": True})
                assert not dangling.exclude(**{f"{key.attname}__in": targets}).exists(), key


@pytest.mark.django_db
def test_last_contact_is_the_last_conversation_and_dates_span_two_years(built: str) -> None:
    last = Link.objects.filter(person_id=OuterRef("pk")).order_by("-conversation__happened_at")
    people = Person.objects.annotate(last=Subquery(last.values("conversation__happened_at")[:1]))
    assert (
        not people.exclude(Q(last=None) | Q(last_contact_at=None))
        .exclude(last_contact_at=Subquery(last.values("conversation__happened_at")[:1]))
        .exists()
    )
    assert not people.filter(Q(last=None) ^ Q(last_contact_at=None)).exists()
    assert people.filter(last=None).exists()  # some were never talked with yet
    now = timezone.now()
    oldest = Conversation.objects.earliest("happened_at").happened_at
    assert now - timedelta(days=731) < oldest < now - timedelta(days=600)
    assert Conversation.objects.aggregate(Max("happened_at"))["happened_at__max"] <= now


@pytest.mark.django_db
def test_phones_and_emails_are_sealed_and_found_through_the_blind_index(built: str) -> None:
    someone = Person.objects.order_by("-pk").first()
    assert someone.phone.startswith("+1646") and someone.email.endswith("@example.net")
    assert someone.phone not in someone.phone_sealed
    assert list(find_by_contact(Person.objects.all(), phone=someone.phone)) == [someone]
    assert list(find_by_contact(Person.objects.all(), email=someone.email.upper())) == [someone]
    phones = Person.objects.exclude(phone_index="")
    assert phones.count() >= PEOPLE
    assert phones.values("phone_index").distinct().count() == phones.count()


@pytest.mark.django_db
def test_the_small_demos_logins_see_a_big_organization(built: str) -> None:
    maria, rosa = Member.objects.get(username="maria"), Member.objects.get(username="rosa")
    elm = Unit.objects.get(slug="elm-40")
    assert access.visible_people(maria).count() == elm.people.count() > BASE_PEOPLE / 5 + 50
    assert access.visible_people(rosa).count() > PEOPLE / 5
    for username in ("maria", "organizer001"):
        client = Client()
        client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert client.get(reverse("people_list")).status_code == 200
    organizer = Member.objects.get(username="organizer001")
    assert access.visible_people(organizer).filter(responsible=organizer).exists()


@pytest.mark.django_db
def test_a_round_of_a_tenth_as_many_ideas_with_a_published_line(built: str) -> None:
    big = Round.objects.get(question=f"What do {SCALE.round_ideas} voices say?")
    assert big.state == RoundState.RETURNING
    assert PoolEntry.objects.filter(round=big).count() == SCALE.round_ideas
    assert big.themes.count() == 20
    placed = PoolEntry.objects.filter(round=big, theme__isnull=False).count()
    assert sum(theme.breadth["n_ideas"] for theme in big.themes.all()) == placed
    assert 0.7 * SCALE.round_ideas < placed < 0.9 * SCALE.round_ideas
    line = big.lines.get()
    assert line.published_at is not None and line.versions.get().entries.count() == 20
    assert Reception.objects.filter(line=line).count() == SCALE.receptions


@pytest.mark.django_db
def test_the_command_leaves_a_loaded_demo_alone(built: str) -> None:
    before = Conversation.objects.count(), Person.objects.count()
    out = StringIO()
    call_command("demo", people=PEOPLE, verbosity=0, stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Conversation.objects.count(), Person.objects.count()) == before
