"""Who must use a second factor, and their authenticator (a TOTP device from django-otp)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from massline import access
from massline.organization.models import Member


def needs_two_factor(member: Member) -> bool:
    """Anyone who can see more than their own unit: superusers and staff, admins, and members
    whose memberships cover more than one unit (several units, or a unit with sub-units)."""
    if not member.is_authenticated:
        return False
    if member.is_superuser or member.is_staff:
        return True
    # asked on every request until a code is entered: answered from the memberships the
    # request reads once anyway (massline.access), never from a copy kept between requests
    return access.holds_role(member, access.MANAGING_ROLES) or access.sees_several_units(member)


def confirmed_device(member: Member) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=member, confirmed=True).first()


def pending_device(member: Member) -> TOTPDevice:
    """The authenticator being enrolled: the same secret until a code confirms it."""
    device = TOTPDevice.objects.filter(user=member, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=member, name="authenticator", confirmed=False)
    return device
