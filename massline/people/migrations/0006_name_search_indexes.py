"""Indexes that keep the people list and the search by name fast at a million people.

The name-order index lets the list stop after one page. The trigram indexes (PostgreSQL's
pg_trgm) answer `first_name__icontains` / `last_name__icontains`, which Django writes as
UPPER(name) LIKE UPPER('%word%'), without reading every row. SQLite has no such index type: there
the trigram step does nothing and a search reads the table, which is fine at its sizes.
"""

from django.db import migrations, models

TRIGRAM_COLUMNS = ("first_name", "last_name")


def add_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TRIGRAM_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS person_{column}_trgm ON people_person "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in TRIGRAM_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS person_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_retention_rules"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["last_name", "first_name", "id"], name="person_name_order"),
        ),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
