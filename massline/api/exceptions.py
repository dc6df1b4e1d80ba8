"""Errors from the services, answered the API's way: JSON with field errors, never a 500."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This conflicts with a record already there; nothing was written.")
    default_code = "conflict"


def handle(exc: Exception, context: dict):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = serializers.ValidationError(exc.message_dict)
        else:
            exc = serializers.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, IntegrityError):
        exc = Conflict()
    elif isinstance(exc, RawPostDataException):
        exc = exceptions.ParseError()
    return exception_handler(exc, context)
