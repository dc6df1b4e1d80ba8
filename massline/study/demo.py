"""The demo's study circle, pairs, a lead's note and the path of two advanced tenants.

Built through the services (as Rosa, the union's admin) so the demo obeys the same rules as
the pages. Deterministic: it picks people and dates by order, never at random.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.rounds.models import Round, RoundState
from massline.struggles.models import Assessment, Level
from massline.struggles.services import with_current_level
from massline.study import services
from massline.study.models import Answer, InvitationKind

READINGS = [
    ("Some Questions Concerning Methods of Leadership", "Mao Zedong", "the whole text"),
    ("Rules for Radicals", "Saul Alinsky", "chapter 1: The Purpose"),
    ("No Shortcuts", "Jane McAlevey", "chapter 2"),
]
NOTES = [
    "We read 'from the masses, to the masses' against our door-knocking: we collect ideas "
    "but rarely bring them back. Agreed to return the summary of each building meeting.",
    "Discussion on who the advanced are in each building: people who already talk to their "
    "neighbours. Each of us named two.",
]


def build_study_demo(now: datetime) -> None:
    """Needs the demo's units, members, people and rounds already built."""
    tenants = Unit.objects.get(slug="eastside-tenants")
    elm = Unit.objects.get(slug="elm-40")
    rosa = Member.objects.get(username="rosa")
    maria, kwame, leila = (Member.objects.get(username=u) for u in ("maria", "kwame", "leila"))

    group = services.create_group(
        tenants,
        name="Union study circle",
        description="We read on method and sum up our own practice, a presenter each time.",
        by=rosa,
    )
    services.set_members(group, [rosa.pk, maria.pk, kwame.pk, leila.pk], by=rosa)
    readings = [
        services.add_reading(group, title=title, author=author, part=part, by=rosa)
        for title, author, part in READINGS
    ]
    for weeks_ago, reading, note in ((6, readings[0], NOTES[0]), (3, readings[1], NOTES[1])):
        session = services.plan_session(
            group,
            held_at=now - timedelta(weeks=weeks_ago),
            place="Union hall, back room",
            reading=reading,
            by=rosa,
        )
        services.record_attendance(session, [rosa.pk, maria.pk, kwame.pk], by=rosa)
        services.save_notes(session, note, expected_version=session.version, by=rosa)
    services.plan_session(
        group, held_at=now + timedelta(weeks=1), place="Union hall", reading=readings[2], by=rosa
    )
    winter = Round.objects.filter(
        leading_unit=tenants, state__in=(RoundState.GATHERING, RoundState.CONCENTRATING)
    ).first()
    if winter is not None:
        services.raise_question(
            group.sessions.order_by("held_at").first(),
            text="Do we bring what we gathered back to the people before we decide the line?",
            round_=winter,
            by=maria,
        )

    services.pair_up(tenants, newer=leila, experienced=maria, by=rosa)
    services.write_lead_note(
        kwame,
        unit=tenants,
        text="Strong at the door; wants to present but is shy in meetings. Pair him next.",
        by=rosa,
    )

    assessed = (
        Assessment.objects.filter(person__unit=elm, level=Level.ADVANCED)
        .select_related("struggle")
        .order_by("struggle_id")
        .first()
    )
    if assessed is None:
        return
    struggle = assessed.struggle
    advanced = list(
        with_current_level(Person.objects.filter(unit=elm), struggle)
        .filter(current_level=Level.ADVANCED)
        .order_by("last_name", "first_name", "id")[:2]
    )
    if advanced:
        invitation = services.invite(
            advanced[0],
            unit=elm,
            kind=InvitationKind.STUDY,
            study_group=group,
            struggle=struggle,
            note="Came to every building meeting this winter.",
            by=rosa,
        )
        services.record_answer(invitation, answer=Answer.ACCEPTED, note="Yes, Thursdays", by=rosa)
    if len(advanced) > 1:
        services.invite(advanced[1], unit=elm, kind=InvitationKind.JOIN, struggle=struggle, by=rosa)
