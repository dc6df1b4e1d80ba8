"""The audit of reads: what is recorded, what never is, who sees it, and that it stays put."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from massline.audit import services as audit
from massline.audit.models import AppendOnlyError, ExportRequest, ReadEvent, UnitNotice
from massline.audit.selectors import unusual_access
from massline.organization.models import Role
from tests import factories as f
from tests.conftest import World, client_for
from tests.test_transfer import _run


def _columns(event: ReadEvent) -> str:
    return " ".join(str(getattr(event, field.attname)) for field in ReadEvent._meta.fields)


def test_viewing_a_person_is_recorded_without_name_or_address(world: World) -> None:
    alice = client_for(world.elm.organizer)
    person = world.elm.person
    alice.get(reverse("person_detail", args=[person.pk]), REMOTE_ADDR="203.0.113.77")
    event = ReadEvent.objects.get()
    assert (event.member, event.action, event.object_kind, event.object_id) == (
        world.elm.organizer,
        "view_person",
        "person",
        person.pk,
    )
    assert (event.unit, event.place_ref) == (world.elm.unit, world.elm.place.pk)
    assert event.source.startswith("net:")
    stored = _columns(event)
    for secret in ("203.0.113", person.first_name, person.last_name, person.phone):
        assert secret not in stored


def test_source_is_a_keyed_digest_of_the_network(settings) -> None:
    factory = RequestFactory()

    def source(address: str) -> str:
        return audit.client_source(factory.get("/", REMOTE_ADDR=address))

    assert source("198.51.100.7") == source("198.51.100.200")  # same /24
    assert source("198.51.100.7") != source("198.51.101.7")
    assert source("2001:db8:aa:1::1") == source("2001:db8:aa:ffff::9")  # same /48
    assert "198" not in source("198.51.100.7")
    before = source("198.51.100.7")
    settings.MASSLINE_AUDIT_KEY = "another key entirely"
    assert source("198.51.100.7") != before  # nothing to match without the key


def test_searches_keep_a_digest_and_a_kind_never_the_text(world: World) -> None:
    alice = client_for(world.elm.organizer)
    alice.get(reverse("people_list"), {"q": "Amara"})
    alice.get(reverse("person_picker"), {"q": "555 0101 234"})
    alice.get(reverse("people_list"), {"contact": "never"})
    alice.get(reverse("people_list"))  # no search: not recorded
    name, phone, filters = ReadEvent.objects.order_by("id")
    assert (name.action, name.query_kind, name.result_count) == ("search", "name", 1)
    assert name.query_digest == audit.digest("amara")
    assert (phone.action, phone.query_kind, phone.result_count) == ("pick", "phone", 0)
    assert (filters.query_kind, filters.query_digest) == ("filter", "")
    stored = " ".join(_columns(event) for event in ReadEvent.objects.all())
    assert "Amara" not in stored and "amara" not in stored and "0101" not in stored


def test_the_log_refuses_changes_and_deletions(world: World) -> None:
    event = audit.record(None, "view_person", member=world.rosa, person=world.elm.person)
    event.action = "search"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ReadEvent.objects.filter(pk=event.pk).update(action="search")
    with pytest.raises(AppendOnlyError):
        ReadEvent.objects.all().delete()
    request = RequestFactory().get("/")
    request.user = world.rosa
    admin = site._registry[ReadEvent]
    assert not admin.has_change_permission(request, event)
    assert not admin.has_delete_permission(request, event)
    assert not admin.has_add_permission(request)
    assert ReadEvent.objects.get().action == "view_person"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_rejects_raw_updates_and_deletes(world: World) -> None:
    audit.record(None, "view_person", member=world.rosa, person=world.elm.person)
    for sql in ("UPDATE audit_readevent SET action = 'x'", "DELETE FROM audit_readevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert ReadEvent.objects.get().action == "view_person"


def test_unusual_access_page_is_for_leads_and_admins(world: World) -> None:
    assert client_for(world.elm.organizer).get(reverse("audit_unusual")).status_code == 404
    assert client_for(world.carl).get(reverse("audit_unusual")).status_code == 200
    # Carl administers the workers' committee: the union's units are a 404 for him.
    response = client_for(world.carl).get(reverse("audit_unusual"), {"unit": world.union.pk})
    assert response.status_code == 404
    lead = f.MemberFactory(username="lena")
    f.MembershipFactory(member=lead, unit=world.elm.unit, role=Role.LEAD)
    page = client_for(lead).get(reverse("audit_unusual"))
    assert page.status_code == 200
    assert "Nothing unusual" in page.content.decode()


def test_many_reads_outside_usual_places_and_exports_are_flagged(world: World) -> None:
    elm = world.elm.unit
    far = f.PlaceFactory(unit=elm, name="Far tower")
    people = [f.PersonFactory(unit=elm, place=far) for _ in range(25)]
    quiet = [f.MemberFactory(username=f"quiet{i}") for i in range(3)]
    for member in quiet:
        f.MembershipFactory(member=member, unit=elm, role=Role.ORGANIZER)
        audit.record(None, "view_person", member=member, person=world.elm.person)
    snoop = f.MemberFactory(username="snoop")
    f.MembershipFactory(member=snoop, unit=elm, role=Role.MEMBER)
    for person in people:
        audit.record(None, "view_person", member=snoop, person=person)
    audit.record(None, "export", member=world.elm.organizer, unit=elm, results=2)
    # Alice reading her own person at her own place is usual; Amara's place is hers.
    audit.record(None, "view_person", member=world.elm.organizer, person=world.elm.person)

    report = unusual_access(elm, days=30)
    flagged = {row.member.username: row.flags for row in report.flagged}
    assert set(flagged) == {"snoop", "alice"}
    assert any("read 25 records" in flag for flag in flagged["snoop"])
    assert any("25 reads outside their places" in flag for flag in flagged["snoop"])
    assert flagged["alice"] == ["1 exports"]
    assert [event.result_count for event in report.exports] == [2]

    lead = f.MemberFactory(username="lena")
    f.MembershipFactory(member=lead, unit=world.union, role=Role.LEAD)
    body = client_for(lead).get(reverse("audit_unusual"), {"unit": elm.pk, "days": 7}).content
    assert str(snoop).encode() in body and b"reads outside their places" in body
    # Reads older than the window do not count.
    ReadEvent.objects.create(
        member=world.elm.organizer,
        action="export",
        unit=elm,
        source="cli",
        at=timezone.now() - timedelta(days=10),
    )
    assert len(unusual_access(elm, days=7).exports) == 1
    assert len(unusual_access(elm, days=30).exports) == 2


@pytest.fixture
def small_threshold(settings) -> None:
    settings.MASSLINE_EXPORT_APPROVAL_OVER = 1


def test_bulk_export_needs_a_second_members_approval_used_once(
    world: World, tmp_path: Path, capsys, small_threshold
) -> None:
    f.PersonFactory(unit=world.elm.unit, place=world.elm.place)
    out = tmp_path / "out.csv"
    export = ("export", "people", "--unit", "elm", "--out", str(out), "--as", "alice")
    assert _run(*export) == 1
    assert "needs a second member's approval" in capsys.readouterr().err
    assert not out.exists()
    request = ExportRequest.objects.get()
    assert _run(*export) == 1  # asking again reuses the pending request
    assert ExportRequest.objects.count() == 1

    assert _run("export", "approve", str(request.pk), "--as", "alice") == 1
    assert "a second member must approve" in capsys.readouterr().err
    assert _run("export", "approve", str(request.pk), "--as", "bob") == 1  # sibling organizer
    assert "not a lead or admin" in capsys.readouterr().err
    assert _run("export", "approve", str(request.pk), "--as", "rosa") == 0

    assert _run(*export) == 0
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 2
    event = ReadEvent.objects.get(action="export")
    assert (event.member, event.unit, event.result_count, event.source) == (
        world.elm.organizer,
        world.elm.unit,
        2,
        "cli",
    )
    out.unlink()
    assert _run(*export) == 1  # the approval was used up
    assert not out.exists()

    texts = list(UnitNotice.objects.filter(unit=world.elm.unit).values_list("text", flat=True))
    assert any("approved" in text for text in texts)
    assert any("exported 2 people" in text for text in texts)
    my_work = client_for(world.elm.organizer).get(reverse("my_work")).content.decode()
    assert "exported 2 people of Elm" in my_work
    # The sibling unit hears nothing about Elm's export.
    sibling = client_for(world.building_c.organizer).get(reverse("my_work"))
    assert "Elm" not in sibling.content.decode()


def test_small_exports_and_imports_are_recorded(world: World, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    _run("export", "people", "--unit", "elm", "--out", str(out), "--as", "alice")
    _run("import", "people", str(out), "--unit", "elm", "--as", "alice", "--dry-run")
    export, import_ = ReadEvent.objects.order_by("id")
    assert (export.action, export.result_count, export.source) == ("export", 1, "cli")
    assert (import_.action, import_.unit, import_.source) == ("import", world.elm.unit, "cli")
    assert not ExportRequest.objects.exists()


def test_auditing_can_be_switched_off_for_the_benchmark(world: World, settings) -> None:
    settings.MASSLINE_AUDIT = False
    client_for(world.elm.organizer).get(reverse("person_detail", args=[world.elm.person.pk]))
    assert not ReadEvent.objects.exists()
