"""The command-line face of imports from other tools (`massline import people --from ...`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from massline.audit import services as audit
from massline.exchange import layouts
from massline.exchange.importing import run_import
from massline.organization.models import Member, Unit


def import_from_tool(
    command: BaseCommand,
    data: bytes,
    unit: Unit,
    member: Member,
    *,
    dry_run: bool,
    source: str | None = None,
    map: list[str] | None = None,
    **_options: object,
) -> None:
    """Import a file in a tool's layout; print what was mapped, skipped and refused."""
    result = run_import(
        data, unit=unit, member=member, layout=source, overrides=map or [], dry_run=dry_run
    )
    audit.record(None, "import", member=member, unit=unit, results=result.report.created)
    label = layouts.LAYOUTS[result.layout].label
    command.stdout.write(f"layout: {label}")
    if result.unknown_columns:
        command.stderr.write(
            f"columns {label} does not know, kept as notes: {', '.join(result.unknown_columns)} "
            f"(map them with --map COLUMN=TARGET)"
        )
    if not result.ok:
        for error in result.errors:
            command.stderr.write(error)
        raise CommandError(f"{len(result.errors)} bad rows; nothing was imported")
    skipped = len(result.report.existing)
    already = f"; {skipped} already recorded, skipped" if skipped else ""
    if dry_run:
        command.stdout.write(
            f"{result.report.rows} rows are valid{already}; nothing imported (dry run)"
        )
    else:
        command.stdout.write(
            f"imported {result.report.created} people into {unit.name}{already}; "
            f"{result.consents} answers about texts recorded"
        )
