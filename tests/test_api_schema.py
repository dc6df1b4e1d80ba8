"""The OpenAPI schema and the endpoints may not drift apart, and the docs page works offline.

docs/openapi.yaml is the committed schema: regenerate it with
`.venv/bin/massline spectacular --file docs/openapi.yaml` when the API changes on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from massline.api import tokens
from massline.api.models import Scope
from tests.conftest import World, client_for

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def _served(world: World) -> dict:
    _token, raw = tokens.create_token(world.rosa, name="schema", scope=Scope.READ, days=1)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(reverse("api_schema"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _api_routes(resolver: URLResolver, prefix: str = "/", inside: bool = False) -> set[str]:
    routes = set()
    for pattern in resolver.url_patterns:
        text = str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            routes |= _api_routes(pattern, prefix + text, inside or pattern.namespace == "api")
        elif isinstance(pattern, URLPattern) and inside:
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", prefix + text)
            routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}"))
    return routes


def test_the_served_schema_is_the_committed_one(world: World) -> None:
    served = _served(world)
    committed = yaml.safe_load(COMMITTED.read_text())
    assert served == committed, (
        "The API changed: check the change, then run "
        "`.venv/bin/massline spectacular --file docs/openapi.yaml`"
    )


def test_every_route_is_in_the_schema_and_every_schema_path_is_a_route(world: World) -> None:
    routes = _api_routes(get_resolver())
    assert "/api/v1/people/{id}/" in routes and "/api/v1/osdi/people/" in routes
    assert set(_served(world)["paths"]) == routes


def test_the_schema_needs_a_member(world: World) -> None:
    assert Client().get(reverse("api_schema")).status_code == 401


def test_the_docs_page_loads_everything_from_this_server(world: World) -> None:
    browser = client_for(world.elm.organizer)
    page = browser.get(reverse("api_docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html
    assert not re.search(r"<script>(?!\s*</script>)", html)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert browser.get(source).status_code == 200, source
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
