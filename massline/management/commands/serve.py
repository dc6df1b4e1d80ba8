"""`massline serve`: migrate-checked gunicorn on 127.0.0.1:8000 (no extra server needed),
with the background worker beside it for theme suggestions."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve massline with gunicorn and its background worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("MASSLINE_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))

    def handle(self, *args, bind: str, workers: int, **options) -> None:
        call_command("migrate", "--check", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            # gunicorn replaces this process below, keeping its id: the worker watches that
            # id and stops with the server.
            subprocess.Popen(
                [sys.executable, "-m", "massline.cli", "worker", "--parent", str(os.getpid())]
            )
        self.stdout.write(f"massline is serving on http://{bind}/  (Ctrl-C stops it)")
        sys.stdout.flush()
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "massline.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
            ],
        )
