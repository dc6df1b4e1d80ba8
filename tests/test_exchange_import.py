"""Imports from the tools organizers use: known layouts, dedupe, all-or-nothing, CLI and web."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from massline.audit.models import ReadEvent
from massline.exchange import layouts
from massline.exchange.importing import run_import
from massline.exchange.models import ImportDraft, TextConsent
from massline.people.models import Person
from tests import factories as f
from tests.conftest import World, client_for

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"
# file -> (people in it, consent answers per email: True/False, missing = unknown)
EXPECTED = {
    "actionnetwork": (3, {"marisol.vega@example.org": True, "tomasz.nowak@example.org": False}),
    "actionbuilder": (2, {}),
    "nationbuilder": (2, {"grace.okoro@example.org": True, "luis.ferreira@example.org": False}),
    "civicrm": (2, {"george.mensah@example.org": False}),
    "solidaritytech": (2, {"nadia.rahman@example.org": True, "kwame.asante@example.org": False}),
    "spreadsheet": (2, {"ana.lopez@example.org": True, "bilal.khan@example.org": False}),
}


def _import(world: World, data: bytes, **kwargs):
    return run_import(data, unit=world.elm.unit, member=world.rosa, **kwargs)


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_each_known_layout_imports_with_every_required_field_mapped(
    world: World, layout: str
) -> None:
    data = (FIXTURES / f"{layout}.csv").read_bytes()
    parsed = layouts.parse(data)
    assert layouts.detect(parsed.header) == layout, "the layout is recognised from its columns"
    mapping = layouts.suggest(layouts.LAYOUTS[layout], parsed.header)
    assert layouts.check_mapping(mapping, parsed.header) == []
    targets = set(mapping.values())
    assert targets & layouts.NAME_TARGETS and targets & {layouts.EMAIL, layouts.MOBILE}

    result = _import(world, data, layout=layout)
    count, consents = EXPECTED[layout]
    assert result.ok, result.errors
    assert result.report.created == count
    imported = Person.objects.filter(unit=world.elm.unit).exclude(pk=world.elm.person.pk)
    assert imported.count() == count
    for person in imported:
        assert person.first_name and person.email
        assert person.notes.startswith(f"From {layouts.LAYOUTS[layout].label}")
        assert not person.phone or person.phone.startswith("+"), "phones are stored in E.164"
    recorded = {c.person.email: c.consented for c in TextConsent.objects.select_related("person")}
    assert recorded == consents


def test_layout_details_land_in_the_right_places(world: World) -> None:
    _import(world, (FIXTURES / "nationbuilder.csv").read_bytes(), layout="nationbuilder")
    grace = Person.objects.get(email="grace.okoro@example.org")
    assert grace.phone == "+16465550124", "the mobile number wins over the landline"
    assert "Phone (phone_number): +16465550123" in grace.sensitive_notes
    assert "Tags: tenant, building-c" in grace.notes
    assert grace.address == "15 Hope Ave, Apt 2, Brooklyn, NY, 11201, US"
    assert "Hope Ave" not in grace.notes and "555" not in grace.notes, "contacts stay sealed"
    assert "Met at the laundry" in grace.notes
    assert "Union local: Local 338" in grace.notes, "an unknown column is kept as a note"
    assert "precinct" not in grace.notes.lower(), "known noise is left out"

    _import(world, (FIXTURES / "spreadsheet.csv").read_bytes())
    ana = Person.objects.get(email="ana.lopez@example.org")
    assert (ana.first_name, ana.last_name) == ("Ana", "María López"), "a full name is split"


def test_reimporting_the_same_file_adds_nobody(world: World) -> None:
    data = (FIXTURES / "actionnetwork.csv").read_bytes()
    first = _import(world, data, layout="actionnetwork")
    before = Person.objects.count()
    again = _import(world, data, layout="actionnetwork")
    assert first.report.created == 3
    assert again.ok and again.report.created == 0
    assert again.report.existing == [2, 3, 4]
    assert Person.objects.count() == before
    assert TextConsent.objects.count() == 2


def test_dedupe_by_normalised_email_and_e164_phone(world: World) -> None:
    f.PersonFactory(unit=world.elm.unit, email="MARISOL.VEGA@example.org".lower(), phone="")
    f.PersonFactory(unit=world.building_c.unit, email="", phone="+17185550199")
    result = _import(world, (FIXTURES / "actionnetwork.csv").read_bytes())
    assert result.ok, result.errors
    assert result.report.existing == [2, 3], "Marisol by email, Tomasz by (212) -> E.164 phone"
    assert result.report.created == 1


def test_dedupe_only_against_people_the_importer_may_see(world: World) -> None:
    """Bob's contact with the same email is not visible to Alice: her import must not reveal
    it (by skipping), so the person is added to her unit instead."""
    f.PersonFactory(unit=world.building_c.unit, email="marisol.vega@example.org", phone="")
    result = run_import(
        (FIXTURES / "actionnetwork.csv").read_bytes(),
        unit=world.elm.unit,
        member=world.elm.organizer,
    )
    assert result.ok and result.report.created == 3 and result.report.existing == []


def test_one_bad_row_rolls_back_the_file_and_every_bad_line_is_named(world: World) -> None:
    data = (
        b"first_name,last_name,email,can2_phone,can2_sms_status\n"
        b"Ok,Person,ok@example.org,(212) 555-0150,subscribed\n"
        b"Bad,Phone,bad.phone@example.org,555-12,subscribed\n"
        b"Bad,Email,not-an-email,(212) 555-0151,\n"
        b",Nameless,nameless@example.org,,\n"
        b"Twin,Mail,ok@example.org,,\n"
    )
    before = Person.objects.count()
    result = _import(world, data, layout="actionnetwork")
    assert not result.ok
    lines = [error.split(":")[0] for error in result.errors]
    assert lines == ["line 3", "line 4", "line 5", "line 6"]
    assert "bad phone '555-12'" in result.errors[0]
    assert "bad email" in result.errors[1]
    assert "first_name is empty" in result.errors[2]
    assert "same email as line 2" in result.errors[3]
    assert Person.objects.count() == before and not TextConsent.objects.exists()


def test_a_mapping_without_a_name_is_refused(world: World) -> None:
    data = b"email,phone\na@example.org,(212) 555-0150\n"
    result = _import(world, data)
    assert not result.ok
    assert "no column is mapped to the first name" in result.errors[0]


def test_unknown_columns_can_be_mapped_or_left_out(world: World) -> None:
    data = b"first_name,Mobil,Shift\nLea,(212) 555-0160,night\n"
    result = _import(world, data, dry_run=True)
    assert result.unknown_columns == ["Mobil", "Shift"]
    assert result.ok and result.report.created == 0 and not Person.objects.filter(first_name="Lea")
    result = _import(world, data, overrides=["Mobil=mobile", "Shift=ignore"])
    lea = Person.objects.get(first_name="Lea")
    assert lea.phone == "+12125550160" and "Shift" not in lea.notes
    bad = _import(world, data, overrides=["Nope=mobile"])
    assert not bad.ok and "no column 'Nope'" in bad.errors[0]


def test_cli_imports_from_a_tool_and_names_bad_lines(world: World, tmp_path, capsys) -> None:
    call_command(
        "import_people",
        str(FIXTURES / "civicrm.csv"),
        unit="elm",
        source="civicrm",
        as_member="rosa",
    )
    out = capsys.readouterr().out
    assert "layout: CiviCRM" in out and "imported 2 people into Elm" in out
    call_command(
        "import_people",
        str(FIXTURES / "civicrm.csv"),
        unit="elm",
        source="civicrm",
        as_member="rosa",
    )
    assert "imported 0 people into Elm; 2 already recorded, skipped" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("First Name,Email\nX,broken\nY,also broken\n")
    with pytest.raises(CommandError, match="2 bad rows"):
        call_command("import_people", str(bad), unit="elm", source="civicrm", as_member="rosa")
    err = capsys.readouterr().err
    assert "line 2: bad email 'broken'" in err and "line 3: bad email 'also broken'" in err
    assert ReadEvent.objects.filter(action="import").count() == 3


def test_cli_map_option_needs_no_from(world: World, tmp_path, capsys) -> None:
    file = tmp_path / "odd.csv"
    file.write_text("Vorname,Handy\nJonas,+49 30 901820\n")
    call_command(
        "import_people",
        str(file),
        unit="elm",
        map=["Vorname=first_name", "Handy=mobile"],
        as_member="rosa",
    )
    assert Person.objects.get(first_name="Jonas").phone == "+4930901820"


# --- the web UI ----------------------------------------------------------------------------


def _upload(client, world: World, name: str, layout: str = ""):
    data = (FIXTURES / name).read_bytes()
    return client.post(
        reverse("exchange_import"),
        {
            "unit": world.elm.unit.pk,
            "layout": layout,
            "file": SimpleUploadedFile(name, data, content_type="text/csv"),
        },
    )


def test_web_upload_preview_mapping_dry_run_and_import(world: World) -> None:
    rosa = client_for(world.rosa)
    response = _upload(rosa, world, "solidaritytech.csv")
    draft = ImportDraft.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/")
    assert b"Nadia" not in bytes(draft.data) and b"Nadia" in draft.raw, "sealed while it waits"
    page = rosa.get(response["Location"]).content.decode()
    assert "Solidarity Tech" in page and "Nadia" in page and "+12125550177" in page
    assert "Building Role: Floor captain 4" in page, "the unknown column is kept as a note"

    # htmx: change what a column becomes; the preview follows and the mapping is kept
    fields = {f"col_{i}": target for i, target in draft.mapping.items()}
    header = layouts.parse(draft.raw).header
    fields[f"col_{header.index('Building Role')}"] = layouts.IGNORE
    fragment = rosa.post(
        reverse("exchange_import_draft", args=[draft.pk]), fields, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<h1>" not in fragment and "Building Role: Floor captain 4" not in fragment
    draft.refresh_from_db()
    assert draft.mapping[str(header.index("Building Role"))] == layouts.IGNORE

    dry = rosa.post(reverse("exchange_import_run", args=[draft.pk]), {"mode": "dry"})
    assert "Every row is good" in dry.content.decode()
    assert not Person.objects.filter(email="nadia.rahman@example.org").exists()

    done = rosa.post(reverse("exchange_import_run", args=[draft.pk]), {"mode": "import"})
    assert done.status_code == 200
    nadia = Person.objects.get(email="nadia.rahman@example.org")
    assert nadia.unit == world.elm.unit and "Floor captain 4" not in nadia.notes
    assert not ImportDraft.objects.exists(), "the uploaded file is not kept after the import"
    assert ReadEvent.objects.filter(action="import", unit=world.elm.unit).count() == 2


def test_web_import_errors_are_listed_and_nothing_is_written(world: World) -> None:
    rosa = client_for(world.rosa)
    bad = b"First Name,Email\nX,broken\n"
    rosa.post(
        reverse("exchange_import"),
        {"unit": world.elm.unit.pk, "layout": "civicrm", "file": SimpleUploadedFile("b.csv", bad)},
    )
    draft = ImportDraft.objects.get()
    page = rosa.post(reverse("exchange_import_run", args=[draft.pk]), {"mode": "import"})
    body = page.content.decode()
    assert "Nothing was imported" in body and "line 2: bad email" in body
    assert ImportDraft.objects.filter(pk=draft.pk).exists(), "kept to fix the mapping"


def test_only_managers_import_and_drafts_are_private(world: World) -> None:
    alice = client_for(world.elm.organizer)
    response = _upload(alice, world, "spreadsheet.csv")
    assert response.status_code == 200 and not ImportDraft.objects.exists()
    _upload(client_for(world.rosa), world, "spreadsheet.csv")
    draft = ImportDraft.objects.get()
    assert alice.get(reverse("exchange_import_draft", args=[draft.pk])).status_code == 404
    assert alice.post(reverse("exchange_import_run", args=[draft.pk])).status_code == 404
    assert not Person.objects.filter(email="ana.lopez@example.org").exists()
