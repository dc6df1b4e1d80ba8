"""What the API reads and writes, one serializer per resource.

Every related object a client names is looked up in the member's visible (or managed)
queryset from massline.access, so an id from a sibling unit is answered exactly like an id
that does not exist. Unknown fields are refused rather than ignored: a typo must not look
like a successful write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from massline import access
from massline.api.models import Tag
from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.organization.models import Member, Unit
from massline.people.models import Person, Place
from massline.people.normalize import normalize_email, normalize_phone
from massline.rounds.models import Action, Line, Reception, Response, Round, RoundState
from massline.struggles.models import Assessment, Level, Struggle

Scope = Callable[[Member], QuerySet]


def member_of(serializer: serializers.Field) -> Member | None:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class Visible(serializers.PrimaryKeyRelatedField):
    """A reference by id to an object the requesting member can see (or manage)."""

    def __init__(self, scope: Scope, model: type[Model], **kwargs) -> None:
        self.scope = scope
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet:
        member = member_of(self)
        if member is None or not member.is_authenticated:
            return self.queryset.none()
        return self.scope(member)


class Strict(serializers.ModelSerializer):
    """Refuses fields it does not know or may not write, naming each one."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field.")] for name in unknown}
                )
        return super().to_internal_value(data)


def _normalized(normalize: Callable[[str], str], value: str) -> str:
    try:
        return normalize(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


# --- the organization ----------------------------------------------------------------------


class UnitSerializer(Strict):
    parent = Visible(access.managed_units, Unit, allow_null=True, required=False)

    class Meta:
        model = Unit
        fields = ["id", "name", "slug", "kind", "parent", "description", "path", "created_at"]
        read_only_fields = ["path", "created_at"]

    def validate(self, attrs: dict) -> dict:
        member = member_of(self)
        creating_top = self.instance is None and attrs.get("parent") is None
        moving_top = self.instance is not None and "parent" in attrs and attrs["parent"] is None
        if (creating_top or moving_top) and not (member and member.is_superuser):
            raise serializers.ValidationError({"parent": _("Name the unit this one sits under.")})
        return attrs

    def validate_parent(self, parent: Unit | None) -> Unit | None:
        if (
            parent is not None
            and self.instance is not None
            and parent.path.startswith(self.instance.path)
        ):
            raise serializers.ValidationError(_("A unit cannot sit under itself or its sub-units."))
        return parent


class PlaceSerializer(Strict):
    unit = Visible(access.managed_units, Unit)

    class Meta:
        model = Place
        fields = ["id", "unit", "name", "kind", "address"]


class StruggleSerializer(Strict):
    unit = Visible(access.managed_units, Unit, help_text="The leading unit.")
    parent = Visible(access.visible_struggles, Struggle, allow_null=True, required=False)

    class Meta:
        model = Struggle
        fields = ["id", "unit", "parent", "name", "description", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict) -> dict:
        parent = attrs.get("parent")
        if parent is not None and self.instance is not None and parent.pk == self.instance.pk:
            raise serializers.ValidationError({"parent": _("A struggle cannot nest in itself.")})
        return attrs


# --- people --------------------------------------------------------------------------------


class PersonSerializer(Strict):
    unit = Visible(access.visible_units, Unit)
    place = Visible(access.visible_places, Place, allow_null=True, required=False)
    responsible = Visible(access.visible_members, Member, allow_null=True, required=False)
    phone = serializers.CharField(max_length=40, allow_blank=True, required=False)
    email = serializers.CharField(max_length=254, allow_blank=True, required=False)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "unit",
            "first_name",
            "last_name",
            "phone",
            "email",
            "place",
            "responsible",
            "notes",
            "tags",
            "last_contact_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_contact_at", "version", "created_at", "updated_at"]

    def get_tags(self, person: Person) -> list[str]:
        return sorted(tagging.tag.name for tagging in person.taggings.all())

    def validate_phone(self, value: str) -> str:
        return _normalized(normalize_phone, value)

    def validate_email(self, value: str) -> str:
        return _normalized(normalize_email, value)

    def validate(self, attrs: dict) -> dict:
        unit = attrs.get("unit", getattr(self.instance, "unit", None))
        place = attrs.get("place", getattr(self.instance, "place", None))
        if (
            place
            and unit
            and not unit.path.startswith(place.unit.path)
            and not place.unit.path.startswith(unit.path)
        ):
            raise serializers.ValidationError({"place": _("This place belongs to another unit.")})
        return attrs


class AssessmentSerializer(Strict):
    person = Visible(access.visible_people, Person)
    struggle = Visible(access.visible_struggles, Struggle)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "person",
            "struggle",
            "level",
            "score",
            "note",
            "assessed_by",
            "assessed_at",
        ]
        read_only_fields = ["assessed_by", "assessed_at"]

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("level") and attrs.get("score") is None:
            raise serializers.ValidationError({"level": _("Give a level or a score.")})
        return attrs


# --- conversations, ideas, follow-ups --------------------------------------------------------


class ConversationSerializer(Strict):
    unit = Visible(access.visible_units, Unit)
    people = Visible(access.visible_people, Person, many=True)
    place = Visible(access.visible_places, Place, allow_null=True, required=False)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "unit",
            "people",
            "kind",
            "happened_at",
            "place",
            "notes",
            "mood",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]

    def validate_people(self, people: list[Person]) -> list[Person]:
        if not people:
            raise serializers.ValidationError(_("Name at least one person."))
        return people


class IdeaSerializer(Strict):
    unit = Visible(access.visible_units, Unit)
    person = Visible(access.visible_people, Person, allow_null=True, required=False)
    conversation = Visible(
        access.visible_conversations, Conversation, allow_null=True, required=False
    )
    struggle = Visible(access.visible_struggles, Struggle, allow_null=True, required=False)

    class Meta:
        model = Idea
        fields = [
            "id",
            "unit",
            "person",
            "conversation",
            "struggle",
            "kind",
            "text",
            "language",
            "recorded_by",
            "raised_at",
        ]
        read_only_fields = ["recorded_by"]

    def validate_text(self, text: str) -> str:
        if not text.strip():
            raise serializers.ValidationError(_("Say what was said."))
        return text.strip()


class FollowUpSerializer(Strict):
    person = Visible(access.visible_people, Person)
    conversation = Visible(
        access.visible_conversations, Conversation, allow_null=True, required=False
    )
    owner = Visible(access.visible_members, Member, required=False)
    done = serializers.BooleanField(required=False, help_text="Mark the follow-up done.")

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "person",
            "conversation",
            "owner",
            "due_on",
            "note",
            "done",
            "done_at",
            "created_at",
        ]
        read_only_fields = ["done_at", "created_at"]

    def to_representation(self, instance: FollowUp) -> dict:
        data = super().to_representation(instance)
        data["done"] = instance.done_at is not None
        return data


# --- rounds --------------------------------------------------------------------------------


class RoundSerializer(Strict):
    struggle = Visible(access.visible_struggles, Struggle)
    leading_unit = Visible(access.visible_units, Unit)
    units = Visible(access.visible_units, Unit, many=True)
    state = serializers.ChoiceField(
        choices=RoundState.choices,
        required=False,
        help_text="On update: the next state moves the round on (closing needs the pages' "
        "summation).",
    )

    class Meta:
        model = Round
        fields = [
            "id",
            "struggle",
            "leading_unit",
            "units",
            "question",
            "gather_from",
            "gather_until",
            "state",
            "previous",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = ["previous", "opened_at", "closed_at"]


class LineSerializer(Strict):
    round = Visible(access.visible_rounds, Round)
    concern = serializers.CharField(help_text="If you are concerned about…")
    action = serializers.CharField(help_text="…you should…")
    rationale = serializers.CharField(required=False, allow_blank=True)
    change_note = serializers.CharField(
        required=False, allow_blank=True, help_text="Required when revising: what changed."
    )
    themes = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, write_only=True
    )
    entries = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, write_only=True
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Line
        fields = [
            "id",
            "round",
            "concern",
            "action",
            "rationale",
            "change_note",
            "themes",
            "entries",
            "version",
            "published_at",
            "created_at",
        ]
        read_only_fields = ["published_at", "created_at"]

    def to_representation(self, line: Line) -> dict:
        current = max(line.versions.all(), key=lambda v: v.number, default=None)
        return {
            "id": line.pk,
            "round": line.round_id,
            "concern": current.concern if current else "",
            "action": current.action if current else "",
            "rationale": current.rationale if current else "",
            "change_note": current.change_note if current else "",
            "version": current.number if current else 0,
            "published_at": self.fields["published_at"].to_representation(line.published_at)
            if line.published_at
            else None,
            "created_at": self.fields["created_at"].to_representation(line.created_at),
        }


class ReceptionSerializer(Strict):
    line = Visible(access.visible_lines, Line)
    person = Visible(access.visible_people, Person)
    response = serializers.ChoiceField(choices=Response.choices)

    class Meta:
        model = Reception
        fields = [
            "id",
            "line",
            "person",
            "response",
            "said",
            "level",
            "version",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["level", "version", "recorded_by", "recorded_at"]


class ActionSerializer(Strict):
    round = Visible(access.visible_rounds, Round)
    place = Visible(access.visible_places, Place, allow_null=True, required=False)

    class Meta:
        model = Action
        fields = ["id", "round", "kind", "title", "happens_on", "place", "outcome", "created_at"]
        read_only_fields = ["created_at"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "unit", "name"]
