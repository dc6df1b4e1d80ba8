"""Factories for the domain models; units go through save_unit so paths stay true."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from massline.consultations.models import Consultation, Statement, StatementOrigin
from massline.conversations.models import Conversation, ConversationKind, FollowUp
from massline.ideas.models import Idea, IdeaKind
from massline.organization.models import Member, Membership, Role, Unit, UnitKind
from massline.organization.services import save_unit
from massline.people.models import Person, Place
from massline.rounds.models import Action, Line, LineVersion, Round
from massline.struggles.models import Assessment, Level, Struggle

PASSWORD = "a-long-test-password"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    display_name = factory.LazyAttribute(lambda m: m.username.title())
    password = factory.django.Password(PASSWORD)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Unit {n}")
    slug = factory.Sequence(lambda n: f"unit-{n}")
    kind = UnitKind.BASE_UNIT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return save_unit(model_class(*args, **kwargs))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.ORGANIZER


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Building {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    unit = factory.SubFactory(UnitFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+1555{1000000 + n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")


class StruggleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Struggle

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Struggle {n}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    kind = ConversationKind.ONE_ON_ONE
    happened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    notes = "Talked at the door."

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        if create and extracted:
            self.people.set(extracted)


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    unit = factory.SubFactory(UnitFactory)
    kind = IdeaKind.CONCERN
    text = factory.Sequence(lambda n: f"Concern number {n}")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    person = factory.SubFactory(PersonFactory)
    struggle = factory.SubFactory(StruggleFactory)
    level = Level.INTERMEDIATE


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    person = factory.SubFactory(PersonFactory)
    owner = factory.SubFactory(MemberFactory)
    due_on = factory.LazyFunction(timezone.localdate)
    note = "Bring the flyer"


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round
        skip_postgeneration_save = True

    struggle = factory.SubFactory(StruggleFactory)
    leading_unit = factory.SelfAttribute("struggle.unit")
    question = factory.Sequence(lambda n: f"Question {n}?")
    gather_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    gather_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create:
            self.units.set(extracted or [self.leading_unit])


def drafted_line(round_: Round, concern: str = "the rent increase") -> Line:
    """A line with its first version, as the board drafts it."""
    line = Line.objects.create(round=round_)
    LineVersion.objects.create(line=line, number=1, concern=concern, action="act together")
    return line


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    round = factory.SubFactory(RoundFactory)
    kind = "meeting"
    title = factory.Sequence(lambda n: f"Meeting {n}")
    happens_on = factory.LazyFunction(timezone.localdate)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    round = factory.SubFactory(RoundFactory)
    title = factory.Sequence(lambda n: f"Consultation {n}")
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    consultation = factory.SubFactory(ConsultationFactory)
    text = factory.Sequence(lambda n: f"Statement number {n}")
    origin = StatementOrigin.MEMBER
