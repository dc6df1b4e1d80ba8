"""`massline webhooks retry`: try every webhook delivery that is due.

The worker retries failed deliveries by itself when TASKS_BACKEND=database; with
TASKS_BACKEND=immediate (no worker) run this from cron every few minutes.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from massline.exchange.webhooks import run_due


class Command(BaseCommand):
    help = "Try every webhook delivery that is due (retries after failures)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"tried {run_due()} deliveries")
