"""The database after a secret vote, read raw, links no ballot to a member.

Forty members check in and vote one after the other in the order they checked in (the worst
case for timing correlation). The test then reads every row of every table with plain SQL, as
an administrator with a copy of the database would, and looks for any way to tie a ballot to a
member: a member column or a time on the ballot and token tables, a value of a ballot or token
repeated in another table (a mapping), or an order (by id, or where the rows sit on disk:
SQLite's rowid, PostgreSQL's ctid) that follows the order of check-in.
"""

from __future__ import annotations

import secrets

from django.db import connection
from django.utils import timezone

from massline.assemblies import services
from massline.assemblies.models import Ballot, BallotToken, QuorumRule, TokenReceipt, Vote
from massline.organization.models import Role
from tests import factories as f
from tests.conftest import World

VOTERS = 40


def _rows(table: str) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = [column[0] for column in cursor.description]
        return columns, cursor.fetchall()


def _physical_order(table: str, column: str) -> list[str]:
    """The values of a column in the order the rows sit in storage."""
    position = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {connection.ops.quote_name(table)} ORDER BY {position}"
        )
        return [row[0] for row in cursor.fetchall()]


def _spearman(order_a: list[str], order_b: list[str]) -> float:
    rank = {value: i for i, value in enumerate(order_b)}
    n = len(order_a)
    d2 = sum((i - rank[value]) ** 2 for i, value in enumerate(order_a))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_no_ballot_can_be_linked_to_a_member(world: World) -> None:
    chair = world.rosa
    voters = []
    for n in range(VOTERS):
        member = f.MemberFactory(username=f"voter{n:02}")
        f.MembershipFactory(member=member, unit=world.union, role=Role.MEMBER)
        voters.append(member)
    assembly = services.schedule_assembly(
        world.union,
        services.Schedule("general", "AGM", timezone.now(), QuorumRule.NUMBER, 10),
        items=["Strike"],
        by=chair,
    )
    services.open_assembly(assembly, by=chair)
    for member in voters:
        services.check_in(assembly, member, by=member)
    item = assembly.items.get()
    services.open_item(item, by=chair)
    motion = services.propose_motion(item, "We strike on Monday", by=voters[0])
    vote = services.open_vote(motion, "secret", by=chair)

    cast_order_receipts, cast_order_hashes, member_ids = [], [], set()
    for n, member in enumerate(voters[:-2]):  # two members take a ballot and never cast it
        token = secrets.token_hex(32)
        services.issue_token(vote, member, services.hash_token(token))
        services.cast_ballot(vote, token, ["yes", "no", "abstain"][n % 3])
        cast_order_receipts.append(services.receipt_for(token))
        cast_order_hashes.append(services.hash_token(token))
        member_ids.add(member.pk)
    for member in voters[-2:]:
        services.issue_token(vote, member, services.hash_token(secrets.token_hex(32)))
    services.close_vote(vote, by=chair)

    ballot_table, token_table = Ballot._meta.db_table, BallotToken._meta.db_table
    receipt_table = TokenReceipt._meta.db_table
    tables = {t: _rows(t) for t in connection.introspection.table_names()}

    # 1. The ballot and token tables hold no member, no time, nothing but what they need.
    assert sorted(tables[ballot_table][0]) == ["choice", "id", "receipt", "vote_id"]
    assert sorted(tables[token_table][0]) == ["id", "spent", "token_hash", "vote_id"]
    assert sorted(tables[receipt_table][0]) == ["id", "member_id", "vote_id"]
    for table in (ballot_table, token_table):
        with connection.cursor() as cursor:
            relations = connection.introspection.get_relations(cursor, table)
        assert {target for _column, (_field, target) in relations.items()} == {Vote._meta.db_table}

    # 2. No other row anywhere repeats a ballot's or a token's values: no mapping table.
    ballot_values = {str(v) for row in tables[ballot_table][1] for v in row[:1]} | {
        r for r in cast_order_receipts
    }
    token_values = {str(row[0]) for row in tables[token_table][1]} | set(cast_order_hashes)
    assert len(tables[ballot_table][1]) == VOTERS - 2 and len(tables[token_table][1]) == VOTERS
    for table, (_columns, rows) in tables.items():
        for row in rows:
            text = " ".join(str(value).replace("-", "") for value in row)
            plain = " ".join(str(value) for value in row)
            if table != ballot_table:
                assert not any(v in plain or v.replace("-", "") in text for v in ballot_values), (
                    f"{table} repeats a ballot value"
                )
            if table != token_table:
                assert not any(v in plain or v.replace("-", "") in text for v in token_values), (
                    f"{table} repeats a token value"
                )

    # 3. The members who received a token are known (that is the point), the rest is not.
    received = {
        row[tables[receipt_table][0].index("member_id")] for row in tables[receipt_table][1]
    }
    assert received == {m.pk for m in voters}

    # 4. Neither ids nor storage order follow the order of casting (= of check-in here).
    for order in (
        [r for r in Ballot.objects.order_by("id").values_list("receipt", flat=True)],
        _physical_order(ballot_table, "receipt"),
    ):
        assert order != cast_order_receipts and order != cast_order_receipts[::-1]
        assert abs(_spearman(order, cast_order_receipts)) < 0.7
    for order in (
        [h for h in BallotToken.objects.order_by("id").values_list("token_hash", flat=True)],
        _physical_order(token_table, "token_hash"),
    ):
        issued = [h for h in order if h in set(cast_order_hashes)]
        assert issued != cast_order_hashes
        assert abs(_spearman(issued, cast_order_hashes)) < 0.7

    # 5. The counts still add up for the audit.
    vote.refresh_from_db()
    assert (vote.tokens_issued, vote.ballots_cast, vote.tokens_unused) == (VOTERS, VOTERS - 2, 2)
    assert vote.counts == {"yes": 13, "no": 13, "abstain": 12}
