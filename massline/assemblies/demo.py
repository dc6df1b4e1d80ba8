"""The demo's assemblies: the tenants' union met last month, adopted a line of its round in
its own words by secret ballot, elected a delegate with a mandate who has reported back, and
calls its next general meeting, where last month's minutes wait for approval."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from massline.assemblies import services
from massline.assemblies.models import Assembly, Decision, Mandate, QuorumRule, VoteMethod
from massline.organization.models import Member, Unit
from massline.rounds.models import Line


def _secret_vote(motion, chair: Member, choices: dict[Member, str]) -> None:
    vote = services.open_vote(motion, VoteMethod.SECRET, by=chair)
    for member, choice in choices.items():
        token = secrets.token_hex(32)
        services.issue_token(vote, member, services.hash_token(token))
        services.cast_ballot(vote, token, choice)
    services.close_vote(vote, by=chair)


def _date_back(assembly: Assembly) -> None:
    """The services stamp the day they run; a meeting held a month ago had its notice two
    weeks before it, opened and closed that evening, and decided and elected on that day."""
    held = assembly.starts_at
    day = timezone.localdate(held)
    Assembly.objects.filter(pk=assembly.pk).update(
        notice_sent_on=day - timedelta(days=14),
        opened_at=held,
        closed_at=held + timedelta(hours=2),
    )
    Decision.objects.filter(motion__item__assembly=assembly).update(decided_on=day)
    Mandate.objects.filter(elected_by__item__assembly=assembly).update(term_starts_on=day)


def build_assemblies_demo(now: datetime) -> Assembly | None:
    union = Unit.objects.filter(slug="eastside-tenants").first()
    chair = Member.objects.filter(username="rosa").first()
    if union is None or chair is None:
        return None
    members = list(services.members_in_good_standing(union))
    winter = services.schedule_assembly(
        union,
        services.Schedule(
            kind="general",
            title="Winter general meeting",
            starts_at=now - timedelta(days=30),
            quorum_rule=QuorumRule.SHARE,
            quorum_percent=50,
            place="Lobby, 40 Elm St",
            notice="General meeting of all members: the rent increase, and our delegate.",
        ),
        items=["The rent increase", "Delegate to the district coalition"],
        by=chair,
    )
    services.send_notice(winter, by=chair)
    services.open_assembly(winter, by=chair)
    for member in members:
        services.check_in(winter, member, by=member, remote=member.username == "leila")
    rent, delegate = winter.items.order_by("position")
    services.open_item(rent, by=chair)
    proposer = next((m for m in members if m.username == "maria"), chair)
    services.add_speaker(rent, proposer, by=proposer)
    line = (
        Line.objects.filter(round__leading_unit=union, versions__isnull=False)
        .order_by("id")
        .first()
    )
    if line is not None and services.lines_to_bring(proposer).filter(pk=line.pk).exists():
        motion = services.bring_line(rent, line, by=proposer)
    else:
        motion = services.propose_motion(
            rent, "We withhold the increase together until the landlord negotiates.", by=proposer
        )
    amendment = services.propose_amendment(
        motion,
        f"{motion.text}\n\nWe meet in the lobby every Friday until the increase is withdrawn.",
        by=members[-1],
    )
    services.record_count(
        services.open_vote(amendment, VoteMethod.COUNTED, by=chair),
        {"yes": len(members) - 1, "abstain": 1},
        by=chair,
    )
    motion.refresh_from_db()
    _secret_vote(
        motion,
        chair,
        {m: ("no" if i == len(members) - 1 else "yes") for i, m in enumerate(members)},
    )
    services.close_item(rent, by=chair)

    services.open_item(delegate, by=chair)
    candidate = next((m for m in members if m.username == "kwame"), members[0])
    election = services.propose_election(
        delegate,
        services.Office(
            office="Delegate to the district housing coalition",
            kind="delegate",
            term_ends_on=(now + timedelta(days=335)).date(),
            sent_to="District housing coalition",
            mandate_text="Carry our demand for a rent freeze; report back at every meeting.",
        ),
        [candidate],
        by=chair,
    )
    _secret_vote(election, chair, {m: services.choices(election)[0][0] for m in members})
    services.save_minutes(
        winter.minutes,
        "Rosa chaired. The union adopted the line on the rent increase with an amendment, "
        "and elected its delegate to the district coalition.",
        version=winter.minutes.version,
        by=chair,
    )
    services.close_assembly(winter, by=chair)
    _date_back(winter)
    mandate = election.mandate_given
    services.report_back(
        mandate,
        "The coalition took up our rent-freeze demand; two other unions will withhold too.",
        by=candidate,
    )

    spring = services.schedule_assembly(
        union,
        services.Schedule(
            kind="general",
            title="Spring general meeting",
            starts_at=now + timedelta(days=7),
            quorum_rule=QuorumRule.SHARE,
            quorum_percent=50,
            place="Lobby, 40 Elm St",
            notice="Approve the winter minutes; hear our delegate; plan the Friday meetings.",
        ),
        items=["Minutes of the winter meeting", "Report of our delegate", "Friday meetings"],
        by=chair,
    )
    services.send_notice(spring, by=chair)
    return spring
