"""Forms of study, pairs, notes and invitations. Querysets always come from the view, already
filtered through access, so a form can never offer what the member may not see."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Member, Unit
from massline.rounds.models import Line, Round
from massline.study.files import check_reading_file
from massline.study.models import Answer, InvitationKind, Reading, StudyGroup

LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return str(obj)


class StudyGroupForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Unit"))
    name = forms.CharField(max_length=200, label=_("Name"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("What we study and why")
    )

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first()


class ReadingForm(forms.Form):
    title = forms.CharField(max_length=300, label=_("Title"))
    author = forms.CharField(max_length=200, required=False, label=_("Author"))
    part = forms.CharField(
        max_length=300,
        required=False,
        label=_("Part to read"),
        help_text=_("e.g. chapters 1-2, pp. 10-34"),
    )
    url = forms.URLField(max_length=500, required=False, label=_("Link"), assume_scheme="https")
    upload = forms.FileField(
        required=False,
        label=_("Or upload a PDF or EPUB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.epub,application/pdf"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = _(
            "Only the group's members can open it. At most %(limit)s."
        ) % {"limit": filesizeformat(settings.STUDY_READING_MAX_BYTES)}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.file_kind = check_reading_file(upload)
        return upload


class TextChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        if isinstance(obj, Round):
            return str(_("Summation: %(q)s") % {"q": obj.question})
        return str(obj)


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(widget=LOCAL_DATETIME, label=_("Date and time"))
    place = forms.CharField(max_length=200, required=False, label=_("Place"))
    presenter = MemberChoiceField(
        queryset=Member.objects.none(), required=False, label=_("Presenter")
    )
    reading = forms.ModelChoiceField(
        queryset=Reading.objects.none(), required=False, label=_("Reading")
    )
    summation_of = TextChoiceField(
        queryset=Round.objects.none(),
        required=False,
        label=_("Or study a round's summation"),
    )
    line = TextChoiceField(queryset=Line.objects.none(), required=False, label=_("Or a line"))

    def __init__(
        self,
        *args,
        group: StudyGroup,
        members: QuerySet[Member],
        rounds: QuerySet[Round],
        lines: QuerySet[Line],
        suggested: Member | None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = members
        self.fields["presenter"].initial = suggested
        if suggested is not None:
            self.fields["presenter"].help_text = _(
                "Suggested: %(name)s, who presented least recently."
            ) % {"name": suggested}
        self.fields["reading"].queryset = group.readings.all()
        self.fields["summation_of"].queryset = rounds
        self.fields["line"].queryset = lines
        self.fields["held_at"].initial = timezone.localtime().replace(
            minute=0, second=0, microsecond=0
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        texts = [cleaned.get(name) for name in ("reading", "summation_of", "line")]
        if sum(text is not None for text in texts) > 1:
            raise forms.ValidationError(
                _("Choose one text: a reading, a round's summation or a line.")
            )
        return cleaned


class NotesForm(forms.Form):
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, label=_("Discussion notes")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class QuestionForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label=_("The question")
    )
    round = forms.ModelChoiceField(
        queryset=Round.objects.none(),
        label=_("Round whose pool it joins"),
        help_text=_("It becomes an idea of kind “question”, linked back to this session."),
    )

    def __init__(self, *args, rounds: QuerySet[Round], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds


class SwapForm(forms.Form):
    member = MemberChoiceField(queryset=Member.objects.none(), label=_("Swap with"))

    def __init__(self, *args, members: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class PairForm(forms.Form):
    newer = MemberChoiceField(queryset=Member.objects.none(), label=_("Newer member"))
    experienced = MemberChoiceField(queryset=Member.objects.none(), label=_("Experienced member"))

    def __init__(self, *args, members: QuerySet[Member], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["newer"].queryset = members
        self.fields["experienced"].queryset = members


class LeadNoteForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Read by the leads of"))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Private note"))

    def __init__(self, *args, units: QuerySet[Unit] | list[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ids = [unit.pk for unit in units]
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=ids)
        if len(ids) == 1:
            self.fields["unit"].initial = ids[0]


class InvitationForm(forms.Form):
    kind = forms.ChoiceField(choices=InvitationKind.choices, label=_("Invite to"))
    study_group = forms.ModelChoiceField(
        queryset=StudyGroup.objects.none(), required=False, label=_("Study group")
    )
    note = forms.CharField(max_length=500, required=False, label=_("Note"))

    def __init__(self, *args, groups: QuerySet[StudyGroup], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["study_group"].queryset = groups

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("kind") == InvitationKind.STUDY and not cleaned.get("study_group"):
            self.add_error("study_group", _("Choose the study group."))
        return cleaned


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[(value, label) for value, label in Answer.choices if value != Answer.PENDING],
        label=_("Their answer"),
    )
    note = forms.CharField(max_length=500, required=False, label=_("What they said"))


class JoinForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("Username for their account"))
    display_name = forms.CharField(max_length=150, required=False, label=_("Name shown"))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label=_("First password"),
        help_text=_("Give it to them in person; they can change it after logging in."),
    )
