from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.consultations.models import Choice
from massline.consultations.services import STATEMENT_MAX
from massline.rounds.forms import LOCAL_DATETIME
from massline.rounds.models import Line, Theme
from massline.web.public import BotGuardForm


class ConsultationForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_('The question, e.g. "What should we ask the landlord for?"'),
    )
    closes_at = forms.DateTimeField(widget=LOCAL_DATETIME, label=_("Voting closes"))
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Draft statements from these themes"),
        help_text=_("Each theme gives its most-said ideas as statements."),
    )
    per_theme = forms.IntegerField(min_value=1, max_value=10, initial=3, label=_("Ideas per theme"))
    lines = forms.ModelMultipleChoiceField(
        queryset=Line.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Put these draft lines to the vote"),
    )
    extra = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("More statements, one per line"),
    )
    accepts_statements = forms.BooleanField(
        required=False, initial=True, label=_("Participants may propose statements")
    )

    def __init__(self, *args, themes: QuerySet[Theme], lines: QuerySet[Line], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = themes
        self.fields["lines"].queryset = lines
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["closes_at"].initial = now + timedelta(days=14)

    def clean_extra(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["extra"].splitlines() if line.strip()]


class StatementForm(forms.Form):
    text = forms.CharField(
        max_length=STATEMENT_MAX,
        min_length=3,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": STATEMENT_MAX}),
        label=_("Statement"),
    )


class PublicStatementForm(StatementForm, BotGuardForm):
    """No login: the bot guard keeps simple bots out."""

    guard_salt = "consultation-statement"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Your statement, short and clear")


class VoteForm(forms.Form):
    statement = forms.IntegerField(label=_("Statement"))
    choice = forms.TypedChoiceField(choices=Choice.choices, coerce=int, label=_("Your vote"))
