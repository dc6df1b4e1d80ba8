"""`massline backup --out FILE`: an encrypted backup of the whole database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from massline.backup import KEY_ENV, BackupError, write_backup


class Command(BaseCommand):
    help = f"Write an encrypted backup of the database (key: the {KEY_ENV} passphrase)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, out: Path, **options) -> None:
        try:
            rows = write_backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"backed up {rows} rows to {out} (encrypted)")
