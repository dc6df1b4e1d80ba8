"""A person's section values stored as keyed tokens instead of value ids (see
massline.sections.tokens), and the per-theme tallies the board reads."""

import django.db.models.deletion
from django.db import migrations, models


def to_tokens(apps, schema_editor) -> None:
    from massline.sections.tokens import token_for

    PersonSection = apps.get_model("sections", "PersonSection")
    pairs = PersonSection.objects.values_list("dimension_id", "value_id").distinct()
    for dimension_id, value_id in list(pairs):
        PersonSection.objects.filter(dimension_id=dimension_id, value_id=value_id).update(
            token=token_for(dimension_id, value_id), value_id=None
        )


def to_value_ids(apps, schema_editor) -> None:
    from massline.sections.tokens import tokens_for

    PersonSection = apps.get_model("sections", "PersonSection")
    SectionValue = apps.get_model("sections", "SectionValue")
    for dimension_id, value_id in SectionValue.objects.values_list("dimension_id", "pk"):
        PersonSection.objects.filter(
            dimension_id=dimension_id, token__in=tokens_for(dimension_id, value_id)
        ).update(value_id=value_id)
    PersonSection.objects.filter(value_id=None).delete()  # a value no longer there


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_retention_rules"),
        ("rounds", "0002_theme_suggestions"),
        ("sections", "0002_line_translations_and_person_languages"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="personsection", name="personsection_covering"),
        migrations.AlterField(
            model_name="personsection",
            name="value",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="sections.sectionvalue",
            ),
        ),
        migrations.AddField(
            model_name="personsection",
            name="token",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(to_tokens, to_value_ids, elidable=False),
        migrations.RemoveField(model_name="personsection", name="value"),
        migrations.AddIndex(
            model_name="personsection",
            index=models.Index(
                fields=["person", "dimension", "token"], name="personsection_covering"
            ),
        ),
        migrations.AddIndex(
            model_name="personsection",
            index=models.Index(fields=["dimension", "token"], name="personsection_by_token"),
        ),
        migrations.CreateModel(
            name="ThemeTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("people", models.PositiveIntegerField(default=0)),
                ("entries", models.PositiveIntegerField(default=0)),
                ("entry_sum", models.BigIntegerField(default=0)),
                ("entry_hashes", models.BigIntegerField(default=0)),
                (
                    "theme",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="rounds.theme",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RaisedBy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="rounds.theme",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["person"], name="raisedby_person")],
                "constraints": [
                    models.UniqueConstraint(fields=("theme", "person"), name="raised_by_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="ThemeSectionCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(editable=False, max_length=32)),
                ("people", models.IntegerField(default=0)),
                (
                    "dimension",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sections.dimension",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="rounds.theme",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("theme", "dimension", "token"), name="one_count_per_theme_token"
                    )
                ],
            },
        ),
    ]
