from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Member, Unit
from massline.people.models import Person, Place
from massline.people.normalize import normalize_email, normalize_phone
from massline.struggles.models import Level, Struggle


class PersonForm(forms.ModelForm):
    """Create or edit a person; `version` carries the edit check through the round trip.

    Phone, email, address and sensitive notes are encrypted attributes of Person, not model
    fields, so they are declared here and copied onto the person in `save`.
    """

    SEALED_FIELDS = ("phone", "email", "address", "sensitive_notes")

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    email = forms.CharField(max_length=254, required=False, label=_("Email"))
    address = forms.CharField(
        max_length=300, required=False, label=_("Home address"), help_text=_("Encrypted.")
    )
    sensitive_notes = forms.CharField(
        required=False,
        label=_("Sensitive notes"),
        help_text=_("Encrypted, and destroyed for good when the person is deleted."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "phone",
            "email",
            "address",
            "unit",
            "place",
            "responsible",
            "notes",
            "sensitive_notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "unit": _("Unit"),
            "place": _("Place"),
            "responsible": _("Keeps the tie"),
            "notes": _("Notes"),
        }

    def __init__(
        self,
        *args,
        units: QuerySet[Unit],
        places: QuerySet[Place],
        members: QuerySet[Member],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["place"].queryset = places
        self.fields["responsible"].queryset = members
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["email"].widget = forms.EmailInput()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            for name in self.SEALED_FIELDS:
                self.fields[name].initial = getattr(self.instance, name)

    def save(self, commit: bool = True) -> Person:
        for name in self.SEALED_FIELDS:
            setattr(self.instance, name, self.cleaned_data[name])
        return super().save(commit=commit)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict:
        cleaned = super().clean()
        place, unit = cleaned.get("place"), cleaned.get("unit")
        if (
            place
            and unit
            and not unit.path.startswith(place.unit.path)
            and not place.unit.path.startswith(unit.path)
        ):
            raise ValidationError({"place": _("This place belongs to another unit.")})
        return cleaned


class LastContact(models.TextChoices):
    ANY = "", _("Any time")
    WEEK = "7", _("In the last 7 days")
    MONTH = "30", _("In the last 30 days")
    STALE = "stale30", _("Not in 30 days")
    NEVER = "never", _("Never")


class PlainSelect(forms.Select):
    """A select written out in Python. Django's own renders a template per option, a
    noticeable share of the people list's time that grows with the places and units a member
    sees; the HTML is the same (flat choices only, no option groups)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if key in chosen else "", label)
                for key, label in ((str(v), label) for v, label in self.choices)
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class ChoicesInOneQuery(ModelChoiceIterator):
    """Read a select's options with one plain query. The default reads them through
    `iterator()`, which on PostgreSQL opens a server-side cursor: three round trips to the
    database for a few dozen rows, on every page that shows the filters."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FilterChoiceField(forms.ModelChoiceField):
    iterator = ChoicesInOneQuery
    widget = PlainSelect


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Name, phone or email"))
    unit = FilterChoiceField(queryset=Unit.objects.none(), required=False, label=_("Unit"))
    place = FilterChoiceField(queryset=Place.objects.none(), required=False, label=_("Place"))
    struggle = FilterChoiceField(
        queryset=Struggle.objects.none(), required=False, label=_("Struggle")
    )
    level = forms.ChoiceField(
        choices=[("", _("Any level")), *Level.choices, ("none", _("Not assessed"))],
        required=False,
        label=_("Level"),
        widget=PlainSelect,
    )
    contact = forms.ChoiceField(
        choices=LastContact.choices, required=False, label=_("Last contact"), widget=PlainSelect
    )

    def __init__(
        self,
        *args,
        units: QuerySet[Unit],
        places: QuerySet[Place],
        struggles: QuerySet[Struggle],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["place"].queryset = places
        self.fields["struggle"].queryset = struggles

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("level") and not cleaned.get("struggle"):
            self.add_error("level", _("Choose the struggle the level is about."))
        return cleaned


class SealForm(forms.Form):
    """Record a person under a pseudonym: the name everyone sees, and the sealed real identity
    that only the chosen keepers read."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pseudonym_first_name = forms.CharField(
        max_length=100, label=_("Pseudonym"), help_text=_("The name everyone else will see.")
    )
    pseudonym_last_name = forms.CharField(
        max_length=100, required=False, label=_("Pseudonym (last name)")
    )
    real_name = forms.CharField(max_length=200, label=_("Real name"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    email = forms.CharField(max_length=254, required=False, label=_("Email"))
    address = forms.CharField(max_length=300, required=False, label=_("Address"))
    notes = forms.CharField(
        required=False, label=_("Sealed notes"), widget=forms.Textarea(attrs={"rows": 2})
    )
    keepers = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Who may read the real identity"),
        help_text=_("You are always one of them."),
        required=False,
    )

    def __init__(self, *args, candidates: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keepers"].queryset = candidates
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["email"].widget = forms.EmailInput(attrs={"autocomplete": "off"})

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])
