"""Suspending a member: at once, everywhere they are logged in."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from massline import access
from massline.organization.models import Member, Membership


def can_suspend(actor: Member, target: Member) -> bool:
    """Admins may suspend members of the units they administer, but only someone above an
    admin may suspend that admin. Superusers may suspend anyone but themselves."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if target.pk == actor.pk or not target.is_active:
        return False
    if actor.is_superuser:
        return True
    if target.is_superuser or target.is_staff:
        return False
    admin_paths = [
        path
        for role, path in Membership.objects.filter(member=actor).values_list("role", "unit__path")
        if role in access.MANAGING_ROLES
    ]
    theirs = list(Membership.objects.filter(member=target).values_list("role", "unit__path"))
    if not theirs or not admin_paths:
        return False
    for role, path in theirs:
        if role in access.MANAGING_ROLES:
            # another admin: only from a unit strictly above theirs
            if not any(path.startswith(mine) and path != mine for mine in admin_paths):
                return False
        elif not any(path.startswith(mine) for mine in admin_paths):
            return False
    return True


@transaction.atomic
def suspend(member: Member, *, by: Member) -> int:
    """Deactivate the account and end every session it has. Returns the sessions ended.

    An inactive account is refused by the authentication backend on its next request even
    before its session is deleted, so nothing waits for the sessions to expire.
    """
    if not can_suspend(by, member):
        raise PermissionDenied(_("You may not suspend this member."))
    member.is_active = False
    member.suspended_at = timezone.now()
    member.suspended_by = by
    member.save(update_fields=["is_active", "suspended_at", "suspended_by"])
    return end_sessions(member)


def end_sessions(member: Member) -> int:
    """Delete the member's sessions from the session store (database-backed sessions)."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(member.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)
