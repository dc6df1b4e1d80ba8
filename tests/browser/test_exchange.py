"""An administrator imports a Solidarity Tech export on a phone: preview, remap, dry run."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from massline.people.models import Person
from tests import factories as f
from tests.browser.conftest import log_in
from tests.conftest import World

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).parent.parent / "fixtures" / "exchange" / "solidaritytech.csv"


def test_import_with_preview_remap_and_dry_run_at_phone_width(world: World, phone) -> None:
    log_in(phone, "rosa", f.PASSWORD)
    phone.goto("/exchange/")
    phone.get_by_role("link", name="Import people").click()
    phone.get_by_label("Into the unit").select_option(label="Elm")
    phone.get_by_label("CSV file").set_input_files(str(FIXTURE))
    phone.get_by_role("button", name="Upload and preview").click()

    preview = phone.locator("#preview")
    expect(preview).to_contain_text("Nadia")
    expect(preview).to_contain_text("+12125550177")
    expect(preview.locator("tbody").first).to_contain_text("Building Role: Floor captain 4")
    # htmx: leaving a column out updates the preview without a reload
    phone.get_by_label("Building Role").select_option(label="Leave out")
    expect(preview.locator("tbody").first).not_to_contain_text("Building Role")

    phone.get_by_role("button", name="Dry run").click()
    expect(phone.get_by_role("heading", name="Every row is good")).to_be_visible()
    assert not Person.objects.filter(first_name="Nadia").exists()
    phone.get_by_role("button", name="Import now").click()
    expect(phone.get_by_role("heading", name="Imported")).to_be_visible()
    nadia = Person.objects.get(first_name="Nadia")
    assert nadia.unit == world.elm.unit and "Building Role" not in nadia.notes
