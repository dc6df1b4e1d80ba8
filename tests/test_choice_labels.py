"""Quick choice labels say exactly what Django's get_FOO_display says, in every language."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from massline.conversations.models import Conversation
from massline.ideas.models import Idea
from massline.rounds.models import PoolEntry, Reception, Round
from massline.struggles.models import Assessment

QUICK = [Idea, Conversation, Assessment, Round, PoolEntry, Reception]


def _choice_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if field.choices]


@pytest.mark.parametrize("language", ["en", "es", "ar"])
@pytest.mark.parametrize("model", QUICK, ids=lambda model: model.__name__)
def test_labels_match_djangos(model: type[models.Model], language: str) -> None:
    assert _choice_fields(model), f"{model.__name__} has no choice field to speed up"
    with translation.override(language):
        for field in _choice_fields(model):
            for value in [*(value for value, _ in field.flatchoices), "not-a-choice", ""]:
                row = model(**{field.attname: value})
                django_label = models.Model._get_FIELD_display(row, field)
                assert getattr(row, f"get_{field.name}_display")() == django_label
