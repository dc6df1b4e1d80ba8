"""`massline aid_purge [--days N]`: delete recipients' contact details after the retention
period (see massline.aid.services.purge_closed_requests, which `massline purge` also calls)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from massline.aid.services import purge_closed_requests, retention_days


class Command(BaseCommand):
    help = "Delete the contact details of aid requests and offers closed long enough ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days after closing (default: MASSLINE_AID_RETENTION_DAYS).",
        )

    def handle(self, *args, days: int | None, **options) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        purged = purge_closed_requests(days=days)
        kept = retention_days() if days is None else days
        self.stdout.write(
            f"Purged the contact details of {purged} aid records closed over {kept} days ago."
        )
