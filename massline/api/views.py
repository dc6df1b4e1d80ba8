"""The REST API's resources: list (filters, pages), detail, create and conditional update.

Every queryset comes from massline.access, so a token sees exactly what its member sees on
the pages, and an id outside it is a 404. Every read of a person is written to the audit log
as the pages write it. Creates accept an Idempotency-Key (massline.idempotency); updates are
PATCHes that must carry the ETag last read as If-Match, so a stale update is refused with 412
instead of silently overwriting someone else's change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from massline import access
from massline.api import serializers as s
from massline.api import services
from massline.api.models import Tagging
from massline.audit import services as audit
from massline.conversations.models import Conversation, FollowUp
from massline.ideas.models import Idea
from massline.idempotency.services import HEADER as IDEMPOTENCY_HEADER
from massline.idempotency.services import (
    KeyInvalid,
    KeyReused,
    StoredAnswer,
    fingerprint,
    run_once,
)
from massline.organization.models import Unit
from massline.people.models import Person, Place
from massline.people.services import ConcurrentEditError
from massline.rounds.models import Action, Line, LineVersion, Reception, Round
from massline.struggles.models import Assessment, Struggle

MAX_ID = 2**63 - 1


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Someone else changed this since you read it. Nothing was saved: read it again "
        "(GET) and send its new ETag as If-Match."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("Send the ETag you read (GET) as If-Match, so no change is overwritten.")
    default_code = "precondition_required"


class KeyRefused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency_key_reused"


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


@dataclass(frozen=True)
class Filter:
    """A query parameter of a list: validated by `field`, applied as `lookup`."""

    lookup: str
    field: Callable[[], serializers.Field]
    description: str

    @property
    def kind(self) -> object:
        return {
            serializers.IntegerField: OpenApiTypes.INT,
            serializers.BooleanField: OpenApiTypes.BOOL,
            serializers.DateField: OpenApiTypes.DATE,
            serializers.DateTimeField: OpenApiTypes.DATETIME,
        }.get(type(self.field()), OpenApiTypes.STR)


def _id() -> serializers.Field:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID)


def _text() -> serializers.Field:
    return serializers.CharField(max_length=200)


def _bool() -> serializers.Field:
    return serializers.BooleanField()


def _date() -> serializers.Field:
    return serializers.DateField()


def _moment() -> serializers.Field:
    return serializers.DateTimeField()


def _choice(choices: list) -> Callable[[], serializers.Field]:
    return lambda: serializers.ChoiceField(choices=choices)


def etag_of(data: dict) -> str:
    """A strong validator of a representation: changes whenever anything in it changes."""
    body = json.dumps(data, sort_keys=True, default=str).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class ApiView:
    """What every API view shares: no login redirect, a bounded body, the raw body kept."""

    @classmethod
    def as_view(cls, *args, **initkwargs):
        view = super().as_view(*args, **initkwargs)
        # Tokens are checked by DRF, after LoginRequiredMiddleware has looked; a request
        # without credentials gets the API's 401, never the login page.
        view.login_required = False
        return view

    def initial(self, request: Request, *args, **kwargs) -> None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.MASSLINE_API_MAX_BODY
        if not length.isdigit() or int(length) > limit:
            raise BodyTooLarge(_("The body is larger than %(limit)d bytes.") % {"limit": limit})
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            # read before DRF parses it: the idempotency fingerprint is of the raw bytes
            self.raw_body = request._request.body


class Resource(ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One resource of the API. Subclasses name the access function and the writer."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    visible: ClassVar[Callable]
    # the service that saves: writer(member, data) creates, writer(member, data, instance)
    # changes; a resource whose create and change differ overrides perform_write instead
    writer: ClassVar[Callable[..., Model]]
    filters: ClassVar[dict[str, Filter]] = {}
    related: ClassVar[tuple[str, ...]] = ()
    prefetch: ClassVar[tuple[Any, ...]] = ()
    fixed_on_update: ClassVar[tuple[str, ...]] = ()
    updatable: ClassVar[bool] = True

    # --- reading -----------------------------------------------------------------------

    def get_queryset(self) -> QuerySet:
        queryset = type(self).visible(self.request.user)
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return queryset.order_by("pk")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        errors, wanted = {}, {}
        for name, rule in self.filters.items():
            raw = self.request.query_params.get(name)
            if raw is None:
                continue
            try:
                wanted[name] = rule.field().run_validation(raw)
            except serializers.ValidationError as error:
                errors[name] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        for name, value in wanted.items():
            queryset = self.apply_filter(queryset, name, value)
        self.filtered = bool(wanted)
        return queryset

    def apply_filter(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        rule = self.filters[name]
        if rule.lookup.startswith("!"):
            return queryset.filter(**{rule.lookup[1:]: not value})
        return queryset.filter(**{rule.lookup: value})

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        data = self.get_serializer(instance).data
        self.audit_read(instance)
        return Response(data, headers={"ETag": self.etag(instance, data)})

    def audit_read(self, instance: Model) -> None:
        """Resources holding personal data record each read (people do)."""

    def etag(self, instance: Model, data: dict | None = None) -> str:
        return etag_of(self.get_serializer(instance).data if data is None else data)

    # --- writing -----------------------------------------------------------------------

    def create(self, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return self.create_once(request)
        asked = fingerprint(request.method, request.path, self.raw_body)
        try:
            answer = run_once(request.user, key, asked, lambda: self.stored(self.create_once))
        except KeyReused:
            raise KeyRefused from None
        except KeyInvalid:
            raise serializers.ValidationError(
                {IDEMPOTENCY_HEADER: [_("Send 1 to 200 characters.")]}
            ) from None
        return answer.as_response()

    def stored(self, write: Callable[[Request], Response]) -> StoredAnswer:
        response = self.finalize_response(self.request, write(self.request))
        return StoredAnswer.of(response)

    @transaction.atomic
    def create_once(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_write(dict(serializer.validated_data), None)
        instance = self.get_queryset().get(pk=instance.pk)
        data = self.get_serializer(instance).data
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{instance.pk}/")
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        if not self.updatable:
            raise exceptions.MethodNotAllowed(request.method)
        wanted = self.if_match(request)
        with transaction.atomic():
            visible = self.get_object()
            instance = self.lock(visible)
            if "*" not in wanted and self.etag(instance) not in wanted:
                raise PreconditionFailed
            serializer = self.get_serializer(instance, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            fixed = sorted(set(data) & set(self.fixed_on_update))
            if fixed:
                raise serializers.ValidationError(
                    {name: [_("This cannot be changed once created.")] for name in fixed}
                )
            self.perform_write(data, instance)
        instance = self.get_queryset().get(pk=instance.pk)
        data = self.get_serializer(instance).data
        self.audit_read(instance)
        return Response(data, headers={"ETag": self.etag(instance, data)})

    def if_match(self, request: Request) -> set[str]:
        header = request.headers.get("If-Match", "").strip()
        if not header:
            raise PreconditionRequired
        return {part.strip() for part in header.split(",") if part.strip()}

    def lock(self, instance: Model) -> Model:
        """Hold the row until the transaction ends, so check-then-write is one step (on
        SQLite the write transaction itself serialises writers)."""
        rows = type(instance)._base_manager.select_for_update().filter(pk=instance.pk)
        list(rows.values_list("pk", flat=True))
        return self.get_queryset().get(pk=instance.pk)

    def perform_write(self, data: dict, instance: Model | None) -> Model:
        changed = () if instance is None else (instance,)
        return type(self).writer(self.request.user, data, *changed)


def _documented(*, filters: dict[str, Filter]) -> Callable[[type], type]:
    """Put a resource's filters, If-Match and Idempotency-Key into the OpenAPI schema."""

    def decorate(cls: type) -> type:
        listing = [
            OpenApiParameter(name, rule.kind, description=str(rule.description))
            for name, rule in filters.items()
        ]
        errors = {
            400: OpenApiResponse(description="Field errors; nothing was written."),
            403: OpenApiResponse(description="A read-only token, or not allowed."),
            404: OpenApiResponse(description="Not found, or not visible to you."),
        }
        documented = {"list": extend_schema(parameters=listing)}
        documented["create"] = extend_schema(
            parameters=[
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="Replays with the same key and body return the first answer "
                    "and write nothing; the same key with another body is refused (422).",
                )
            ],
            responses={201: cls.serializer_class, 422: OpenApiResponse(), **errors},
        )
        if cls.updatable:
            documented["partial_update"] = extend_schema(
                parameters=[
                    OpenApiParameter(
                        "If-Match",
                        OpenApiTypes.STR,
                        OpenApiParameter.HEADER,
                        required=True,
                        description="The ETag from your last GET of this object.",
                    )
                ],
                responses={
                    200: cls.serializer_class,
                    412: OpenApiResponse(description="Changed since you read it."),
                    428: OpenApiResponse(description="If-Match is missing."),
                    **errors,
                },
            )
        return extend_schema_view(**documented)(cls)

    return decorate


# --- the resources -------------------------------------------------------------------------


def resource(filters: dict[str, Filter]) -> Callable[[type], type]:
    def decorate(cls: type) -> type:
        cls.filters = filters
        return _documented(filters=filters)(cls)

    return decorate


@resource({"parent": Filter("parent_id", _id, "Units directly under this one.")})
class UnitViewSet(Resource):
    """Units: the member's own and those below them."""

    queryset = Unit.objects.none()  # the model, for the schema

    serializer_class = s.UnitSerializer
    visible = staticmethod(access.visible_units)
    writer = staticmethod(services.save_api_unit)


@resource(
    {
        "unit": Filter("unit_id", _id, "Places of this unit."),
        "kind": Filter("kind", _text, "workplace, building, neighbourhood or other."),
    }
)
class PlaceViewSet(Resource):
    """Places (workplaces, buildings, neighbourhoods); written by the unit's admins."""

    queryset = Place.objects.none()  # the model, for the schema
    serializer_class = s.PlaceSerializer
    visible = staticmethod(access.visible_places)
    writer = staticmethod(services.save_place)


@resource(
    {
        "unit": Filter("unit_id", _id, "Struggles led by this unit."),
        "parent": Filter("parent_id", _id, "Struggles nested under this one."),
        "is_active": Filter("is_active", _bool, "Only active (true) or past (false) struggles."),
    }
)
class StruggleViewSet(Resource):
    """Struggles led from the member's units, below or above them; written by admins."""

    queryset = Struggle.objects.none()  # the model, for the schema
    serializer_class = s.StruggleSerializer
    visible = staticmethod(access.visible_struggles)
    writer = staticmethod(services.save_struggle)


@resource(
    {
        "unit": Filter("unit_id", _id, "People of this unit."),
        "place": Filter("place_id", _id, "People of this place."),
        "responsible": Filter("responsible_id", _id, "People this member keeps the tie with."),
        "q": Filter("q", _text, "Part of the first or last name."),
        "email": Filter("email", _text, "Exactly this email (normalised)."),
        "phone": Filter("phone", _text, "Exactly this phone (normalised)."),
        "tag": Filter("taggings__tag__name", _text, "People with this tag."),
    }
)
class PersonViewSet(Resource):
    """People. Every list and every detail is written to the audit log of reads."""

    queryset = Person.objects.none()  # the model, for the schema

    serializer_class = s.PersonSerializer
    visible = staticmethod(access.visible_people)
    prefetch = (Prefetch("taggings", queryset=Tagging.objects.select_related("tag")),)

    def apply_filter(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        if name == "q":
            return queryset.filter(Q(first_name__icontains=value) | Q(last_name__icontains=value))
        return super().apply_filter(queryset, name, value).distinct()

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        query = request.query_params.get("q") or request.query_params.get("email") or ""
        query = query or request.query_params.get("phone") or ""
        audit.record(
            request,
            "search",
            query=query,
            filtered=getattr(self, "filtered", False),
            results=response.data.get("count"),
        )
        return response

    def audit_read(self, instance) -> None:
        audit.record(self.request, "view_person", person=instance)

    def etag(self, instance, data=None) -> str:
        return f'"person-{instance.pk}-v{instance.version}"'

    def lock(self, instance):
        return instance  # update_person's conditional UPDATE is the lock

    def perform_write(self, data: dict, instance):
        if instance is None:
            return services.create_person(self.request.user, data)
        try:
            return services.change_person(instance, data, expected_version=instance.version)
        except ConcurrentEditError:
            raise PreconditionFailed from None


@resource(
    {
        "person": Filter("person_id", _id, "Assessments of this person."),
        "struggle": Filter("struggle_id", _id, "Assessments on this struggle."),
        "level": Filter("level", _text, "advanced, intermediate or backward."),
    }
)
class AssessmentViewSet(Resource):
    """Assessments are history: they are added, never changed (no PATCH)."""

    queryset = Assessment.objects.none()  # the model, for the schema

    serializer_class = s.AssessmentSerializer
    visible = staticmethod(access.visible_assessments)
    writer = staticmethod(services.record_assessment)
    http_method_names = ["get", "post", "head", "options"]
    updatable = False


@resource(
    {
        "unit": Filter("unit_id", _id, "Conversations of this unit."),
        "person": Filter("people", _id, "Conversations with this person."),
        "kind": Filter("kind", _text, "one_on_one, door_knock, workplace, meeting or phone."),
        "since": Filter("happened_at__gte", _moment, "Happened at or after this moment."),
        "until": Filter("happened_at__lt", _moment, "Happened before this moment."),
    }
)
class ConversationViewSet(Resource):
    """Conversations; a create records one as the conversation page does."""

    queryset = Conversation.objects.none()  # the model, for the schema
    serializer_class = s.ConversationSerializer
    visible = staticmethod(access.visible_conversations)
    prefetch = ("people",)
    fixed_on_update = ("unit",)

    def apply_filter(self, queryset, name, value):
        return super().apply_filter(queryset, name, value).distinct()

    def perform_write(self, data: dict, instance):
        if instance is None:
            return services.create_conversation(self.request.user, data)
        return services.change_conversation(instance, data)


@resource(
    {
        "unit": Filter("unit_id", _id, "Ideas gathered in this unit."),
        "person": Filter("person_id", _id, "Ideas this person raised."),
        "struggle": Filter("struggle_id", _id, "Ideas on this struggle."),
        "conversation": Filter("conversation_id", _id, "Ideas from this conversation."),
        "kind": Filter("kind", _text, "concern, proposal, objection, experience or question."),
    }
)
class IdeaViewSet(Resource):
    """Ideas gathered from the people, in their own words."""

    queryset = Idea.objects.none()  # the model, for the schema
    serializer_class = s.IdeaSerializer
    visible = staticmethod(access.visible_ideas)
    writer = staticmethod(services.save_idea)


@resource(
    {
        "person": Filter("person_id", _id, "Follow-ups with this person."),
        "owner": Filter("owner_id", _id, "Follow-ups this member owns."),
        "done": Filter("!done_at__isnull", _bool, "Done (true) or still open (false)."),
        "due_before": Filter("due_on__lt", _date, "Due before this day."),
    }
)
class FollowUpViewSet(Resource):
    """Follow-ups; `done: true` completes one."""

    queryset = FollowUp.objects.none()  # the model, for the schema
    serializer_class = s.FollowUpSerializer
    visible = staticmethod(access.visible_follow_ups)
    writer = staticmethod(services.save_follow_up)
    fixed_on_update = ("person",)


@resource(
    {
        "struggle": Filter("struggle_id", _id, "Rounds on this struggle."),
        "leading_unit": Filter("leading_unit_id", _id, "Rounds led by this unit."),
        "state": Filter("state", _text, "gathering, concentrating, returning or closed."),
    }
)
class RoundViewSet(Resource):
    """Rounds; the leading unit moves one on by PATCHing its next `state`."""

    queryset = Round.objects.none()  # the model, for the schema
    serializer_class = s.RoundSerializer
    visible = staticmethod(access.visible_rounds)
    prefetch = ("units",)
    fixed_on_update = ("struggle", "leading_unit")

    def get_queryset(self) -> QuerySet:
        # visible_rounds is DISTINCT; re-select by id so it can be ordered and locked
        ids = access.visible_rounds(self.request.user).values("pk")
        return Round.objects.filter(pk__in=ids).prefetch_related("units").order_by("pk")

    def perform_write(self, data: dict, instance):
        if instance is None:
            return services.open_round(self.request.user, data)
        return services.change_round(self.request.user, instance, data)


@resource(
    {
        "round": Filter("round_id", _id, "Lines of this round."),
        "published": Filter("!published_at__isnull", _bool, "Published (true) or drafts."),
    }
)
class LineViewSet(Resource):
    """Lines. An update writes a new version; the earlier versions stay as provenance."""

    queryset = Line.objects.none()  # the model, for the schema

    serializer_class = s.LineSerializer
    visible = staticmethod(access.visible_lines)
    writer = staticmethod(services.write_line)
    prefetch = (Prefetch("versions", queryset=LineVersion.objects.order_by("number")),)
    fixed_on_update = ("round",)


@resource(
    {
        "line": Filter("line_id", _id, "Receptions of this line."),
        "person": Filter("person_id", _id, "Receptions by this person."),
        "response": Filter("response", _text, "agrees, in_part, disagrees or not_reached."),
    }
)
class ReceptionViewSet(Resource):
    """Receptions of published lines by the people the member sees."""

    queryset = Reception.objects.none()  # the model, for the schema
    serializer_class = s.ReceptionSerializer
    visible = staticmethod(access.visible_receptions)
    writer = staticmethod(services.record_reception)
    fixed_on_update = ("line", "person")


@resource(
    {
        "round": Filter("round_id", _id, "Actions of this round."),
        "kind": Filter("kind", _text, "meeting, petition, picket, delegation or other."),
        "after": Filter("happens_on__gte", _date, "On or after this day."),
    }
)
class ActionViewSet(Resource):
    """Actions that test a round's line."""

    queryset = Action.objects.none()  # the model, for the schema
    serializer_class = s.ActionSerializer
    visible = staticmethod(access.visible_actions)
    fixed_on_update = ("round",)

    def perform_write(self, data: dict, instance):
        if instance is None:
            return services.plan_action(self.request.user, data)
        return services.change_action(self.request.user, instance, data)
