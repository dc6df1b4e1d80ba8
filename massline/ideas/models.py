"""Ideas gathered from the people: the raw material of every round."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.choices import QuickChoiceLabels
from massline.conversations.models import Conversation
from massline.organization.models import Unit
from massline.people.models import Person
from massline.sections.models import PEOPLE_LANGUAGES
from massline.struggles.models import Struggle


class IdeaKind(models.TextChoices):
    CONCERN = "concern", _("Concern")
    PROPOSAL = "proposal", _("Proposal")
    OBJECTION = "objection", _("Objection")
    EXPERIENCE = "experience", _("Experience")
    QUESTION = "question", _("Question")


class Idea(QuickChoiceLabels, models.Model):
    """Something a person said, in their own words. `person` is empty when raised anonymously."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="ideas")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="ideas"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    struggle = models.ForeignKey(
        Struggle, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    kind = models.CharField(max_length=20, choices=IdeaKind.choices)
    text = models.TextField()
    # The language it was said in; blank for ideas recorded before anyone asked (unknown).
    language = models.CharField(
        _("said in"), max_length=10, choices=PEOPLE_LANGUAGES, blank=True, default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["unit", "-raised_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"
