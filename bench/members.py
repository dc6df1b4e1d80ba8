"""Who the page benchmarks ask as, in a demo-shaped database, and their logged-in sessions.

Shared by pages_scale.py (in-process) and people_load.py (wrk); import after Django is set up.
"""

from __future__ import annotations

from django.db.models import Count
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from massline.organization.models import Member, Role
from massline.rounds.models import Round


def logged_in(member: Member) -> Client:
    """A client logged in as `member`, past the second factor if they have one."""
    client = Client()
    client.force_login(member)
    device = TOTPDevice.objects.filter(user=member, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def largest_round_and_its_admin() -> tuple[Round, Member | None]:
    """The round with the most pool entries (annotated `n`) and an admin of its leading unit."""
    big = Round.objects.annotate(n=Count("entries")).order_by("-n", "pk").first()
    admin = Member.objects.filter(
        is_active=True, memberships__unit=big.leading_unit, memberships__role=Role.ADMIN
    ).first()
    return big, admin
