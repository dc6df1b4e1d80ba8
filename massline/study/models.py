"""Collective study and the making of leaders.

Study groups read together with a rotating presenter and tie what they read to the practice
being summed up (a round's summation or a line can be a session's text). Questions raised in
study go to a round's pool as ideas. Organizers work in pairs, leads keep private notes on
how a member is developing, and advanced people are invited, step by step, to become members
themselves: the person record they already have is linked to their new account, not copied.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.ideas.models import Idea
from massline.organization.models import Unit
from massline.people.models import Person
from massline.rounds.models import Line, PoolEntry, Round
from massline.struggles.models import Struggle


class ReadingStorage(FileSystemStorage):
    """Uploaded readings live in the data directory, outside any static or public path; only
    the `reading_file` view, which checks group membership, ever serves them. The directory
    is read from the settings at each use, so it follows STUDY_READINGS_DIR wherever set."""

    @property
    def base_location(self) -> str:
        return str(settings.STUDY_READINGS_DIR)

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())


def reading_storage() -> FileSystemStorage:
    return ReadingStorage()


def _reading_name(instance: Reading, filename: str) -> str:
    # Never the uploaded name: a random one, with the extension the content proved.
    return f"{instance.group_id}/{secrets.token_hex(16)}.{instance.file_kind or 'bin'}"


class StudyGroup(models.Model):
    """A unit's study group: its members read together and take turns presenting."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="study_groups")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what we study and why"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="study_groups", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # bumped by each save of the member list, so two leads ticking at once do not overwrite
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    EPUB = "epub", "EPUB"


class Reading(models.Model):
    """One item of a group's reading list: a link, an uploaded PDF/EPUB, or a book in hand."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="readings")
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    part = models.CharField(
        _("part to read"), max_length=300, blank=True, help_text=_("e.g. chapters 1-2, pp. 10-34")
    )
    file = models.FileField(storage=reading_storage, upload_to=_reading_name, blank=True)
    file_kind = models.CharField(max_length=10, choices=FileKind.choices, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.title


class StudySession(models.Model):
    """A meeting of the group: a date and place, a text, a presenter, who came, the notes.

    The text is a reading, or the group's own practice: a round's summation or a line.
    """

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("date and time"), db_index=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    reading = models.ForeignKey(
        Reading, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    summation_of = models.ForeignKey(
        Round,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="study_sessions",
        verbose_name=_("summation of a round"),
    )
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.SET_NULL, related_name="study_sessions"
    )
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="presented_sessions",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="attended_sessions", blank=True
    )
    guests = models.ManyToManyField(
        Person,
        related_name="study_sessions",
        blank=True,
        help_text=_("People invited to study with us who are not members yet."),
    )
    notes = models.TextField(_("discussion notes"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["group", "presenter", "held_at"])]

    def __str__(self) -> str:
        return f"{self.group} {self.held_at:%Y-%m-%d}"

    @property
    def text_round(self) -> Round | None:
        """The round whose practice this session studies, if any."""
        if self.summation_of_id:
            return self.summation_of
        return self.line.round if self.line_id else None


class PresenterChange(models.Model):
    """The rotation's history: who was set to present a session, and every swap."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        SWAPPED = "swapped", _("Swapped")

    session = models.ForeignKey(
        StudySession, on_delete=models.CASCADE, related_name="presenter_changes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested = models.BooleanField(default=False, help_text="The app's suggestion was taken.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.session}: {self.get_kind_display()}"


class StudyQuestion(models.Model):
    """A question raised in study that became an idea (kind: question) in a round's pool."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="questions")
    idea = models.OneToOneField(Idea, on_delete=models.CASCADE, related_name="study_question")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="study_questions")
    entry = models.ForeignKey(
        PoolEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return str(self.idea)


class Pair(models.Model):
    """Organizers work in pairs: a newer member with an experienced one, in a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="pairs")
    newer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairs_as_newer"
    )
    experienced = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairs_as_experienced"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(newer=models.F("experienced")), name="pair_of_two_people"
            ),
            models.UniqueConstraint(
                fields=["newer"], condition=Q(ended_at__isnull=True), name="one_open_pair_newer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.newer} with {self.experienced}"


class LeadNote(models.Model):
    """A lead's private note on how a member is developing; the member does not see it."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_notes_about"
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="lead_notes",
        help_text="Leads of this unit (and above) read the note.",
    )
    text = models.TextField(_("note"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"Note on {self.subject}"


class InvitationKind(models.TextChoices):
    MEETING = "meeting", _("To a meeting")
    STUDY = "study", _("To a study group")
    JOIN = "join", _("To join as a member")


class Answer(models.TextChoices):
    PENDING = "pending", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LATER = "later", _("Not now, ask again")


class Invitation(models.Model):
    """An advanced person invited one step closer: a meeting, a study group, or to join."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="invitations")
    kind = models.CharField(_("invited"), max_length=20, choices=InvitationKind.choices)
    study_group = models.ForeignKey(
        StudyGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    struggle = models.ForeignKey(
        Struggle,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The struggle on which they were advanced.",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(max_length=20, choices=Answer.choices, default=Answer.PENDING)
    answer_note = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-invited_at", "-id"]
        indexes = [models.Index(fields=["person", "-invited_at"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()}"


class PersonMember(models.Model):
    """A person who joined: their person record (with all its history) is now also a member.

    One-to-one both ways, so the same person is never two members nor a member twice.
    """

    # If the person record is ever purged, the account stays; only the link goes.
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="as_member")
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="as_person"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.person} is {self.member}"
