"""Who must use a second factor, and their authenticator (a TOTP device from django-otp)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from massline import access
from massline.organization.models import Member, Membership


def needs_two_factor(member: Member) -> bool:
    """Anyone who can see more than their own unit: superusers and staff, admins, and members
    whose memberships cover more than one unit (several units, or a unit with sub-units)."""
    if not member.is_authenticated:
        return False
    if member.is_superuser or member.is_staff:
        return True
    memberships = Membership.objects.filter(member=member)
    if memberships.filter(role__in=access.MANAGING_ROLES).exists():
        return True
    return access.visible_units(member)[:2].count() > 1


def confirmed_device(member: Member) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=member, confirmed=True).first()


def pending_device(member: Member) -> TOTPDevice:
    """The authenticator being enrolled: the same secret until a code confirms it."""
    device = TOTPDevice.objects.filter(user=member, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=member, name="authenticator", confirmed=False)
    return device
