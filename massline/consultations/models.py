"""A consultation: the people vote agree / disagree / pass on short statements.

Statements come from a round's themes, ideas and lines, or from participants (held for
moderation). Voters are anonymous: a participant is a random token kept in a cookie. The last
analysis by the opinion engine is kept on the consultation, so every page reads one row.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.rounds.models import Line, PoolEntry, Round, Theme


def _token() -> str:
    return secrets.token_urlsafe(12)


class AnalysisStatus(models.TextChoices):
    IDLE = "idle", _("Up to date")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Failed")


class Consultation(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="consultations")
    title = models.CharField(max_length=200, help_text=_("The question put to the people."))
    token = models.CharField(max_length=32, unique=True, default=_token)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    accepts_statements = models.BooleanField(
        default=True, help_text=_("Participants may propose statements (held for moderation).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The last analysis, written by the background task (tasks.refresh_results).
    results = models.JSONField(default=dict, editable=False)
    results_at = models.DateTimeField(null=True, blank=True, editable=False)
    analysis_status = models.CharField(
        max_length=20, choices=AnalysisStatus.choices, default=AnalysisStatus.IDLE
    )
    analysis_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    analysis_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.closes_at


class StatementStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Waiting for moderation")
    REJECTED = "rejected", _("Moderated out")


class StatementOrigin(models.TextChoices):
    THEME = "theme", _("From a theme's ideas")
    LINE = "line", _("From a draft line")
    MEMBER = "member", _("Written by the leading unit")
    PARTICIPANT = "participant", _("Submitted by a participant")


class Participant(models.Model):
    """One anonymous voting device: only a random token, kept in its cookie."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Participant {self.pk} of {self.consultation}"


class Statement(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="statements"
    )
    text = models.CharField(max_length=280)
    origin = models.CharField(max_length=20, choices=StatementOrigin.choices)
    status = models.CharField(
        max_length=20, choices=StatementStatus.choices, default=StatementStatus.APPROVED
    )
    # Where a drafted statement came from (its provenance in the round).
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        PoolEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="submitted"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    # Carried to the round's board as the basis of a line: the entry and the numbers then.
    carried_to = models.OneToOneField(
        PoolEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_statement",
    )
    carried_numbers = models.JSONField(default=dict, blank=True, editable=False)
    carried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["consultation", "status"])]

    def __str__(self) -> str:
        return self.text


class Choice(models.IntegerChoices):
    """The engine's convention: agree +1, disagree -1, pass 0."""

    AGREE = 1, _("Agree")
    PASS = 0, _("Pass / unsure")
    DISAGREE = -1, _("Disagree")


class Vote(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    choice = models.SmallIntegerField(choices=Choice.choices)
    voted_at = models.DateTimeField(default=timezone.now, help_text=_("Last changed."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="one_vote_per_cell")
        ]
        indexes = [models.Index(fields=["statement", "voted_at"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.get_choice_display()} {self.statement_id}"
