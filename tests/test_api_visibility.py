"""Need-to-know through the API, generated over every endpoint.

For each resource, Alice's read-write token (Elm) is pointed at Building C's objects: lists
show none of them, details and updates are 404, and a create that names them is refused and
writes nothing. A read-only token gets 403 on every write. A new route under /api/v1/ that
is not listed in ENDPOINTS fails test_every_api_route_is_probed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from massline.api.models import Scope
from massline.api.urls import router
from massline.rounds.models import Reception
from tests.conftest import UnitWorld, World
from tests.test_api import api, patch, post

Body = Callable[[UnitWorld], dict]

# basename -> (the UnitWorld attribute holding one of its objects, a create body)
ENDPOINTS: dict[str, tuple[str, Body]] = {
    "person": ("person", lambda w: {"unit": w.unit.pk, "first_name": "Probe", "place": w.place.pk}),
    "place": ("place", lambda w: {"unit": w.unit.pk, "name": "Probe hall"}),
    "unit": (
        "unit",
        lambda w: {"name": "Probe", "slug": f"probe-{w.unit.pk}", "parent": w.unit.pk},
    ),
    "struggle": ("struggle", lambda w: {"unit": w.unit.pk, "name": "Probe struggle"}),
    "assessment": (
        "assessment",
        lambda w: {"person": w.person.pk, "struggle": w.struggle.pk, "level": "advanced"},
    ),
    "conversation": (
        "conversation",
        lambda w: {"unit": w.unit.pk, "people": [w.person.pk], "kind": "phone"},
    ),
    "idea": (
        "idea",
        lambda w: {"unit": w.unit.pk, "person": w.person.pk, "kind": "concern", "text": "probe"},
    ),
    "follow-up": ("follow_up", lambda w: {"person": w.person.pk, "due_on": "2027-01-01"}),
    "round": (
        "round",
        lambda w: {
            "struggle": w.struggle.pk,
            "leading_unit": w.unit.pk,
            "units": [w.unit.pk],
            "question": "Probe?",
            "gather_until": "2030-01-01T00:00:00Z",
        },
    ),
    "line": ("line", lambda w: {"round": w.round.pk, "concern": "c", "action": "a"}),
    "reception": (
        "reception",
        lambda w: {"line": w.line.pk, "person": w.person.pk, "response": "agrees"},
    ),
    "action": (
        "action",
        lambda w: {
            "round": w.round.pk,
            "kind": "meeting",
            "title": "Probe",
            "happens_on": "2027-01-01",
        },
    ),
}
# Creates that need a round in a later state are checked without the positive control.
NEEDS_STATE = {"line", "reception"}


def _model(basename: str):
    for prefix, viewset, name in router.registry:
        if name == basename:
            return prefix, viewset.queryset.model
    raise KeyError(basename)


def _object(world: UnitWorld, basename: str):
    attribute = ENDPOINTS[basename][0]
    if attribute == "reception":
        return Reception.objects.get(person=world.person)
    return getattr(world, attribute)


@pytest.fixture
def receptions(world: World) -> None:
    for unit_world in (world.elm, world.building_c):
        line = unit_world.line
        Reception.objects.create(
            line=line, version=line.versions.first(), person=unit_world.person, response="agrees"
        )


def _secrets(other: UnitWorld) -> list[str]:
    return [
        other.person.first_name,
        other.person.last_name,
        other.idea.text,
        other.place.name,
        other.unit.name,
        other.struggle.name,
        other.person.phone,
        other.round.question,
        other.action.title,
    ]


def _api_names(resolver: URLResolver, inside: bool = False) -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            names |= _api_names(pattern, inside or pattern.namespace == "api")
        elif isinstance(pattern, URLPattern) and pattern.name and inside:
            names.add(pattern.name)
    return names


def test_every_api_route_is_probed() -> None:
    probed = {f"{b}-list" for b in ENDPOINTS} | {f"{b}-detail" for b in ENDPOINTS}
    # breadth by section (read-only): tests/test_sections_exports.py probes them
    breakdowns = {"theme-sections", "line-sections"}
    assert _api_names(get_resolver()) == probed | {"osdi-person-signup"} | breakdowns


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
def test_a_sibling_token_sees_none_of_the_other_units_objects(
    world: World, receptions: None, basename: str
) -> None:
    prefix, _model_class = _model(basename)
    alice, other = api(world.elm.organizer), world.building_c
    theirs = _object(other, basename)
    url = f"/api/v1/{prefix}/"
    listing = alice.get(url, {"page_size": 200})
    assert listing.status_code == 200
    ids = {row["id"] for row in listing.json()["results"]}
    assert theirs.pk not in ids
    assert _object(world.elm, basename).pk in ids or basename == "unit"
    for secret in _secrets(other):
        assert secret not in listing.content.decode(), f"{url} shows {secret!r}"
    for name in ("unit", "person", "round", "line", "struggle", "place", "conversation"):
        sibling_id = getattr(other, name).pk
        filtered = alice.get(url, {name: sibling_id})
        assert filtered.status_code in (200, 400)
        if filtered.status_code == 200:
            assert theirs.pk not in {row["id"] for row in filtered.json()["results"]}
    assert alice.get(f"{url}{theirs.pk}/").status_code == 404


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
def test_a_sibling_token_cannot_write_the_other_units_objects(
    world: World, receptions: None, basename: str
) -> None:
    prefix, model = _model(basename)
    alice, other = api(world.elm.organizer), world.building_c
    theirs = _object(other, basename)
    before = model.objects.filter(pk=theirs.pk).values().get()
    count = model.objects.count()
    changed = patch(alice, f"/api/v1/{prefix}/{theirs.pk}/", {}, **{"If-Match": "*"})
    assert changed.status_code in (404, 405)
    assert model.objects.filter(pk=theirs.pk).values().get() == before
    created = post(alice, f"/api/v1/{prefix}/", ENDPOINTS[basename][1](other))
    assert created.status_code in (400, 403, 404), created.content
    assert model.objects.count() == count
    body = json.dumps(created.json())
    for secret in _secrets(other):
        assert secret not in body


@pytest.mark.parametrize("basename", sorted(set(ENDPOINTS) - NEEDS_STATE))
def test_the_same_create_in_ones_own_unit_works(world: World, basename: str) -> None:
    """The positive control: the bodies above are refused for whose objects they name."""
    prefix, model = _model(basename)
    count = model.objects.count()
    created = post(api(world.rosa), f"/api/v1/{prefix}/", ENDPOINTS[basename][1](world.elm))
    assert created.status_code == 201, created.content
    assert model.objects.count() == count + 1


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
def test_a_read_only_token_gets_403_on_every_write(
    world: World, receptions: None, basename: str
) -> None:
    prefix, model = _model(basename)
    reader = api(world.rosa, Scope.READ)
    own = _object(world.elm, basename)
    before = model.objects.filter(pk=own.pk).values().get()
    count = model.objects.count()
    assert post(reader, f"/api/v1/{prefix}/", ENDPOINTS[basename][1](world.elm)).status_code == 403
    etag = reader.get(f"/api/v1/{prefix}/{own.pk}/")["ETag"]
    changed = patch(reader, f"/api/v1/{prefix}/{own.pk}/", {}, **{"If-Match": etag})
    assert changed.status_code == 403
    assert model.objects.count() == count
    assert model.objects.filter(pk=own.pk).values().get() == before
