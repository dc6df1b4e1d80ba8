"""Forms of the assembly pages: they check shapes; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from massline.assemblies.models import (
    AssemblyKind,
    Majority,
    OfficeKind,
    QuorumRule,
    VoteMethod,
)
from massline.rounds.models import ActionKind


class AssemblyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=AssemblyKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    quorum_rule = forms.ChoiceField(label=_("Quorum"), choices=QuorumRule.choices)
    quorum_number = forms.IntegerField(
        label=_("Quorum: members present"), min_value=1, required=False
    )
    quorum_percent = forms.IntegerField(
        label=_("Quorum: percent of members in good standing"),
        min_value=1,
        max_value=100,
        required=False,
    )
    agenda = forms.CharField(
        label=_("Agenda, one item a line"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    notice = forms.CharField(
        label=_("Notice to the members"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self) -> dict:
        data = super().clean()
        rule = data.get("quorum_rule")
        if rule == QuorumRule.NUMBER and not data.get("quorum_number"):
            self.add_error("quorum_number", _("Say how many members make the quorum."))
        if rule == QuorumRule.SHARE and not data.get("quorum_percent"):
            self.add_error("quorum_percent", _("Say what percent of the members make the quorum."))
        return data


class MotionForm(forms.Form):
    text = forms.CharField(label=_("Motion"), widget=forms.Textarea(attrs={"rows": 3}))
    majority = forms.ChoiceField(label=_("Majority needed"), choices=Majority.choices)


class AmendmentForm(forms.Form):
    text = forms.CharField(label=_("Amended text"), widget=forms.Textarea(attrs={"rows": 3}))


class BringLineForm(forms.Form):
    line = forms.ModelChoiceField(label=_("Line"), queryset=None, empty_label=None)
    majority = forms.ChoiceField(label=_("Majority needed"), choices=Majority.choices)

    def __init__(self, *args, lines, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines


class ElectionForm(forms.Form):
    office = forms.CharField(label=_("Office or delegation"), max_length=200)
    office_kind = forms.ChoiceField(label=_("Officer or delegate"), choices=OfficeKind.choices)
    sent_to = forms.CharField(label=_("Sent to (for a delegate)"), max_length=200, required=False)
    term_ends_on = forms.DateField(
        label=_("Term ends on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    mandate_text = forms.CharField(
        label=_("Mandate: what the delegate carries"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    candidates = forms.ModelMultipleChoiceField(
        label=_("Candidates"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = members


class RecallForm(forms.Form):
    mandate = forms.ModelChoiceField(label=_("Mandate to recall"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, mandates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mandate"].queryset = mandates


class OpenVoteForm(forms.Form):
    method = forms.ChoiceField(label=_("How the vote is taken"), choices=VoteMethod.choices)


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ActionForm(forms.Form):
    round = forms.ModelChoiceField(label=_("Round"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    title = forms.CharField(label=_("Action"), max_length=200)
    happens_on = forms.DateField(label=_("On"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, rounds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What was reported back"), widget=forms.Textarea(attrs={"rows": 3})
    )
