"""Assemblies of the mass organizations: where a line becomes the organization's plan.

A mass organization (or one of its committees) meets in an assembly with an agenda and a
quorum; members put motions, amend them and vote; the assembly keeps minutes and a register of
its decisions, elects officers and delegates, and can recall them.

Secret ballots are three tables that the database never joins: `TokenReceipt` says that a
member received a token for a vote (so nobody gets two), `BallotToken` holds only the hash of
each token issued (no member, no time), and `Ballot` holds only the choice and a receipt code
the voter can look up (no member, no token, no time). Ids are random, and closing the vote
rewrites both tables in a shuffled order. See docs/assemblies-threat-model.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Unit
from massline.rounds.models import Action, Line, LineVersion


class AssemblyKind(models.TextChoices):
    GENERAL = "general", _("General meeting")
    COMMITTEE = "committee", _("Committee meeting")


class AssemblyState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("In session")
    CLOSED = "closed", _("Closed")


class QuorumRule(models.TextChoices):
    NUMBER = "number", _("A number of members")
    SHARE = "share", _("A share of members in good standing")


class Assembly(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assemblies")
    kind = models.CharField(max_length=20, choices=AssemblyKind.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    notice = models.TextField(blank=True, help_text=_("The notice sent to the members."))
    notice_sent_on = models.DateField(null=True, blank=True)
    quorum_rule = models.CharField(max_length=10, choices=QuorumRule.choices)
    quorum_number = models.PositiveIntegerField(null=True, blank=True)
    quorum_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Percent of the members in good standing.")
    )
    state = models.CharField(
        max_length=20, choices=AssemblyState.choices, default=AssemblyState.SCHEDULED
    )
    # Members in good standing when the assembly opened: the base of a share quorum.
    members_at_opening = models.PositiveIntegerField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name_plural = "assemblies"

    def __str__(self) -> str:
        return self.title


class ItemState(models.TextChoices):
    PENDING = "pending", _("Not yet taken")
    OPEN = "open", _("Under discussion")
    CLOSED = "closed", _("Closed")


class AgendaItem(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=ItemState.choices, default=ItemState.PENDING)
    new_speakers_first = models.BooleanField(
        default=False, help_text=_("Put those who have not spoken on this item yet first.")
    )

    class Meta:
        ordering = ["assembly", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances"
    )
    remote = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(auto_now_add=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["checked_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["assembly", "member"], name="check_in_once")]

    def __str__(self) -> str:
        return f"{self.member} at {self.assembly}"


class Speaker(models.Model):
    """A place on an item's speakers' list."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speakers")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    spoke_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"{self.member} on {self.item}"


class MotionKind(models.TextChoices):
    MOTION = "motion", _("Motion")
    AMENDMENT = "amendment", _("Amendment")
    ELECTION = "election", _("Election")
    RECALL = "recall", _("Recall")


class MotionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    VOTING = "voting", _("Being voted on")
    CARRIED = "carried", _("Carried")
    DEFEATED = "defeated", _("Defeated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Majority(models.TextChoices):
    SIMPLE = "simple", _("Simple majority")
    TWO_THIRDS = "two_thirds", _("Two-thirds majority")


class OfficeKind(models.TextChoices):
    OFFICER = "officer", _("Officer")
    DELEGATE = "delegate", _("Delegate")


class Motion(models.Model):
    """A motion, an amendment to one, an election or a recall, put to an agenda item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="motions")
    kind = models.CharField(max_length=20, choices=MotionKind.choices, default=MotionKind.MOTION)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="amendments"
    )
    text = models.TextField(help_text=_("The text as it stands now (after amendments)."))
    proposed_text = models.TextField(help_text=_("The text as it was put forward."))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    majority = models.CharField(max_length=20, choices=Majority.choices, default=Majority.SIMPLE)
    state = models.CharField(
        max_length=20, choices=MotionState.choices, default=MotionState.PROPOSED
    )
    # Provenance when a line of a round was brought as this motion: the line and the exact
    # version brought; `proposed_text` keeps its words, `text` what the assembly made of it.
    line = models.ForeignKey(
        Line, null=True, blank=True, on_delete=models.SET_NULL, related_name="motions"
    )
    line_version = models.ForeignKey(
        LineVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="motions"
    )
    # Elections: the office and its term; the mandate of a delegate.
    office = models.CharField(max_length=200, blank=True)
    office_kind = models.CharField(max_length=20, choices=OfficeKind.choices, blank=True)
    sent_to = models.CharField(
        max_length=200, blank=True, help_text=_("For a delegate: the higher unit or coalition.")
    )
    term_ends_on = models.DateField(null=True, blank=True)
    mandate_text = models.TextField(blank=True)
    # Recall: the mandate to end.
    recalls = models.ForeignKey(
        "Mandate", null=True, blank=True, on_delete=models.PROTECT, related_name="recall_motions"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def assembly(self) -> Assembly:
        return self.item.assembly


class Candidate(models.Model):
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="candidates")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["motion", "member"], name="candidate_once")]

    def __str__(self) -> str:
        return str(self.member)


class VoteMethod(models.TextChoices):
    COUNTED = "counted", _("Open, counted (show of hands)")
    ROLL_CALL = "roll_call", _("Open, by name (roll call)")
    SECRET = "secret", _("Secret ballot")


class VoteState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Vote(models.Model):
    """The vote on one motion; its result is written once, when it closes."""

    motion = models.OneToOneField(Motion, on_delete=models.CASCADE, related_name="vote")
    method = models.CharField(max_length=20, choices=VoteMethod.choices)
    state = models.CharField(max_length=20, choices=VoteState.choices, default=VoteState.OPEN)
    present_at_opening = models.PositiveIntegerField(default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The result: {"yes": n, "no": n, "abstain": n} or {"candidate:<id>": n, "abstain": n}.
    counts = models.JSONField(default=dict, blank=True)
    # The secret ballot's audit: tokens issued = ballots cast + tokens unused.
    tokens_issued = models.PositiveIntegerField(default=0)
    ballots_cast = models.PositiveIntegerField(default=0)
    tokens_unused = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["opened_at", "id"]

    def __str__(self) -> str:
        return f"Vote on {self.motion}"

    @property
    def results(self) -> list[tuple[str, int]]:
        """The counts in one reading order (yes, no, abstain, then candidates): PostgreSQL's
        jsonb keeps keys in its own order, not the order they were written in."""
        first = {"yes": 0, "no": 1, "abstain": 2}
        return sorted(self.counts.items(), key=lambda kv: (first.get(kv[0], 3), kv[0]))


class RollCallVote(models.Model):
    """An open vote by name: who voted how is part of the record."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll_call")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=40)

    class Meta:
        ordering = ["member__username"]
        constraints = [models.UniqueConstraint(fields=["vote", "member"], name="roll_call_once")]

    def __str__(self) -> str:
        return f"{self.member}: {self.choice}"


class TokenReceipt(models.Model):
    """A member received a ballot token for a vote. It says nothing about the token."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="receipts")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="one_token_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} received a ballot"


class BallotToken(models.Model):
    """The hash of a token issued for a vote: no member, no time, a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    spent = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return "ballot token"


class Ballot(models.Model):
    """A secret ballot: the choice and the voter's receipt code, nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=40)
    receipt = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return "ballot"


class Decision(models.Model):
    """An entry of the unit's decisions register: a motion the members carried."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="decisions")
    number = models.PositiveIntegerField(help_text=_("Numbered per unit, in order."))
    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="decision")
    text = models.TextField()
    decided_on = models.DateField()
    actions = models.ManyToManyField(Action, blank=True, related_name="decisions")

    class Meta:
        ordering = ["unit", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="decision_number_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:80]}"


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Minutes(models.Model):
    assembly = models.OneToOneField(Assembly, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(
        max_length=20, choices=MinutesState.choices, default=MinutesState.DRAFT
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.ForeignKey(
        Assembly, null=True, blank=True, on_delete=models.PROTECT, related_name="approved_minutes"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self) -> str:
        return f"Minutes of {self.assembly}"


class Mandate(models.Model):
    """An office or a delegation held by election, for a term, until it ends or is recalled."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="mandates")
    kind = models.CharField(max_length=20, choices=OfficeKind.choices)
    office = models.CharField(max_length=200)
    sent_to = models.CharField(max_length=200, blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates"
    )
    mandate_text = models.TextField(blank=True, help_text=_("What they were sent to carry."))
    elected_by = models.OneToOneField(
        Motion, on_delete=models.PROTECT, related_name="mandate_given"
    )
    term_starts_on = models.DateField()
    term_ends_on = models.DateField()
    recalled_by = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.PROTECT, related_name="mandate_ended"
    )
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-term_starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.office}: {self.holder}"


class ReportBack(models.Model):
    """What a delegate reported back to the members who sent them."""

    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField()
    assembly = models.ForeignKey(
        Assembly, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reported_at", "id"]

    def __str__(self) -> str:
        return f"Report on {self.mandate}"
