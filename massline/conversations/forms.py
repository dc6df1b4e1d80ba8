"""The conversation form: built for a phone, one screen, under a minute.

Per-person fields (each person's level, who the follow-up is with) are added for the people
chosen so far; the htmx fragment re-renders them as people are added.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from massline.conversations.models import ConversationKind, Mood
from massline.conversations.services import (
    AssessmentGiven,
    ConversationRecord,
    FollowUpPlanned,
    IdeaRaised,
)
from massline.ideas.models import IdeaKind
from massline.organization.models import Member, Unit
from massline.people.models import Person, Place
from massline.people.normalize import normalize_phone
from massline.sections.models import PEOPLE_LANGUAGES
from massline.struggles.models import Level, Struggle

NEW = "new"
LEVEL_CHOICES = [("", _("Not assessed")), *Level.choices]
SCORE_CHOICES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]
MAX_IDEAS = 30


class IdeaForm(forms.Form):
    kind = forms.ChoiceField(choices=IdeaKind.choices, label=_("Kind"))
    text = forms.CharField(max_length=2000, label=_("Idea"))


class ConversationForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(), required=False, label=_("People")
    )
    new_first_name = forms.CharField(max_length=100, required=False, label=_("First name"))
    new_last_name = forms.CharField(max_length=100, required=False, label=_("Last name"))
    new_phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    kind = forms.ChoiceField(choices=ConversationKind.choices, label=_("Kind"))
    happened_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Unit"))
    place = forms.ModelChoiceField(queryset=Place.objects.none(), required=False, label=_("Where"))
    mood = forms.ChoiceField(choices=[("", "—"), *Mood.choices], required=False, label=_("Mood"))
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Notes")
    )
    struggle = forms.ModelChoiceField(
        queryset=Struggle.objects.none(), required=False, label=_("About which struggle")
    )
    follow_up_due = forms.DateField(
        required=False, label=_("Follow up by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    follow_up_owner = forms.ModelChoiceField(
        queryset=Member.objects.none(), required=False, label=_("Who follows up")
    )
    follow_up_note = forms.CharField(max_length=500, required=False, label=_("What for"))
    language = forms.ChoiceField(
        choices=[("", _("Their language, else mine")), *PEOPLE_LANGUAGES],
        required=False,
        label=_("Ideas said in"),
    )

    def __init__(
        self,
        *args,
        member: Member,
        people: QuerySet[Person],
        units: QuerySet[Unit],
        places: QuerySet[Place],
        struggles: QuerySet[Struggle],
        members: QuerySet[Member],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["people"].queryset = people
        self.fields["unit"].queryset = units
        self.fields["place"].queryset = places
        self.fields["struggle"].queryset = struggles
        self.fields["follow_up_owner"].queryset = members
        self.fields["new_phone"].widget.attrs["inputmode"] = "tel"
        self.fields["happened_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["follow_up_owner"].initial = member.pk
        self.chosen_people = self._chosen(people)
        for key, label in self.person_keys():
            self.fields[f"level_{key}"] = forms.ChoiceField(
                choices=LEVEL_CHOICES,
                required=False,
                label=_("Level of %(name)s") % {"name": label},
            )
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                label=_("1-5 score of %(name)s") % {"name": label},
            )
        self.fields["follow_up_with"] = forms.ChoiceField(
            choices=self.person_keys(), required=False, label=_("Follow up with")
        )
        self.idea_forms = self._idea_forms()

    def _chosen(self, people: QuerySet[Person]) -> list[Person]:
        source = self.data if self.is_bound else self.initial
        raw = source.getlist("people") if hasattr(source, "getlist") else source.get("people", [])
        ids = [int(value) for value in raw if str(value).isdigit()]
        return list(people.filter(pk__in=ids).order_by("last_name", "first_name"))

    def person_keys(self) -> list[tuple[str, str]]:
        keys = [(str(person.pk), person.full_name) for person in self.chosen_people]
        new_name = (self.data.get("new_first_name", "") if self.is_bound else "").strip()
        if new_name or not keys:
            keys.append((NEW, new_name or "the new person"))
        return keys

    def _idea_forms(self) -> list[IdeaForm]:
        if not self.is_bound:
            return [IdeaForm(prefix="idea", auto_id=False) for _i in range(2)]
        pairs = zip(self.data.getlist("idea-kind"), self.data.getlist("idea-text"), strict=False)
        return [
            IdeaForm({"idea-kind": kind, "idea-text": text}, prefix="idea", auto_id=False)
            for kind, text in list(pairs)[:MAX_IDEAS]
            if text.strip()
        ]

    def person_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (label, self[f"level_{key}"], self[f"score_{key}"]) for key, label in self.person_keys()
        ]

    def clean_new_phone(self) -> str:
        return normalize_phone(self.cleaned_data["new_phone"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("people") and not cleaned.get("new_first_name"):
            self.add_error(
                "people", "Who was the conversation with? Choose someone or add a new person."
            )
        if any(not idea.is_valid() for idea in self.idea_forms):
            self.add_error(None, _("Each idea needs a kind and some text."))
        assessed = [
            key
            for key, _ in self.person_keys()
            if cleaned.get(f"level_{key}") or cleaned.get(f"score_{key}")
        ]
        if assessed and not cleaned.get("struggle"):
            self.add_error("struggle", _("Say which struggle the assessment is about."))
        if cleaned.get("follow_up_due"):
            if not cleaned.get("follow_up_owner"):
                self.add_error("follow_up_owner", _("Who will follow up?"))
            if cleaned.get("follow_up_due") < timezone.localdate():
                self.add_error("follow_up_due", _("A follow-up cannot be due in the past."))
        return cleaned

    def to_record(self, new_person: Person | None) -> ConversationRecord:
        """Turn the valid form into the service's input; `new_person` is already saved."""
        data = self.cleaned_data
        by_key = {str(person.pk): person for person in data["people"]}
        if new_person is not None:
            by_key[NEW] = new_person
        assessments = [
            AssessmentGiven(
                person=by_key[key],
                level=data.get(f"level_{key}") or None,
                score=data.get(f"score_{key}"),
            )
            for key in by_key
            if data.get(f"level_{key}") or data.get(f"score_{key}")
        ]
        follow_up = None
        if data.get("follow_up_due"):
            with_key = data.get("follow_up_with") or next(iter(by_key))
            follow_up = FollowUpPlanned(
                person=by_key.get(with_key, next(iter(by_key.values()))),
                owner=data["follow_up_owner"],
                due_on=data["follow_up_due"],
                note=data.get("follow_up_note", ""),
            )
        return ConversationRecord(
            unit=data["unit"],
            people=list(by_key.values()),
            kind=data["kind"],
            happened_at=data["happened_at"],
            place=data.get("place"),
            notes=data.get("notes", ""),
            mood=data.get("mood", ""),
            struggle=data.get("struggle"),
            ideas=[
                IdeaRaised(kind=f.cleaned_data["kind"], text=f.cleaned_data["text"].strip())
                for f in self.idea_forms
            ],
            assessments=assessments,
            follow_up=follow_up,
            language=data.get("language", ""),
        )
