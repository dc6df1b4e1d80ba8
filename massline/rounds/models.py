"""A round of the mass line: gather, first cut, concentrate, line, return, summation.

The pool holds one entry per idea gathered into the round; forwards record the first cut as
it moves up the unit tree; themes group entries; a line is versioned and keeps the themes and
ideas it answers (its provenance); receptions record how the people took it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.choices import QuickChoiceLabels
from massline.ideas.models import Idea, IdeaKind
from massline.organization.models import Unit
from massline.people.models import Person, Place
from massline.struggles.models import Level, Struggle


class RoundState(models.TextChoices):
    GATHERING = "gathering", _("Gathering")
    CONCENTRATING = "concentrating", _("Concentrating")
    RETURNING = "returning", _("Returning")
    CLOSED = "closed", _("Closed")


def _public_token() -> str:
    return secrets.token_urlsafe(12)


class Round(QuickChoiceLabels, models.Model):
    struggle = models.ForeignKey(Struggle, on_delete=models.PROTECT, related_name="rounds")
    leading_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="led_rounds")
    units = models.ManyToManyField(Unit, related_name="rounds", help_text=_("Units taking part."))
    question = models.CharField(max_length=300)
    gather_from = models.DateTimeField(default=timezone.now)
    gather_until = models.DateTimeField()
    state = models.CharField(
        max_length=20, choices=RoundState.choices, default=RoundState.GATHERING
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_round"
    )
    public_token = models.CharField(max_length=32, unique=True, default=_public_token)
    accepts_public_ideas = models.BooleanField(default=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    # The summation, written when the round closes.
    what_worked = models.TextField(blank=True)
    what_we_learned = models.TextField(blank=True, help_text=_("What the people taught us."))
    how_the_line_changed = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.question


class PoolEntry(QuickChoiceLabels, models.Model):
    """An idea in a round's pool, with what was true of it when it was raised."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entries")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="pool_entries")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", help_text=_("Where it was gathered.")
    )
    # Copied from the idea when it joins, so breadth is counted on this table alone.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=IdeaKind.choices)
    level = models.CharField(
        max_length=20,
        choices=Level.choices,
        blank=True,
        help_text=_("The person's level on the struggle when they raised it."),
    )
    held_by = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The highest unit it has been forwarded to (the gathering unit at first)."),
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    n_merged = models.PositiveIntegerField(
        default=0, help_text=_("How many duplicates are folded into this entry.")
    )
    theme = models.ForeignKey(
        "Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
        help_text=_("The entry of the previous round this one was carried in from."),
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "idea"], name="idea_once_per_round")
        ]
        indexes = [
            # The board's lists: most-said first, newest next, straight from the index.
            models.Index(fields=["round", "held_by", "theme", "merged_into", "n_merged", "id"]),
            models.Index(fields=["round", "unit"]),
            models.Index(fields=["theme", "merged_into", "n_merged", "id"]),
            # A theme's first ideas on the board. PostgreSQL does not read an order from an
            # index past an IS NULL condition, so the unmerged entries get their own index.
            models.Index(
                fields=["theme", "-n_merged", "-id"],
                condition=models.Q(merged_into__isnull=True),
                name="poolentry_theme_firsts",
            ),
            # and for the same reason, what waits on the board outside any theme
            models.Index(
                fields=["round", "held_by", "-n_merged", "-id"],
                condition=models.Q(theme__isnull=True, merged_into__isnull=True),
                name="poolentry_unsorted_firsts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idea} in {self.round}"

    @classmethod
    def of(
        cls,
        round_: Round,
        idea: Idea,
        *,
        held_by_id: int | None = None,
        level: str = "",
        place_id: int | None = None,
        carried_from: PoolEntry | None = None,
    ) -> PoolEntry:
        """An entry for an idea, carrying the idea's person, place and kind along.

        Pass `place_id` when the person is not loaded, to spare a query per idea.
        """
        if place_id is None and idea.person_id:
            place_id = idea.person.place_id
        return cls(
            round=round_,
            idea=idea,
            unit_id=idea.unit_id,
            held_by_id=held_by_id or idea.unit_id,
            person_id=idea.person_id,
            place_id=place_id,
            kind=idea.kind,
            level=level,
            carried_from=carried_from,
        )


class Review(models.Model):
    """A unit has looked at an entry during its first cut (forwarded or not)."""

    entry = models.ForeignKey(PoolEntry, on_delete=models.CASCADE, related_name="reviews")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "unit"], name="one_review_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit} reviewed {self.entry}"


class Forward(models.Model):
    """The first cut: a unit sends an entry up to its parent, with a note."""

    entry = models.ForeignKey(PoolEntry, on_delete=models.CASCADE, related_name="forwards")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    forwarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["forwarded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "from_unit"], name="forward_once_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.from_unit} forwarded {self.entry} to {self.to_unit}"


class Theme(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    # Counted when entries move in or out (services.refresh_breadth), so the board reads one
    # row per theme instead of aggregating the whole pool on every view.
    breadth = models.JSONField(default=dict, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Line(models.Model):
    """A line ("if you are concerned about X, do Y"); its text lives in versions."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="lines")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        current = self.versions.order_by("-number").first()
        return current.summary if current else f"Line {self.pk}"


class LineVersion(models.Model):
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    concern = models.TextField(help_text=_("If you are concerned about…"))
    action = models.TextField(help_text=_("…you should…"))
    rationale = models.TextField(blank=True)
    change_note = models.TextField(
        blank=True, help_text=_("What changed since the last version and why.")
    )
    themes = models.ManyToManyField(Theme, related_name="line_versions", blank=True)
    entries = models.ManyToManyField(PoolEntry, related_name="line_versions", blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "number"]
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="line_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.summary}"

    @property
    def summary(self) -> str:
        return f"If you are concerned about {self.concern}, {self.action}"


class Response(models.TextChoices):
    AGREES = "agrees", _("Agrees")
    AGREES_IN_PART = "in_part", _("Agrees in part")
    DISAGREES = "disagrees", _("Disagrees")
    NOT_REACHED = "not_reached", _("Not reached")


class Reception(QuickChoiceLabels, models.Model):
    """How one person took the line when an organizer brought it to them."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="receptions")
    version = models.ForeignKey(LineVersion, on_delete=models.PROTECT, related_name="receptions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="receptions")
    # The person's unit when they were asked, as the level is: the line's tally by unit reads
    # this table alone, not a million people.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", help_text=_("Where they were asked.")
    )
    response = models.CharField(max_length=20, choices=Response.choices)
    said = models.TextField(blank=True)
    idea = models.OneToOneField(
        Idea,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reception",
        help_text=_("What they said, as a new idea in the pool."),
    )
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["line", "person"], name="one_reception_per_person")
        ]
        # the tallies of a line, counted from the index alone
        indexes = [
            models.Index(
                fields=["line"], include=["unit", "level", "response"], name="reception_tally_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_response_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.unit_id is None and self.person_id is not None:
            self.unit_id = self.person.unit_id
        super().save(*args, **kwargs)


class ActionKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PETITION = "petition", _("Petition")
    PICKET = "picket", _("Picket")
    DELEGATION = "delegation", _("Delegation")
    OTHER = "other", _("Other")


class Action(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    title = models.CharField(max_length=200)
    happens_on = models.DateField()
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For a petition: the building or workplace whose majority it tests."),
    )
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happens_on", "id"]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):
    """Who was asked to an action and whether they came (or signed)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    asked = models.BooleanField(default=True)
    took_part = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "person"], name="one_participation")
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.action}"


class ThemeChange(models.Model):
    """A theme's history: where it came from and each rename, so an accepted suggestion can
    still be traced back to what the engine proposed."""

    class Kind(models.TextChoices):
        SUGGESTED = "suggested", _("Accepted from a suggestion")
        RENAMED = "renamed", _("Renamed")

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_name = models.CharField(max_length=200, blank=True)
    new_name = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.theme}: {self.get_kind_display()}"


class SuggestionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ThemeSuggestion(models.Model):
    """One run of the theme engine over a round's board, done as a background job.

    The job's state lives here (not only in the task queue) so every web worker can show the
    progress bar and the result outlives the queue's own records.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="theme_suggestions")
    status = models.CharField(
        max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    message = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text=_("The queued task's id."))
    # What the engine returned besides the drafts: for `assign` and for merging duplicates.
    model_state = models.JSONField(default=dict, editable=False)
    unassigned = models.JSONField(default=list, editable=False)
    duplicates = models.JSONField(default=list, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text=_("Last sign of life of the job."))

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return f"Theme suggestion {self.pk} for {self.round}: {self.status}"

    @property
    def active(self) -> bool:
        return self.status in (SuggestionStatus.QUEUED, SuggestionStatus.RUNNING)


class DraftStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into another draft")
    SUPERSEDED = "superseded", _("Superseded by a newer suggestion")


class DraftTheme(models.Model):
    """A theme the engine proposed; it touches no entry until the leading unit accepts it."""

    suggestion = models.ForeignKey(ThemeSuggestion, on_delete=models.CASCADE, related_name="drafts")
    engine_theme = models.IntegerField(
        null=True, blank=True, help_text=_("The engine's theme id, which `assign` answers with.")
    )
    label = models.CharField(max_length=200)
    original_label = models.CharField(max_length=200)
    keywords = models.JSONField(default=list)
    representatives = models.JSONField(default=list, help_text=_("Entry ids, most typical first."))
    entries = models.ManyToManyField(PoolEntry, related_name="draft_themes")
    breadth = models.JSONField(default=dict, editable=False)
    status = models.CharField(max_length=20, choices=DraftStatus.choices, default=DraftStatus.OPEN)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="splits"
    )
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
        help_text=_("The theme it became when accepted."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class SuggestedPlacement(models.Model):
    """An idea forwarded after a suggestion ran, and the accepted theme it seems to belong to
    (none: checked, fits no theme). The leading unit confirms it or leaves it unsorted."""

    entry = models.OneToOneField(
        PoolEntry, on_delete=models.CASCADE, related_name="suggested_placement"
    )
    suggestion = models.ForeignKey(
        ThemeSuggestion, on_delete=models.CASCADE, related_name="placements"
    )
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggested_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.entry} -> {self.theme or 'no theme'}"
