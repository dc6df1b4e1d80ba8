"""`massline purge`: apply the units' retention rules now (see massline.people.retention)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from massline.people.retention import purge, schedule_purge


class Command(BaseCommand):
    help = (
        "Remove notes and personal links older than each unit's retention rule, keeping the "
        "counts; drop idempotency keys older than a week."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; change nothing."
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Also queue a daily purge for `massline worker` (database task backend).",
        )

    def handle(self, *args, dry_run: bool, schedule: bool, **options) -> None:
        report = purge(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{report.conversations} conversations {verb} stripped of notes or people "
            f"({report.links} links), {report.ideas} ideas {verb} unlinked from a person, "
            f"{report.follow_up_notes} follow-up notes {verb} cleared, "
            f"{report.idempotency_keys} idempotency keys {verb} dropped."
        )
        if schedule and not dry_run:
            if schedule_purge():
                self.stdout.write("A daily purge is queued for `massline worker`.")
            else:
                self.stdout.write(
                    "No daily purge queued (one is already waiting, or the task backend "
                    "cannot run jobs later: use cron)."
                )
