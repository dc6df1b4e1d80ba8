"""`massline import people FILE.csv --unit SLUG [--dry-run]`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from massline.access import visible_people
from massline.audit import services as audit
from massline.exchange import layouts as exchange_layouts
from massline.exchange.commands import import_from_tool
from massline.management.commands._acting import acting_member, unit_for
from massline.people.bulk import default_workers
from massline.people.transfer import (
    IMPORT_COLUMNS,
    ImportReport,
    import_people,
    import_people_stream,
    streams_on_this_database,
)


class Command(BaseCommand):
    help = (
        "Import people from a CSV file into a unit. One bad row and nothing is imported. "
        "Large files on PostgreSQL are streamed and written by COPY; they are written fastest "
        "(people written while the file is read, foreign keys checked once, not row by row) "
        "when the database role may set session_replication_role: a superuser, or on "
        "PostgreSQL 15+ a role given GRANT SET ON PARAMETER session_replication_role TO <role>."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="slug of the unit they belong to")
        parser.add_argument("--dry-run", action="store_true", help="validate only")
        parser.add_argument("--as", dest="as_member", help="username acting (default: admin)")
        # massline.exchange: files exported from other tools, mapped by their known layout
        parser.add_argument(
            "--from",
            dest="source",
            choices=exchange_layouts.KNOWN,
            help="the tool the file comes from; people already recorded are skipped",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=TARGET",
            help=f"map a column yourself (targets: {', '.join(exchange_layouts.TARGETS)})",
        )

    def handle(
        self, *args, file: Path, unit: str, dry_run: bool, as_member: str | None, **options
    ) -> None:
        member = acting_member(as_member)
        target = unit_for(member, unit)
        from_tool = bool(options.get("source") or options.get("map"))
        try:
            size = file.stat().st_size
            streamed = not from_tool and streams_on_this_database(size)
            data = b"" if streamed else file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        if from_tool:
            return import_from_tool(self, data, target, member, dry_run=dry_run, **options)
        if streamed:
            report = self._stream(file, size, target, member, dry_run=dry_run)
        else:
            report = import_people(
                data, unit=target, existing=visible_people(member), dry_run=dry_run
            )
        audit.record(None, "import", member=member, unit=target, results=report.created)
        if report.unknown_columns:
            self.stderr.write(
                f"ignored unknown columns: {', '.join(report.unknown_columns)} "
                f"(known: {', '.join(IMPORT_COLUMNS)})"
            )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            if report.omitted_errors:
                self.stderr.write(f"... and {report.omitted_errors} more")
            raise CommandError(f"{report.error_count} bad rows; nothing was imported")
        if dry_run:
            self.stdout.write(f"{report.rows} rows are valid; nothing imported (dry run)")
        else:
            self.stdout.write(f"imported {report.created} people into {target.name}")

    def _stream(self, file: Path, size: int, target, member, *, dry_run: bool) -> ImportReport:
        """A large file on PostgreSQL: streamed, sealed on every core, written by COPY."""
        with (
            file.open("rb") as stream,
            tqdm(total=size, unit="B", unit_scale=True, file=sys.stderr, desc="import") as bar,
        ):

            def show(stage: str, _rows: int, read: int) -> None:
                bar.set_description(stage)
                bar.update(read - bar.n)

            return import_people_stream(
                stream,
                unit=target,
                existing=visible_people(member),
                dry_run=dry_run,
                workers=default_workers(),
                progress=show,
            )
