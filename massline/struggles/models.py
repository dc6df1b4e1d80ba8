"""Struggles (nested goals) and dated assessments of people on them.

Assessments are only ever added: the movement of a person between levels over time is the
measure of the work, so the history is the data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.choices import QuickChoiceLabels
from massline.organization.models import Unit
from massline.people.models import Person


class Struggle(models.Model):
    """A concrete goal ("stop the 8% rent increase"), possibly under a wider one."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="struggles", help_text=_("The leading unit.")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    ADVANCED = "advanced", _("Advanced")
    INTERMEDIATE = "intermediate", _("Intermediate")
    BACKWARD = "backward", _("Backward")


# Union organizers' 1-5 scale read onto the three levels (1 = most active).
SCORE_TO_LEVEL = {
    1: Level.ADVANCED,
    2: Level.ADVANCED,
    3: Level.INTERMEDIATE,
    4: Level.INTERMEDIATE,
    5: Level.BACKWARD,
}
LEVEL_RANK = {Level.BACKWARD: 0, Level.INTERMEDIATE: 1, Level.ADVANCED: 2}


class Assessment(QuickChoiceLabels, models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    struggle = models.ForeignKey(Struggle, on_delete=models.CASCADE, related_name="assessments")
    level = models.CharField(max_length=20, choices=Level.choices)
    score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Optional 1 (most active) to 5 (opposed)."),
    )
    note = models.CharField(max_length=500, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        # a person's latest level on a struggle is the first entry, read from the index alone
        indexes = [
            models.Index(
                fields=["person", "struggle", "-assessed_at", "-id"],
                include=["level"],
                name="assessment_latest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_level_display()} on {self.struggle}"
