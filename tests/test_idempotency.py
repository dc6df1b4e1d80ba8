"""A write sent twice under one Idempotency-Key happens once, also when the two race."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import RequestFactory
from django.utils import timezone

from massline.idempotency.models import IdempotentWrite
from massline.idempotency.services import (
    KeyInvalid,
    KeyReused,
    StoredAnswer,
    fingerprint,
    forget_before,
    idempotent,
    run_once,
)
from massline.people.models import Place
from tests.factories import MemberFactory, UnitFactory


def _new_place(unit, name: str = "Laundry room"):
    def write() -> StoredAnswer:
        place = Place.objects.create(unit=unit, name=name)
        return StoredAnswer(201, "application/json", f'{{"id": {place.pk}}}'.encode())

    return write


def test_the_second_call_returns_the_first_answer_and_writes_nothing(db) -> None:
    member, unit = MemberFactory(), UnitFactory()
    asked = fingerprint("POST", "/api/v1/places/", b'{"name": "Laundry room"}')
    first = run_once(member, "k-1", asked, _new_place(unit))
    again = run_once(member, "k-1", asked, _new_place(unit))
    assert Place.objects.count() == 1
    assert again.body == first.body and again.status_code == 201
    assert again.replayed and not first.replayed


def test_a_key_is_per_member(db) -> None:
    unit = UnitFactory()
    asked = fingerprint("POST", "/x", b"")
    run_once(MemberFactory(), "same", asked, _new_place(unit, "Lobby"))
    run_once(MemberFactory(), "same", asked, _new_place(unit, "Roof"))
    assert Place.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(db) -> None:
    member, unit = MemberFactory(), UnitFactory()
    run_once(member, "k", fingerprint("POST", "/x", b"a"), _new_place(unit))
    with pytest.raises(KeyReused):
        run_once(member, "k", fingerprint("POST", "/x", b"b"), _new_place(unit))
    assert Place.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_a_malformed_key_is_refused(db, key: str) -> None:
    with pytest.raises(KeyInvalid):
        run_once(MemberFactory(), key, "f", _new_place(UnitFactory()))


def test_an_integrity_error_of_the_write_itself_is_not_taken_for_a_replay(db) -> None:
    member, unit = MemberFactory(), UnitFactory()
    run_once(member, "k-1", "f1", _new_place(unit, "Lobby"))
    with pytest.raises(IntegrityError):
        run_once(member, "k-2", "f2", _new_place(unit, "Lobby"))
    assert not IdempotentWrite.objects.filter(key="k-2").exists()


def test_a_failed_write_frees_the_key(db) -> None:
    member, unit = MemberFactory(), UnitFactory()

    def broken() -> StoredAnswer:
        Place.objects.create(unit=unit, name="half done")
        raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        run_once(member, "k", "f", broken)
    assert not Place.objects.exists() and not IdempotentWrite.objects.exists()
    run_once(member, "k", "f", _new_place(unit))
    assert Place.objects.count() == 1


def test_a_server_error_is_not_stored(db) -> None:
    member, unit = MemberFactory(), UnitFactory()

    def fails() -> StoredAnswer:
        Place.objects.create(unit=unit, name="half done")
        return StoredAnswer(503, "text/plain", b"try later")

    assert run_once(member, "k", "f", fails).status_code == 503
    assert not Place.objects.exists() and not IdempotentWrite.objects.exists()


def test_the_view_decorator_replays_and_refuses(db) -> None:
    member, unit = MemberFactory(), UnitFactory()

    @idempotent
    def create_place(request: HttpRequest) -> HttpResponse:
        place = Place.objects.create(unit=unit, name=request.POST["name"])
        return JsonResponse({"id": place.pk}, status=201)

    def post(name: str, key: str | None = "abc") -> HttpResponse:
        headers = {"Idempotency-Key": key} if key else {}
        request = RequestFactory().post("/places/", {"name": name}, headers=headers)
        request.user = member
        return create_place(request)

    first, second = post("Lobby"), post("Lobby")
    assert first.content == second.content and second["Idempotent-Replayed"] == "true"
    assert post("Roof").status_code == 422
    post("Basement", key=None)
    assert sorted(Place.objects.values_list("name", flat=True)) == ["Basement", "Lobby"]


def test_old_keys_are_forgotten(db) -> None:
    member = MemberFactory()
    run_once(member, "old", "f", _new_place(UnitFactory()))
    IdempotentWrite.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert forget_before(timezone.now() - timedelta(days=7)) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="in-memory SQLite serialises the threads anyway"
)
@pytest.mark.django_db(transaction=True)
def test_three_racing_replays_write_once() -> None:
    member, unit = MemberFactory(), UnitFactory()
    asked = fingerprint("POST", "/sync", b"conversation 1")
    barrier, answers = threading.Barrier(3), []

    def replay() -> None:
        from django.db import connections

        barrier.wait()
        try:
            answers.append(run_once(member, "sync-1", asked, _new_place(unit)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=replay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Place.objects.count() == 1
    assert len({answer.body for answer in answers}) == 1 and len(answers) == 3
