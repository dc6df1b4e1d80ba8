"""Conversations with people and the follow-ups they lead to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.choices import QuickChoiceLabels
from massline.organization.models import Unit
from massline.people.models import Person, Place


class ConversationKind(models.TextChoices):
    ONE_ON_ONE = "one_on_one", _("One-on-one")
    DOOR_KNOCK = "door_knock", _("Door knock")
    WORKPLACE_TALK = "workplace", _("Workplace talk")
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone")


class Mood(models.TextChoices):
    ANGRY = "angry", _("Angry")
    WORRIED = "worried", _("Worried")
    HOPEFUL = "hopeful", _("Hopeful")
    FIRED_UP = "fired_up", _("Fired up")
    TIRED = "tired", _("Tired")
    INDIFFERENT = "indifferent", _("Indifferent")


class Conversation(QuickChoiceLabels, models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="conversations")
    people = models.ManyToManyField(Person, related_name="conversations")
    kind = models.CharField(max_length=20, choices=ConversationKind.choices)
    happened_at = models.DateTimeField(default=timezone.now, db_index=True)
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        db_index=False,  # the index below starts with it
    )
    notes = models.TextField(blank=True)
    mood = models.CharField(max_length=20, choices=Mood.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-happened_at"]),
            # when someone last went to a place (the ties page's quiet places)
            models.Index(fields=["place", "-happened_at"], name="conversation_place_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.happened_at:%Y-%m-%d}"


class FollowUp(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_ups")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    due_on = models.DateField(db_index=True)
    note = models.CharField(max_length=500, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"])]

    def __str__(self) -> str:
        return f"Follow up with {self.person} by {self.due_on}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()
