"""Lists for Spoke and ThruText: consent only, E.164, opaque ids, audit and approval."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from massline.audit import services as audit
from massline.audit.models import ExportRequest, ReadEvent
from massline.exchange import texting
from massline.exchange.models import TextConsent
from massline.exchange.services import record_consent
from massline.rounds.models import Participation
from tests import factories as f
from tests.conftest import World, client_for


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def elm_people(world: World):
    """Three people in Elm: one agreed to texts, one refused, one never asked."""
    unit, alice = world.elm.unit, world.elm.organizer
    yes = f.PersonFactory(unit=unit, first_name="=Yara", last_name="Haddad", phone="(212) 555-0142")
    no = f.PersonFactory(unit=unit, first_name="Noor", last_name="", phone="+1 212 555 0143")
    f.PersonFactory(unit=unit, first_name="Unasked", phone="+1 212 555 0144")
    record_consent(yes, consented=True, by=alice)
    record_consent(no, consented=False, by=alice)
    return yes, no


def test_spoke_and_thrutext_headers_consent_e164_and_opaque_ids(world: World, elm_people) -> None:
    yes, _no = elm_people
    people = texting.unit_people(world.elm.organizer, world.elm.unit)
    spoke = texting.export_for_texting(world.elm.organizer, world.elm.unit, people, "spoke")
    rows = _rows(spoke.csv_text())
    assert rows[0] == ["firstName", "lastName", "cell", "external_id"]
    assert len(rows) == 2, "only the one who agreed"
    first, last, cell, external = rows[1]
    assert (first, last, cell) == ("'=Yara", "Haddad", "+12125550142"), "no formulas, E.164"
    assert len(external) == 24 and int(external, 16) != yes.pk
    assert external == texting.external_id(yes.pk), "stable across exports"
    assert external != texting.external_id(world.elm.person.pk)
    assert spoke.no_consent == 3, "the refusal and the never-asked (Amara too) are left out"
    assert texting.person_for_external_id(world.elm.organizer, external) == yes
    assert texting.person_for_external_id(world.building_c.organizer, external) is None

    record_consent(world.elm.person, consented=True, by=world.elm.organizer)
    world.elm.person.last_name = ""
    world.elm.person.phone = "+1 212 555 0145"
    world.elm.person.save()
    unreachable = f.PersonFactory(unit=world.elm.unit, first_name="Nophone", phone="555-12")
    record_consent(unreachable, consented=True, by=world.elm.organizer)
    thru = texting.export_for_texting(world.elm.organizer, world.elm.unit, people, "thrutext")
    rows = _rows(thru.csv_text())
    assert rows[0] == ["first_name", "last_name", "phone", "external_id"]
    amara = next(r for r in rows if r[0] == "Amara")
    assert amara[1] == texting.THRUTEXT_BLANK, "ThruText drops rows with an empty last name"
    assert thru.no_phone == 1, "a number that cannot be dialled is left out"
    assert ReadEvent.objects.filter(action="export", unit=world.elm.unit).count() == 2


def test_external_ids_depend_on_the_secret_key(settings) -> None:
    before = texting.external_id(7)
    settings.SECRET_KEY = "another-secret-key-" * 3
    assert texting.external_id(7) != before


def test_return_list_and_action_invitees(world: World, elm_people) -> None:
    yes, no = elm_people
    alice, unit = world.elm.organizer, world.elm.unit
    yes.responsible = no.responsible = alice
    yes.save()
    no.save()
    line = world.elm.line
    line.published_at = line.created_at
    line.save()
    listed = texting.return_list_people(alice, unit, line)
    assert {yes, no} <= set(listed)
    export = texting.build(list(listed), "spoke")
    assert [r[2] for r in export.rows] == ["+12125550142"]

    action = world.elm.action
    Participation.objects.create(action=action, person=yes, asked=True)
    Participation.objects.create(action=action, person=no, asked=True)
    invitees = texting.action_invitees(alice, unit, action)
    assert set(invitees) == {yes, no}
    assert texting.build(list(invitees), "thrutext").count == 1
    other = world.building_c.action
    assert not texting.action_invitees(alice, unit, other).exists()


def test_big_exports_need_a_second_members_approval(world: World, elm_people, settings) -> None:
    settings.MASSLINE_EXPORT_APPROVAL_OVER = 0
    alice, unit = world.elm.organizer, world.elm.unit
    people = texting.unit_people(alice, unit)
    with pytest.raises(audit.ExportRefused, match="approval"):
        texting.export_for_texting(alice, unit, people, "spoke")
    request = ExportRequest.objects.get(requested_by=alice)
    assert not ReadEvent.objects.filter(action="export").exists()
    audit.approve_export(request.pk, world.rosa)
    assert texting.export_for_texting(alice, unit, people, "spoke").count == 1
    with pytest.raises(audit.ExportRefused):
        texting.export_for_texting(alice, unit, people, "spoke")


def test_web_export_downloads_csv_and_keeps_to_visible_units(world: World, elm_people) -> None:
    alice = client_for(world.elm.organizer)
    page = alice.get(reverse("exchange_texting")).content.decode()
    assert world.building_c.unit.name not in page
    response = alice.post(
        reverse("exchange_texting"), {"fmt": "spoke", "unit": world.elm.unit.pk, "source": "unit"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "+12125550142" in response.content.decode()
    refused = alice.post(
        reverse("exchange_texting"),
        {"fmt": "spoke", "unit": world.building_c.unit.pk, "source": "unit"},
    )
    assert refused.status_code == 200 and "text/html" in refused["Content-Type"]
    missing = alice.post(
        reverse("exchange_texting"), {"fmt": "spoke", "unit": world.elm.unit.pk, "source": "return"}
    )
    assert "Choose the line" in missing.content.decode()


def test_web_export_shows_the_approval_request(world: World, elm_people, settings) -> None:
    settings.MASSLINE_EXPORT_APPROVAL_OVER = 0
    alice = client_for(world.elm.organizer)
    response = alice.post(
        reverse("exchange_texting"),
        {"fmt": "thrutext", "unit": world.elm.unit.pk, "source": "unit"},
    )
    body = response.content.decode()
    assert "text/html" in response["Content-Type"] and "massline export approve" in body


def test_consent_page_records_the_answer(world: World) -> None:
    alice = client_for(world.elm.organizer)
    person = world.elm.person
    url = reverse("exchange_consent", args=[person.pk])
    assert "Nobody has asked yet" in alice.get(url).content.decode()
    response = alice.post(url, {"answer": "yes"})
    assert response.status_code == 302
    consent = TextConsent.objects.get(person=person)
    assert consent.consented and consent.recorded_by == world.elm.organizer
    alice.post(url, {"answer": "no"})
    consent.refresh_from_db()
    assert not consent.consented
    other = reverse("exchange_consent", args=[world.building_c.person.pk])
    assert alice.post(other, {"answer": "yes"}).status_code == 404
    assert not TextConsent.objects.filter(person=world.building_c.person).exists()


def test_cli_texting_export(world: World, elm_people, tmp_path, capsys) -> None:
    from django.core.management import CommandError, call_command

    from massline.cli import NOUN_COMMANDS

    assert NOUN_COMMANDS[("export", "texting")] == "export_texting"
    out = tmp_path / "spoke.csv"
    call_command(
        "export_texting", "--for", "spoke", "--unit", "elm", "--out", str(out), "--as", "alice"
    )
    rows = _rows(out.read_text())
    assert rows[0] == ["firstName", "lastName", "cell", "external_id"] and len(rows) == 2
    assert "wrote 1 people for Spoke" in capsys.readouterr().out
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(CommandError, match="no action"):
        call_command(
            "export_texting",
            "--for",
            "thrutext",
            "--unit",
            "elm",
            "--action",
            str(world.building_c.action.pk),
            "--out",
            str(out),
            "--as",
            "alice",
        )
    with pytest.raises(CommandError, match="no unit"):
        call_command(
            "export_texting",
            "--for",
            "thrutext",
            "--unit",
            "building-c",
            "--out",
            str(out),
            "--as",
            "alice",
        )
