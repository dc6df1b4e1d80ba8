"""The audit of reads: who looked at which record, searched or exported, when and from where.

The log must not become the leak. It keeps ids, never a person's name or phone; a search is
kept as a keyed digest and a kind (name, phone, email, filter), never its text; and the place a
request came from is a keyed digest of its /24 (IPv4) or /48 (IPv6) network, never an address.

`ReadEvent` is append-only: the model refuses to save an existing row or delete one, its
queryset refuses `update()` and `delete()`, the admin is read-only, and on PostgreSQL a trigger
rejects UPDATE and DELETE on the table (see the migration).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Unit


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit record."""


class Action(models.TextChoices):
    VIEW_PERSON = "view_person", _("Viewed a person")
    SEARCH = "search", _("Searched people")
    PICK = "pick", _("Searched in the person picker")
    EXPORT = "export", _("Exported people")
    IMPORT = "import", _("Imported people")


class QueryKind(models.TextChoices):
    NONE = "", "—"
    NAME = "name", _("Name")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    FILTER = "filter", _("Filters only")


class ReadEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def delete(self):
        raise AppendOnlyError("the audit log is append-only")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    # QuerySet.update_or_create and get_or_create route through save()/update(), so they
    # refuse changes too.


class ReadEvent(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # members are deactivated, not deleted: the log outlives them
        related_name="read_events",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_kind = models.CharField(max_length=20, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The unit whose records were read (the person's unit, the exported unit); null for searches.
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="read_events"
    )
    # The person's place when read (a plain id, so later moves or deletions don't rewrite it).
    place_ref = models.PositiveBigIntegerField(null=True, blank=True)
    query_kind = models.CharField(max_length=10, choices=QueryKind.choices, blank=True)
    query_digest = models.CharField(max_length=16, blank=True)
    result_count = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=24)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ReadEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["unit", "at"]),
            models.Index(fields=["member", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.action} {self.object_kind}:{self.object_id} {self.at}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")


class ExportRequest(models.Model):
    """A bulk export waiting for (or given) a second member's approval; used once."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_requests"
    )
    unit = models.ForeignKey(  # null: everyone (--all)
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="export_requests"
    )
    people_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="export_approvals",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        scope = self.unit.slug if self.unit_id else "everyone"
        return f"export #{self.pk} of {scope} by {self.requested_by}"


class UnitNotice(models.Model):
    """A short notice shown to a unit's members on "my work" (e.g. a bulk export happened)."""

    unit = models.ForeignKey(  # null: the whole organization
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text
