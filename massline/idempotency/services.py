"""Exactly-once writes for replayed requests (the API's POSTs, the field app's sync).

A client sends an `Idempotency-Key` with a write. The first request with a key runs the write
and stores its answer in the same transaction; any later request with that key, also one
racing the first, gets the stored answer and writes nothing. The same key with a different
request is refused, so a client bug cannot silently drop a write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from massline.idempotency.models import IdempotentWrite
from massline.organization.models import Member

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class KeyReused(Exception):
    """The key was already used for a different request."""


class KeyInvalid(Exception):
    """The key is empty or too long."""


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    content_type: str
    body: bytes
    location: str = ""
    replayed: bool = False

    def as_response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status_code, content_type=self.content_type)
        if self.location:
            response["Location"] = self.location
        if self.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @classmethod
    def of(cls, response: HttpResponse) -> StoredAnswer:
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        return cls(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=bytes(response.content),
            location=response.get("Location", ""),
        )


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What identifies a request for the purpose of 'is this the same write again?'."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _stored(row: IdempotentWrite, fingerprint_: str) -> StoredAnswer:
    if row.fingerprint != fingerprint_:
        raise KeyReused(row.key)
    return StoredAnswer(
        row.status_code, row.content_type, bytes(row.body), row.location, replayed=True
    )


def run_once(
    member: Member, key: str, fingerprint_: str, write: Callable[[], StoredAnswer]
) -> StoredAnswer:
    """Run `write` unless this member already ran a write under `key`; return its answer.

    `write` runs inside the transaction that claims the key. If it raises, both roll back and
    the key stays free for a retry. Answers of 5xx are not stored either.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise KeyInvalid(key)
    existing = IdempotentWrite.objects.filter(member=member, key=key).first()
    if existing is not None:
        return _stored(existing, fingerprint_)
    try:
        with transaction.atomic():
            row = _claim(member, key, fingerprint_)
            answer = write()
            if answer.status_code >= 500:
                transaction.set_rollback(True)
                return answer
            row.status_code = answer.status_code
            row.content_type = answer.content_type
            row.body = answer.body
            row.location = answer.location
            row.save(update_fields=["status_code", "content_type", "body", "location"])
            return answer
    except _ClaimedElsewhere:
        return _stored(IdempotentWrite.objects.get(member=member, key=key), fingerprint_)


class _ClaimedElsewhere(Exception):
    """A twin request claimed the key first (and has committed by now)."""


def _claim(member: Member, key: str, fingerprint_: str) -> IdempotentWrite:
    """Insert the key; a concurrent twin waits on the unique index (PostgreSQL) or the write
    lock (SQLite) until the first transaction ends, then fails here, and only here: an
    IntegrityError of the write itself is the write's own error."""
    try:
        with transaction.atomic():
            return IdempotentWrite.objects.create(member=member, key=key, fingerprint=fingerprint_)
    except IntegrityError as error:
        raise _ClaimedElsewhere from error


def refusal(error: Exception) -> JsonResponse:
    """The answer to a bad key: 422 when reused for another request, 400 when malformed."""
    if isinstance(error, KeyReused):
        return JsonResponse(
            {"detail": "This Idempotency-Key was already used for a different request."},
            status=422,
        )
    return JsonResponse(
        {"detail": f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."}, status=400
    )


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Make a logged-in Django view's writes exactly-once when the client sends a key.

    Requests without the header, reads, and anonymous requests pass straight through.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method in ("GET", "HEAD", "OPTIONS"):
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        asked = fingerprint(request.method, request.path, request.body)
        try:
            answer = run_once(
                request.user, key, asked, lambda: StoredAnswer.of(view(request, *args, **kwargs))
            )
        except (KeyReused, KeyInvalid) as error:
            return refusal(error)
        return answer.as_response()

    return wrapper


def forget_before(moment: datetime) -> int:
    """Drop keys older than `moment` (retention: clients retry within hours, not months)."""
    deleted, _ = IdempotentWrite.objects.filter(created_at__lt=moment).delete()
    return deleted
