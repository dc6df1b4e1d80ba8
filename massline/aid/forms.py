"""Forms of the aid pages. The public ones carry the bot guard; all validate phones with the
one normalisation massline uses everywhere, and say clearly what is wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.aid.models import (
    Direction,
    FailureReason,
    FundDirection,
    OfferKind,
    Program,
    ProgramKind,
    ProgramRoleKind,
    Recurrence,
    Urgency,
)
from massline.aid.services import Doorstep, OfferIntake, RequestIntake
from massline.conversations.models import Mood
from massline.conversations.services import IdeaRaised
from massline.ideas.models import IdeaKind
from massline.organization.models import Member, Unit
from massline.people.normalize import normalize_email, normalize_phone
from massline.struggles.models import Level, Struggle
from massline.web.public import BotGuardForm

DATE = forms.DateInput(attrs={"type": "date"})
MAX_DOORSTEP_IDEAS = 3


class ProgramForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Unit"))
    name = forms.CharField(max_length=200, label=_("Name"))
    kind = forms.ChoiceField(choices=ProgramKind.choices, label=_("Kind"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    struggle = forms.ModelChoiceField(
        queryset=Struggle.objects.none(),
        required=False,
        label=_("Struggle the people served are brought into"),
    )
    areas = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Areas served (one per line)"),
    )
    currency = forms.CharField(max_length=8, required=False, label=_("Currency of the fund"))
    accepts_requests = forms.BooleanField(
        required=False, initial=True, label=_("Take requests on the public form")
    )
    accepts_offers = forms.BooleanField(
        required=False, initial=True, label=_("Take offers on the public form")
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    def __init__(
        self, *args, units: QuerySet[Unit], struggles: QuerySet[Struggle], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["struggle"].queryset = struggles


def _area_field(program: Program) -> forms.Field:
    if program.area_list:
        return forms.ChoiceField(
            choices=[("", "—"), *((a, a) for a in program.area_list)],
            label=_("Your area"),
        )
    return forms.CharField(
        max_length=120,
        label=_("Your area or neighbourhood"),
        help_text=_("Only this is shown to volunteers before one of them takes the delivery."),
    )


class RequestForm(forms.Form):
    """What someone needs and how to reach them; also used by a member on the phone."""

    need = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label=_("What do you need?")
    )
    household_size = forms.IntegerField(
        min_value=1, max_value=50, initial=1, label=_("For how many people?")
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices, initial=Urgency.THIS_WEEK, label=_("How soon?")
    )
    name = forms.CharField(max_length=120, required=False, label=_("Your name"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    address = forms.CharField(
        max_length=300,
        required=False,
        label=_("Address for the delivery"),
        help_text=_("Only the volunteer who brings it sees this, and only until it is done."),
    )
    contact_notes = forms.CharField(
        max_length=300, required=False, label=_("How and when to reach you")
    )
    language = forms.CharField(max_length=60, required=False, label=_("Language you speak"))
    recurrence = forms.ChoiceField(
        choices=Recurrence.choices, required=False, label=_("Do you need this regularly?")
    )
    consent_contact = forms.BooleanField(
        required=False,
        label=_(
            "You may contact me about what we are doing together as tenants and workers "
            "(meetings, actions). Without this, my details are deleted after the help."
        ),
    )

    def __init__(self, *args, program: Program, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["area"] = _area_field(program)
        self.order_fields(["need", "household_size", "urgency", "area"])
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except ValidationError:
            raise ValidationError(
                _("This does not look like a phone number (6 to 15 digits).")
            ) from None

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not (data.get("phone") or data.get("address", "").strip()):
            raise ValidationError(_("Give a phone number or an address, so we can reach you."))
        return data

    def intake(self) -> RequestIntake:
        data = self.cleaned_data
        return RequestIntake(
            need=data["need"],
            area=data["area"],
            household_size=data["household_size"],
            urgency=data["urgency"],
            name=data["name"],
            phone=data["phone"],
            address=data["address"],
            contact_notes=data["contact_notes"],
            language=data["language"],
            consent_contact=data["consent_contact"],
            recurrence=data.get("recurrence") or "",
            repeat_until=data.get("repeat_until"),
            first_due=data.get("first_due"),
        )


class PhoneRequestForm(RequestForm):
    """Taken on the phone by a member: also when to start and until when to repeat."""

    first_due = forms.DateField(required=False, widget=DATE, label=_("First delivery on"))
    repeat_until = forms.DateField(required=False, widget=DATE, label=_("Repeat until"))

    def clean_first_due(self) -> date | None:
        day = self.cleaned_data.get("first_due")
        if day and day < timezone.localdate():
            raise ValidationError(_("The first delivery cannot be in the past."))
        return day


class PublicRequestForm(RequestForm, BotGuardForm):
    guard_salt = "aid-request"


class OfferForm(forms.Form):
    kind = forms.ChoiceField(choices=OfferKind.choices, label=_("What can you offer?"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label=_("Details")
    )
    availability = forms.CharField(max_length=200, required=False, label=_("When"))
    area = forms.CharField(max_length=120, required=False, label=_("Your area"))
    name = forms.CharField(max_length=120, required=False, label=_("Your name"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    email = forms.CharField(max_length=254, required=False, label=_("Email"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["email"].widget.attrs.update(inputmode="email", autocomplete="email")

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except ValidationError:
            raise ValidationError(
                _("This does not look like a phone number (6 to 15 digits).")
            ) from None

    def clean_email(self) -> str:
        try:
            return normalize_email(self.cleaned_data.get("email", ""))
        except ValidationError:
            raise ValidationError(_("This does not look like an email address.")) from None

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not (data.get("phone") or data.get("email")):
            raise ValidationError(_("Give a phone number or an email, so we can reach you."))
        return data

    def intake(self) -> OfferIntake:
        return OfferIntake(**self.cleaned_data)


class PublicOfferForm(OfferForm, BotGuardForm):
    guard_salt = "aid-offer"

    def intake(self) -> OfferIntake:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("website", "started")}
        return OfferIntake(**data)


class RoleForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label=_("Member"))
    role = forms.ChoiceField(choices=ProgramRoleKind.choices, label=_("Role"))

    def __init__(self, *args, members: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class AssignForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=Member.objects.none(), label=_("Volunteer"))

    def __init__(self, *args, volunteers: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers


class CompleteForm(forms.Form):
    hours = forms.DecimalField(
        min_value=Decimal(0),
        max_value=Decimal(24),
        decimal_places=2,
        required=False,
        label=_("Hours it took"),
    )
    handed_over = forms.CharField(max_length=200, required=False, label=_("What was handed over"))


class FailForm(forms.Form):
    reason = forms.ChoiceField(choices=FailureReason.choices, label=_("Why did it fail?"))
    note = forms.CharField(max_length=300, required=False, label=_("What happened"))


class DoorstepForm(forms.Form):
    """The conversation at the door: a minute on a phone."""

    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("What was said")
    )
    mood = forms.ChoiceField(choices=[("", "—"), *Mood.choices], required=False, label=_("Mood"))
    level = forms.ChoiceField(
        choices=[("", _("Not assessed")), *Level.choices],
        required=False,
        label=_("How do they stand on the struggle?"),
    )
    consent_contact = forms.BooleanField(
        required=False, label=_("They agreed to stay in touch (become a contact of the unit)")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for n in range(MAX_DOORSTEP_IDEAS):
            self.fields[f"idea_kind_{n}"] = forms.ChoiceField(
                choices=IdeaKind.choices, required=False, label=_("Kind of idea")
            )
            self.fields[f"idea_text_{n}"] = forms.CharField(
                max_length=2000, required=False, label=_("Idea, in their words")
            )

    def idea_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"idea_kind_{n}"], self[f"idea_text_{n}"]) for n in range(MAX_DOORSTEP_IDEAS)]

    def doorstep(self) -> Doorstep:
        data = self.cleaned_data
        ideas = [
            IdeaRaised(kind=data[f"idea_kind_{n}"] or IdeaKind.CONCERN, text=text.strip())
            for n in range(MAX_DOORSTEP_IDEAS)
            if (text := data.get(f"idea_text_{n}", "")).strip()
        ]
        return Doorstep(
            notes=data["notes"],
            mood=data["mood"],
            ideas=ideas,
            level=data["level"],
            consent_contact=data["consent_contact"],
        )


class StockForm(forms.Form):
    direction = forms.ChoiceField(
        choices=Direction.choices, widget=forms.RadioSelect, label=_("Came in or went out")
    )
    item = forms.CharField(max_length=100, label=_("Item"))
    quantity = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=10, decimal_places=2, label=_("Quantity")
    )
    measure = forms.CharField(max_length=30, required=False, label=_("Counted in (bags, kg…)"))
    note = forms.CharField(max_length=300, required=False, label=_("Note"))


class FundForm(forms.Form):
    direction = forms.ChoiceField(
        choices=FundDirection.choices, widget=forms.RadioSelect, label=_("Income or payout")
    )
    amount = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=12, decimal_places=2, label=_("Amount")
    )
    note = forms.CharField(max_length=300, label=_("What for / from whom"))


class ShiftForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label=_("Volunteer"))
    day = forms.DateField(widget=DATE, label=_("Day"))
    hours = forms.DecimalField(
        min_value=Decimal(0),
        max_value=Decimal(24),
        decimal_places=2,
        required=False,
        label=_("Hours"),
    )
    what = forms.CharField(max_length=200, required=False, label=_("What they did"))
    no_show = forms.BooleanField(required=False, label=_("Did not come (no-show)"))

    def __init__(self, *args, members: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["day"].initial = timezone.localdate()

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("no_show") and not data.get("hours"):
            raise ValidationError(_("Give the hours, or tick no-show."))
        return data
