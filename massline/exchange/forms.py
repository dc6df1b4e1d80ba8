from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from massline.exchange import layouts, texting
from massline.exchange.models import Event


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("Into the unit"))
    layout = forms.ChoiceField(
        label=_("The file comes from"),
        required=False,
        choices=[("", _("Find out from its columns"))]
        + [(key, layout.label) for key, layout in layouts.LAYOUTS.items()],
    )
    file = forms.FileField(label=_("CSV file"))

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MASSLINE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.")
                % {"mb": settings.MASSLINE_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file: what it becomes."""

    def __init__(self, *args, header: list[str], mapping: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for index, column in enumerate(header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=column or _("(no name)"),
                choices=list(layouts.TARGETS.items()),
                initial=mapping.get(str(index), layouts.IGNORE),
            )
        self.header = header

    def mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data[f"col_{i}"] for i in range(len(self.header))}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for problem in layouts.check_mapping(self.mapping(), self.header):
                self.add_error(None, problem)
        return cleaned


class TextingForm(forms.Form):
    SOURCES = [
        ("unit", _("The unit's people")),
        ("return", _("My return list for a line")),
        ("action", _("Everyone asked to an action")),
    ]
    fmt = forms.ChoiceField(
        label=_("For"), choices=list(texting.FORMAT_LABELS.items()), widget=forms.RadioSelect
    )
    unit = forms.ModelChoiceField(queryset=None, label=_("People of the unit"))
    source = forms.ChoiceField(label=_("Which list"), choices=SOURCES, widget=forms.RadioSelect)
    line = forms.ModelChoiceField(queryset=None, required=False, label=_("Line"))
    action = forms.ModelChoiceField(queryset=None, required=False, label=_("Action"))

    def __init__(self, *args, units, lines, actions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["line"].queryset = lines
        self.fields["line"].label_from_instance = lambda line: f"#{line.pk} · {line.round}"
        self.fields["action"].queryset = actions

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source == "return" and not cleaned.get("line"):
            self.add_error("line", _("Choose the line whose return list to export."))
        if source == "action" and not cleaned.get("action"):
            self.add_error("action", _("Choose the action whose invitees to export."))
        return cleaned


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        validators=[URLValidator(schemes=["https", "http"])],
        assume_scheme="https",
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("On"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NewEndpointForm(EndpointForm):
    unit = forms.ModelChoiceField(queryset=None, label=_("Unit"))

    field_order = ["unit", "url", "events", "active"]

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Texts"),
        widget=forms.RadioSelect,
        choices=[
            ("yes", _("Agreed to receive texts")),
            ("no", _("Does not want texts")),
        ],
    )
