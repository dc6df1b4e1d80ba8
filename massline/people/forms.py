from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet

from massline.organization.models import Member, Unit
from massline.people.models import Person, Place
from massline.people.normalize import normalize_email, normalize_phone
from massline.struggles.models import Level, Struggle


class PersonForm(forms.ModelForm):
    """Create or edit a person; `version` carries the edit check through the round trip."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "phone",
            "email",
            "unit",
            "place",
            "responsible",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

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
            raise ValidationError({"place": "This place belongs to another unit."})
        return cleaned


class LastContact(models.TextChoices):
    ANY = "", "Any time"
    WEEK = "7", "In the last 7 days"
    MONTH = "30", "In the last 30 days"
    STALE = "stale30", "Not in 30 days"
    NEVER = "never", "Never"


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name, phone or email")
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    place = forms.ModelChoiceField(queryset=Place.objects.none(), required=False)
    struggle = forms.ModelChoiceField(queryset=Struggle.objects.none(), required=False)
    level = forms.ChoiceField(
        choices=[("", "Any level"), *Level.choices, ("none", "Not assessed")], required=False
    )
    contact = forms.ChoiceField(choices=LastContact.choices, required=False, label="Last contact")

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
            self.add_error("level", "Choose the struggle the level is about.")
        return cleaned
