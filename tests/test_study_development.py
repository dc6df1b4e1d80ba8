"""Member development, who needs support, and the path from advanced person to member."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from massline.conversations.models import Conversation
from massline.organization.models import Member, Membership, Role
from massline.rounds.models import Forward, PoolEntry, Reception, Response
from massline.struggles.models import Level
from massline.study import selectors, services
from massline.study.models import Answer, Invitation, InvitationKind, PersonMember
from tests import factories as f
from tests.conftest import World, client_for
from tests.test_study import elm_group, member_in


def _conversations(world: World, member: Member, days_ago: list[int]) -> None:
    now = timezone.now()
    for days in days_ago:
        f.ConversationFactory(
            unit=world.elm.unit,
            people=[world.elm.person],
            recorded_by=member,
            happened_at=now - timedelta(days=days),
        )


@pytest.mark.django_db
def test_development_numbers(world: World) -> None:
    alice = world.elm.organizer
    _conversations(world, alice, [1, 2, 40, 70])
    _conversations(world, world.building_c.organizer, [1, 2])
    amara = world.elm.person
    f.AssessmentFactory(
        person=amara,
        struggle=world.elm.struggle,
        level=Level.INTERMEDIATE,
        assessed_by=alice,
        assessed_at=timezone.now() - timedelta(days=30),
    )
    f.AssessmentFactory(person=amara, struggle=world.elm.struggle, level=Level.ADVANCED)
    other = f.PersonFactory(unit=world.elm.unit)
    f.AssessmentFactory(
        person=other,
        struggle=world.elm.struggle,
        level=Level.ADVANCED,
        assessed_by=alice,
        assessed_at=timezone.now() - timedelta(days=5),
    )
    f.AssessmentFactory(person=other, struggle=world.elm.struggle, level=Level.BACKWARD)
    round_ = world.elm.round
    ideas = [
        f.IdeaFactory(unit=world.elm.unit, struggle=round_.struggle, recorded_by=alice)
        for _ in range(2)
    ]
    entries = PoolEntry.objects.bulk_create([PoolEntry.of(round_, idea) for idea in ideas])
    Forward.objects.create(
        entry=entries[0], from_unit=world.elm.unit, to_unit=world.union, forwarded_by=alice
    )
    Reception.objects.create(
        line=world.elm.line,
        version=world.elm.line.versions.get(),
        person=amara,
        response=Response.AGREES,
        recorded_by=alice,
    )
    ben = member_in(world.elm.unit, "ben")
    group = elm_group(world, ben)
    now = timezone.now()
    held = services.plan_session(group, held_at=now - timedelta(days=3), presenter=alice, by=alice)
    second = services.plan_session(group, held_at=now - timedelta(days=1), presenter=ben, by=alice)
    services.plan_session(group, held_at=now + timedelta(days=6), presenter=alice, by=alice)
    services.record_attendance(held, [alice.pk], by=alice)
    services.record_attendance(second, [alice.pk], by=alice)

    d = selectors.development(world.rosa, alice)
    assert (d.conversations, d.conversations_recent) == (4, 2)
    assert d.chart.total == 4 and sum(bar.count for bar in d.chart.bars) == 4
    assert d.moved_up == 1
    assert (d.rounds, d.ideas_gathered, d.forwards, d.receptions) == (1, 2, 1, 1)
    assert (d.sessions_attended, d.sessions_presented) == (2, 1)
    assert d.people_tied == 1  # Amara: the world makes Alice responsible for her

    page = client_for(world.rosa).get(reverse("member_development", args=[alice.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="conversations">4<' in body
    assert "<svg" in body and 'role="img"' in body


@pytest.mark.django_db
def test_development_page_is_for_the_member_and_their_leads_only(world: World) -> None:
    alice = world.elm.organizer
    url = reverse("member_development", args=[alice.pk])
    assert client_for(alice).get(url).status_code == 200
    assert client_for(world.rosa).get(url).status_code == 200  # admin of the union above Elm
    assert client_for(world.building_c.organizer).get(url).status_code == 404  # a sibling
    assert client_for(world.carl).get(url).status_code == 404  # an outsider
    ben = member_in(world.elm.unit, "ben")  # a fellow member of Elm, not a lead
    assert client_for(ben).get(url).status_code == 404
    lead = member_in(world.elm.unit, "lena", role=Role.LEAD)
    assert client_for(lead).get(url).status_code == 200


@pytest.mark.django_db
def test_leads_private_notes_are_hidden_from_the_member(world: World) -> None:
    alice = world.elm.organizer
    services.write_lead_note(
        alice, unit=world.elm.unit, text="Ready to lead the lobby", by=world.rosa
    )
    with pytest.raises(PermissionDenied):
        services.write_lead_note(
            alice, unit=world.elm.unit, text="x", by=world.building_c.organizer
        )
    url = reverse("member_development", args=[alice.pk])
    assert "Ready to lead the lobby" in client_for(world.rosa).get(url).content.decode()
    assert "Ready to lead the lobby" not in client_for(alice).get(url).content.decode()
    response = client_for(world.rosa).post(
        reverse("lead_note_new", args=[alice.pk]), {"unit": world.elm.unit.pk, "text": "Pair her"}
    )
    assert response.status_code == 302
    assert (
        client_for(alice)
        .post(reverse("lead_note_new", args=[alice.pk]), {"unit": world.elm.unit.pk, "text": "Me"})
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_support_shows_who_needs_it_alphabetically(world: World) -> None:
    alice = world.elm.organizer
    ben = member_in(world.elm.unit, "ben", "Ben")
    _conversations(world, alice, [1])
    group = elm_group(world, ben)
    session = services.plan_session(
        group, held_at=timezone.now() - timedelta(days=1), presenter=alice, by=alice
    )
    services.record_attendance(session, [alice.pk], by=alice)
    services.pair_up(world.elm.unit, newer=ben, experienced=alice, by=world.rosa)
    rows = {row.member.username: row for row in selectors.support(world.rosa, world.elm.unit)}
    assert not rows["alice"].needs_support
    assert rows["ben"].quiet and not rows["ben"].presented and rows["ben"].no_study
    assert rows["ben"].paired
    page = client_for(world.rosa).get(reverse("unit_support", args=[world.elm.unit.pk]))
    body = page.content.decode()
    assert "never presented" in body and "Ben" in body
    assert (
        client_for(alice).get(reverse("unit_support", args=[world.elm.unit.pk])).status_code == 404
    )


# --- from advanced to organizer ---------------------------------------------------------------


@pytest.fixture
def advanced(world: World):
    """Amara is advanced on Elm's struggle since 20 days ago (intermediate before)."""
    amara = world.elm.person
    world.elm.assessment.assessed_at = timezone.now() - timedelta(days=40)  # intermediate
    world.elm.assessment.save()
    f.AssessmentFactory(
        person=amara,
        struggle=world.elm.struggle,
        level=Level.ADVANCED,
        assessed_at=timezone.now() - timedelta(days=20),
    )
    f.AssessmentFactory(
        person=amara,
        struggle=world.elm.struggle,
        level=Level.ADVANCED,
        assessed_at=timezone.now() - timedelta(days=2),
    )
    return amara


@pytest.mark.django_db
def test_leads_see_the_advanced_who_are_not_members(world: World, advanced) -> None:
    rows = selectors.advanced_not_members(world.rosa, world.elm.unit)
    assert [(row.person, row.struggle) for row in rows] == [(advanced, world.elm.struggle)]
    since = rows[0].since
    # Since the first advanced assessment after the last intermediate one, not the latest.
    assert timedelta(days=19) < timezone.now() - since < timedelta(days=21)
    assert rows[0].person.responsible == world.elm.organizer
    page = client_for(world.rosa).get(reverse("unit_advanced", args=[world.elm.unit.pk]))
    assert "Amara Okafor" in page.content.decode()
    # An organizer (not a lead) and a sibling's admin see nothing.
    assert (
        client_for(world.elm.organizer)
        .get(reverse("unit_advanced", args=[world.elm.unit.pk]))
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_invite_answer_and_join_as_the_same_person(world: World, advanced) -> None:
    rosa = world.rosa
    group = elm_group(world)
    study = services.invite(
        advanced, unit=world.elm.unit, kind=InvitationKind.STUDY, study_group=group, by=rosa
    )
    services.record_answer(study, answer=Answer.ACCEPTED, note="Thursdays work", by=rosa)
    join = services.invite(advanced, unit=world.elm.unit, kind=InvitationKind.JOIN, by=rosa)
    with pytest.raises(services.StudyError):  # joining goes through join_as_member
        services.record_answer(join, answer=Answer.ACCEPTED, by=rosa)
    conversations_before = set(advanced.conversations.values_list("pk", flat=True))
    link = services.join_as_member(
        join, username="amara", password="a-long-test-password-2", by=rosa
    )
    assert link.person == advanced  # the same record, not a copy
    assert Membership.objects.get(member=link.member).unit == world.elm.unit
    assert link.member.display_name == "Amara Okafor"
    assert set(advanced.conversations.values_list("pk", flat=True)) == conversations_before
    join.refresh_from_db()
    assert join.answer == Answer.ACCEPTED
    assert Invitation.objects.filter(person=advanced).count() == 2  # history kept
    assert selectors.advanced_not_members(rosa, world.elm.unit) == []
    with pytest.raises(services.StudyError):
        services.invite(advanced, unit=world.elm.unit, kind=InvitationKind.JOIN, by=rosa)
    # The inviter is credited on the development page.
    d = selectors.development(rosa, rosa)
    assert (d.brought_in, d.joined) == (1, 1)
    # The new member's page says where they came from.
    page = client_for(rosa).get(reverse("member_development", args=[link.member.pk]))
    assert "person record" in page.content.decode()


@pytest.mark.django_db
def test_bad_join_saves_nothing(world: World, advanced) -> None:
    rosa = world.rosa
    join = services.invite(advanced, unit=world.elm.unit, kind=InvitationKind.JOIN, by=rosa)
    members_before = Member.objects.count()
    for username, password in (("alice", "a-long-test-password-2"), ("amara", "123"), ("", "x")):
        with pytest.raises(services.StudyError):
            services.join_as_member(join, username=username, password=password, by=rosa)
    with pytest.raises(PermissionDenied):
        services.join_as_member(
            join, username="amara", password="a-long-test-password-2", by=world.elm.organizer
        )
    assert Member.objects.count() == members_before
    assert not PersonMember.objects.exists()
    join.refresh_from_db()
    assert join.answer == Answer.PENDING
    response = client_for(rosa).post(
        reverse("invitation_join", args=[join.pk]),
        {"username": "alice", "password": "a-long-test-password-2"},
    )
    assert response.status_code == 200 and "username is taken" in response.content.decode()


@pytest.mark.django_db
def test_invitations_through_the_pages(world: World, advanced) -> None:
    rosa = client_for(world.rosa)
    unit = world.elm.unit
    response = rosa.post(
        reverse("invitation_new", args=[unit.pk, advanced.pk]),
        {"kind": "meeting", "note": "Lobby meeting", "struggle": world.elm.struggle.pk},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.kind, invitation.struggle, invitation.invited_by) == (
        "meeting",
        world.elm.struggle,
        world.rosa,
    )
    rosa.post(reverse("invitation_answer", args=[invitation.pk]), {"answer": "declined"})
    invitation.refresh_from_db()
    assert invitation.answer == Answer.DECLINED
    # Bob's person cannot be invited through Elm, nor by Alice (not a lead).
    assert (
        rosa.post(
            reverse("invitation_new", args=[unit.pk, world.building_c.person.pk]), {"kind": "join"}
        ).status_code
        == 404
    )
    assert (
        client_for(world.elm.organizer)
        .post(reverse("invitation_new", args=[unit.pk, advanced.pk]), {"kind": "join"})
        .status_code
        == 404
    )
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_development_stays_a_fixed_number_of_queries(world: World, django_assert_max_num_queries):
    """The page is aggregates: 3 or 300 conversations cost the same queries."""
    alice = world.elm.organizer
    rosa = client_for(world.rosa)
    url = reverse("member_development", args=[alice.pk])
    _conversations(world, alice, [1, 2, 3])
    rosa.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        rosa.get(url)
    Conversation.objects.bulk_create(
        Conversation(
            unit=world.elm.unit,
            kind="phone",
            recorded_by=alice,
            happened_at=timezone.now() - timedelta(days=i % 300),
        )
        for i in range(300)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert rosa.get(url).status_code == 200
