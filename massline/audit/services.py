"""Writes of the audit app: recording reads, bulk-export approval and unit notices.

Faces call `record(request, action, ...)` once per read; the command line passes `None` for the
request and names the acting member, and its source is "cli".
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from massline import access
from massline.audit.models import ExportRequest, QueryKind, ReadEvent, UnitNotice
from massline.organization.models import Member, Unit
from massline.people.models import Person

# Roles that may approve a bulk export and see the unusual-access page of a unit and below.
APPROVAL_VALID_FOR = timedelta(hours=24)


class ExportRefused(Exception):
    """A bulk export that may not run (yet); the message says what to do."""


def _key() -> bytes:
    configured = settings.MASSLINE_AUDIT_KEY
    if configured:
        return configured.encode()
    # Derived, so the SECRET_KEY itself is never used as an HMAC key for two purposes.
    return hmac.new(settings.SECRET_KEY.encode(), b"massline.audit.v1", hashlib.sha256).digest()


def digest(text: str, length: int = 16) -> str:
    """A keyed, truncated HMAC-SHA256: equal inputs match, the input cannot be read back
    without the key (and even with it, only by guessing)."""
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()[:length]


def client_source(request: HttpRequest) -> str:
    """Where a request came from, as a digest of its /24 (IPv4) or /48 (IPv6) network.

    Hashing the network rather than the address means that even someone holding the key can
    learn at most the network (the /24 space is small enough to try every value), never the
    device; without the key the digest tells nothing. X-Forwarded-For is not trusted.
    """
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "net:unknown"
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return "net:" + digest(str(network), 12)


def query_kind(text: str) -> str:
    if "@" in text:
        return QueryKind.EMAIL
    if sum(ch.isdigit() for ch in text) >= 4:
        return QueryKind.PHONE
    return QueryKind.NAME


def record(
    request: HttpRequest | None,
    action: str,
    *,
    member: Member | None = None,
    person: Person | None = None,
    unit: Unit | None = None,
    query: str | None = None,
    filtered: bool = False,
    results: int | None = None,
    record_of: tuple[str, int] | None = None,
) -> ReadEvent | None:
    """Append one read to the log. `query` is digested, never stored; `filtered` marks a
    search by filters alone; `record_of` names another kind of record read (e.g.
    ("aid_request", 7), with `unit` its unit). Returns None when auditing is switched off
    (benchmark only)."""
    if not settings.MASSLINE_AUDIT:
        return None
    if request is not None:
        member = request.user
        source = client_source(request)
    else:
        source = "cli"
    if member is None:
        raise ValueError("record() needs a request or an acting member")
    event = ReadEvent(member=member, action=action, source=source, result_count=results)
    if person is not None:
        event.object_kind, event.object_id = "person", person.pk
        event.unit_id, event.place_ref = person.unit_id, person.place_id
    elif unit is not None:
        event.object_kind, event.object_id, event.unit = "unit", unit.pk, unit
    if record_of is not None:
        event.object_kind, event.object_id = record_of
    normalized = " ".join((query or "").lower().split())
    if normalized:
        event.query_kind = query_kind(normalized)
        event.query_digest = digest(normalized)
    elif filtered:
        event.query_kind = QueryKind.FILTER
    event.save()
    return event


def notify(unit: Unit | None, text: str) -> UnitNotice:
    return UnitNotice.objects.create(unit=unit, text=text[:300])


def _scope(unit: Unit | None) -> str:
    return unit.name if unit is not None else "the whole organization"


def gate_export(member: Member, unit: Unit | None, people_count: int) -> ExportRequest | None:
    """Let a bulk export run once with an approval, or refuse with what to do next.

    Small exports of one unit pass (None). A bigger one, or one of everyone (unit None), needs
    an ExportRequest approved by a second member; running the export consumes it.
    """
    if unit is not None and people_count <= settings.MASSLINE_EXPORT_APPROVAL_OVER:
        return None
    now = timezone.now()
    with transaction.atomic():
        approved = (
            ExportRequest.objects.select_for_update()
            .filter(
                requested_by=member,
                unit=unit,
                used_at__isnull=True,
                approved_at__gte=now - APPROVAL_VALID_FOR,
            )
            .order_by("approved_at")
            .first()
        )
        if approved is not None:
            approved.used_at = now
            approved.save(update_fields=["used_at"])
            notify(
                unit,
                f"{member} exported {people_count} people of {_scope(unit)}, "
                f"approved by {approved.approved_by} (request #{approved.pk}).",
            )
            return approved
        pending = ExportRequest.objects.filter(
            requested_by=member, unit=unit, approved_at__isnull=True, used_at__isnull=True
        ).first()
        if pending is None:
            pending = ExportRequest.objects.create(
                requested_by=member, unit=unit, people_count=people_count
            )
            notify(
                unit,
                f"{member} asked to export {people_count} people of {_scope(unit)} "
                f"(request #{pending.pk}).",
            )
    raise ExportRefused(
        f"exporting {people_count} people of {_scope(unit)} needs a second member's approval: "
        f"ask a lead or admin of {_scope(unit)} to run "
        f"`massline export approve {pending.pk} --as THEIR_USERNAME`, then run this again"
    )


def approve_export(request_id: int, approver: Member) -> ExportRequest:
    with transaction.atomic():
        try:
            export = ExportRequest.objects.select_for_update().get(pk=request_id)
        except ExportRequest.DoesNotExist:
            raise ExportRefused(f"no export request #{request_id}") from None
        if export.used_at is not None:
            raise ExportRefused(f"export request #{request_id} was already used")
        if export.approved_at is not None:
            raise ExportRefused(f"export request #{request_id} is already approved")
        if export.requested_by_id == approver.pk:
            raise ExportRefused("a second member must approve: you asked for this export")
        if export.unit_id is None:
            allowed = approver.is_superuser
        else:
            allowed = access.led_units(approver).filter(pk=export.unit_id).exists()
        if not allowed:
            raise ExportRefused(
                f"{approver.username} is not a lead or admin of {_scope(export.unit)}"
            )
        export.approved_by, export.approved_at = approver, timezone.now()
        export.save(update_fields=["approved_by", "approved_at"])
        notify(
            export.unit,
            f"{approver} approved {export.requested_by}'s export of {export.people_count} "
            f"people of {_scope(export.unit)} (request #{export.pk}).",
        )
    return export
