from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.ideas.models import IdeaKind
from massline.organization.models import Unit
from massline.rounds.models import ActionKind, Response
from massline.struggles.models import Struggle
from massline.web.public import BotGuardForm

LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RoundForm(forms.Form):
    struggle = forms.ModelChoiceField(label=_("Struggle"), queryset=Struggle.objects.none())
    question = forms.CharField(
        label=_("Question"), max_length=300, help_text=_('e.g. "How do we stop the rent increase?"')
    )
    leading_unit = forms.ModelChoiceField(label=_("Leading unit"), queryset=Unit.objects.none())
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Units taking part"),
    )
    gather_from = forms.DateTimeField(widget=LOCAL_DATETIME, label=_("Gather from"))
    gather_until = forms.DateTimeField(widget=LOCAL_DATETIME, label=_("Gather until"))

    def __init__(
        self,
        *args,
        struggles: QuerySet[Struggle],
        leading: QuerySet[Unit],
        units: QuerySet[Unit],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["struggle"].queryset = struggles
        self.fields["leading_unit"].queryset = leading
        self.fields["units"].queryset = units
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["gather_from"].initial = now
        self.fields["gather_until"].initial = now + timedelta(days=14)

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("gather_from"), cleaned.get("gather_until")
        if start and end and end <= start:
            self.add_error("gather_until", _("The gathering window must end after it starts."))
        return cleaned


class NextRoundForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    gather_from = forms.DateTimeField(label=_("Gather from"), widget=LOCAL_DATETIME)
    gather_until = forms.DateTimeField(label=_("Gather until"), widget=LOCAL_DATETIME)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["gather_from"].initial = now
        self.fields["gather_until"].initial = now + timedelta(days=14)


class PublicIdeaForm(BotGuardForm):
    """No login: the bot guard keeps simple bots out."""

    guard_salt = "public-idea"

    kind = forms.ChoiceField(
        choices=IdeaKind.choices, initial=IdeaKind.PROPOSAL, label=_("What is it?")
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        min_length=3,
        label=_("Your idea, in your own words"),
    )


class LineForm(forms.Form):
    concern = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("If you are concerned about…")
    )
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("…you should…"))
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    change_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("What changed and why (for a revision)"),
    )


class ReceptionForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Response"), choices=Response.choices, widget=forms.RadioSelect
    )
    said = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("What they said")
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    happens_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Date"))
    place = forms.ModelChoiceField(
        label=_("Place"),
        queryset=None,
        required=False,
        help_text=_("For a petition: whose majority it tests."),
    )

    def __init__(self, *args, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places


class SummationForm(forms.Form):
    what_worked = forms.CharField(label=_("What worked"), widget=forms.Textarea(attrs={"rows": 3}))
    what_we_learned = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("What the people taught us")
    )
    how_the_line_changed = forms.CharField(
        label=_("How the line changed"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
