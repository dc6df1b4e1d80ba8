"""Webhooks: a unit subscribes a URL to events; massline POSTs each event to it, signed.

- `publish(event, unit, payload, key=...)` is the one way in: other apps call it (the aid app
  for "aid_request.opened"); massline.exchange.signals calls it for conversations, forwarded
  ideas, published lines and receptions. It records one Delivery per subscribed endpoint, in
  the caller's transaction, and queues the sending for after the commit.
- An endpoint hears the events of its unit and the units below it, never of a cadre body
  below it (cadre bodies stay invisible from mass organizations).
- Each POST carries `Massline-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`,
  `Massline-Event` and an `Idempotency-Key` that stays the same across retries, so a receiver
  can check the sender and drop repeats.
- Sending runs as a background job (django-tasks). A failure is retried with exponential
  backoff (1, 2, 4 … minutes, at most 6 hours apart, 12 tries); every try is logged. An
  endpoint that has failed for MASSLINE_WEBHOOK_DISABLE_AFTER_DAYS is switched off and its
  unit gets a notice.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from massline.audit.services import notify
from massline.exchange.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from massline.organization.models import Unit, UnitKind

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
# A claim older than this belongs to a worker that died; the delivery may be taken again.
CLAIM_EXPIRES = timedelta(minutes=5)
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept between our clock and theirs
USER_AGENT = "massline-webhooks/1"


class RefusedAddress(Exception):
    """The endpoint resolves to an address massline will not call."""


# --- secrets and signatures ----------------------------------------------------------------


def secret_for(endpoint: Endpoint) -> str:
    """The endpoint's signing secret: derived from SECRET_KEY and a per-endpoint salt, so a copy
    of the database alone cannot forge deliveries. Rotating the salt rotates the secret."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"massline.exchange.webhooks.v1", "sha256")
    return hmac.new(
        key.digest(), f"{endpoint.pk}:{endpoint.secret_salt}".encode(), hashlib.sha256
    ).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver does: recompute the signature and reject stale timestamps."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > SIGNATURE_TOLERANCE:
        return False
    expected = sign(secret, body, timestamp)
    return hmac.compare_digest(expected, f"t={timestamp},v1={parts.get('v1', '')}")


# --- publishing ----------------------------------------------------------------------------


def _reaches(endpoint_unit: Unit, event_unit: Unit) -> bool:
    """An endpoint hears its unit and below, but not through a cadre body below it."""
    if not event_unit.path.startswith(endpoint_unit.path):
        return False
    below = [int(p) for p in event_unit.path[len(endpoint_unit.path) :].strip("/").split("/") if p]
    return not Unit.objects.filter(pk__in=below, kind=UnitKind.CADRE_BODY).exists()


def subscribers(event: str, unit: Unit) -> list[Endpoint]:
    ids = [*unit.ancestor_ids(), unit.pk]
    endpoints = Endpoint.objects.filter(unit_id__in=ids, active=True).select_related("unit")
    return [e for e in endpoints if event in e.events and _reaches(e.unit, unit)]


def publish(
    event: str, unit: Unit, payload: dict, *, key: str, units: list[Unit] | None = None
) -> list[Delivery]:
    """Record `event` about `unit` for every endpoint subscribed to it and queue the sending.

    `key` names the event itself ("aid_request.opened:17"): publishing the same key twice
    delivers once. `units` adds further units whose subscribers should hear it too (a line is
    news to every unit taking part in the round). Safe to call inside a transaction: nothing
    is sent before it commits.
    """
    if event not in Event.values:
        raise ValueError(f"unknown webhook event {event!r}")
    seen: dict[int, Endpoint] = {}
    for about in [unit, *(units or [])]:
        for endpoint in subscribers(event, about):
            seen.setdefault(endpoint.pk, endpoint)
    created = []
    body = {"event": event, "unit": unit.slug, "occurred_at": timezone.now(), "data": payload}
    for endpoint in seen.values():
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    endpoint=endpoint,
                    event=event,
                    event_key=key,
                    payload=json.loads(json.dumps(body, cls=DjangoJSONEncoder)),
                )
        except IntegrityError:  # already published to this endpoint
            continue
        created.append(delivery)
        transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
    return created


def _enqueue(delivery_id: int, run_after: datetime | None = None) -> None:
    """Queue a try. If queueing fails the delivery stays due, and `run_due` sends it."""
    try:
        if run_after is not None:
            if not default_task_backend.supports_defer:
                return  # the sweep (`massline webhooks retry`) picks it up when it is due
            send_delivery.using(run_after=run_after).enqueue(delivery_id)
        else:
            send_delivery.enqueue(delivery_id)
    except Exception:
        logger.exception("could not queue webhook delivery %s", delivery_id)


# --- sending -------------------------------------------------------------------------------


@task()
def send_delivery(delivery_id: int) -> None:
    """The background job: one try at one delivery."""
    attempt(delivery_id)


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _check_address(url: str) -> None:
    if settings.MASSLINE_WEBHOOK_ALLOW_PRIVATE:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise RefusedAddress(f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise RefusedAddress(f"{host} is a private or local address")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer we do not follow: it counts as a failure


_opener = urllib.request.build_opener(_NoRedirects)


def _post(endpoint: Endpoint, delivery: Delivery) -> tuple[int | None, str]:
    """POST the delivery; (status code, error). Any 2xx is success."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Massline-Event": delivery.event,
        "Massline-Delivery": str(delivery.pk),
        "Idempotency-Key": str(delivery.idempotency_key),
        "Massline-Signature": sign(secret_for(endpoint), body, int(time.time())),
    }
    request = urllib.request.Request(endpoint.url, data=body, headers=headers, method="POST")
    try:
        _check_address(endpoint.url)
        with _opener.open(request, timeout=settings.MASSLINE_WEBHOOK_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except RefusedAddress as exc:
        return None, f"refused: {exc}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, str(reason)[:300]


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    """Take the delivery for this try, so two workers never send it at the same time."""
    waiting = Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING)) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_EXPIRES
    )
    claimed = Delivery.objects.filter(waiting, pk=delivery_id, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint__unit").get(pk=delivery_id)


def attempt(delivery_id: int, *, now: datetime | None = None) -> Delivery | None:
    """One try: send, log it, and either finish, schedule the next try, or give up.

    Returns None when the delivery is not due or already taken.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.active:
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.GAVE_UP)
        return delivery
    started = time.monotonic()
    status_code, error = _post(endpoint, delivery)
    ok = status_code is not None and 200 <= status_code < 300
    duration = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=status_code,
            error=error[:300],
            duration_ms=duration,
            ok=ok,
        )
        delivery.attempts += 1
        delivery.claimed_at = None
        if ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
            Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.GAVE_UP
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(
            update_fields=["attempts", "claimed_at", "status", "delivered_at", "next_attempt_at"]
        )
        if not ok:
            _note_failure(endpoint, now)
    if delivery.status == DeliveryStatus.RETRYING:
        transaction.on_commit(lambda: _enqueue(delivery.pk, run_after=delivery.next_attempt_at))
    return delivery


def _note_failure(endpoint: Endpoint, now: datetime) -> None:
    """Remember since when the endpoint fails; after days of nothing but failures, stop."""
    Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "active"])
    limit = timedelta(days=settings.MASSLINE_WEBHOOK_DISABLE_AFTER_DAYS)
    if endpoint.active and now - endpoint.failing_since >= limit:
        reason = (
            f"every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC "
            f"({settings.MASSLINE_WEBHOOK_DISABLE_AFTER_DAYS} days)"
        )
        switched = Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
            active=False, disabled_at=now, disabled_reason=reason[:300]
        )
        if switched:
            Delivery.objects.filter(
                endpoint=endpoint, status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
            ).update(status=DeliveryStatus.GAVE_UP)
            notify(
                endpoint.unit,
                f"The webhook to {endpoint.url} was switched off: {reason}. "
                f"Fix the receiver, then switch it on again under Exchange → Webhooks.",
            )


def run_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Try every delivery that is due (the sweep for backends that cannot run jobs later, and
    a safety net after a worker died). Returns how many were tried."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_EXPIRES),
        next_attempt_at__lte=now,
        endpoint__active=True,
    ).values_list("pk", flat=True)[:limit]
    return sum(1 for pk in list(due) if attempt(pk, now=now) is not None)


# --- managing endpoints --------------------------------------------------------------------


class StaleEdit(Exception):
    """Someone else changed the endpoint since it was opened."""


def save_endpoint(
    endpoint: Endpoint, *, url: str, events: list[str], active: bool, expected_version: int
) -> Endpoint:
    """Change an endpoint only if nobody saved it since `expected_version` was read.
    Switching a disabled endpoint back on clears its failure record."""
    from django.db.models import F

    changes: dict[str, object] = {"url": url, "events": events, "active": active}
    if active and not endpoint.active:
        changes.update(failing_since=None, disabled_at=None, disabled_reason="")
    updated = Endpoint.objects.filter(pk=endpoint.pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        raise StaleEdit(
            "Someone else changed this webhook while you were editing; reload and try again."
        )
    endpoint.refresh_from_db()
    return endpoint


def rotate_secret(endpoint: Endpoint) -> Endpoint:
    from massline.exchange.models import _salt

    endpoint.secret_salt = _salt()
    endpoint.save(update_fields=["secret_salt"])
    return endpoint
