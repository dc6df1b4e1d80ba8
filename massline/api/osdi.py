"""The OSDI person signup helper, as Action Network implements it.

Web forms and integrations that post `{"person": {...}, "add_tags": [...]}` to Action
Network's `/api/v2/people/` can post the same body to `/api/v1/osdi/people/?unit=ID` with a
read-write token (as `OSDI-API-Token` or `Authorization: Bearer`). The person is matched by
email, then by phone, among the people the member sees in that unit and below; a match is
updated with what was sent, otherwise a person is created. Tags are added by name (made in
the unit when new: massline has no other place to define them first). The answer is the
person in OSDI's format. Email and mobile subscription statuses are accepted and ignored:
massline sends no mail.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from massline import access
from massline.api import services
from massline.api.serializers import _normalized
from massline.api.views import MAX_ID, ApiView, KeyRefused
from massline.audit import services as audit
from massline.idempotency.services import (
    HEADER,
    KeyInvalid,
    KeyReused,
    StoredAnswer,
    fingerprint,
    run_once,
)
from massline.organization.models import Membership, Unit
from massline.people.models import Person
from massline.people.normalize import normalize_email, normalize_phone
from massline.people.services import duplicates_of


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({n: [_("Unknown field.")] for n in unknown})
        return super().to_internal_value(data)


class EmailAddress(StrictSerializer):
    address = serializers.CharField(max_length=254)
    primary = serializers.BooleanField(required=False)
    status = serializers.CharField(max_length=40, required=False)

    def validate_address(self, value: str) -> str:
        return _normalized(normalize_email, value)


class PhoneNumber(StrictSerializer):
    number = serializers.CharField(max_length=40)
    primary = serializers.BooleanField(required=False)
    number_type = serializers.CharField(max_length=40, required=False)
    status = serializers.CharField(max_length=40, required=False)

    def validate_number(self, value: str) -> str:
        return _normalized(normalize_phone, value)


class PostalAddress(StrictSerializer):
    primary = serializers.BooleanField(required=False)
    address_lines = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=5, required=False
    )
    locality = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=60, required=False, allow_blank=True)


class OsdiPerson(StrictSerializer):
    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email_addresses = EmailAddress(many=True, required=False, max_length=5)
    phone_numbers = PhoneNumber(many=True, required=False, max_length=5)
    postal_addresses = PostalAddress(many=True, required=False, max_length=5)
    languages_spoken = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=10
    )
    custom_fields = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("email_addresses") and not attrs.get("phone_numbers"):
            raise serializers.ValidationError(
                {"email_addresses": [_("Send an email address or a phone number.")]}
            )
        fields = attrs.get("custom_fields", {})
        if len(fields) > 50 or any(len(k) > 100 or "\x00" in k for k in fields):
            raise serializers.ValidationError(
                {"custom_fields": [_("At most 50 fields, each named in 100 characters.")]}
            )
        return attrs


class Signup(StrictSerializer):
    person = OsdiPerson()
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )


class OsdiEmail(serializers.Serializer):
    address = serializers.CharField()
    primary = serializers.BooleanField()
    status = serializers.CharField()


class OsdiPhone(serializers.Serializer):
    number = serializers.CharField()
    primary = serializers.BooleanField()
    number_type = serializers.CharField()


class OsdiAnswer(serializers.Serializer):
    identifiers = serializers.ListField(child=serializers.CharField())
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    email_addresses = OsdiEmail(many=True)
    phone_numbers = OsdiPhone(many=True)
    created_date = serializers.DateTimeField()
    modified_date = serializers.DateTimeField()
    tags = serializers.ListField(child=serializers.CharField())


def _primary(items: list[dict], key: str) -> str:
    for item in items:
        if item.get("primary"):
            return item[key]
    return items[0][key] if items else ""


def _unit_for(request: Request) -> Unit:
    raw = request.query_params.get("unit")
    units = access.visible_units(request.user)
    if raw is None:
        own = Membership.objects.filter(member=request.user).values_list("unit_id", flat=True)
        if len(own) != 1:
            raise serializers.ValidationError(
                {"unit": [_("Name the unit the person joins (?unit=ID).")]}
            )
        return get_object_or_404(units, pk=own[0])
    unit_id = serializers.IntegerField(min_value=1, max_value=MAX_ID).run_validation(raw)
    return get_object_or_404(units, pk=unit_id)


@transaction.atomic
def signup(request: Request, data: dict) -> tuple[Person, bool]:
    """Match or create the person, then tag them; returns (person, created)."""
    unit = _unit_for(request)
    sent = data["person"]
    email = _primary(sent.get("email_addresses", []), "address")
    phone = _primary(sent.get("phone_numbers", []), "number")
    people = access.visible_people(request.user).filter(unit__path__startswith=unit.path)
    person = (duplicates_of(people, phone="", email=email).first() if email else None) or (
        duplicates_of(people, phone=phone, email="").first() if phone else None
    )
    created = person is None
    if created:
        notes = "\n".join(f"{k}: {v}" for k, v in sorted(sent.get("custom_fields", {}).items()))
        person = services.create_person(
            request.user,
            {
                "unit": unit,
                "first_name": sent.get("given_name") or email.split("@")[0] or _("Unnamed"),
                "last_name": sent.get("family_name", ""),
                "email": email,
                "phone": phone,
                "notes": notes,
            },
        )
    else:
        changes = {
            name: value
            for name, value in (
                ("first_name", sent.get("given_name")),
                ("last_name", sent.get("family_name")),
                ("email", email),
                ("phone", phone),
            )
            if value and value != getattr(person, name)
        }
        if changes:
            person = services.change_person(person, changes, expected_version=person.version)
    services.tag_person(person, data.get("add_tags", []))
    return person, created


def osdi_person(request: Request, person: Person) -> dict:
    tags = sorted(t.tag.name for t in person.taggings.select_related("tag"))
    return {
        "identifiers": [f"massline:{person.pk}"],
        "given_name": person.first_name,
        "family_name": person.last_name,
        "email_addresses": [{"address": person.email, "primary": True, "status": "subscribed"}]
        if person.email
        else [],
        "phone_numbers": [{"number": person.phone, "primary": True, "number_type": "Mobile"}]
        if person.phone
        else [],
        "created_date": person.created_at.isoformat(),
        "modified_date": person.updated_at.isoformat(),
        "tags": tags,
        "_links": {"self": {"href": request.build_absolute_uri(f"/api/v1/people/{person.pk}/")}},
    }


class PersonSignupView(ApiView, APIView):
    """POST a person the OSDI way: matched by email (then phone), updated or created, tagged."""

    @extend_schema(
        operation_id="osdi_person_signup",
        request=Signup,
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, description="The unit the person joins."),
            OpenApiParameter(HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        responses={
            200: OsdiAnswer,
            400: OpenApiResponse(description="Field errors; nothing was written."),
            403: OpenApiResponse(description="A read-only token."),
            404: OpenApiResponse(description="No such unit among yours."),
            422: OpenApiResponse(description="Idempotency-Key reused with another body."),
        },
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return self._once(request)
        asked = fingerprint("POST", request.get_full_path(), self.raw_body)
        try:
            answer = run_once(
                request.user,
                key,
                asked,
                lambda: StoredAnswer.of(self.finalize_response(request, self._once(request))),
            )
        except KeyReused:
            raise KeyRefused from None
        except KeyInvalid:
            raise serializers.ValidationError({HEADER: [_("Send 1 to 200 characters.")]}) from None
        return answer.as_response()

    def _once(self, request: Request) -> Response:
        form = Signup(data=request.data)
        form.is_valid(raise_exception=True)
        person, created = signup(request, form.validated_data)
        if not created:
            audit.record(request, "view_person", person=person)
        return Response(osdi_person(request, person), status=status.HTTP_200_OK)
