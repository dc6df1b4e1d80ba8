"""People (the masses we organize among) and the places where they live and work."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from massline.organization.models import Unit


class PlaceKind(models.TextChoices):
    WORKPLACE = "workplace", "Workplace"
    BUILDING = "building", "Building"
    NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"
    OTHER = "other", "Other"


class Place(models.Model):
    """A workplace, building or neighbourhood; owned by the unit that organizes there."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="places")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices, default=PlaceKind.BUILDING)
    address = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="place_name_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone we talk with. Belongs to one unit, which decides who may see them."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_for",
        help_text="The organizer who keeps the tie with this person.",
    )
    notes = models.TextField(blank=True)
    # Denormalised on each conversation so lists and ties sort by it without a join.
    last_contact_at = models.DateTimeField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["unit", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
