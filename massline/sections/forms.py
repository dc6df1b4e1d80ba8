"""Forms of the sections pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Member
from massline.sections.models import PEOPLE_LANGUAGES, Dimension, Topic


class DimensionForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"), help_text=_("e.g. Shift"))
    topic = forms.ChoiceField(choices=Topic.choices, initial=Topic.OTHER, label=_("About"))
    sensitive = forms.ChoiceField(
        choices=[
            ("", _("As usual for the topic")),
            ("yes", _("Sensitive")),
            ("no", _("Not sensitive")),
        ],
        required=False,
        label=_("Sensitive?"),
        help_text=_(
            "Nationality, ethnicity, religion, gender and immigration status are sensitive "
            "unless you say otherwise."
        ),
    )
    values = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Values, one per line"),
        help_text=_("e.g. Day shift, Night shift"),
    )

    def clean_values(self) -> list[str]:
        labels = [line.strip() for line in self.cleaned_data["values"].splitlines()]
        labels = [label for label in labels if label]
        if not labels:
            raise forms.ValidationError(_("Give at least one value."))
        return labels

    def clean_sensitive(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("sensitive") or "")


class ValueForm(forms.Form):
    label = forms.CharField(max_length=100, label=_("New value"))


class MinimumForm(forms.Form):
    minimum_cell = forms.IntegerField(
        min_value=2,
        max_value=100,
        label=_("Smallest count shown"),
        help_text=_("Any count below this shows as “fewer than” it, so no one is singled out."),
    )


class RightForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label=_("Member"))

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class PersonSectionsForm(forms.Form):
    """One choice per dimension; the empty choice is "unknown"."""

    def __init__(self, *args, dimensions: list[Dimension], current: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        for dimension in dimensions:
            self.fields[f"d{dimension.pk}"] = forms.TypedChoiceField(
                choices=[("", _("Unknown")), *[(v.pk, v.label) for v in dimension.values.all()]],
                coerce=int,
                empty_value=None,
                required=False,
                label=dimension.name,
                initial=current.get(dimension.pk),
                help_text=_("Sensitive") if dimension.sensitive else "",
            )

    def chosen(self) -> dict[int, int | None]:
        return {d.pk: self.cleaned_data.get(f"d{d.pk}") for d in self.dimensions}


class LineTranslationForm(forms.Form):
    language = forms.ChoiceField(choices=PEOPLE_LANGUAGES, label=_("Language"))
    concern = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("If you are concerned about…")
    )
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("…you should…"))
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Rationale")
    )


class PersonLanguageForm(forms.Form):
    language = forms.ChoiceField(
        choices=[("", _("Not known")), *PEOPLE_LANGUAGES],
        required=False,
        label=_("Preferred language"),
        help_text=_("Decides which version of a line their organizer brings them."),
    )
