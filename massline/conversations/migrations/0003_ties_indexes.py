"""Indexes for the ties page, and PostgreSQL statistics saying a place lies in one unit.

Without those statistics PostgreSQL multiplied the chances of "at this place" and "in these
units" as if they were independent, expected a few dozen conversations where there were
forty thousand, and read them all to find the latest instead of taking it from the index.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def place_lies_in_a_unit(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS conversation_place_unit (dependencies) "
            "ON place_id, unit_id FROM conversations_conversation"
        )


def forget_place_statistics(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS conversation_place_unit")


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_initial"),
        ("organization", "0002_member_suspension"),
        ("people", "0006_name_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="conversation",
            name="place",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="conversations",
                to="people.place",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["place", "-happened_at"], name="conversation_place_latest"),
        ),
        migrations.RunPython(place_lies_in_a_unit, forget_place_statistics),
    ]
