"""200 members vote at once from their phones: no vote lost, none counted twice.

Each member is a thread with its own database connection and its own logged-in client,
going through the whole request stack: take a ballot token, cast the ballot without the
session, and (a nervous double tap) try both again. On PostgreSQL the threads really race;
in-memory SQLite would serialise them, so the test runs on PostgreSQL only.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from massline.assemblies import services
from massline.assemblies.models import (
    Attendance,
    Ballot,
    QuorumRule,
    RollCallVote,
    TokenReceipt,
    Vote,
)
from massline.organization.models import Member, Membership, Role
from tests import factories as f

MEMBERS = 200
THREADS = 20

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="in-memory SQLite serialises the threads anyway; run with DATABASE_URL=postgres",
    ),
    pytest.mark.django_db(transaction=True),
]


def _assembly(method: str):
    """A union of 200 members in good standing, all checked in, a vote open. Built in bulk:
    the test is about the votes, not about creating members one by one."""
    union = f.UnitFactory(kind="mass_org", name="Union", slug="union-race")
    chair = f.MemberFactory(username="chair")
    f.MembershipFactory(member=chair, unit=union, role=Role.ADMIN)
    members = Member.objects.bulk_create(
        Member(username=f"racer{n:03}", password=chair.password) for n in range(MEMBERS)
    )
    Membership.objects.bulk_create(
        Membership(member=m, unit=union, role=Role.MEMBER) for m in members
    )
    assembly = services.schedule_assembly(
        union,
        services.Schedule("general", "Race", timezone.now(), QuorumRule.SHARE, quorum_percent=50),
        items=["Strike"],
        by=chair,
    )
    services.open_assembly(assembly, by=chair)
    Attendance.objects.bulk_create(Attendance(assembly=assembly, member=m) for m in members)
    item = assembly.items.get()
    services.open_item(item, by=chair)
    motion = services.propose_motion(item, "Strike on Monday", by=members[0])
    vote = services.open_vote(motion, method, by=chair)
    return chair, members, vote


def _clients(members: list[Member]) -> list[Client]:
    clients = []
    for member in members:
        client = Client()
        client.force_login(member)
        clients.append(client)
    return clients


def _run(work, n: int) -> list:
    barrier = threading.Barrier(THREADS)

    def task(i: int):
        if i < THREADS:
            barrier.wait()
        try:
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(task, range(n)))


def test_200_secret_ballots_at_once(db) -> None:
    chair, members, vote = _assembly("secret")
    clients = _clients(members)
    token_url = reverse("vote_token", args=[vote.pk])
    cast_url = reverse("ballot_cast", args=[vote.pk])
    choices = ["yes" if n % 3 else "no" for n in range(MEMBERS)]

    def voter(i: int) -> tuple[int, int, int, int]:
        token = secrets.token_hex(32)
        client = clients[i]
        got = client.post(token_url, {"token_hash": services.hash_token(token)}).status_code
        box = Client()
        body = {"token": token, "choice": choices[i]}
        cast = box.post(cast_url, body, content_type="application/json").status_code
        if i % 4:
            return got, cast
        # every fourth member tries a second ballot and casts the first one again
        again = client.post(
            token_url, {"token_hash": services.hash_token(secrets.token_hex(32))}
        ).status_code
        twice = box.post(cast_url, body, content_type="application/json").status_code
        return got, cast, again, twice

    answers = _run(voter, MEMBERS)
    assert answers == [(200, 200, 409, 409) if i % 4 == 0 else (200, 200) for i in range(MEMBERS)]
    services.close_vote(vote, by=chair)
    vote.refresh_from_db()
    assert vote.counts == {"yes": choices.count("yes"), "no": choices.count("no")}
    assert (vote.tokens_issued, vote.ballots_cast, vote.tokens_unused) == (MEMBERS, MEMBERS, 0)
    assert TokenReceipt.objects.filter(vote=vote).count() == MEMBERS
    assert Ballot.objects.filter(vote=vote).values("receipt").distinct().count() == MEMBERS


def test_200_roll_call_votes_with_double_taps(db) -> None:
    chair, members, vote = _assembly("roll_call")
    clients = _clients(members)
    url = reverse("vote_page", args=[vote.pk])

    def tap(i: int, choice: str) -> None:
        try:
            assert clients[i].post(url, {"choice": choice}).status_code == 302
        finally:
            connections.close_all()

    def voter(i: int) -> None:
        if i % 4:
            tap(i, "yes" if i % 3 else "no")
            return
        # every fourth member taps twice at once: two requests racing each other
        with ThreadPoolExecutor(2) as taps:
            list(taps.map(lambda choice: tap(i, choice), ["yes", "no"]))

    _run(voter, MEMBERS)
    assert RollCallVote.objects.filter(vote=vote).count() == MEMBERS
    assert RollCallVote.objects.filter(vote=vote).values("member").distinct().count() == MEMBERS
    recorded = dict(RollCallVote.objects.filter(vote=vote).values_list("member_id", "choice"))
    for i, member in enumerate(members):
        if i % 4:
            assert recorded[member.pk] == ("yes" if i % 3 else "no")
    services.close_vote(vote, by=chair)
    assert sum(Vote.objects.get(pk=vote.pk).counts.values()) == MEMBERS
