"""Need-to-know for study: every study URL, probed with the ids of a sibling unit's study
records (groups, readings, sessions, pairs, invitations, members), shows none of them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.study import services
from massline.study.models import InvitationKind, StudySession
from massline.study.urls import urlpatterns
from tests.conftest import World, client_for
from tests.test_study import PDF, member_in
from tests.test_visibility import SIBLING_PROBES

SECRETS = [
    "Building C readers",
    "Bob's secret reading",
    "Bob's secret notes",
    "Why does Bob's landlord",
    "Private note on Bob",
    "Invited to the C lobby",
    "Boris",
]


@pytest.fixture
def sibling_study(world: World, settings, tmp_path) -> dict[str, int]:
    settings.STUDY_READINGS_DIR = tmp_path / "readings"
    bob = world.building_c.organizer
    unit = world.building_c.unit
    group = services.create_group(unit, name="Building C readers", by=bob)
    reading = services.add_reading(
        group, title="Bob's secret reading", upload=SimpleUploadedFile("r.pdf", PDF), by=bob
    )
    session = services.plan_session(group, held_at=timezone.now(), reading=reading, by=bob)
    services.save_notes(session, "Bob's secret notes", expected_version=1, by=bob)
    services.raise_question(
        session, text="Why does Bob's landlord own it?", round_=world.building_c.round, by=bob
    )
    cleo = member_in(unit, "cleo", "Cleo")
    pair = services.pair_up(unit, newer=cleo, experienced=bob, by=world.rosa)
    services.write_lead_note(bob, unit=unit, text="Private note on Bob", by=world.rosa)
    invitation = services.invite(
        world.building_c.person,
        unit=unit,
        kind=InvitationKind.JOIN,
        note="Invited to the C lobby",
        by=world.rosa,
    )
    return {
        "group": group.pk,
        "reading": reading.pk,
        "session": session.pk,
        "pair": pair.pk,
        "invitation": invitation.pk,
        "member": bob.pk,
        "cleo": cleo.pk,
        "unit": unit.pk,
        "person": world.building_c.person.pk,
    }


# Which of the sibling's records each URL's `pk` names, by the URL's first segment.
PK_KIND = {
    "groups": ["group"],
    "readings": ["reading"],
    "sessions": ["session"],
    "members": ["member", "cleo"],
    "units": ["unit"],
    "pairs": ["pair"],
    "invitations": ["invitation"],
}


def _study_urls(ids: dict[str, int]) -> list[str]:
    urls = []
    for pattern in urlpatterns:
        params = set(pattern.pattern.converters)
        if not params:
            urls.append(reverse(pattern.name))
            continue
        for kind in PK_KIND[str(pattern.pattern).split("/")[0]]:
            kwargs = {"pk": ids[kind]}
            if "person_pk" in params:
                kwargs["person_pk"] = ids["person"]
            urls.append(reverse(pattern.name, kwargs=kwargs))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "carl"])
def test_sibling_study_records_never_show(world: World, sibling_study, who: str) -> None:
    viewer = world.elm.organizer if who == "alice" else world.carl
    client = client_for(viewer)
    for url in _study_urls(sibling_study):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (200, 302, 404, 405), (method, url)
            body = (
                b"".join(response.streaming_content) if response.streaming else response.content
            ).decode(errors="replace")
            for secret in SECRETS:
                assert secret not in body, f"{method} {url} shows {secret!r}"
            assert PDF.decode() not in body
    # Nothing was changed by the probes.
    session = StudySession.objects.get(pk=sibling_study["session"])
    assert session.notes == "Bob's secret notes" and session.attendees.count() == 0


def test_every_study_url_is_in_the_sibling_probes() -> None:
    assert {pattern.name for pattern in urlpatterns} <= set(SIBLING_PROBES)


@pytest.mark.django_db
def test_access_functions_keep_siblings_apart(world: World, sibling_study) -> None:
    alice = world.elm.organizer
    assert not access.visible_study_groups(alice).exists()
    assert not access.visible_invitations(alice).exists()
    assert not access.visible_pairs(alice).filter(pk=sibling_study["pair"]).exists()
    assert not access.visible_lead_notes(world.building_c.organizer).exists()  # about himself
    assert access.visible_lead_notes(world.rosa).count() == 1
    assert set(access.development_subjects(alice)) == {alice}
    assert world.building_c.organizer in access.development_subjects(world.rosa)
