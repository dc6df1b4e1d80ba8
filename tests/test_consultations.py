"""Consultations: the people vote on statements from a round; massline finds the opinion
groups, what each stands for and what every group supports (the consensus)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from massline.consultations import services, views
from massline.consultations.forms import PublicStatementForm
from massline.consultations.models import (
    AnalysisStatus,
    Choice,
    Consultation,
    Participant,
    Statement,
    StatementOrigin,
    StatementStatus,
    Vote,
)
from massline.ideas.models import IdeaKind
from massline.rounds.models import PoolEntry, RoundState, Theme
from tests import factories as f
from tests.conftest import World, client_for

CONSENSUS = ["Repairs must come before any increase", "Every building needs a tenant meeting"]
CAMP_A = ["Withhold the rent increase together", "Start a strike fund now"]
CAMP_B = ["Negotiate with the landlord first", "Go to the housing court"]
DIVIDES = "A rent strike is worth the risk"


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """The rate limits live in the cache; each test starts with none used."""
    cache.clear()


def _consultation(world: World, texts: list[str]) -> Consultation:
    consultation = f.ConsultationFactory(round=world.elm.round, title="What do we ask for?")
    for text in texts:
        f.StatementFactory(consultation=consultation, text=text)
    return consultation


def _vote_url(consultation: Consultation) -> str:
    return reverse("consultation_vote", args=[consultation.token])


def _shown(client: Client, consultation: Consultation) -> Statement | None:
    """The statement the voting page offers (read from its hidden field)."""
    body = client.get(_vote_url(consultation)).content.decode()
    marker = 'name="statement" value="'
    if marker not in body:
        return None
    return Statement.objects.get(pk=int(body.split(marker)[1].split('"')[0]))


# --- creating ----------------------------------------------------------------------------


def test_leading_unit_creates_a_consultation_with_statements_from_themes(
    world: World, alice: Client
) -> None:
    round_ = world.elm.round
    round_.state = RoundState.CONCENTRATING
    round_.save()
    theme = Theme.objects.create(round=round_, name="Heat")
    for text in ["No heat since October", "The boiler breaks every week", "Cold radiators"]:
        idea = f.IdeaFactory(unit=world.elm.unit, text=text)
        entry = PoolEntry.of(round_, idea)
        entry.theme = theme
        entry.save()
    closes = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = alice.post(
        reverse("consultation_new", args=[round_.pk]),
        {
            "title": "What about the heat?",
            "closes_at": closes,
            "themes": [theme.pk],
            "per_theme": 2,
            "lines": [world.elm.line.pk],
            "extra": "Call the city inspector\n\n",
            "accepts_statements": "on",
        },
    )
    consultation = Consultation.objects.get(title="What about the heat?")
    assert response.status_code == 302
    assert response["Location"] == reverse("consultation_detail", args=[consultation.pk])
    statements = list(consultation.statements.all())
    assert [s.origin for s in statements] == [
        StatementOrigin.THEME,
        StatementOrigin.THEME,
        StatementOrigin.LINE,
        StatementOrigin.MEMBER,
    ]
    assert statements[0].theme == theme and statements[0].entry is not None
    assert statements[2].text.startswith("If you are concerned about the cold in Elm")
    assert all(s.status == StatementStatus.APPROVED for s in statements)
    page = alice.get(reverse("consultation_detail", args=[consultation.pk])).content.decode()
    assert consultation.token in page and "<svg" in page  # link and QR code to share


def test_only_the_leading_unit_creates(world: World) -> None:
    rosa_round = f.RoundFactory(struggle=f.StruggleFactory(unit=world.union), units=[world.union])
    response = client_for(world.elm.organizer).get(
        reverse("consultation_new", args=[rosa_round.pk])
    )
    assert response.status_code == 404


# --- voting ------------------------------------------------------------------------------


def test_voting_with_the_anonymous_cookie_one_statement_at_a_time(world: World) -> None:
    consultation = _consultation(world, ["First", "Second", "Third"])
    first, second, third = consultation.statements.all()
    phone = Client()
    assert _shown(phone, consultation) == first  # no analysis yet: fewest votes, then oldest
    response = phone.post(_vote_url(consultation), {"statement": first.pk, "choice": Choice.AGREE})
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert views.COOKIE_SALT and f"massline_voter_{consultation.pk}" in response.cookies
    assert _shown(phone, consultation) == second
    phone.post(_vote_url(consultation), {"statement": second.pk, "choice": Choice.PASS})
    assert _shown(phone, consultation) == third
    # Changing an earlier vote: the same device, the same cell.
    page = phone.get(_vote_url(consultation) + f"?s={first.pk}").content.decode()
    assert f'value="{first.pk}"' in page
    phone.post(_vote_url(consultation), {"statement": first.pk, "choice": Choice.DISAGREE})
    votes = dict(participant.votes.values_list("statement_id", "choice"))
    assert votes == {first.pk: Choice.DISAGREE, second.pk: Choice.PASS}
    assert Participant.objects.count() == 1
    phone.post(_vote_url(consultation), {"statement": third.pk, "choice": Choice.AGREE})
    assert _shown(phone, consultation) is None
    assert (
        "You have answered every statement" in phone.get(_vote_url(consultation)).content.decode()
    )


def test_statements_come_in_the_engines_priority_order(world: World) -> None:
    consultation = _consultation(world, ["Low", "High", "New"])
    low, high, new = consultation.statements.all()
    consultation.results = {"priorities": {str(low.pk): 0.5, str(high.pk): 3.0}}
    consultation.save()
    # A statement the last analysis has not seen needs votes most.
    assert _shown(Client(), consultation) == new
    new.status = StatementStatus.REJECTED
    new.save()
    assert _shown(Client(), consultation) == high


def test_fewest_votes_first_without_an_analysis(world: World) -> None:
    consultation = _consultation(world, ["Popular", "Lonely"])
    popular, lonely = consultation.statements.all()
    someone = services.new_participant(consultation)
    Vote.objects.create(participant=someone, statement=popular, choice=Choice.AGREE)
    consultation.results = {}
    consultation.save()
    assert _shown(Client(), consultation) == lonely


def test_the_voting_page_works_without_javascript(world: World) -> None:
    consultation = _consultation(world, ["Only one"])
    page = Client().get(_vote_url(consultation)).content.decode()
    assert '<form method="post" action="' in page
    for choice in ("1", "-1", "0"):
        assert f'name="choice" value="{choice}"' in page
    assert "<script" not in page.split("<body")[1].split("</body>")[0]


def test_the_public_page_shows_nothing_but_the_statements(world: World) -> None:
    consultation = _consultation(world, ["Fix the boiler"])
    f.StatementFactory(
        consultation=consultation, text="Amara has a secret", status=StatementStatus.PENDING
    )
    phone = Client()
    page = phone.get(_vote_url(consultation)).content.decode()
    assert "Fix the boiler" in page
    for secret in [
        world.elm.round.question,
        world.elm.unit.name,
        world.elm.struggle.name,
        world.elm.person.last_name,
        world.elm.idea.text,
        "Amara has a secret",
        world.elm.organizer.username,
    ]:
        assert secret not in page
    assert "Log out" not in page


def test_closed_consultations_take_no_votes(world: World) -> None:
    consultation = _consultation(world, ["Too late"])
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.save()
    statement = consultation.statements.get()
    phone = Client()
    phone.post(_vote_url(consultation), {"statement": statement.pk, "choice": 1})
    assert not Vote.objects.exists()
    assert "not open for votes" in phone.get(_vote_url(consultation)).content.decode()


def test_unknown_link_is_404(db) -> None:
    assert Client().get(reverse("consultation_vote", args=["nope"])).status_code == 404


# --- statements from participants and moderation -----------------------------------------


def _submit(phone: Client, consultation: Consultation, text: str, **extra: str):
    started = signing.dumps(time.time() - 60, salt=PublicStatementForm.guard_salt)
    return phone.post(
        _vote_url(consultation),
        {"op": "submit", "text": text, "started": started, "website": "", **extra},
    )


def test_a_submitted_statement_waits_for_moderation(world: World, alice: Client) -> None:
    consultation = _consultation(world, ["Existing"])
    phone = Client()
    response = _submit(phone, consultation, "Ask the city for an inspection")
    assert response.status_code == 302
    submitted = Statement.objects.get(text="Ask the city for an inspection")
    assert submitted.status == StatementStatus.PENDING
    assert submitted.origin == StatementOrigin.PARTICIPANT
    phone.post(_vote_url(consultation), {"statement": submitted.pk, "choice": 1})
    assert not Vote.objects.filter(statement=submitted).exists()  # not open for votes yet

    moderate = reverse("consultation_moderate", args=[consultation.pk])
    assert "Ask the city for an inspection" in alice.get(moderate).content.decode()
    alice.post(moderate, {"statement": submitted.pk, "op": "approve"})
    submitted.refresh_from_db()
    assert submitted.status == StatementStatus.APPROVED
    other = Client()
    other.post(_vote_url(consultation), {"statement": submitted.pk, "choice": 1})
    assert Vote.objects.filter(statement=submitted).count() == 1

    alice.post(moderate, {"statement": submitted.pk, "op": "reject"})
    submitted.refresh_from_db()
    assert submitted.status == StatementStatus.REJECTED


def test_bots_filling_the_honeypot_are_thanked_and_ignored(world: World) -> None:
    consultation = _consultation(world, ["Existing"])
    _submit(Client(), consultation, "Buy cheap watches", website="http://spam.example")
    assert not Statement.objects.filter(text="Buy cheap watches").exists()


def test_each_device_may_propose_only_a_few_statements(world: World) -> None:
    consultation = _consultation(world, ["Existing"])
    phone = Client()
    for n in range(services.SUBMISSIONS_PER_DEVICE):
        assert _submit(phone, consultation, f"Idea number {n}").status_code == 302
    response = _submit(phone, consultation, "One too many")
    assert response.status_code == 400
    assert not Statement.objects.filter(text="One too many").exists()


def test_votes_are_rate_limited_per_device(world: World, monkeypatch) -> None:
    monkeypatch.setattr(views, "VOTES_PER_MINUTE", 2)
    consultation = _consultation(world, ["One", "Two", "Three"])
    phone = Client()
    codes = [
        phone.post(_vote_url(consultation), {"statement": s.pk, "choice": 1}).status_code
        for s in consultation.statements.all()
    ]
    assert codes == [302, 302, 429]
    assert Vote.objects.count() == 2


def test_new_devices_are_capped_per_address(world: World, monkeypatch) -> None:
    """Clearing the cookie to vote again only works so many times from one address."""
    monkeypatch.setattr(views, "DEVICES_PER_ADDRESS", 2)
    consultation = _consultation(world, ["One"])
    statement = consultation.statements.get()
    codes = [
        Client().post(_vote_url(consultation), {"statement": statement.pk, "choice": 1}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Participant.objects.count() == 2


# --- results -----------------------------------------------------------------------------


def _planted(world: World) -> Consultation:
    """30 people in two clear camps who all agree on the consensus statements."""
    consultation = _consultation(world, CONSENSUS + CAMP_A + CAMP_B + [DIVIDES])
    by_text = {s.text: s for s in consultation.statements.all()}
    votes = []
    for n in range(30):
        camp_a = n % 2 == 0
        participant = services.new_participant(consultation)
        choices = {text: Choice.AGREE for text in CONSENSUS}
        choices |= {text: Choice.AGREE if camp_a else Choice.DISAGREE for text in CAMP_A}
        choices |= {text: Choice.DISAGREE if camp_a else Choice.AGREE for text in CAMP_B}
        choices[DIVIDES] = Choice.AGREE if camp_a else (Choice.PASS if n % 5 == 1 else -1)
        votes += [
            Vote(participant=participant, statement=by_text[text], choice=choice)
            for text, choice in choices.items()
        ]
    Vote.objects.bulk_create(votes)
    return consultation


def test_results_find_the_groups_the_consensus_and_what_divides(
    world: World, alice: Client
) -> None:
    consultation = _planted(world)
    assert services.request_refresh(consultation)  # the task runs at once in tests
    consultation.refresh_from_db()
    assert consultation.analysis_status == AnalysisStatus.IDLE
    results = consultation.results
    assert [g["size"] for g in results["groups"]] == [15, 15]
    texts = dict(consultation.statements.values_list("pk", "text"))
    assert {texts[pk] for pk in results["consensus"]} == set(CONSENSUS)
    assert texts[results["divisive"][0]] == DIVIDES
    assert set(CAMP_A + CAMP_B) <= {texts[pk] for pk in results["divisive"]}
    stands_for = [{texts[r["statement"]] for r in g["representative"]} for g in results["groups"]]
    assert any(set(CAMP_A) <= reps for reps in stands_for)
    assert set(results["priorities"]) == {str(pk) for pk in texts}

    page = alice.get(reverse("consultation_results", args=[consultation.pk])).content.decode()
    assert 'role="img"' in page and "aria-labelledby" in page and "<table" in page
    assert "2 opinion groups formed" in page
    assert page.count("<circle") >= 30
    consensus_part = page.split("<h2>Consensus</h2>")[1].split("</section>")[0]
    assert all(text in consensus_part for text in CONSENSUS)
    assert "last updated" in page


def test_moderated_out_statements_leave_the_analysis(world: World) -> None:
    consultation = _planted(world)
    first = consultation.statements.get(text=CONSENSUS[0])
    services.moderate(first, approve=False, by=world.elm.organizer)
    services.request_refresh(consultation)
    consultation.refresh_from_db()
    assert first.pk not in consultation.results["consensus"]
    reps = [r["statement"] for g in consultation.results["groups"] for r in g["representative"]]
    assert first.pk not in reps


def test_results_are_recounted_as_votes_arrive(world: World) -> None:
    consultation = _consultation(world, [f"Statement {n}" for n in range(12)])
    statements = list(consultation.statements.all())
    phone = services.new_participant(consultation)
    services.cast_vote(phone, statements[0], Choice.AGREE)  # the first vote: counted at once
    consultation.refresh_from_db()
    first_run = consultation.results_at
    assert first_run is not None and consultation.results["votes"] == 1
    for statement in statements[1:5]:
        services.cast_vote(phone, statement, Choice.AGREE)
    consultation.refresh_from_db()
    assert consultation.results_at == first_run  # a few new votes within the minute: wait
    Consultation.objects.filter(pk=consultation.pk).update(
        results_at=first_run - services.REFRESH_AFTER
    )
    consultation.refresh_from_db()
    services.cast_vote(phone, statements[5], Choice.AGREE)  # results older than a minute
    consultation.refresh_from_db()
    assert consultation.results["votes"] == 6
    second = consultation.results_at
    other = services.new_participant(consultation)
    for statement in statements[: services.REFRESH_EVERY_VOTES]:
        services.cast_vote(other, statement, Choice.DISAGREE)
    consultation.refresh_from_db()
    assert consultation.results_at > second  # every N votes


def test_a_consensus_statement_is_carried_to_the_board_with_its_provenance(
    world: World, alice: Client
) -> None:
    consultation = _planted(world)
    services.request_refresh(consultation)
    consensus = consultation.statements.get(text=CONSENSUS[0])
    divisive = consultation.statements.get(text=DIVIDES)
    alice.post(reverse("consultation_carry", args=[consultation.pk, divisive.pk]))
    assert not PoolEntry.objects.filter(idea__text__contains=DIVIDES).exists()

    response = alice.post(reverse("consultation_carry", args=[consultation.pk, consensus.pk]))
    assert response.status_code == 302
    consensus.refresh_from_db()
    entry = consensus.carried_to
    assert entry.round == world.elm.round
    assert entry.held_by == world.elm.unit and entry.kind == IdeaKind.PROPOSAL
    assert entry.idea.text.startswith(CONSENSUS[0])
    assert "What do we ask for?" in entry.idea.text and "100% of 30 agreed" in entry.idea.text
    assert consensus.carried_numbers["consultation"] == consultation.pk
    assert consensus.carried_numbers["agree_percent"] == 100
    assert consensus.carried_numbers["group_agree_percent"] == [100, 100]
    alice.post(reverse("consultation_carry", args=[consultation.pk, consensus.pk]))
    assert PoolEntry.objects.filter(idea__text__startswith=CONSENSUS[0]).count() == 1


# --- who sees what -----------------------------------------------------------------------


def test_sibling_and_outside_members_get_404(world: World) -> None:
    consultation = _planted(world)
    services.request_refresh(consultation)
    statement = consultation.statements.first()
    urls = [
        reverse("consultation_detail", args=[consultation.pk]),
        reverse("consultation_results", args=[consultation.pk]),
        reverse("consultation_moderate", args=[consultation.pk]),
        reverse("consultation_list", args=[world.elm.round.pk]),
        reverse("consultation_new", args=[world.elm.round.pk]),
    ]
    for member in (world.building_c.organizer, world.carl):
        client = client_for(member)
        for url in urls:
            assert client.get(url).status_code == 404, (member, url)
        carry = reverse("consultation_carry", args=[consultation.pk, statement.pk])
        assert client.post(carry).status_code == 404
        moderate = reverse("consultation_moderate", args=[consultation.pk])
        assert client.post(moderate, {"statement": statement.pk, "op": "reject"}).status_code == 404
    statement.refresh_from_db()
    assert statement.status == StatementStatus.APPROVED and statement.carried_to is None
    rosa = client_for(world.rosa)
    assert rosa.get(reverse("consultation_results", args=[consultation.pk])).status_code == 200


def test_members_taking_part_see_the_statements_but_not_the_results(world: World) -> None:
    round_ = world.elm.round
    round_.units.add(world.building_c.unit)
    consultation = _consultation(world, ["Shared statement"])
    bob = client_for(world.building_c.organizer)
    page = bob.get(reverse("consultation_detail", args=[consultation.pk]))
    assert page.status_code == 200 and "Shared statement" in page.content.decode()
    assert bob.get(reverse("consultation_results", args=[consultation.pk])).status_code == 404
