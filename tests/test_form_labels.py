"""Every form field's label reaches Spanish and Arabic speakers in their language.

A field without a label gets one made from its name ("Kind", "Text"), and a model form's field
one from the model field's name: both stay English whatever the language. This checks the
label each field of every form in massline/*/forms.py shows (`BoundField.label` comes from the
same place) under es and ar against the English one. Fields a form adds in __init__ take their
labels from the organization's own data (column names, dimensions) or from marked strings.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.forms.utils import pretty_name
from django.utils import translation

import massline

# The same word in Spanish as in English: a translated label that cannot differ.
SAME_IN_SPANISH = {"Idea", "URL"}


def _form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for path in sorted(Path(massline.__file__).parent.glob("*/forms.py")):
        module = importlib.import_module(f"massline.{path.parent.name}.forms")
        found += [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls)
            and issubclass(cls, forms.BaseForm)
            and cls.__module__ == module.__name__
        ]
    return found


def _label(name: str, field: forms.Field, language: str) -> str:
    with translation.override(language):
        return str(field.label if field.label is not None else pretty_name(name))


def test_every_form_is_found() -> None:
    names = {cls.__name__ for cls in _form_classes()}
    assert {"UnitForm", "PersonForm", "ConversationForm", "RoundForm"} <= names


@pytest.mark.parametrize("language", ["es", "ar"])
def test_no_visible_label_stays_english(language: str) -> None:
    english = []
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            shown = _label(name, field, "en")
            if field.widget.is_hidden or not shown.strip():
                continue
            if language == "es" and shown in SAME_IN_SPANISH:
                continue
            if _label(name, field, language) == shown:
                english.append(f"{cls.__module__}.{cls.__name__}.{name}: {shown!r}")
    assert not english, f"labels left in English under {language}: {english}"
