"""What goes in and out of massline: consent to texts, imports in progress, webhooks.

Consent to texts lives here, keyed to a person, rather than on `Person`: only the texting
exports read it, and keeping it beside them leaves the people app untouched.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Unit
from massline.people.models import Person
from massline.vault import open_text, seal_text


class TextConsent(models.Model):
    """Whether a person agreed to receive texts, and where that came from. No row: unknown,
    which texting exports treat as no."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="text_consent")
    consented = models.BooleanField()
    source = models.CharField(max_length=40, help_text=_("e.g. import:actionnetwork, recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.person_id}: {'yes' if self.consented else 'no'} ({self.source})"


DRAFT_PURPOSE = "exchange.import_draft"


class ImportDraft(models.Model):
    """An uploaded file between upload and import (preview, mapping, dry run).

    It holds personal data, so it is kept only until it is imported or a day has passed, and
    sealed under the field key like every other contact detail (`raw` / `seal`).
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    layout = models.CharField(max_length=30)
    filename = models.CharField(max_length=200, blank=True)
    data = models.BinaryField()
    mapping = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"import #{self.pk} of {self.filename} into {self.unit_id}"

    @staticmethod
    def seal(raw: bytes) -> bytes:
        # latin-1 maps every byte to one character, so a file in any encoding survives.
        return seal_text(raw.decode("latin-1"), purpose=DRAFT_PURPOSE).encode()

    @property
    def raw(self) -> bytes:
        """The uploaded file as it came."""
        return open_text(bytes(self.data).decode(), purpose=DRAFT_PURPOSE).encode("latin-1")


class Event(models.TextChoices):
    CONVERSATION_RECORDED = "conversation.recorded", _("Conversation recorded")
    IDEA_FORWARDED = "idea.forwarded", _("Idea forwarded")
    LINE_PUBLISHED = "line.published", _("Line published")
    RECEPTION_RECORDED = "reception.recorded", _("Reception recorded")
    AID_REQUEST_OPENED = "aid_request.opened", _("Aid request opened")


def _salt() -> str:
    return secrets.token_hex(16)


class Endpoint(models.Model):
    """A URL a unit subscribed to events of the unit and the units below it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    # The signing secret is derived from this salt and a key kept outside the database.
    secret_salt = models.CharField(max_length=32, default=_salt)
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["unit__path", "url", "id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Failed, gave up")


class Delivery(models.Model):
    """One event for one endpoint. Its idempotency key stays the same across retries."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    # The event's own identity ("conversation.recorded:12"): one delivery per endpoint.
    event_key = models.CharField(max_length=120)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_key"], name="one_delivery_per_event_and_endpoint"
            )
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event_key} → {self.endpoint_id} ({self.status})"


class Attempt(models.Model):
    """The log of every try: when, the answer (status code) or the error."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}: {self.status_code or self.error}"
