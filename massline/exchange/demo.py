"""The demo's answers about texts, so `massline demo` has people to put on a texting list."""

from __future__ import annotations

import random
from datetime import datetime

from massline.exchange.models import TextConsent
from massline.people.models import Person


def build_exchange_demo(rng: random.Random, now: datetime) -> int:
    """Most demo people agreed to texts, a few refused, the rest were never asked."""
    consents = []
    for pk in Person.objects.order_by("pk").values_list("pk", flat=True):
        roll = rng.random()
        if roll < 0.85:
            consents.append(
                TextConsent(person_id=pk, consented=roll < 0.7, source="demo", recorded_at=now)
            )
    TextConsent.objects.bulk_create(consents, batch_size=1000)
    return len(consents)
