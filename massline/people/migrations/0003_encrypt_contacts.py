"""Encrypt the phones and emails already recorded, each under a new key for its person.

Historical models have no `Sealed` attributes, so this uses the vault functions directly,
with the same purposes and index kinds as massline.people.models.Person.
"""

from django.core.exceptions import ValidationError
from django.db import migrations

from massline.people.normalize import normalize_email, normalize_phone
from massline.vault import blind_index, new_data_key, open_text, seal_text, wrap_data_key

BATCH = 1000
CONTACTS = (("phone", normalize_phone), ("email", normalize_email))


def _normalised(normalize, value: str) -> str:
    try:
        return normalize(value)
    except ValidationError:
        return value.strip()


def encrypt(apps, schema_editor) -> None:
    Person = apps.get_model("people", "Person")
    PersonKey = apps.get_model("people", "PersonKey")
    people = Person.objects.filter(vault_key__isnull=True).order_by("pk")
    while batch := list(people[:BATCH]):
        keys = []
        for person in batch:
            data_key = new_data_key()
            key_id, wrapped = wrap_data_key(data_key)
            keys.append(PersonKey(person=person, key_id=key_id, wrapped=wrapped))
            for name, normalize in CONTACTS:
                value = getattr(person, name)
                setattr(
                    person,
                    f"{name}_sealed",
                    seal_text(value, purpose=f"people.person.{name}", key=data_key),
                )
                setattr(person, f"{name}_index", blind_index(name, _normalised(normalize, value)))
                setattr(person, name, "")
        Person.objects.bulk_update(
            batch, ["phone", "email", "phone_sealed", "email_sealed", "phone_index", "email_index"]
        )
        PersonKey.objects.bulk_create(keys)


def decrypt(apps, schema_editor) -> None:
    from massline.vault import unwrap_data_key

    Person = apps.get_model("people", "Person")
    PersonKey = apps.get_model("people", "PersonKey")
    for row in PersonKey.objects.select_related("person").iterator():
        person = row.person
        data_key = unwrap_data_key(row.key_id, row.wrapped)
        for name, _ in CONTACTS:
            token = getattr(person, f"{name}_sealed")
            setattr(person, name, open_text(token, purpose=f"people.person.{name}", key=data_key))
        person.save(update_fields=["phone", "email"])


class Migration(migrations.Migration):
    dependencies = [("people", "0002_sealed_contacts")]

    operations = [migrations.RunPython(encrypt, decrypt)]
