"""Need-to-know for assemblies: a sibling committee's records never show.

The union has two committees, Housing and Finance. Alice sits on Housing, Bob on Finance.
Each committee holds an assembly with a motion, an amendment, a closed secret vote, a
decision and an elected officer. Alice requests every assemblies URL with the ids of every
Finance record and gets a 404 or a page that shows none of Finance's secrets; a guessed
write changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from massline.assemblies import services
from massline.assemblies.models import Assembly, Decision, Mandate, Motion
from massline.organization.models import Member, Role, Unit, UnitKind
from tests import factories as f
from tests.conftest import World, client_for
from tests.test_visibility import SIBLING_PROBES

NAMES = sorted(
    name
    for name in SIBLING_PROBES
    if name.startswith(("assembly_", "item_", "motion_", "vote_", "decision_", "mandate_"))
)


@dataclass
class Committee:
    unit: Unit
    member: Member
    assembly: Assembly
    ids: list[int]
    secrets: list[str]


def _committee(world: World, name: str, username: str) -> Committee:
    unit = f.UnitFactory(kind=UnitKind.COMMITTEE, name=f"{name} Committee", parent=world.union)
    member = f.MemberFactory(username=username)
    f.MembershipFactory(member=member, unit=unit, role=Role.ORGANIZER)
    assembly = services.schedule_assembly(
        unit,
        services.Schedule("committee", f"{name} secret meeting", timezone.now(), "number", 1),
        items=[f"{name} agenda item"],
        by=member,
    )
    services.open_assembly(assembly, by=member)
    services.check_in(assembly, member, by=member)
    item = assembly.items.get()
    services.open_item(item, by=member)
    services.add_speaker(item, member, by=member)
    motion = services.propose_motion(item, f"{name} motion text", by=member)
    amendment = services.propose_amendment(motion, f"{name} amended text", by=member)
    vote = services.open_vote(amendment, "secret", by=member)
    token = secrets.token_hex(32)
    services.issue_token(vote, member, services.hash_token(token))
    services.cast_ballot(vote, token, "yes")
    services.close_vote(vote, by=member)
    office = services.Office(
        f"{name} treasurer", "officer", timezone.localdate() + timedelta(days=9)
    )
    election = services.propose_election(item, office, [member], by=member)
    services.record_count(
        services.open_vote(election, "counted", by=member),
        {services.choices(election)[0][0]: 1},
        by=member,
    )
    ids = [
        unit.pk,
        assembly.pk,
        item.pk,
        motion.pk,
        amendment.pk,
        vote.pk,
        election.vote.pk,
        *Decision.objects.filter(unit=unit).values_list("pk", flat=True),
        *Mandate.objects.filter(unit=unit).values_list("pk", flat=True),
    ]
    return Committee(
        unit,
        member,
        assembly,
        ids,
        [f"{name} secret meeting", f"{name} agenda item", f"{name} amended text", f"{name} motion"],
    )


@pytest.fixture
def committees(world: World) -> tuple[Committee, Committee]:
    return _committee(world, "Housing", "hana"), _committee(world, "Finance", "fiona")


@pytest.mark.parametrize("method", ["get", "post"])
def test_sibling_committee_records_never_show(committees, method: str) -> None:
    housing, finance = committees
    client = client_for(housing.member)
    for name in NAMES:
        urls = (
            [reverse(name)]
            if SIBLING_PROBES[name] == "list"
            else [reverse(name, args=[pk]) for pk in finance.ids]
        )
        for url in urls:
            response = getattr(client, method)(url)
            # 409: the JSON token endpoint refusing (a closed vote of her own committee)
            assert response.status_code in (200, 302, 404, 405, 409), url
            body = response.content.decode()
            for secret in finance.secrets:
                assert secret not in body, f"{method} {url} shows {secret!r}"
    assert Motion.objects.filter(item__assembly=finance.assembly).count() == 3
    assert finance.assembly.attendance.count() == 1


def test_own_committee_is_visible(committees) -> None:
    housing, _finance = committees
    client = client_for(housing.member)
    body = client.get(reverse("assembly_list")).content.decode()
    assert "Housing secret meeting" in body and "Finance secret meeting" not in body
    detail = client.get(reverse("assembly_detail", args=[housing.assembly.pk]))
    assert "Housing agenda item" in detail.content.decode()
