"""Serve the people: intake, the delivery state machine, the loop numbers, logs and retention."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from massline import access
from massline.aid import selectors, services
from massline.aid.models import (
    AidOffer,
    AidRequest,
    AppendOnlyError,
    Delivery,
    DeliveryState,
    FundEvent,
    OfferState,
    ProgramRoleKind,
    RequestState,
    Shift,
    StockEvent,
)
from massline.aid.services import AidError, Doorstep, RequestIntake
from massline.audit.models import ReadEvent
from massline.conversations.models import ConversationKind
from massline.conversations.services import IdeaRaised
from massline.ideas.models import Idea
from massline.organization.models import Role, UnitKind
from massline.people.models import Person
from massline.rounds import services as rounds
from massline.rounds.models import Participation, PoolEntry
from massline.struggles.models import Assessment
from tests import factories as f
from tests.conftest import World, client_for


@pytest.fixture(autouse=True)
def quick_public_forms(monkeypatch) -> None:
    """People take seconds to fill the form; tests post at once."""
    monkeypatch.setattr("massline.web.public.MIN_SECONDS", 0)
    cache.clear()


@pytest.fixture
def program(world: World):
    program = world.elm.aid_program
    program.struggle = world.elm.struggle
    program.save()
    return program


@pytest.fixture
def vera(world: World, program):
    """A plain member of Elm who volunteers."""
    member = f.MemberFactory(username="vera")
    f.MembershipFactory(member=member, unit=world.elm.unit, role=Role.MEMBER)
    services.set_role(program, member, ProgramRoleKind.VOLUNTEER, by=member)
    return member


@pytest.fixture
def victor(world: World, program):
    member = f.MemberFactory(username="victor")
    f.MembershipFactory(member=member, unit=world.elm.unit, role=Role.MEMBER)
    services.set_role(program, member, ProgramRoleKind.VOLUNTEER, by=member)
    return member


def _request(program, **overrides) -> AidRequest:
    fields = {
        "need": "Rice, oil, nappies",
        "area": "Elm north",
        "household_size": 4,
        "name": "Dolores Ibarra",
        "phone": "+1 (555) 777-0101",
        "address": "40 Elm St, flat 3B",
    }
    fields.update(overrides)
    return services.submit_request(program, RequestIntake(**fields))


def _public_post(client: Client, program, **overrides):
    url = reverse("aid_public_request", args=[program.public_token])
    form = client.get(url).context["form"]
    data = {
        "need": "Groceries for the week",
        "household_size": "3",
        "urgency": "today",
        "area": "Elm south",
        "name": "Samira Haddad",
        "phone": "555 123 4567",
        "address": "12 Oak Row",
        "started": form["started"].initial,
        "website": "",
    }
    data.update(overrides)
    return client.post(url, data)


# --- public intake -------------------------------------------------------------------------


def test_public_request_needs_no_login_and_lands_on_the_board(world: World, program) -> None:
    before = AidRequest.objects.count()
    response = _public_post(Client(), program, consent_contact="on")
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    request = AidRequest.objects.exclude(pk=world.elm.aid_request.pk).get(program=program)
    assert AidRequest.objects.count() == before + 1
    assert request.phone == "5551234567" and request.address == "12 Oak Row"
    assert request.consent_contact and request.source == "public"
    # Encrypted at rest: the columns hold neither the address nor the phone.
    raw = AidRequest.objects.filter(pk=request.pk).values().get()
    assert "Oak Row" not in str(raw) and "5551234567" not in str(raw)
    assert request.deliveries.get().state == DeliveryState.OPEN


def test_public_request_form_is_for_phones_and_labelled(program) -> None:
    body = Client().get(reverse("aid_public_request", args=[program.public_token])).content
    body = body.decode()
    assert 'name="viewport"' in body
    assert 'inputmode="tel"' in body
    assert "What do you need?" in body and "<label" in body
    assert "/login/" not in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12"}, "does not look like a phone number"),
        ({"phone": "", "address": ""}, "Give a phone number or an address"),
        ({"need": ""}, "This field is required"),
        ({"household_size": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_public_input_gets_a_clear_message_and_saves_nothing(
    program, overrides: dict, message: str
) -> None:
    before = AidRequest.objects.count()
    response = _public_post(Client(), program, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AidRequest.objects.count() == before


def test_bots_are_thanked_and_ignored(program, monkeypatch) -> None:
    before = AidRequest.objects.count()
    assert "Thank you" in _public_post(Client(), program, website="http://spam").content.decode()
    monkeypatch.setattr("massline.web.public.MIN_SECONDS", 60)
    _public_post(Client(), program)
    assert AidRequest.objects.count() == before


def test_public_intake_is_rate_limited_per_address(program) -> None:
    client = Client()
    statuses = [_public_post(client, program).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert AidRequest.objects.filter(program=program, area="Elm south").count() == 5


def test_closed_intake_and_unknown_links(program) -> None:
    program.accepts_requests = False
    program.save()
    before = AidRequest.objects.count()
    response = _public_post(Client(), program)
    assert "closed at the moment" in response.content.decode()
    assert AidRequest.objects.count() == before
    assert Client().get(reverse("aid_public_request", args=["nope"])).status_code == 404


def test_public_offer(program) -> None:
    url = reverse("aid_public_offer", args=[program.public_token])
    client = Client()
    form = client.get(url).context["form"]
    data = {"kind": "car", "description": "A van on Saturdays", "started": form["started"].initial}
    response = client.post(data=data, path=url)
    assert "Give a phone number or an email" in response.content.decode()
    response = client.post(url, {**data, "email": "Helper@Example.org"})
    assert "Thank you" in response.content.decode()
    offer = AidOffer.objects.get(description="A van on Saturdays")
    assert offer.email == "helper@example.org" and offer.state == OfferState.OPEN


# --- who sees the address --------------------------------------------------------------------


def test_address_only_for_the_volunteer_holding_the_delivery(world: World, program, vera):
    request = _request(program)
    delivery = request.deliveries.get()
    url = reverse("aid_delivery", args=[delivery.pk])
    for member in (world.elm.organizer, vera, world.rosa):
        body = client_for(member).get(url).content.decode()
        assert "40 Elm St, flat 3B" not in body and "7770101" not in body
        assert "Elm north" in body
    board = client_for(vera).get(reverse("aid_board", args=[program.pk])).content.decode()
    assert "Elm north" in board and "40 Elm St" not in board

    services.claim(delivery, by=vera)
    reads = ReadEvent.objects.filter(object_kind="aid_request", object_id=request.pk)
    assert not reads.exists()
    body = client_for(vera).get(url).content.decode()
    assert "40 Elm St, flat 3B" in body and "+15557770101" in body
    event = reads.get()
    assert event.member == vera and event.action == "aid_contact"
    assert event.unit_id == program.unit_id
    # The coordinator still sees only the area while Vera holds it.
    assert "40 Elm St" not in client_for(world.elm.organizer).get(url).content.decode()

    services.complete(delivery, by=vera)
    assert "40 Elm St" not in client_for(vera).get(url).content.decode()
    assert reads.count() == 1


# --- the delivery state machine ---------------------------------------------------------------


def test_one_off_request_moves_through_the_states_and_closes(program, vera, victor) -> None:
    request = _request(program)
    delivery = request.deliveries.get()
    with pytest.raises(AidError):
        services.complete(delivery, by=vera)  # nobody holds it yet
    services.claim(delivery, by=vera)
    with pytest.raises(AidError, match="first"):
        services.claim(delivery, by=victor)
    with pytest.raises(AidError):
        services.set_out(delivery, by=victor)
    services.set_out(delivery, by=vera)
    assert delivery.state == DeliveryState.ON_THE_WAY and delivery.started_at
    services.complete(delivery, by=vera, hours=Decimal("1.5"), handed_over="3 bags")
    request.refresh_from_db()
    assert delivery.state == DeliveryState.DONE and delivery.hours == Decimal("1.5")
    assert request.state == RequestState.CLOSED and request.closed_at
    with pytest.raises(AidError):
        services.hand_back(delivery, by=vera)


def test_failure_needs_a_reason_and_waits_for_a_coordinator(world, program, vera) -> None:
    request = _request(program)
    delivery = services.claim(request.deliveries.get(), by=vera)
    with pytest.raises(AidError):
        services.fail(delivery, by=vera, reason="")
    with pytest.raises(AidError):
        services.fail(delivery, by=vera, reason="other", note=" ")
    services.fail(delivery, by=vera, reason="not_home")
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    board = selectors.board(program, vera)
    assert request in board.needs_decision
    with pytest.raises(PermissionDenied):
        services.retry(request, by=vera)
    again = services.retry(request, by=world.elm.organizer)
    assert again.state == DeliveryState.OPEN and again.due_on == delivery.due_on
    with pytest.raises(AidError):
        services.retry(request, by=world.elm.organizer)
    services.close_request(request, by=world.elm.organizer)
    assert not Delivery.objects.filter(pk=again.pk).exists()


def test_hand_back_release_and_no_show(world, program, vera, victor) -> None:
    delivery = services.claim(_request(program).deliveries.get(), by=vera)
    services.hand_back(delivery, by=vera)
    assert delivery.state == DeliveryState.OPEN and delivery.volunteer is None
    services.claim(delivery, by=victor)
    with pytest.raises(PermissionDenied):
        services.release(delivery, by=vera, no_show=True)
    services.release(delivery, by=world.elm.organizer, no_show=True)
    assert delivery.state == DeliveryState.OPEN
    shift = Shift.objects.get(member=victor)
    assert shift.no_show and shift.delivery == delivery
    services.assign(delivery, vera, by=world.elm.organizer)
    assert delivery.volunteer == vera and delivery.state == DeliveryState.CLAIMED
    outsider = f.MemberFactory(username="outsider")
    with pytest.raises(PermissionDenied):
        services.claim(delivery, by=outsider)


def test_a_stale_page_cannot_undo_a_release(world, program, vera) -> None:
    delivery = services.claim(_request(program).deliveries.get(), by=vera)
    stale = Delivery.objects.get(pk=delivery.pk)
    services.release(delivery, by=world.elm.organizer, no_show=False)
    with pytest.raises(AidError):
        services.complete(stale, by=vera)
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.OPEN


def test_recurring_requests_repeat_on_their_schedule_and_stop(program, vera) -> None:
    today = timezone.localdate()
    request = _request(program, recurrence="weekly", repeat_until=today + timedelta(days=10))
    first = services.claim(request.deliveries.get(), by=vera)
    services.complete(first, by=vera)
    second = request.deliveries.get(state=DeliveryState.OPEN)
    assert second.due_on == today + timedelta(days=7)
    assert AidRequest.objects.get(pk=request.pk).state == RequestState.OPEN
    assert second not in selectors.board(program, vera, today=today - timedelta(days=1)).open
    services.claim(second, by=vera)
    services.fail(second, by=vera, reason="not_home")
    # The next would fall after repeat_until: the request is over.
    assert not request.deliveries.filter(state=DeliveryState.OPEN).exists()
    assert AidRequest.objects.get(pk=request.pk).state == RequestState.CLOSED


@pytest.mark.django_db(transaction=True)
def test_two_volunteers_claiming_at_once_exactly_one_wins(world: World, vera, victor) -> None:
    program = world.elm.aid_program
    for _ in range(5):
        delivery = _request(program).deliveries.get()
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def attempt(member, delivery=delivery, barrier=barrier, outcomes=outcomes) -> None:
            try:
                barrier.wait()
                services.claim(delivery, by=member)
                outcomes[member.username] = "won"
            except (AidError, OperationalError):  # in-memory SQLite may refuse the second writer
                outcomes[member.username] = "lost"
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt, args=(m,)) for m in (vera, victor)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["lost", "won"]
        winner = next(name for name, result in outcomes.items() if result == "won")
        assert Delivery.objects.get(pk=delivery.pk).volunteer.username == winner


@pytest.mark.django_db(transaction=True)
def test_two_payouts_at_once_cannot_overdraw_the_fund(world: World) -> None:
    program, alice, rosa = world.elm.aid_program, world.elm.organizer, world.rosa
    services.record_fund(program, by=alice, direction="income", amount=Decimal(100), note="Dues")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(member) -> None:
        try:
            barrier.wait()
            services.record_fund(
                program, by=member, direction="payout", amount=Decimal(60), note="Rent"
            )
            outcomes.append("paid")
        except (AidError, OperationalError):  # SQLite may refuse the second writer outright
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(m,)) for m in (alice, rosa)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused"]
    assert services.fund_balance(program) == 40


# --- into the loop --------------------------------------------------------------------------


def test_doorstep_conversation_feeds_the_unit_and_the_rounds_pool(world, program, vera) -> None:
    existing = f.PersonFactory(unit=world.elm.unit, first_name="Dolores", phone="+15557770101")
    request = _request(program)  # no consent at intake
    delivery = services.claim(request.deliveries.get(), by=vera)
    services.complete(delivery, by=vera)
    assert AidRequest.objects.get(pk=request.pk).person is None
    conversation = services.record_doorstep_conversation(
        delivery,
        Doorstep(
            notes="Heating broken since October",
            ideas=[IdeaRaised(kind="concern", text="The landlord ignores repair requests")],
            level="intermediate",
            consent_contact=True,
        ),
        by=vera,
    )
    request.refresh_from_db()
    assert request.consent_contact and request.person == existing  # deduplicated by phone
    assert conversation.kind == ConversationKind.DOOR_KNOCK
    assert list(conversation.people.all()) == [existing]
    idea = Idea.objects.get(conversation=conversation)
    assert idea.unit == world.elm.unit and idea.person == existing
    assert Assessment.objects.filter(person=existing, struggle=world.elm.struggle).exists()
    rounds.gather(world.elm.round)
    assert PoolEntry.objects.filter(round=world.elm.round, idea=idea).exists()
    with pytest.raises(AidError, match="already"):
        services.record_doorstep_conversation(delivery, Doorstep(notes="again"), by=vera)


def test_without_consent_nobody_is_created_and_nobody_assessed(world, program, vera) -> None:
    people = Person.objects.count()
    delivery = services.claim(_request(program).deliveries.get(), by=vera)
    services.complete(delivery, by=vera)
    with pytest.raises(AidError, match="agreed"):
        services.record_doorstep_conversation(delivery, Doorstep(level="advanced"), by=vera)
    conversation = services.record_doorstep_conversation(
        delivery, Doorstep(ideas=[IdeaRaised(kind="proposal", text="A tenants' meeting")]), by=vera
    )
    assert Person.objects.count() == people
    assert not conversation.people.exists()
    assert Idea.objects.get(conversation=conversation).person is None


def test_consenting_person_served_becomes_a_person_once(world, program, vera) -> None:
    people = Person.objects.count()
    for _ in range(2):
        request = _request(program, consent_contact=True, phone="0044 20 7946 0000")
        services.complete(services.claim(request.deliveries.get(), by=vera), by=vera)
    assert Person.objects.count() == people + 1
    person = Person.objects.get(unit=world.elm.unit, first_name="Dolores")
    assert person.phone == "+442079460000" and person.address == "40 Elm St, flat 3B"
    assert AidRequest.objects.filter(person=person).count() == 2
    numbers = selectors.loop_numbers(program)
    assert numbers.served == 1 and numbers.deliveries_done == 2


def test_headline_counts_people_in_the_loop_not_bags(world, program, vera) -> None:
    served = []
    for n, phone in enumerate(["+15550100001", "+15550100002", "+15550100003"]):
        request = _request(program, name=f"Served {n}", phone=phone, consent_contact=True)
        delivery = services.claim(request.deliveries.get(), by=vera)
        services.complete(delivery, by=vera)
        served.append((request, delivery))
    numbers = selectors.loop_numbers(program)
    assert (numbers.served, numbers.in_loop, numbers.spoken_with) == (3, 0, 0)

    services.record_doorstep_conversation(served[0][1], Doorstep(notes="Talked rent"), by=vera)
    second = AidRequest.objects.get(pk=served[1][0].pk).person
    f.AssessmentFactory(person=second, struggle=world.elm.struggle)
    third = AidRequest.objects.get(pk=served[2][0].pk).person
    Participation.objects.create(action=world.elm.action, person=third, took_part=True)
    numbers = selectors.loop_numbers(program)
    assert (numbers.spoken_with, numbers.assessed, numbers.took_part) == (1, 1, 1)
    assert numbers.in_loop == 3 and numbers.share == 100
    assert sum(week.served for week in numbers.weeks) == 3
    assert sum(week.in_loop for week in numbers.weeks) == 3

    page = client_for(world.elm.organizer).get(reverse("aid_program", args=[program.pk]))
    assert page.context["numbers"].in_loop == 3
    assert '<p class="headline" id="headline">3</p>' in page.content.decode()


# --- stock and funds --------------------------------------------------------------------------


def test_stock_is_an_event_log(world, program, vera) -> None:
    services.record_stock(program, by=vera, item=" Rice ", direction="in", quantity=Decimal(10))
    services.record_stock(program, by=vera, item="rice", direction="out", quantity=Decimal(4))
    with pytest.raises(AidError, match="Only 6"):
        services.record_stock(program, by=vera, item="RICE", direction="out", quantity=Decimal(7))
    with pytest.raises(AidError):
        services.record_stock(program, by=vera, item="rice", direction="in", quantity=Decimal(0))
    [line] = selectors.stock_totals(program)
    assert (line.item, line.came_in, line.went_out, line.on_hand) == ("rice", 10, 4, 6)
    event = StockEvent.objects.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        StockEvent.objects.update(quantity=1)
    with pytest.raises(AppendOnlyError):
        StockEvent.objects.all().delete()
    outsider = f.MemberFactory(username="nobody")
    with pytest.raises(PermissionDenied):
        services.record_stock(program, by=outsider, item="rice", direction="in", quantity=1)


def test_fund_has_a_running_balance_and_cannot_go_below_zero(world, program, vera) -> None:
    alice = world.elm.organizer
    services.record_fund(program, by=alice, direction="income", amount=Decimal(100), note="Raffle")
    services.record_fund(program, by=alice, direction="payout", amount=Decimal(30), note="Rent")
    services.record_fund(program, by=alice, direction="income", amount=Decimal(5), note="Gift")
    with pytest.raises(AidError, match="75"):
        services.record_fund(program, by=alice, direction="payout", amount=Decimal(80), note="x")
    with pytest.raises(PermissionDenied):
        services.record_fund(program, by=vera, direction="income", amount=Decimal(1), note="y")
    ledger = list(selectors.fund_ledger(program))
    assert [e.balance for e in ledger] == [75, 70, 100]  # newest first
    assert services.fund_balance(program) == 75
    with pytest.raises(AppendOnlyError):
        FundEvent.objects.update(amount=0)
    body = client_for(alice).get(reverse("aid_funds", args=[program.pk])).content.decode()
    assert "75.00" in body


# --- volunteer load ---------------------------------------------------------------------------


def test_load_warns_about_the_overloaded_and_those_without_a_week_off(
    world, program, vera, victor
) -> None:
    alice = world.elm.organizer
    today = timezone.localdate()
    for week in range(6):
        services.record_shift(
            program, by=alice, member=vera, day=today - timedelta(weeks=week), hours=Decimal(5)
        )
    services.record_shift(program, by=victor, member=victor, day=today, hours=Decimal(1))
    services.record_shift(
        program, by=alice, member=victor, day=today, hours=Decimal(0), no_show=True
    )
    with pytest.raises(PermissionDenied):
        services.record_shift(
            program, by=victor, member=vera, day=today, hours=Decimal(0), no_show=True
        )
    with pytest.raises(AidError):
        services.record_shift(
            program, by=vera, member=vera, day=today + timedelta(days=2), hours=Decimal(1)
        )
    load = selectors.volunteer_load(program)
    rows = {row.member.username: row for row in load.volunteers}
    assert rows["vera"].far_above and rows["vera"].no_week_off
    assert rows["vera"].hours == 30 and rows["vera"].weeks[-1].hours == 5
    assert not rows["victor"].far_above and not rows["victor"].no_week_off
    assert rows["victor"].no_shows == 1
    assert [row.member.username for row in load.warnings] == ["vera"]
    body = client_for(alice).get(reverse("aid_load", args=[program.pk])).content.decode()
    assert "has not had a week off" in body and "carries far more than the rest" in body


# --- retention --------------------------------------------------------------------------------


def test_purge_forgets_contacts_after_closing_unless_consented(world, program, vera) -> None:
    def served(**overrides) -> AidRequest:
        request = _request(program, **overrides)
        services.complete(services.claim(request.deliveries.get(), by=vera), by=vera)
        return AidRequest.objects.get(pk=request.pk)

    old = served()
    kept = served(consent_contact=True, phone="+15550300001")
    recent = served(phone="+15550300002")
    still_open = _request(program, phone="+15550300003")
    long_ago = timezone.now() - timedelta(days=31)
    AidRequest.objects.filter(pk__in=[old.pk, kept.pk]).update(closed_at=long_ago)

    assert services.purge_closed_requests() == 1
    old.refresh_from_db()
    assert (old.name, old.phone, old.address, old.phone_index) == ("", "", "", "")
    assert old.purged_at and old.need == "Rice, oil, nappies"
    for untouched in (kept, recent, still_open):
        untouched.refresh_from_db()
        assert untouched.address == "40 Elm St, flat 3B" and untouched.purged_at is None
    assert services.purge_closed_requests() == 0
    call_command("aid_purge", "--days", "0")
    recent.refresh_from_db()
    assert recent.purged_at and recent.phone == ""


# --- pages and visibility ---------------------------------------------------------------------


def test_pages_render_for_the_unit(world: World, program, vera) -> None:
    request = _request(program)
    delivery = request.deliveries.get()
    client = client_for(vera)
    for name, pk in [
        ("aid_program", program.pk),
        ("aid_board", program.pk),
        ("aid_team", program.pk),
        ("aid_offers", program.pk),
        ("aid_stock", program.pk),
        ("aid_funds", program.pk),
        ("aid_load", program.pk),
        ("aid_request_new", program.pk),
        ("aid_request", request.pk),
        ("aid_delivery", delivery.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 200, name
    assert client.get(reverse("aid_programs")).status_code == 200


def test_start_and_edit_a_program_without_overwriting(world: World) -> None:
    alice = client_for(world.elm.organizer)
    response = alice.post(
        reverse("aid_program_new"),
        {"unit": world.elm.unit.pk, "name": "Elm St fridge", "kind": "fridge", "is_active": "on"},
    )
    program = access.visible_programs(world.elm.organizer).get(name="Elm St fridge")
    assert response["Location"] == reverse("aid_program", args=[program.pk])
    assert services.role_in(world.elm.organizer, program) == ProgramRoleKind.COORDINATOR
    edit = reverse("aid_program_edit", args=[program.pk])
    data = {"name": "Elm St community fridge", "kind": "fridge", "is_active": "on", "version": 1}
    alice.post(edit, data)
    program.refresh_from_db()
    assert program.name == "Elm St community fridge" and program.version == 2
    response = alice.post(edit, {**data, "name": "Stale edit"}, follow=True)
    assert "Someone else changed this program" in response.content.decode()
    program.refresh_from_db()
    assert program.name == "Elm St community fridge"
    # Bob cannot start a program for Elm.
    bob = client_for(world.building_c.organizer)
    bob.post(reverse("aid_program_new"), {"unit": world.elm.unit.pk, "name": "X", "kind": "fridge"})
    assert not access.visible_programs(world.rosa).filter(name="X").exists()


def test_members_join_claim_and_finish_through_the_pages(world: World, program, vera) -> None:
    request = _request(program)
    delivery = request.deliveries.get()
    newcomer = f.MemberFactory(username="nadia")
    f.MembershipFactory(member=newcomer, unit=world.elm.unit, role=Role.MEMBER)
    client = client_for(newcomer)
    claim = reverse("aid_delivery_claim", args=[delivery.pk])
    client.post(claim)
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.OPEN
    client.post(reverse("aid_team", args=[program.pk]), {"op": "join"})
    response = client.post(claim)
    assert response["Location"] == reverse("aid_delivery", args=[delivery.pk])
    step = reverse("aid_delivery_step", args=[delivery.pk])
    client.post(step, {"op": "done", "hours": "99"})
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.CLAIMED
    response = client.post(step, {"op": "done", "hours": "0.75"})
    assert response["Location"] == reverse("aid_doorstep", args=[delivery.pk])
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.DONE
    # Vera lost the race: she is told, nothing changes.
    response = client_for(vera).post(claim, follow=True)
    assert "Someone else claimed" in response.content.decode()


def test_outsiders_and_cadre_bodies(world: World) -> None:
    assert not access.visible_programs(world.carl).exists()
    cadre = f.UnitFactory(name="Collective", slug="collective", kind=UnitKind.CADRE_BODY)
    cadre.parent = world.union
    from massline.organization.services import save_unit

    save_unit(cadre)
    comrade = f.MemberFactory(username="comrade")
    f.MembershipFactory(member=comrade, unit=cadre, role=Role.ORGANIZER)
    secret = services.create_program(unit=cadre, by=comrade, name="Cadre fund", kind="other")
    assert secret in access.visible_programs(comrade)
    assert secret not in access.visible_programs(world.rosa)
    assert client_for(world.rosa).get(reverse("aid_program", args=[secret.pk])).status_code == 404
