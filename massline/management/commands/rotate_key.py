"""`massline rotate-key`: put every encrypted value under a new master key.

With the key file (MASSLINE_DATA_DIR/field_key) this makes the new key, writes it first in
the file beside the old one (so a crash midway leaves both usable), moves everything under
it, then removes the old key from the file. With MASSLINE_FIELD_KEY the operator sets
"NEW,OLD" (make NEW with `massline rotate-key --generate`), runs this, then sets "NEW".
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from massline.vault import keys
from massline.vault.rotation import rotate


class Command(BaseCommand):
    help = "Re-encrypt every data key and sealed value under a new master key."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--generate", action="store_true", help="Only print a new key and exit."
        )
        parser.add_argument(
            "--keep-old",
            action="store_true",
            help="Leave the old key in the key file (it is still accepted for reading).",
        )

    def handle(self, *args, generate: bool, keep_old: bool, **options) -> None:
        if generate:
            self.stdout.write(keys.generate_master_key())
            return
        if os.environ.get(keys.KEY_ENV, "").strip():
            configured = keys.master_keys()
            report = rotate(progress=self._progress)
            self._summary(report)
            if len(configured) > 1:
                self.stdout.write(
                    f"Now set {keys.KEY_ENV} to the first key alone (key id {report.key_id}) "
                    "and restart; the old key can be destroyed."
                )
            return
        path = keys.ensure_key_file()
        old = [line for line in path.read_text().split() if line]
        if not old:
            raise CommandError(f"{path} holds no key")
        new = keys.generate_master_key()
        keys.write_key_file(path, [new, *old])
        report = rotate(progress=self._progress)
        if not keep_old:
            keys.write_key_file(path, [new])
        self._summary(report)
        self.stdout.write(
            f"{path} now holds the new key {report.key_id}"
            + (" (old keys kept)." if keep_old else "; the old key is destroyed.")
            + " Restart running servers and workers so they read it."
        )

    def _progress(self, line: str) -> None:
        self.stdout.write(line)

    def _summary(self, report) -> None:
        self.stdout.write(f"{report.data_keys} data keys re-wrapped under key {report.key_id}.")
