"""Need-to-know, checked on every URL the project has.

Every named URL must appear in SIBLING_PROBES (or PUBLIC); for each, Alice requests it with
the ids of every object in Bob's sibling unit and must get a 404 or a page that shows none of
Bob's data. A new URL that is not listed here fails test_every_url_is_probed.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from massline import access
from massline.organization.views import MANAGED
from tests.conftest import UnitWorld, World, client_for
from tests.test_api_visibility import ENDPOINTS as API_ENDPOINTS

PUBLIC = {"login", "logout", "public_idea", "consultation_vote"}
# The secret ballot box: a one-time token is the whole credential (tests/test_assemblies.py).
PUBLIC |= {"ballot_cast"}
PUBLIC |= {"choose_language"}  # sets the visitor's own language; shows no data
# The REST API answers tokens, not pages: tests/test_api_visibility.py probes every route of
# its `api` namespace with a sibling unit's token, and fails on a route it does not list.
PUBLIC |= {f"{name}-{kind}" for name in API_ENDPOINTS for kind in ("list", "detail")}
PUBLIC |= {"osdi-person-signup", "theme-sections", "line-sections"}
# Mutual aid's public intake (a token, no ids): tests/test_aid.py checks what it shows.
PUBLIC |= {"aid_public_request", "aid_public_offer"}
# The field app's JSON endpoints answer 400/401/403 with a wipe instruction rather than a page;
# tests/test_field.py probes each of them with the sibling unit's ids.
PUBLIC |= {
    "field_hello",
    "field_register",
    "field_list",
    "field_sync_person",
    "field_sync_person_change",
    "field_sync_conversation",
    "field_sync_reception",
}
OBJECT_KINDS = (
    "person",
    "place",
    "conversation",
    "idea",
    "follow_up",
    "struggle",
    "assessment",
    "round",
    "line",
    "action",
    "consultation",
    "statement",
    "aid_program",
    "aid_request",
    "aid_delivery",
    "aid_offer",
)
# Named ids besides `pk` take the sibling's object of that kind.
NAMED_IDS = {
    "unit_pk": "unit",
    "line_pk": "line",
    "person_pk": "person",
    "action_pk": "action",
    "statement_pk": "statement",
}

# url name -> how to probe it: "list" (no ids), "ids" (every sibling object id as pk),
# or "kind" (every managed kind, with and without sibling ids).
SIBLING_PROBES = {
    "my_work": "list",
    "people_list": "list",
    "ties": "list",
    "person_new": "list",
    "person_detail": "ids",
    "person_edit": "ids",
    "person_seal": "ids",
    "person_sealed": "ids",
    "conversation_new": "list",
    "conversation_person_rows": "list",
    "conversation_idea_row": "list",
    "person_picker": "list",
    "conversation_detail": "ids",
    "follow_up_done": "ids",
    "idea_language": "ids",
    "manage": "list",
    "membership_remove": "ids",
    "manage_list": "kind",
    "manage_new": "kind",
    "manage_edit": "kind_ids",
    "member_suspend": "ids",
    "two_factor_verify": "list",
    "two_factor_setup": "list",
    "round_list": "list",
    "round_new": "list",
    "round_detail": "ids",
    "round_advance": "ids",
    "unit_pool": "ids",
    "board": "ids",
    "line_detail": "ids",
    "line_publish": "ids",
    "line_flyer": "ids",
    "reception_record": "ids",
    "round_actions": "ids",
    "action_detail": "ids",
    "round_close": "ids",
    "round_next": "ids",
    "theme_suggestions": "ids",
    "suggestion_status": "ids",
    "consultation_list": "ids",
    "consultation_new": "ids",
    "consultation_detail": "ids",
    "consultation_results": "ids",
    "consultation_refresh": "ids",
    "consultation_moderate": "ids",
    "consultation_carry": "ids",
    "audit_unusual": "list",
    # study: tests/test_study_visibility.py also probes a sibling unit's study records
    "study_home": "list",
    "study_group_new": "list",
    "study_group_detail": "ids",
    "study_group_members": "ids",
    "reading_new": "ids",
    "reading_file": "ids",
    "session_new": "ids",
    "session_detail": "ids",
    "session_attendance": "ids",
    "session_notes": "ids",
    "session_swap": "ids",
    "session_question": "ids",
    "member_development": "ids",
    "lead_note_new": "ids",
    "unit_support": "ids",
    "unit_advanced": "ids",
    "invitation_new": "ids",
    "pair_end": "ids",
    "invitation_answer": "ids",
    "invitation_join": "ids",
    "api_tokens": "list",
    "api_token_revoke": "ids",
    "api_schema": "list",
    "api_docs": "list",
    # assemblies: tests/test_assemblies_visibility.py also probes sibling committees' records
    "assembly_list": "list",
    "assembly_new": "ids",
    "decision_register": "ids",
    "mandate_list": "ids",
    "assembly_detail": "ids",
    "assembly_quorum": "ids",
    "assembly_minutes": "ids",
    "item_detail": "ids",
    "item_speakers": "ids",
    "item_bring_line": "ids",
    "motion_detail": "ids",
    "vote_page": "ids",
    "vote_token": "ids",
    "vote_ballots": "ids",
    "decision_detail": "ids",
    "mandate_detail": "ids",
    "aid_programs": "list",
    "aid_program_new": "list",
    "aid_program": "ids",
    "aid_program_edit": "ids",
    "aid_team": "ids",
    "aid_board": "ids",
    "aid_request_new": "ids",
    "aid_offers": "ids",
    "aid_stock": "ids",
    "aid_funds": "ids",
    "aid_load": "ids",
    "aid_request": "ids",
    "aid_request_step": "ids",
    "aid_delivery": "ids",
    "aid_delivery_claim": "ids",
    "aid_delivery_step": "ids",
    "aid_doorstep": "ids",
    "aid_offer_state": "ids",
    "exchange_home": "list",
    "exchange_import": "list",
    "exchange_import_draft": "ids",
    "exchange_import_run": "ids",
    "exchange_texting": "list",
    "exchange_consent": "ids",
    "exchange_webhooks": "list",
    "exchange_webhook": "ids",
    "exchange_webhook_rotate": "ids",
    "field_devices": "list",
    "field_device_lost": "ids",
    "field_app": "list",
    "field_sw": "list",
    "field_manifest": "list",
    "sections": "list",
    "person_sections": "ids",
    "round_sections_csv": "ids",
    "line_translations": "ids",
    "line_translation_flyer": "ids",
}


def _named_kwargs(name: str, named: dict[str, int]) -> list[dict[str, int]]:
    """The extra id arguments a URL takes, filled with the sibling's objects."""
    for possibility, _pattern, _defaults, _converters in get_resolver().reverse_dict.getlist(name):
        params = set(possibility[0][1]) - {"pk"}
        return [{key: named[key] for key in params}]
    return [{}]


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            names |= _names(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_url_is_probed() -> None:
    assert _names(get_resolver()) - PUBLIC == set(SIBLING_PROBES)


def _secrets(other: UnitWorld) -> list[str]:
    return [
        other.person.first_name,
        other.person.last_name,
        other.idea.text,
        other.place.name,
        other.unit.name,
        other.struggle.name,
        other.person.phone,
        *_aid_secrets(other),
    ]


def _aid_secrets(other: UnitWorld) -> list[str]:
    """The sibling program's name and its recipient's contact details (massline/aid)."""
    if other.aid_request is None:
        return []
    request = other.aid_request
    return [other.aid_program.name, request.name, request.phone, request.address, request.need]


def _urls_for(name: str, other: UnitWorld) -> list[str]:
    probe = SIBLING_PROBES[name]
    ids = [getattr(other, kind).pk for kind in OBJECT_KINDS] + [other.unit.pk]
    if probe == "list":
        return [
            reverse(name),
            reverse(name) + f"?person={other.person.pk}&people={other.person.pk}"
            f"&q={other.person.first_name[:3]}",
        ]
    if probe == "ids":
        named = {key: getattr(other, kind).pk for key, kind in NAMED_IDS.items()}
        urls = []
        for pk in ids:
            for extra in _named_kwargs(name, named):
                urls.append(reverse(name, kwargs={"pk": pk, **extra}))
        return urls
    if probe == "kind":
        return [reverse(name, kwargs={"kind": kind}) for kind in MANAGED]
    return [reverse(name, kwargs={"kind": kind, "pk": pk}) for kind in MANAGED for pk in ids]


@pytest.mark.parametrize("name", sorted(SIBLING_PROBES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_sibling_unit_data_never_shows(world: World, name: str, method: str) -> None:
    alice = client_for(world.elm.organizer)
    for url in _urls_for(name, world.building_c):
        response = getattr(alice, method)(url)
        assert response.status_code in (200, 302, 404, 405), url
        body = response.content.decode()
        for secret in _secrets(world.building_c):
            assert secret not in body, f"{method} {url} shows {secret!r}"
        if response.status_code == 302:
            assert str(world.building_c.person.pk) not in response["Location"].split("/")


def test_guessed_ids_of_sibling_records_are_404(world: World) -> None:
    alice = client_for(world.elm.organizer)
    other = world.building_c
    assert alice.get(reverse("person_detail", args=[other.person.pk])).status_code == 404
    assert alice.get(reverse("person_edit", args=[other.person.pk])).status_code == 404
    assert (
        alice.get(reverse("conversation_detail", args=[other.conversation.pk])).status_code == 404
    )
    assert alice.post(reverse("follow_up_done", args=[other.follow_up.pk])).status_code == 404
    other.follow_up.refresh_from_db()
    assert other.follow_up.done_at is None


def test_own_unit_is_visible(world: World) -> None:
    alice = client_for(world.elm.organizer)
    assert alice.get(reverse("person_detail", args=[world.elm.person.pk])).status_code == 200
    body = alice.get(reverse("people_list")).content.decode()
    assert world.elm.person.last_name in body


def test_parent_unit_sees_both_children_and_outsider_sees_neither(world: World) -> None:
    both = set(access.visible_people(world.rosa))
    assert {world.elm.person, world.building_c.person} <= both
    assert not access.visible_people(world.carl).exists()
    assert not access.visible_ideas(world.carl).exists()


def test_struggles_from_units_above_are_visible(world: World) -> None:
    from tests.factories import StruggleFactory

    district = StruggleFactory(unit=world.union, name="District rents")
    visible = set(access.visible_struggles(world.elm.organizer))
    assert district in visible
    assert world.building_c.struggle not in visible


def test_anonymous_visitors_are_sent_to_login(world: World) -> None:
    from django.test import Client

    response = Client().get(reverse("person_detail", args=[world.elm.person.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
