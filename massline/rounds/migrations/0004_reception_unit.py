"""Each reception keeps the unit its person was in when asked, so a line's tally by unit is
counted from the receptions alone (joining a million people to group them took seconds)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def units_of_the_people_asked(apps, schema_editor) -> None:
    Reception = apps.get_model("rounds", "Reception")
    Person = apps.get_model("people", "Person")
    Reception.objects.update(
        unit=Subquery(Person.objects.filter(pk=OuterRef("person")).values("unit")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # check the new references now: PostgreSQL will not alter a table with checks pending
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0002_member_suspension"),
        ("people", "0006_name_search_indexes"),
        ("rounds", "0003_theme_firsts_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="reception",
            name="unit",
            field=models.ForeignKey(
                help_text="Where they were asked.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organization.unit",
            ),
        ),
        migrations.RunPython(units_of_the_people_asked, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reception",
            name="unit",
            field=models.ForeignKey(
                help_text="Where they were asked.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organization.unit",
            ),
        ),
        migrations.AddIndex(
            model_name="reception",
            index=models.Index(
                fields=["line"], include=["unit", "level", "response"], name="reception_tally_idx"
            ),
        ),
    ]
