"""The API's docs page says which language it is in: the member's on the page, English on
Swagger UI's box (its own text and the API's descriptions are English)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from massline.sections.models import LanguagePreference
from tests.conftest import World, client_for


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_docs_page_declares_its_languages(world: World, language: str, direction: str):
    alice = world.elm.organizer
    LanguagePreference.objects.create(member=alice, language=language)
    html = client_for(alice).get(reverse("api_docs")).content.decode()
    assert re.search(rf'<html lang="{language}" dir="{direction}">', html)
    assert '<div id="swagger-ui" lang="en" dir="ltr">' in html
