"""`massline restore FILE`: restore an encrypted backup into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from massline.backup import KEY_ENV, BackupError, read_backup, restore


class Command(BaseCommand):
    help = f"Restore a backup made by `massline backup` into an empty database ({KEY_ENV})."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            read_backup(file)  # check the key before creating any table
            call_command("migrate", verbosity=0, interactive=False)
            rows = restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {rows} rows from {file}")
        from massline.vault.rotation import unknown_key_ids

        missing = unknown_key_ids()
        if missing:
            # The backup holds personal data encrypted under a master key that is not here
            # (backups never carry the key): it stays unreadable until the key is configured.
            self.stderr.write(
                "warning: personal data in this backup is encrypted under master key(s) "
                f"{', '.join(sorted(missing))}, which this installation does not have; copy "
                "the field_key file into MASSLINE_DATA_DIR or set MASSLINE_FIELD_KEY"
            )
