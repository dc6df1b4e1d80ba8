"""Encryption at rest: the key outside the database, per-person keys, blind index, rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from massline import vault
from massline.people.models import Person, PersonKey
from massline.people.selectors import find_by_contact, search_people
from massline.people.services import duplicates_of, forget_person, update_person
from massline.vault import keys
from tests import factories as f
from tests.conftest import World, client_for


@pytest.fixture
def key_file(tmp_path: Path, settings, monkeypatch) -> Path:
    """A data directory of its own, with no key in the environment: the key file is used."""
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    settings.DATA_DIR = tmp_path
    return tmp_path / keys.KEY_FILE_NAME


def _raw_row(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        return repr(cursor.fetchone())


def test_seal_and_open_round_trip_and_fail_loudly() -> None:
    data_key = vault.new_data_key()
    token = vault.seal_text("+15551234567", purpose="people.person.phone", key=data_key)
    assert token.startswith("k1.") and "5551234567" not in token
    assert vault.open_text(token, purpose="people.person.phone", key=data_key) == "+15551234567"
    # Sealed for one field, it does not open as another; nor under another key.
    with pytest.raises(vault.VaultError):
        vault.open_text(token, purpose="people.person.email", key=data_key)
    with pytest.raises(vault.VaultError):
        vault.open_text(token, purpose="people.person.phone", key=vault.new_data_key())
    with pytest.raises(vault.VaultError):
        vault.open_text(token, purpose="people.person.phone")
    app_wide = vault.seal_text("12 Elm St", purpose="aid.recipient.address")
    assert app_wide.startswith(f"m1.{vault.current_key_id()}.")
    assert vault.open_text(app_wide, purpose="aid.recipient.address") == "12 Elm St"
    assert vault.seal_text("", purpose="x") == "" and vault.open_text("", purpose="x") == ""


def test_key_file_is_made_once_readable_by_its_owner_only(key_file: Path) -> None:
    assert not key_file.exists()
    first = vault.current_key_id()
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert vault.current_key_id() == first


def test_bad_environment_key_is_a_clear_error(monkeypatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv(keys.KEY_ENV, "not-a-key")
    with pytest.raises(ImproperlyConfigured, match="MASSLINE_FIELD_KEY"):
        vault.master_keys()


def test_person_contacts_are_ciphertext_in_the_database(db) -> None:
    person = f.PersonFactory(
        phone="+15559870001",
        email="ana.secret@example.org",
        address="7 Hidden Lane",
        sensitive_notes="fears the landlord",
    )
    raw = _raw_row(person)
    for secret in ("5559870001", "ana.secret", "Hidden Lane", "landlord"):
        assert secret not in raw
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.phone, fresh.email, fresh.address, fresh.sensitive_notes) == (
        "+15559870001",
        "ana.secret@example.org",
        "7 Hidden Lane",
        "fears the landlord",
    )
    assert PersonKey.objects.filter(person=person).count() == 1
    # Two people never share a data key.
    other = f.PersonFactory()
    assert other.vault_key.open() != fresh.vault_key.open()


def test_people_list_reads_contacts_without_a_query_per_person(
    db, django_assert_max_num_queries
) -> None:
    unit = f.UnitFactory()
    for _ in range(30):
        f.PersonFactory(unit=unit)
    with django_assert_max_num_queries(1):
        phones = [person.phone for person in Person.objects.filter(unit=unit)]
    assert len(phones) == 30 and all(phone.startswith("+1555") for phone in phones)


def test_find_by_contact_matches_exactly_however_typed(db) -> None:
    person = f.PersonFactory(phone="+15552220000", email="Zoe@Example.org".lower())
    f.PersonFactory(phone="+15552220001", email="zoe2@example.org")
    everyone = Person.objects.all()
    assert list(find_by_contact(everyone, phone="+1 (555) 222-0000")) == [person]
    assert list(find_by_contact(everyone, email=" ZOE@example.ORG ")) == [person]
    assert list(find_by_contact(everyone, phone="555222")) == []
    assert list(find_by_contact(everyone, phone="not a phone", email="nope")) == []
    assert list(duplicates_of(everyone, phone="", email="zoe@example.org")) == [person]
    # The queryset API people already used keeps working.
    assert list(Person.objects.filter(phone="+15552220000")) == [person]
    assert list(Person.objects.exclude(email="zoe@example.org").filter(pk=person.pk)) == []
    nobody = f.PersonFactory(phone="", email="")
    assert list(Person.objects.filter(phone="")) == [nobody]
    assert nobody not in Person.objects.exclude(email="")
    assert list(search_people(everyone, "0049 555 2220000")) == []
    assert list(search_people(everyone, "+1 555 222 0000")) == [person]


def test_find_by_contact_stays_inside_what_the_member_sees(world: World) -> None:
    from massline import access

    boris = world.building_c.person
    alice_sees = access.visible_people(world.elm.organizer)
    assert list(find_by_contact(alice_sees, phone=boris.phone, email=boris.email)) == []
    rosa_sees = access.visible_people(world.rosa)
    assert list(find_by_contact(rosa_sees, phone=boris.phone)) == [boris]


def test_editing_contacts_through_the_form_and_the_service(world: World) -> None:
    person = world.elm.person
    response = client_for(world.elm.organizer).post(
        reverse("person_edit", args=[person.pk]),
        {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": "555 777 1234",
            "email": "New@Example.org",
            "address": "1 Oak Rd",
            "unit": person.unit_id,
            "version": person.version,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.email, person.address) == (
        "5557771234",
        "new@example.org",
        "1 Oak Rd",
    )
    assert list(Person.objects.filter(phone="555-777-1234")) == [person]
    assert "7771234" not in _raw_row(person)
    update_person(person, {"phone": "+15550000999"}, expected_version=person.version)
    assert Person.objects.get(pk=person.pk).phone == "+15550000999"
    assert not Person.objects.filter(phone="5557771234").exists()


def test_import_finds_duplicates_through_the_index(world: World) -> None:
    from massline.people.transfer import import_people

    amara = world.elm.person
    data = (
        "first_name,phone,email\n"
        f"Twin,{amara.phone[:2]} {amara.phone[2:]},\n"
        "New,+15553334444,new.person@example.org\n"
    ).encode()
    report = import_people(data, unit=world.elm.unit, existing=Person.objects.all())
    assert report.errors == ["line 2: duplicate of a person already recorded (same phone or email)"]
    data = b"first_name,phone,email\nNew,+15553334444,new.person@example.org\n"
    report = import_people(data, unit=world.elm.unit, existing=Person.objects.all())
    assert report.created == 1
    created = Person.objects.get(phone="+15553334444")
    assert created.email == "new.person@example.org" and created.vault_key.open()


def test_forgetting_a_person_destroys_their_key(db) -> None:
    person = f.PersonFactory(phone="+15554443322")
    f.ConversationFactory(unit=person.unit, people=[person])
    sealed_phone = person.phone_sealed
    forget_person(person)
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not PersonKey.objects.filter(person_id=person.pk).exists()
    # A copy of the ciphertext (what a seized disk may still hold) is now unreadable by anyone.
    with pytest.raises(vault.VaultError):
        vault.open_text(sealed_phone, purpose="people.person.phone", key=vault.new_data_key())


def test_a_missing_master_key_is_a_clear_error(db, key_file: Path, settings, tmp_path) -> None:
    person = f.PersonFactory(phone="+15556660000")
    key_file.unlink()
    settings.DATA_DIR = tmp_path / "elsewhere"  # a new, different key file is made there
    with pytest.raises(vault.VaultError, match="is not configured"):
        Person.objects.get(pk=person.pk).phone  # noqa: B018


def test_rotation_with_the_key_file(db, key_file: Path, capsys) -> None:
    old_id = vault.current_key_id()
    people = [f.PersonFactory() for _ in range(3)]
    old_phone_index = people[0].phone_index
    call_command("rotate_key")
    new_id = vault.current_key_id()
    assert new_id != old_id
    assert len(key_file.read_text().split()) == 1  # the old key is destroyed
    assert set(PersonKey.objects.values_list("key_id", flat=True)) == {new_id}
    for person in people:
        fresh = Person.objects.get(pk=person.pk)
        assert fresh.phone == person.phone
        assert list(Person.objects.filter(phone=person.phone)) == [fresh]
    assert Person.objects.get(pk=people[0].pk).phone_index != old_phone_index
    assert "3 data keys re-wrapped" in capsys.readouterr().out


def test_rotation_with_the_environment_accepts_the_old_key_meanwhile(
    db, key_file: Path, monkeypatch
) -> None:
    old = vault.generate_master_key()
    monkeypatch.setenv(keys.KEY_ENV, old)
    person = f.PersonFactory(phone="+15551112222")
    new = vault.generate_master_key()
    monkeypatch.setenv(keys.KEY_ENV, f"{new},{old}")
    # Before the rotation: still readable and findable under the old key.
    assert Person.objects.get(pk=person.pk).phone == "+15551112222"
    assert Person.objects.filter(phone="+15551112222").exists()
    call_command("rotate_key")
    monkeypatch.setenv(keys.KEY_ENV, new)
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone == "+15551112222"
    assert Person.objects.filter(phone="+15551112222").get() == fresh
    monkeypatch.setenv(keys.KEY_ENV, old)
    with pytest.raises(vault.VaultError):
        Person.objects.get(pk=person.pk).phone  # noqa: B018


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_what_was_recorded_in_plaintext() -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("people", "0001_initial")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldUnit = old_apps.get_model("organization", "Unit")
    OldPerson = old_apps.get_model("people", "Person")
    unit = OldUnit.objects.create(name="Old", slug="old-unit", path="")
    OldPerson.objects.create(
        unit=unit, first_name="Pre", phone="+15558889999", email="pre@example.org"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    person = Person.objects.get(first_name="Pre")
    assert "8889999" not in _raw_row(person) and "pre@example" not in _raw_row(person)
    assert (person.phone, person.email) == ("+15558889999", "pre@example.org")
    assert list(Person.objects.filter(email="PRE@example.org")) == [person]


def test_data_under_a_key_this_installation_lacks_is_reported(db, key_file: Path) -> None:
    from massline.vault.rotation import unknown_key_ids

    f.PersonFactory()
    assert unknown_key_ids() == set()
    old_id = vault.current_key_id()
    keys.write_key_file(key_file, [vault.generate_master_key()])
    assert unknown_key_ids() == {old_id}
