"""Serve the people: mutual-aid programs run by a unit and tied into the organizing loop.

A program (a grocery delivery, a fridge, a rent fund) belongs to a unit; its coordinators and
volunteers are members with a program role. Requests and offers come in through a public
intake link or from a member taking a phone call. Each request is delivered one or more times
(recurring requests repeat on a schedule); a delivery is claimed by one volunteer, who alone
sees the exact address and phone until it is finished. Stock and money are append-only event
logs, so totals and balances are always computed from what happened, never stored and left to
drift. What matters is not the bags handed out but how many people served entered the loop:
spoken with, assessed, came to a meeting or action.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.conversations.models import Conversation
from massline.organization.models import Unit
from massline.people.models import Person
from massline.people.normalize import normalize_phone
from massline.struggles.models import Struggle
from massline.vault import Sealed


class AppendOnlyError(Exception):
    """Stock and fund events are history: a mistake is corrected by a new event."""


def _public_token() -> str:
    return secrets.token_urlsafe(12)


class ProgramKind(models.TextChoices):
    GROCERY_DELIVERY = "grocery_delivery", _("Grocery delivery")
    FOOD_DISTRIBUTION = "food_distribution", _("Food distribution")
    FRIDGE = "fridge", _("Community fridge")
    SUPPLY_DRIVE = "supply_drive", _("Supply drive")
    RENT_FUND = "rent_fund", _("Rent fund")
    BAIL_FUND = "bail_fund", _("Bail fund")
    OTHER = "other", _("Other")


class Program(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="aid_programs")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ProgramKind.choices)
    description = models.TextField(_("description"), blank=True)
    struggle = models.ForeignKey(
        Struggle,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aid_programs",
        verbose_name=_("struggle"),
        help_text=_("The struggle the people served are brought into (assessments, ideas)."),
    )
    areas = models.TextField(
        _("areas"),
        blank=True,
        help_text=_("Neighbourhoods served, one per line; the intake form offers them."),
    )
    currency = models.CharField(_("currency"), max_length=8, blank=True, default="")
    public_token = models.CharField(max_length=32, unique=True, default=_public_token)
    accepts_requests = models.BooleanField(_("accepts requests"), default=True)
    accepts_offers = models.BooleanField(_("accepts offers"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def area_list(self) -> list[str]:
        return [line.strip() for line in self.areas.splitlines() if line.strip()]


class ProgramRoleKind(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")


class ProgramRole(models.Model):
    """A member's part in one program; coordinators also do what volunteers do."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="roles")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aid_roles"
    )
    role = models.CharField(max_length=20, choices=ProgramRoleKind.choices)
    since = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["role", "member__username"]
        constraints = [
            models.UniqueConstraint(fields=["program", "member"], name="one_aid_role_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_role_display()}) in {self.program}"


class Urgency(models.TextChoices):
    TODAY = "today", _("Today")
    THIS_WEEK = "week", _("This week")
    WHENEVER = "whenever", _("When you can")


class Recurrence(models.TextChoices):
    ONCE = "", _("Once")
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every four weeks")


RECURRENCE_DAYS = {Recurrence.WEEKLY: 7, Recurrence.FORTNIGHTLY: 14, Recurrence.MONTHLY: 28}


class Source(models.TextChoices):
    PUBLIC = "public", _("Public form")
    PHONE = "phone", _("Taken by a member")


class RequestState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class AidRequest(models.Model):
    """What someone needs. Contact details are for the delivering volunteer only, and are
    purged after the request is closed unless the person consented to stay in touch."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="requests")
    need = models.TextField(_("what is needed"))
    household_size = models.PositiveSmallIntegerField(
        _("for how many people"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.THIS_WEEK
    )
    area = models.CharField(_("area"), max_length=120)
    # Contact: encrypted at rest (massline.vault) and revealed only to the volunteer holding a
    # delivery of this request; emptied by the retention purge.
    name_sealed = models.TextField(blank=True, default="", editable=False)
    phone_sealed = models.TextField(blank=True, default="", editable=False)
    phone_index = models.CharField(max_length=32, blank=True, default="", db_index=True)
    address_sealed = models.TextField(blank=True, default="", editable=False)
    contact_notes_sealed = models.TextField(blank=True, default="", editable=False)
    language = models.CharField(_("language"), max_length=60, blank=True)
    consent_contact = models.BooleanField(
        _("consents to be contacted about the struggle"), default=False
    )
    recurrence = models.CharField(
        _("repeat"), max_length=12, choices=Recurrence.choices, default="", blank=True
    )
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PUBLIC)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aid_requests",
        help_text=_("The person in the unit, once someone served who consented is recorded."),
    )
    purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    name = Sealed("name_sealed")
    phone = Sealed("phone_sealed", index="phone_index", normalize=normalize_phone)
    address = Sealed("address_sealed")
    contact_notes = Sealed("contact_notes_sealed")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "state"])]

    def __str__(self) -> str:
        return _("Request %(id)s in %(area)s") % {"id": self.pk, "area": self.area}

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurrence)

    def next_due(self, after: date) -> date:
        return after + timedelta(days=RECURRENCE_DAYS[Recurrence(self.recurrence)])


class OfferKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    TIME = "time", _("Time")
    CAR = "car", _("A car or a ride")
    MONEY = "money", _("Money")
    OTHER = "other", _("Other")


class OfferState(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    USED = "used", _("Used")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AidOffer(models.Model):
    """Goods, time, a car or money someone offers the program."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="offers")
    kind = models.CharField(_("what you offer"), max_length=10, choices=OfferKind.choices)
    description = models.TextField(_("details"))
    availability = models.CharField(_("when"), max_length=200, blank=True)
    area = models.CharField(_("area"), max_length=120, blank=True)
    name_sealed = models.TextField(blank=True, default="", editable=False)
    phone_sealed = models.TextField(blank=True, default="", editable=False)
    email_sealed = models.TextField(blank=True, default="", editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PUBLIC)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    name = Sealed("name_sealed")
    phone = Sealed("phone_sealed")
    email = Sealed("email_sealed")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"


class DeliveryState(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    ON_THE_WAY = "on_the_way", _("On the way")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_DELIVERY_STATES = (DeliveryState.CLAIMED, DeliveryState.ON_THE_WAY)
FINISHED_DELIVERY_STATES = (DeliveryState.DONE, DeliveryState.FAILED)


class FailureReason(models.TextChoices):
    NOT_HOME = "not_home", _("Nobody home")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    DECLINED = "declined", _("Declined")
    NO_STOCK = "no_stock", _("Nothing to bring")
    OTHER = "other", _("Other")


class Delivery(models.Model):
    """One delivery of a request, on one day. Claiming is a conditional update so exactly one
    volunteer wins when two tap "claim" at once."""

    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="deliveries")
    due_on = models.DateField(default=timezone.localdate)
    state = models.CharField(
        max_length=12, choices=DeliveryState.choices, default=DeliveryState.OPEN, db_index=True
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_deliveries",
    )
    offer = models.ForeignKey(
        AidOffer, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failure_reason = models.CharField(
        max_length=20, choices=FailureReason.choices, blank=True, default=""
    )
    failure_note = models.CharField(max_length=300, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    handed_over = models.CharField(max_length=200, blank=True)
    conversation = models.OneToOneField(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aid_delivery",
        help_text=_("The conversation at the doorstep."),
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            # Recurring deliveries are scheduled at most once per day; a failed one may be
            # tried again the same day.
            models.UniqueConstraint(
                fields=["request", "due_on"],
                condition=~models.Q(state="failed"),
                name="one_delivery_per_day",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "finished_at"])]

    def __str__(self) -> str:
        return _("Delivery %(id)s on %(day)s") % {"id": self.pk, "day": self.due_on}


class Shift(models.Model):
    """Volunteer time that is not a delivery (a distribution, restocking the fridge), and
    no-shows: someone who was expected and did not come."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="shifts")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="aid_shifts"
    )
    day = models.DateField(default=timezone.localdate)
    hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    what = models.CharField(max_length=200, blank=True)
    no_show = models.BooleanField(default=False)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="no_shows"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["program", "day"])]

    def __str__(self) -> str:
        return f"{self.member} {self.day}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("aid events are append-only")

    def delete(self):
        raise AppendOnlyError("aid events are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("aid events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("aid events are append-only")


class Direction(models.TextChoices):
    IN = "in", _("Came in")
    OUT = "out", _("Went out")


class StockEvent(AppendOnlyModel):
    """Something came in or went out. Stock on hand is the sum of these, per item."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="stock_events")
    item = models.CharField(_("item"), max_length=100)
    measure = models.CharField(_("counted in"), max_length=30, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_events"
    )
    offer = models.ForeignKey(
        AidOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_events"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["program", "item"])]

    def __str__(self) -> str:
        return f"{self.direction} {self.quantity} {self.item}"


class FundDirection(models.TextChoices):
    INCOME = "income", _("Income")
    PAYOUT = "payout", _("Payout")


class FundEvent(AppendOnlyModel):
    """Money in or out. The balance is the running sum of these."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="fund_events")
    direction = models.CharField(_("direction"), max_length=10, choices=FundDirection.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("what for"), max_length=300)
    request = models.ForeignKey(
        AidRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    offer = models.ForeignKey(
        AidOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="fund_events"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.amount}"
