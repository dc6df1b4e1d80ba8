"""Commands act as a named member, so the same visibility rule applies on the command line."""

from __future__ import annotations

from django.core.management.base import CommandError

from massline.access import visible_units
from massline.organization.models import Member, Unit


def acting_member(username: str | None) -> Member:
    """The member a command acts as: the one named, or the only superuser if none is named."""
    if username:
        try:
            return Member.objects.get(username=username, is_active=True)
        except Member.DoesNotExist:
            raise CommandError(f"no active member {username!r}") from None
    admins = list(Member.objects.filter(is_superuser=True, is_active=True)[:2])
    if len(admins) != 1:
        raise CommandError("say who is acting with --as USERNAME")
    return admins[0]


def unit_for(member: Member, slug: str) -> Unit:
    try:
        return visible_units(member).get(slug=slug)
    except Unit.DoesNotExist:
        raise CommandError(f"no unit {slug!r} that {member.username} can see") from None
