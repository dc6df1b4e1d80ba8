"""Assemblies: quorum, motions from lines, amendments, votes, minutes, register, mandates.

The union of the `world` fixture holds the assemblies: Rosa (its admin) chairs; Alice and Bob
belong to it through their building units; Carl belongs elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.accounts.services import suspend
from massline.assemblies import services
from massline.assemblies.models import (
    Assembly,
    Ballot,
    Decision,
    Majority,
    Mandate,
    Minutes,
    MinutesState,
    Motion,
    MotionState,
    QuorumRule,
    ReportBack,
    RollCallVote,
    TokenReceipt,
    Vote,
    VoteMethod,
    VoteState,
)
from massline.organization.models import Member, Role, UnitKind
from massline.rounds.models import Action
from massline.rounds.services import leads as leads_round
from tests import factories as f
from tests.conftest import World, client_for

AssemblyError = services.AssemblyError


@dataclass
class Meeting:
    assembly: Assembly
    item: object
    chair: Member
    members: list[Member]


def token_pair() -> tuple[str, str]:
    """What a phone makes: a token, and the hash it sends."""
    import secrets

    token = secrets.token_hex(32)
    return token, services.hash_token(token)


def make_members(world: World, n: int, prefix: str = "m") -> list[Member]:
    members = []
    for i in range(n):
        member = f.MemberFactory(username=f"{prefix}{i}")
        f.MembershipFactory(member=member, unit=world.union, role=Role.MEMBER)
        members.append(member)
    return members


def open_meeting(
    world: World, *, quorum: int = 2, extra: int = 3, check_in: bool = True
) -> Meeting:
    chair = world.rosa
    members = [
        world.rosa,
        world.elm.organizer,
        world.building_c.organizer,
        *make_members(world, extra),
    ]
    assembly = services.schedule_assembly(
        world.union,
        services.Schedule(
            kind="general",
            title="Spring general meeting",
            starts_at=timezone.now(),
            quorum_rule=QuorumRule.NUMBER,
            quorum_number=quorum,
            notice="All members: general meeting on the rent increase.",
        ),
        items=["The rent increase", "Elections"],
        by=chair,
    )
    services.send_notice(assembly, by=chair)
    services.open_assembly(assembly, by=chair)
    if check_in:
        for member in members:
            services.check_in(assembly, member, by=member)
    item = assembly.items.get(position=1)
    services.open_item(item, by=chair)
    return Meeting(assembly, item, chair, members)


def secret_vote(meeting: Meeting, motion: Motion, choices: list[str]) -> Vote:
    vote = services.open_vote(motion, VoteMethod.SECRET, by=meeting.chair)
    for member, choice in zip(meeting.members, choices, strict=False):
        token, token_hash = token_pair()
        services.issue_token(vote, member, token_hash)
        services.cast_ballot(vote, token, choice)
    return services.close_vote(vote, by=meeting.chair)


# --- scheduling, good standing, quorum ----------------------------------------------------


def test_only_mass_organizations_and_committees_hold_assemblies(world: World) -> None:
    schedule = services.Schedule("general", "Meeting", timezone.now(), QuorumRule.NUMBER, 3)
    cadre = f.UnitFactory(kind=UnitKind.CADRE_BODY)
    f.MembershipFactory(member=world.rosa, unit=cadre, role=Role.ADMIN)
    for unit in (world.elm.unit, cadre):
        with pytest.raises(AssemblyError, match="Only mass organizations"):
            services.schedule_assembly(unit, schedule, items=[], by=world.rosa)
    committee = f.UnitFactory(kind=UnitKind.COMMITTEE, parent=world.union)
    assembly = services.schedule_assembly(committee, schedule, items=["Budget"], by=world.rosa)
    assert assembly.items.get().title == "Budget"
    with pytest.raises(PermissionDenied):
        services.schedule_assembly(world.union, schedule, items=[], by=world.elm.organizer)
    bad = services.Schedule("general", "Meeting", timezone.now(), QuorumRule.SHARE, None, 0)
    with pytest.raises(AssemblyError, match="percentage"):
        services.schedule_assembly(world.union, bad, items=[], by=world.rosa)
    assert Assembly.objects.count() == 1


def test_good_standing_excludes_suspended_cadre_only_and_outsiders(world: World) -> None:
    members = make_members(world, 2)
    cadre = f.UnitFactory(kind=UnitKind.CADRE_BODY, parent=world.union)
    cadre_only = f.MemberFactory(username="cadre_only")
    f.MembershipFactory(member=cadre_only, unit=cadre)
    suspend(members[1], by=world.rosa)
    standing = set(services.members_in_good_standing(world.union))
    assert {world.rosa, world.elm.organizer, world.building_c.organizer, members[0]} == standing
    assert world.carl not in standing


def test_notice_date_is_kept_and_quorum_by_share_counts_members(world: World) -> None:
    make_members(world, 7)  # 10 members in good standing with Rosa, Alice, Bob
    assembly = services.schedule_assembly(
        world.union,
        services.Schedule("general", "AGM", timezone.now(), QuorumRule.SHARE, quorum_percent=25),
        items=[],
        by=world.rosa,
    )
    services.send_notice(assembly, by=world.rosa, notice="Come to the AGM")
    assert assembly.notice_sent_on == timezone.localdate()
    services.open_assembly(assembly, by=world.rosa)
    status = services.quorum(assembly)
    assert (status.present, status.required, status.base, status.reached) == (0, 3, 10, False)
    for member in (world.rosa, world.elm.organizer):
        services.check_in(assembly, member, by=member)
    services.check_in(assembly, world.elm.organizer, by=world.elm.organizer)  # twice: once
    assert not services.quorum(assembly).reached
    services.check_in(assembly, world.building_c.organizer, by=world.rosa, remote=True)
    assert services.quorum(assembly).reached
    with pytest.raises(AssemblyError, match="good standing"):
        services.check_in(assembly, world.carl, by=world.carl)
    with pytest.raises(PermissionDenied):
        services.check_in(assembly, world.carl, by=world.elm.organizer)
    assert assembly.attendance.count() == 3


def test_no_vote_without_quorum(world: World) -> None:
    meeting = open_meeting(world, quorum=50)
    motion = services.propose_motion(meeting.item, "Hold a rent strike", by=world.elm.organizer)
    with pytest.raises(AssemblyError, match="No quorum: 6 present, 50 needed"):
        services.open_vote(motion, VoteMethod.SECRET, by=meeting.chair)
    assert not Vote.objects.exists()
    assert Motion.objects.get(pk=motion.pk).state == MotionState.PROPOSED


def test_quorum_fragment_polls_live(world: World) -> None:
    meeting = open_meeting(world, quorum=10, check_in=False)
    client = client_for(world.elm.organizer)
    url = reverse("assembly_quorum", args=[meeting.assembly.pk])
    assert "0 present, 10 needed" in client.get(url).content.decode()
    client.post(reverse("assembly_detail", args=[meeting.assembly.pk]), {"op": "check_in"})
    body = client.get(url).content.decode()
    assert "1 present, 10 needed" in body and 'hx-trigger="every 3s"' in body


# --- speakers' list -----------------------------------------------------------------------


def test_speakers_list_can_put_new_speakers_first(world: World) -> None:
    meeting = open_meeting(world)
    alice, bob, rosa = world.elm.organizer, world.building_c.organizer, world.rosa
    first = services.add_speaker(meeting.item, alice, by=alice)
    services.mark_spoken(first, by=rosa)
    services.add_speaker(meeting.item, alice, by=alice)  # again, having spoken once
    services.add_speaker(meeting.item, bob, by=bob)
    with pytest.raises(AssemblyError, match="Already on the speakers' list"):
        services.add_speaker(meeting.item, bob, by=bob)
    assert [s.member for s in services.speakers_queue(meeting.item)] == [alice, bob]
    services.set_new_speakers_first(meeting.item, True, by=rosa)
    assert [s.member for s in services.speakers_queue(meeting.item)] == [bob, alice]
    with pytest.raises(AssemblyError, match="Check in first"):
        services.add_speaker(meeting.item, world.carl, by=world.carl)


# --- motions, lines, amendments -----------------------------------------------------------


def test_a_line_brought_as_a_motion_keeps_provenance_and_both_texts(world: World) -> None:
    meeting = open_meeting(world)
    line = world.elm.line
    motion = services.bring_line(meeting.item, line, by=world.elm.organizer)
    version = line.versions.get()
    assert motion.line == line and motion.line_version == version
    assert motion.proposed_text == motion.text == version.summary
    amendment = services.propose_amendment(
        motion, "Withhold the increase together from 1 May", by=world.building_c.organizer
    )
    vote = services.open_vote(amendment, VoteMethod.COUNTED, by=meeting.chair)
    services.record_count(vote, {"yes": 4, "no": 1, "abstain": 1}, by=meeting.chair)
    motion.refresh_from_db()
    assert motion.text == "Withhold the increase together from 1 May"
    assert motion.proposed_text == version.summary  # both kept
    assert not Decision.objects.exists()  # proposing and amending decide nothing
    secret_vote(meeting, motion, ["yes", "yes", "yes", "no", "abstain"])
    decision = Decision.objects.get()
    assert decision.text == "Withhold the increase together from 1 May"
    assert decision.motion.line_version == version and decision.number == 1


def test_a_cadre_line_is_never_shown_as_a_decision_unless_carried(world: World) -> None:
    cadre = f.UnitFactory(kind=UnitKind.CADRE_BODY, name="Collective", slug="collective")
    f.MembershipFactory(member=world.rosa, unit=cadre, role=Role.ADMIN)
    struggle = f.StruggleFactory(unit=cadre, name="Cadre plan")
    round_ = f.RoundFactory(struggle=struggle, leading_unit=cadre, units=[cadre])
    line = f.drafted_line(round_, concern="the landlord's plan")
    meeting = open_meeting(world)
    assert not services.lines_to_bring(world.elm.organizer).filter(pk=line.pk).exists()
    with pytest.raises(PermissionDenied):
        services.bring_line(meeting.item, line, by=world.elm.organizer)
    motion = services.bring_line(meeting.item, line, by=world.rosa)
    client = client_for(world.elm.organizer)
    page = client.get(reverse("motion_detail", args=[motion.pk])).content.decode()
    assert "Not a decision of Eastside Tenants Union" in page
    assert "Collective" not in page and "Cadre plan" not in page
    register = reverse("decision_register", args=[world.union.pk])
    assert "landlord" not in client.get(register).content.decode()
    secret_vote(meeting, motion, ["no", "no", "no", "yes"])
    assert Motion.objects.get(pk=motion.pk).state == MotionState.DEFEATED
    assert "landlord" not in client.get(register).content.decode()
    assert not Decision.objects.exists()


def test_amendments_are_voted_before_the_motion(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(meeting.item, "Picket the office", by=world.rosa)
    services.propose_amendment(motion, "Picket the office on Friday", by=world.elm.organizer)
    with pytest.raises(AssemblyError, match="amendments first"):
        services.open_vote(motion, VoteMethod.COUNTED, by=meeting.chair)
    with pytest.raises(AssemblyError, match="does not change"):
        services.propose_amendment(motion, "Picket the office", by=world.elm.organizer)


def test_two_thirds_majority_is_applied(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(
        meeting.item, "Change the rules", by=world.rosa, majority=Majority.TWO_THIRDS
    )
    vote = services.open_vote(motion, VoteMethod.COUNTED, by=meeting.chair)
    services.record_count(vote, {"yes": 3, "no": 2, "abstain": 1}, by=meeting.chair)
    assert Motion.objects.get(pk=motion.pk).state == MotionState.DEFEATED
    other = services.propose_motion(
        meeting.item, "Change them anyway", by=world.rosa, majority=Majority.TWO_THIRDS
    )
    vote = services.open_vote(other, VoteMethod.COUNTED, by=meeting.chair)
    services.record_count(vote, {"yes": 4, "no": 2}, by=meeting.chair)
    assert Motion.objects.get(pk=other.pk).state == MotionState.CARRIED
    assert services.outcome(motion, {"yes": 2, "no": 2})[0] is False
    assert services.outcome(motion, {"yes": 0, "abstain": 5})[0] is False


def test_a_counted_vote_cannot_count_more_than_present(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(meeting.item, "Picket", by=world.rosa)
    vote = services.open_vote(motion, VoteMethod.COUNTED, by=meeting.chair)
    with pytest.raises(AssemblyError, match="7 votes counted but only 6"):
        services.record_count(vote, {"yes": 7}, by=meeting.chair)
    assert Vote.objects.get(pk=vote.pk).state == VoteState.OPEN


# --- bad input refused, nothing changed ---------------------------------------------------


def test_amendment_to_a_closed_item_is_refused(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(meeting.item, "Picket", by=world.rosa)
    services.close_item(meeting.item, by=meeting.chair)
    with pytest.raises(AssemblyError, match="This item is closed"):
        services.propose_amendment(motion, "Picket twice", by=world.elm.organizer)
    client = client_for(world.elm.organizer)
    response = client.post(
        reverse("motion_detail", args=[motion.pk]),
        {"op": "amend", "a-text": "Picket twice"},
        follow=True,
    )
    assert "This item is closed: no more motions or amendments." in response.content.decode()
    assert Motion.objects.count() == 1


def test_vote_after_close_second_vote_and_non_member_are_refused(world: World) -> None:
    meeting = open_meeting(world)
    alice, carl = world.elm.organizer, world.carl
    motion = services.propose_motion(meeting.item, "Picket", by=world.rosa)
    vote = services.open_vote(motion, VoteMethod.SECRET, by=meeting.chair)
    token, token_hash = token_pair()
    services.issue_token(vote, alice, token_hash)
    services.cast_ballot(vote, token, "yes")
    # a second vote: a second token, or the same token again
    with pytest.raises(AssemblyError, match="already received your ballot"):
        services.issue_token(vote, alice, token_pair()[1])
    with pytest.raises(AssemblyError, match="already been cast"):
        services.cast_ballot(vote, token, "no")
    # a non-member, and a member who did not check in
    with pytest.raises(AssemblyError, match="good standing"):
        services.issue_token(vote, carl, token_pair()[1])
    late = make_members(world, 1, prefix="late")[0]
    with pytest.raises(AssemblyError, match="Check in"):
        services.issue_token(vote, late, token_pair()[1])
    with pytest.raises(AssemblyError, match="not issued"):
        services.cast_ballot(vote, token_pair()[0], "yes")
    bob_token, bob_hash = token_pair()
    services.issue_token(vote, world.building_c.organizer, bob_hash)
    services.close_vote(vote, by=meeting.chair)
    # a vote after the vote closed
    with pytest.raises(AssemblyError, match="The vote is closed"):
        services.cast_ballot(vote, bob_token, "no")
    with pytest.raises(AssemblyError, match="The vote is closed"):
        services.issue_token(vote, world.rosa, token_pair()[1])
    vote.refresh_from_db()
    assert vote.counts == {"yes": 1}
    assert (vote.tokens_issued, vote.ballots_cast, vote.tokens_unused) == (2, 1, 1)
    assert Ballot.objects.count() == 1 and TokenReceipt.objects.count() == 2


def test_roll_call_refuses_second_vote_and_outsiders_through_the_page(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(meeting.item, "Picket", by=world.rosa)
    vote = services.open_vote(motion, VoteMethod.ROLL_CALL, by=meeting.chair)
    url = reverse("vote_page", args=[vote.pk])
    alice = client_for(world.elm.organizer)
    assert alice.post(url, {"choice": "yes"}).status_code == 302
    again = alice.post(url, {"choice": "no"}, follow=True)
    assert "You have already voted." in again.content.decode()
    assert client_for(world.carl).post(url, {"choice": "yes"}).status_code == 404
    services.close_vote(vote, by=meeting.chair)
    after = client_for(world.building_c.organizer).post(url, {"choice": "no"}, follow=True)
    assert "The vote is closed." in after.content.decode()
    assert list(RollCallVote.objects.values_list("choice", flat=True)) == ["yes"]
    assert Vote.objects.get().counts == {"yes": 1}


def test_the_ballot_box_refuses_clearly_over_http(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(meeting.item, "Picket", by=world.rosa)
    vote = services.open_vote(motion, VoteMethod.SECRET, by=meeting.chair)
    alice = client_for(world.elm.organizer)
    token, token_hash = token_pair()
    token_url = reverse("vote_token", args=[vote.pk])
    assert alice.post(token_url, {"token_hash": token_hash}).json() == {"issued": True}
    second = alice.post(token_url, {"token_hash": token_pair()[1]})
    assert second.status_code == 409 and "already received" in second.json()["error"]
    assert (
        client_for(world.carl).post(token_url, {"token_hash": token_pair()[1]}).status_code == 404
    )
    from django.test import Client

    box = Client(enforce_csrf_checks=True)  # no login, no CSRF cookie: the token is enough
    cast = reverse("ballot_cast", args=[vote.pk])
    ok = box.post(cast, {"token": token, "choice": "yes"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["receipt"] == services.receipt_for(token)[:12]
    twice = box.post(cast, {"token": token, "choice": "no"}, content_type="application/json")
    assert twice.status_code == 409 and "already been cast" in twice.json()["error"]
    bad = box.post(cast, {"token": token, "choice": "maybe"}, content_type="application/json")
    assert bad.status_code == 409
    junk = box.post(cast, b"not json", content_type="application/json")
    assert junk.status_code == 400
    assert Ballot.objects.count() == 1


# --- elections, recall, mandates ----------------------------------------------------------


def test_election_recall_mandate_and_report_back(world: World) -> None:
    meeting = open_meeting(world)
    item = meeting.assembly.items.get(position=2)
    services.open_item(item, by=meeting.chair)
    alice, bob = world.elm.organizer, world.building_c.organizer
    office = services.Office(
        office="Delegate to the district coalition",
        kind="delegate",
        term_ends_on=timezone.localdate() + timedelta(days=365),
        sent_to="District housing coalition",
        mandate_text="Carry our rent-freeze demand; report back monthly.",
    )
    with pytest.raises(AssemblyError, match="not a member in good standing"):
        services.propose_election(item, office, [world.carl], by=world.rosa)
    election = services.propose_election(item, office, [alice, bob], by=world.rosa)
    choices = dict(services.choices(election))
    alice_choice = next(k for k, label in choices.items() if label == str(alice))
    bob_choice = next(k for k, label in choices.items() if label == str(bob))
    secret_vote(meeting, election, [alice_choice] * 4 + [bob_choice, "abstain"])
    mandate = Mandate.objects.get()
    assert mandate.holder == alice and mandate.sent_to == "District housing coalition"
    assert mandate.mandate_text.startswith("Carry our rent-freeze")
    assert "elected Delegate to the district coalition" in Decision.objects.get().text
    services.report_back(mandate, "The coalition adopted our demand.", by=alice)
    with pytest.raises(PermissionDenied):
        services.report_back(mandate, "Fake report", by=bob)
    recall = services.propose_recall(item, mandate, "She missed three meetings", by=bob)
    vote = services.open_vote(recall, VoteMethod.COUNTED, by=meeting.chair)
    services.record_count(vote, {"yes": 5, "no": 1}, by=meeting.chair)
    mandate.refresh_from_db()
    assert mandate.recalled_by == recall and mandate.ended_on == timezone.localdate()
    with pytest.raises(AssemblyError, match="already ended"):
        services.propose_recall(item, mandate, "", by=bob)
    assert ReportBack.objects.get().text == "The coalition adopted our demand."
    assert Decision.objects.count() == 2
    page = client_for(bob).get(reverse("mandate_detail", args=[mandate.pk])).content.decode()
    assert "Recalled on" in page and "The coalition adopted our demand." in page


def test_an_election_without_a_majority_elects_nobody(world: World) -> None:
    meeting = open_meeting(world)
    office = services.Office("Treasurer", "officer", timezone.localdate() + timedelta(days=90))
    election = services.propose_election(
        meeting.item, office, [world.elm.organizer, world.building_c.organizer], by=world.rosa
    )
    keys = [k for k, _label in services.choices(election)][:2]
    secret_vote(meeting, election, [keys[0], keys[0], keys[1], keys[1], "no"])
    assert not Mandate.objects.exists()
    assert Motion.objects.get(pk=election.pk).state == MotionState.DEFEATED


# --- minutes, register, actions -----------------------------------------------------------


def test_minutes_are_drafted_then_approved_at_the_next_assembly(world: World) -> None:
    meeting = open_meeting(world)
    minutes = Minutes.objects.get(assembly=meeting.assembly)
    minutes = services.save_minutes(minutes, "Rosa chaired.", version=1, by=meeting.chair)
    with pytest.raises(services.StaleMinutes):
        services.save_minutes(minutes, "An older draft", version=1, by=meeting.chair)
    assert Minutes.objects.get(pk=minutes.pk).text == "Rosa chaired."
    next_meeting = services.schedule_assembly(
        world.union,
        services.Schedule(
            "general", "June meeting", timezone.now() + timedelta(days=30), QuorumRule.NUMBER, 1
        ),
        items=["Minutes"],
        by=world.rosa,
    )
    services.open_assembly(next_meeting, by=world.rosa)
    services.check_in(next_meeting, world.rosa, by=world.rosa)
    with pytest.raises(AssemblyError, match="once their assembly has closed"):
        services.approve_minutes(minutes, at=next_meeting, by=world.rosa)
    services.close_assembly(meeting.assembly, by=meeting.chair)
    with pytest.raises(AssemblyError, match="later assembly"):
        services.approve_minutes(minutes, at=meeting.assembly, by=world.rosa)
    assert list(services.minutes_to_approve(next_meeting)) == [minutes]
    services.approve_minutes(minutes, at=next_meeting, by=world.rosa)
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.APPROVED and minutes.approved_at == next_meeting
    with pytest.raises(AssemblyError, match="not changed"):
        services.save_minutes(minutes, "rewrite history", version=minutes.version, by=world.rosa)


def test_stale_minutes_page_keeps_both_texts(world: World) -> None:
    meeting = open_meeting(world)
    rosa = client_for(world.rosa)
    url = reverse("assembly_minutes", args=[meeting.assembly.pk])
    rosa.post(url, {"text": "First draft", "version": 1})
    response = rosa.post(url, {"text": "My stale draft", "version": 1})
    body = response.content.decode()
    assert response.status_code == 409
    assert "My stale draft" in body and "First draft" in body
    assert Minutes.objects.get(assembly=meeting.assembly).text == "First draft"


def test_a_decision_creates_an_action_of_the_round(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.bring_line(meeting.item, world.elm.line, by=world.rosa)
    vote = services.open_vote(motion, VoteMethod.COUNTED, by=meeting.chair)
    services.record_count(vote, {"yes": 5}, by=meeting.chair)
    decision = Decision.objects.get()
    round_ = world.elm.round
    assert leads_round(world.rosa, round_)
    action = services.act_on_decision(
        decision,
        round_,
        by=world.rosa,
        kind="picket",
        title="Picket the landlord's office",
        happens_on=timezone.localdate() + timedelta(days=7),
    )
    assert action.round == round_ and list(decision.actions.all()) == [action]
    with pytest.raises(PermissionDenied):
        services.act_on_decision(
            decision,
            world.building_c.round,
            by=world.elm.organizer,
            kind="picket",
            title="x",
            happens_on=timezone.localdate(),
        )
    assert Action.objects.filter(title="x").count() == 0
    page = client_for(world.rosa).get(reverse("decision_detail", args=[decision.pk]))
    assert "Picket the landlord" in page.content.decode()


def test_register_numbers_decisions_per_unit_with_proposer_and_votes(world: World) -> None:
    meeting = open_meeting(world)
    for text in ("First motion", "Second motion"):
        motion = services.propose_motion(meeting.item, text, by=world.elm.organizer)
        vote = services.open_vote(motion, VoteMethod.ROLL_CALL, by=meeting.chair)
        for member in meeting.members[:3]:
            services.cast_roll_call(vote, member, "yes")
        services.close_vote(vote, by=meeting.chair)
    assert list(Decision.objects.order_by("number").values_list("number", "text")) == [
        (1, "First motion"),
        (2, "Second motion"),
    ]
    page = client_for(world.building_c.organizer).get(
        reverse("decision_register", args=[world.union.pk])
    )
    body = page.content.decode()
    assert "Second motion" in body and "proposed by Alice" in body and "yes 3" in body


# --- visibility ---------------------------------------------------------------------------


def test_assemblies_of_other_organizations_are_not_found(world: World) -> None:
    meeting = open_meeting(world)
    carl = client_for(world.carl)
    motion = services.propose_motion(meeting.item, "Picket", by=world.rosa)
    for name, pk in [
        ("assembly_detail", meeting.assembly.pk),
        ("assembly_quorum", meeting.assembly.pk),
        ("assembly_minutes", meeting.assembly.pk),
        ("item_detail", meeting.item.pk),
        ("motion_detail", motion.pk),
        ("decision_register", world.union.pk),
        ("mandate_list", world.union.pk),
    ]:
        assert carl.get(reverse(name, args=[pk])).status_code == 404, name
    assert meeting.assembly not in access.visible_assemblies(world.carl)
    assert meeting.assembly in access.visible_assemblies(world.elm.organizer)
    # members below the union see its assembly, but only officers chair it
    alice = client_for(world.elm.organizer)
    assert (
        alice.post(
            reverse("assembly_detail", args=[meeting.assembly.pk]), {"op": "close"}
        ).status_code
        == 404
    )
    assert Assembly.objects.get().state == "open"


def test_pages_render_for_members(world: World) -> None:
    meeting = open_meeting(world)
    motion = services.propose_motion(meeting.item, "Picket the office", by=world.rosa)
    vote = services.open_vote(motion, VoteMethod.SECRET, by=meeting.chair)
    alice = client_for(world.elm.organizer)
    for url in (
        reverse("assembly_list"),
        reverse("assembly_detail", args=[meeting.assembly.pk]),
        reverse("item_detail", args=[meeting.item.pk]),
        reverse("item_bring_line", args=[meeting.item.pk]),
        reverse("motion_detail", args=[motion.pk]),
        reverse("vote_page", args=[vote.pk]),
        reverse("assembly_minutes", args=[meeting.assembly.pk]),
        reverse("decision_register", args=[world.union.pk]),
        reverse("mandate_list", args=[world.union.pk]),
    ):
        assert alice.get(url).status_code == 200, url
    assert (
        client_for(world.rosa).get(reverse("assembly_new", args=[world.union.pk])).status_code
        == 200
    )
    assert alice.get(reverse("assembly_new", args=[world.union.pk])).status_code == 404
