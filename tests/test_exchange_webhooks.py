"""Webhooks against a real HTTP server on 127.0.0.1 started by the test: signatures,
idempotency keys, retries with backoff, the delivery log, switching off a dead endpoint."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from massline.audit.models import UnitNotice
from massline.conversations.models import ConversationKind
from massline.conversations.services import ConversationRecord, record_conversation
from massline.exchange import webhooks
from massline.exchange.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from massline.organization.models import UnitKind
from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry, Response, RoundState
from tests import factories as f
from tests.conftest import World, client_for


class Receiver:
    """A local HTTP server that answers with the next status in `statuses` (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.MASSLINE_WEBHOOK_ALLOW_PRIVATE = True
    settings.MASSLINE_WEBHOOK_TIMEOUT = 5
    server = Receiver()
    yield server
    server.close()


def _endpoint(unit, url: str, *events: str) -> Endpoint:
    return Endpoint.objects.create(unit=unit, url=url, events=list(events or Event.values))


def _record(world: World) -> None:
    record_conversation(
        ConversationRecord(
            unit=world.elm.unit,
            people=[world.elm.person],
            kind=ConversationKind.ONE_ON_ONE,
            happened_at=timezone.now(),
        ),
        by=world.elm.organizer,
    )


def test_a_recorded_conversation_is_delivered_signed_with_an_idempotency_key(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    endpoint = _endpoint(world.elm.unit, receiver.url, Event.CONVERSATION_RECORDED)
    with django_capture_on_commit_callbacks(execute=True):
        _record(world)
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert headers["Idempotency-Key"] == str(delivery.idempotency_key)
    assert headers["Massline-Event"] == "conversation.recorded"
    secret = webhooks.secret_for(endpoint)
    assert webhooks.verify(secret, headers["Massline-Signature"], body)
    assert not webhooks.verify(secret, headers["Massline-Signature"], body + b" ")
    assert not webhooks.verify("wrong", headers["Massline-Signature"], body)
    payload = json.loads(body)
    assert payload["event"] == "conversation.recorded" and payload["unit"] == "elm"
    assert payload["data"]["people"] == [world.elm.person.pk]
    assert world.elm.person.first_name not in body.decode(), "no names in the payload"
    log = Attempt.objects.get()
    assert log.ok and log.status_code == 200


def test_a_stale_signature_is_rejected() -> None:
    signed = webhooks.sign("s3cret", b"{}", 1_000_000)
    assert webhooks.verify("s3cret", signed, b"{}", now=1_000_100)
    assert not webhooks.verify("s3cret", signed, b"{}", now=1_000_000 + 301)


def test_a_failed_delivery_is_retried_with_backoff_and_the_same_key(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.statuses = [500, 503]
    _endpoint(world.elm.unit, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(Event.AID_REQUEST_OPENED, world.elm.unit, {"request": 9}, key="aid:9")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
    first_wait = delivery.next_attempt_at - Attempt.objects.get().at
    assert first_wait == timedelta(minutes=1)
    assert webhooks.run_due() == 0, "not due yet"

    later = timezone.now() + timedelta(minutes=2)
    assert webhooks.run_due(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 2
    assert delivery.next_attempt_at - later == timedelta(minutes=2), "exponential backoff"

    webhooks.run_due(now=later + timedelta(minutes=3))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    keys = {headers["Idempotency-Key"] for headers, _body in receiver.requests}
    assert len(receiver.requests) == 3 and keys == {str(delivery.idempotency_key)}
    assert [a.status_code for a in Attempt.objects.order_by("at")] == [500, 503, 200]
    assert Endpoint.objects.get().failing_since is None, "a success clears the failure"


def test_with_the_database_backend_a_retry_is_queued_for_later(
    world: World, receiver: Receiver, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    receiver.statuses = [500]
    _endpoint(world.elm.unit, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(Event.AID_REQUEST_OPENED, world.elm.unit, {"request": 1}, key="aid:1")
    assert receiver.requests == [], "queued for the worker, not sent in the request"
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [Delivery.objects.get().pk]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.attempt(Delivery.objects.get().pk)
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.run_after == Delivery.objects.get().next_attempt_at


def test_an_endpoint_failing_for_days_is_switched_off_with_a_notice(
    world: World, receiver: Receiver, settings
) -> None:
    settings.MASSLINE_WEBHOOK_DISABLE_AFTER_DAYS = 3
    receiver.statuses = [500] * 10
    endpoint = _endpoint(world.elm.unit, receiver.url)
    first = Delivery.objects.create(
        endpoint=endpoint, event="line.published", event_key="a", payload={}
    )
    now = timezone.now()
    waiting = Delivery.objects.create(
        endpoint=endpoint,
        event="line.published",
        event_key="b",
        payload={},
        next_attempt_at=now + timedelta(days=9),
    )
    webhooks.attempt(first.pk, now=now)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since == now
    second = Delivery.objects.create(
        endpoint=endpoint, event="line.published", event_key="c", payload={}
    )
    webhooks.attempt(second.pk, now=now + timedelta(days=3, minutes=1))
    endpoint.refresh_from_db()
    assert not endpoint.active and "failed since" in endpoint.disabled_reason
    notice = UnitNotice.objects.get(unit=world.elm.unit)
    assert receiver.url in notice.text and "switched off" in notice.text
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.GAVE_UP
    sent = len(receiver.requests)
    webhooks.publish(Event.LINE_PUBLISHED, world.elm.unit, {}, key="after")
    assert len(receiver.requests) == sent and not Delivery.objects.filter(event_key="after")


def test_private_addresses_are_refused_unless_allowed(
    world: World, receiver: Receiver, settings
) -> None:
    settings.MASSLINE_WEBHOOK_ALLOW_PRIVATE = False
    endpoint = _endpoint(world.elm.unit, receiver.url)
    delivery = Delivery.objects.create(
        endpoint=endpoint, event="line.published", event_key="x", payload={}
    )
    webhooks.attempt(delivery.pk)
    assert receiver.requests == []
    assert "refused" in Attempt.objects.get().error


def test_who_hears_what(world: World, receiver: Receiver) -> None:
    elm = _endpoint(world.elm.unit, receiver.url + "/elm")
    union = _endpoint(world.union, receiver.url + "/union")
    sibling = _endpoint(world.building_c.unit, receiver.url + "/c")
    only_lines = _endpoint(world.union, receiver.url + "/lines", Event.LINE_PUBLISHED)
    cadre = f.UnitFactory(name="Cell", slug="cell", parent=world.union, kind=UnitKind.CADRE_BODY)
    cadre_hook = _endpoint(cadre, receiver.url + "/cell")

    got = webhooks.publish(Event.IDEA_FORWARDED, world.elm.unit, {}, key="k1")
    assert {d.endpoint for d in got} == {elm, union}
    assert sibling not in {d.endpoint for d in got} and only_lines not in {d.endpoint for d in got}
    assert webhooks.publish(Event.IDEA_FORWARDED, world.elm.unit, {}, key="k1") == []
    inner = webhooks.publish(Event.CONVERSATION_RECORDED, cadre, {}, key="k2")
    assert {d.endpoint for d in inner} == {cadre_hook}, "a cadre body's events stay its own"
    with pytest.raises(ValueError):
        webhooks.publish("person.deleted", world.elm.unit, {}, key="k3")


def test_rounds_events_are_published(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    """Forwarded ideas, published lines and receptions reach the subscribed endpoints."""
    union = _endpoint(world.union, receiver.url)
    alice, elm = world.elm.organizer, world.elm.unit
    struggle = f.StruggleFactory(unit=world.union)
    round_ = f.RoundFactory(struggle=struggle, leading_unit=world.union, units=[elm])
    idea = f.IdeaFactory(unit=elm, person=world.elm.person, struggle=struggle, text="Heat now")
    entry = PoolEntry.of(round_, idea)
    entry.save()
    with django_capture_on_commit_callbacks(execute=True):
        rounds.forward(round_, elm, [entry.pk], note="urgent", by=alice)
    forwarded = Delivery.objects.get(event=Event.IDEA_FORWARDED)
    assert forwarded.endpoint == union and forwarded.status == DeliveryStatus.DELIVERED
    assert forwarded.payload["data"]["text"] == "Heat now"
    assert forwarded.payload["data"]["to_unit"] == "union"

    round_.state = RoundState.CONCENTRATING
    round_.save()
    line = f.drafted_line(round_)
    with django_capture_on_commit_callbacks(execute=True):
        rounds.publish_line(line, by=world.rosa)
    published = Delivery.objects.get(event=Event.LINE_PUBLISHED)
    assert published.payload["data"]["concern"] == "the rent increase"

    with django_capture_on_commit_callbacks(execute=True):
        rounds.record_reception(
            line, world.elm.person, response=Response.AGREES, said="yes", by=alice
        )
    reception = Delivery.objects.get(event=Event.RECEPTION_RECORDED)
    assert reception.payload["data"]["response"] == Response.AGREES
    assert {h["Massline-Event"] for h, _b in receiver.requests} == {
        "idea.forwarded",
        "line.published",
        "reception.recorded",
    }


def test_webhook_pages_for_managers_only(world: World, receiver: Receiver) -> None:
    rosa = client_for(world.rosa)
    response = rosa.post(
        reverse("exchange_webhooks"),
        {
            "unit": world.elm.unit.pk,
            "url": "https://hooks.example.org/in",
            "events": ["line.published"],
            "active": "on",
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and endpoint.events == ["line.published"]
    page = rosa.get(reverse("exchange_webhook", args=[endpoint.pk])).content.decode()
    assert webhooks.secret_for(endpoint) in page

    stale = {"url": endpoint.url, "events": ["line.published"], "active": "on", "version": 1}
    rosa.post(
        reverse("exchange_webhook", args=[endpoint.pk]), {**stale, "events": ["idea.forwarded"]}
    )
    refused = rosa.post(reverse("exchange_webhook", args=[endpoint.pk]), stale)
    assert "Someone else changed this webhook" in refused.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.events == ["idea.forwarded"] and endpoint.version == 2

    old = webhooks.secret_for(endpoint)
    rosa.post(reverse("exchange_webhook_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert webhooks.secret_for(endpoint) != old

    alice = client_for(world.elm.organizer)
    assert alice.get(reverse("exchange_webhook", args=[endpoint.pk])).status_code == 404
    assert alice.post(reverse("exchange_webhook_rotate", args=[endpoint.pk])).status_code == 404
    alice.post(
        reverse("exchange_webhooks"),
        {"unit": world.elm.unit.pk, "url": "https://x.example.org", "events": ["line.published"]},
    )
    assert Endpoint.objects.count() == 1


def test_the_retry_command_sends_what_is_due(world: World, receiver: Receiver, capsys) -> None:
    from django.core.management import call_command

    from massline.cli import NOUN_COMMANDS

    assert NOUN_COMMANDS[("webhooks", "retry")] == "webhooks_retry"
    endpoint = _endpoint(world.elm.unit, receiver.url)
    Delivery.objects.create(endpoint=endpoint, event="line.published", event_key="r", payload={})
    call_command("webhooks_retry")
    assert "tried 1 deliveries" in capsys.readouterr().out
    assert len(receiver.requests) == 1
