"""Creating, checking and revoking personal API tokens.

A token reads `ml_<prefix>_<secret>`. The prefix (not secret) finds the row; the digest of the
whole token proves it. The secret has 256 bits of entropy, so one SHA-256 is enough: a slow
password hash would only slow every API request down without making a guess any likelier.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from massline.api.models import ApiToken, Scope
from massline.organization.models import Member

MAX_DAYS = 365
# last_used_at is written at most this often, so reads do not each cost a write.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def may_hold_tokens(member: Member) -> bool:
    """Suspended or deactivated members hold no working token."""
    return bool(member.is_active and member.suspended_at is None)


@transaction.atomic
def create_token(member: Member, *, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """Make a token; returns the row and the plain token, which is never stored."""
    if not may_hold_tokens(member):
        raise ValueError("A suspended member cannot create tokens.")
    if scope not in Scope.values:
        raise ValueError(f"Unknown scope {scope!r}.")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A token lives 1 to {MAX_DAYS} days.")
    prefix = secrets.token_hex(6)
    raw = f"ml_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        member=member,
        name=name.strip(),
        prefix=prefix,
        digest=_digest(raw),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw


def check(raw: str) -> ApiToken | None:
    """The live token `raw` names, with its member, or None (unknown, wrong, expired,
    revoked, or its member suspended)."""
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "ml":
        return None
    token = (
        ApiToken.objects.select_related("member")
        .filter(prefix=parts[1], revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not may_hold_tokens(token.member):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def revoke_all(member: Member) -> int:
    """Revoke every token a member holds (suspension does this too, for the record)."""
    return ApiToken.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
