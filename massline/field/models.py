"""Phones an organizer took into the field: each holds an encrypted copy of their list.

A device is known by a random token the phone keeps; only its digest is stored. The token
opens nothing by itself (every request still needs the member's session): it names the phone,
so a lost phone can be revoked and told to wipe itself at its next contact.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EndReason(models.TextChoices):
    LOST = "lost", _("Reported lost")
    LOGGED_OUT = "logged_out", _("Logged out")
    SUSPENDED = "suspended", _("Member suspended")


class Device(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="field_devices"
    )
    name = models.CharField(_("name"), max_length=80)
    # sha256 of the token the phone holds: a copy of this table cannot impersonate a phone.
    token_digest = models.CharField(max_length=64, unique=True)
    # The session the phone last used, ended when the phone is reported lost.
    session_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    prepared_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
