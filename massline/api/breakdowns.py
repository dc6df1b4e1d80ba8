"""A theme's and a line's breadth by section, read-only.

Built by `massline.sections.exports` from the cells the pages show: a count below the
organization's minimum comes back as `count: null, shown: "small"` ("fewer than N"), a cell
hidden so that it cannot be worked out from the total as `shown: "hidden"`, and a breakdown
the pages do not show (too few people, or too close to a theme it could be differenced
against) as `shown: false` with no cells. Sensitive dimensions only for members given that
right. A theme is answered to those who run its round's board, a line to those who see it.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from massline import access
from massline.api.views import ApiView
from massline.rounds.models import Theme
from massline.rounds.services import leads
from massline.sections import exports, selectors
from massline.sections.selectors import Breakdown
from massline.sections.suppression import Shown


class CellSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    sensitive = serializers.BooleanField()
    value = serializers.CharField(
        allow_blank=True, help_text="Empty: people whose value is unknown."
    )
    count = serializers.IntegerField(
        allow_null=True, help_text="Null unless the count may be shown (see `shown`)."
    )
    shown = serializers.ChoiceField(
        choices=[kind.value for kind in Shown],
        help_text="count; small: fewer than `minimum`; hidden: would give a small cell away.",
    )


class BreakdownSerializer(serializers.Serializer):
    people = serializers.IntegerField(
        allow_null=True, help_text="How many people it counts; null when no breakdown is shown."
    )
    minimum = serializers.IntegerField(help_text="The smallest count the organization shows.")
    shown = serializers.BooleanField()
    cells = CellSerializer(many=True)


def _answer(breakdown: Breakdown | None, minimum: int) -> Response:
    return Response(
        {
            "people": exports.shown_total(breakdown),
            "minimum": minimum,
            "shown": bool(breakdown and breakdown.shown),
            "cells": [cell.__dict__ for cell in exports.cells(breakdown)],
        }
    )


NOT_FOUND = OpenApiResponse(description="Not one the member may see.")


class ThemeSections(ApiView, APIView):
    @extend_schema(
        operation_id="theme_sections",
        summary="Who raised a theme, by section",
        responses={200: BreakdownSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        rounds = access.visible_rounds(request.user)
        theme = (
            Theme.objects.filter(round__in=rounds, pk=pk)
            .select_related("round__leading_unit")
            .first()
        )
        if theme is None or not leads(request.user, theme.round):
            raise Http404
        organization = access.organization_id(theme.round.leading_unit)
        return _answer(
            exports.theme_breakdown(request.user, theme), selectors.minimum_cell(organization)
        )


class LineSections(ApiView, APIView):
    @extend_schema(
        operation_id="line_sections",
        summary="The people behind a line's latest version, by section",
        responses={200: BreakdownSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        line = (
            access.visible_lines(request.user)
            .filter(pk=pk)
            .select_related("round__leading_unit")
            .first()
        )
        if line is None:
            raise Http404
        organization = access.organization_id(line.round.leading_unit)
        return _answer(
            exports.latest_breakdown(request.user, line), selectors.minimum_cell(organization)
        )


urlpatterns = [
    path("themes/<int:pk>/sections/", ThemeSections.as_view(), name="theme-sections"),
    path("lines/<int:pk>/sections/", LineSections.as_view(), name="line-sections"),
]
