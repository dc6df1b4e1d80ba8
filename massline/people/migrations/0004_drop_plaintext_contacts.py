from django.db import migrations


class Migration(migrations.Migration):
    """The plaintext columns go only after 0003 has encrypted what they held."""

    dependencies = [("people", "0003_encrypt_contacts")]

    operations = [
        migrations.RemoveField(
            model_name="person",
            name="email",
        ),
        migrations.RemoveField(
            model_name="person",
            name="phone",
        ),
    ]
