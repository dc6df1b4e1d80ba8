"""The record that makes a replayed write happen once: key -> the answer first given."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentWrite(models.Model):
    """One write a member asked for under an idempotency key, and the answer it got.

    The row is inserted in the same transaction as the write itself, so either both exist or
    neither does: a replay after a lost response finds the row and gets the stored answer.
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # sha256 of what was asked (method, path, body): the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "key"], name="one_write_per_member_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
