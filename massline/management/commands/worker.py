"""`massline worker`: runs background jobs (theme suggestions) from the database queue.

`massline serve` starts one beside gunicorn. It is django-tasks-db's `db_worker`, plus
`--parent PID`: the worker stops when that process is gone, so a server that dies without
cleaning up does not leave a worker behind.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

PARENT_CHECK_SECONDS = 2.0


def _stop_when_orphaned(parent: int) -> None:
    """Ask this process to stop (gracefully: a running job finishes) once `parent` is gone."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


class Command(BaseCommand):
    help = "Run background jobs from the database queue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--parent", type=int, help="Stop when this process id goes away.")

    def handle(self, *args, parent: int | None, verbosity: int, **options) -> None:
        if parent:
            threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True).start()
        call_command(
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "1",
            verbosity=verbosity,
        )
