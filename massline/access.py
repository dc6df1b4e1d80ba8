"""Who may see what: the one place that decides it.

A member sees the units they belong to and every unit below them, and through those units the
people, places, conversations, ideas and follow-ups recorded there. Struggles are also visible
when they are led from a unit above the member's own, since that is where the common goals
come from. Superusers see everything. Every view, export, search and command reads through
these functions; anything outside them answers 404, so a guessed URL reveals nothing.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from massline.consultations.models import Consultation
from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.organization.models import Member, Membership, Role, Unit
from massline.people.models import Person, Place
from massline.rounds.models import Round
from massline.struggles.models import Assessment, Struggle

M = TypeVar("M", bound=Model)

MANAGING_ROLES = (Role.ADMIN,)


def _subtree_q(paths: list[str]) -> Q:
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(path__startswith=path) for path in paths))


def _membership_paths(member: Member, roles: tuple[str, ...] | None = None) -> list[str]:
    memberships = Membership.objects.filter(member=member)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return list(memberships.values_list("unit__path", flat=True))


def visible_units(member: Member) -> QuerySet[Unit]:
    """The units a member belongs to and everything below them."""
    if not member.is_authenticated or not member.is_active:
        return Unit.objects.none()
    if member.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_subtree_q(_membership_paths(member)))


def managed_units(member: Member) -> QuerySet[Unit]:
    """Units whose structure (sub-units, members, places, struggles) this member may change."""
    if not member.is_authenticated or not member.is_active:
        return Unit.objects.none()
    if member.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_subtree_q(_membership_paths(member, MANAGING_ROLES)))


def can_manage(member: Member) -> bool:
    return member.is_superuser or managed_units(member).exists()


def visible_people(member: Member) -> QuerySet[Person]:
    return Person.objects.filter(unit__in=visible_units(member))


def visible_places(member: Member) -> QuerySet[Place]:
    return Place.objects.filter(unit__in=visible_units(member))


def visible_conversations(member: Member) -> QuerySet[Conversation]:
    return Conversation.objects.filter(unit__in=visible_units(member))


def visible_ideas(member: Member) -> QuerySet[Idea]:
    return Idea.objects.filter(unit__in=visible_units(member))


def visible_follow_ups(member: Member) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(person__unit__in=visible_units(member))


def visible_assessments(member: Member) -> QuerySet[Assessment]:
    return Assessment.objects.filter(person__unit__in=visible_units(member))


def visible_struggles(member: Member) -> QuerySet[Struggle]:
    """Struggles led from the member's units, the units below them, or the units above them."""
    units = visible_units(member)
    if member.is_superuser:
        return Struggle.objects.all()
    return Struggle.objects.filter(Q(unit__in=units) | Q(unit_id__in=_ancestor_ids(member)))


def visible_members(member: Member) -> QuerySet[Member]:
    """Fellow members: those who belong to a unit this member can see."""
    if member.is_superuser:
        return Member.objects.filter(is_active=True)
    return Member.objects.filter(
        is_active=True, memberships__unit__in=visible_units(member)
    ).distinct()


def get_visible_or_404(queryset: QuerySet[M], **lookup: object) -> M:
    """Fetch one object from an access-filtered queryset; anything else is simply not found."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def visible_rounds(member: Member) -> QuerySet[Round]:
    """Rounds the member leads or takes part in: led by a unit they can see, or with a
    participating unit they can see or belong under."""
    if member.is_superuser:
        return Round.objects.all()
    units = visible_units(member)
    return Round.objects.filter(
        Q(leading_unit__in=units) | Q(units__in=units) | Q(units__in=_ancestor_ids(member))
    ).distinct()


def _ancestor_ids(member: Member) -> set[int]:
    ids: set[int] = set()
    for path in _membership_paths(member):
        ids.update(int(part) for part in path.strip("/").split("/") if part)
    return ids


def visible_consultations(member: Member) -> QuerySet[Consultation]:
    """A consultation is visible to whoever can see its round."""
    return Consultation.objects.filter(round__in=visible_rounds(member))
