"""Writes of the exchange app that are not imports or webhooks: consent to texts, endpoints."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from massline.exchange.models import Endpoint, TextConsent
from massline.organization.models import Member, Unit
from massline.people.models import Person


@transaction.atomic
def record_consent(person: Person, *, consented: bool, by: Member) -> TextConsent:
    """What the person said about texts, as told to an organizer; the latest answer counts."""
    consent, _ = TextConsent.objects.update_or_create(
        person=person,
        defaults={
            "consented": consented,
            "source": "recorded",
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    return consent


def create_endpoint(unit: Unit, *, url: str, events: list[str], by: Member) -> Endpoint:
    return Endpoint.objects.create(unit=unit, url=url, events=sorted(events), created_by=by)
