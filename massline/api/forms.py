from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from massline.api.models import Scope
from massline.api.tokens import MAX_DAYS

EXPIRY_CHOICES = [
    (7, _("in 7 days")),
    (30, _("in 30 days")),
    (90, _("in 90 days")),
    (MAX_DAYS, _("in a year")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What is it for?"), max_length=100, help_text=_("For example: our signup form.")
    )
    scope = forms.ChoiceField(
        label=_("It may"),
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("Read only unless the tool must add or change records."),
    )
    days = forms.TypedChoiceField(
        label=_("It stops working"), choices=EXPIRY_CHOICES, coerce=int, initial=30
    )
