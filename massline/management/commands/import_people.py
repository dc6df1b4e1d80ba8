"""`massline import people FILE.csv --unit SLUG [--dry-run]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from massline.access import visible_people
from massline.audit import services as audit
from massline.exchange import layouts as exchange_layouts
from massline.exchange.commands import import_from_tool
from massline.management.commands._acting import acting_member, unit_for
from massline.people.transfer import IMPORT_COLUMNS, import_people


class Command(BaseCommand):
    help = "Import people from a CSV file into a unit. One bad row and nothing is imported."

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
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        if options.get("source") or options.get("map"):
            return import_from_tool(self, data, target, member, dry_run=dry_run, **options)
        report = import_people(data, unit=target, existing=visible_people(member), dry_run=dry_run)
        audit.record(None, "import", member=member, unit=target, results=report.created)
        if report.unknown_columns:
            self.stderr.write(
                f"ignored unknown columns: {', '.join(report.unknown_columns)} "
                f"(known: {', '.join(IMPORT_COLUMNS)})"
            )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} bad rows; nothing was imported")
        if dry_run:
            self.stdout.write(f"{report.rows} rows are valid; nothing imported (dry run)")
        else:
            self.stdout.write(f"imported {report.created} people into {target.name}")
