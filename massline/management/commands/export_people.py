"""`massline export people --unit SLUG --out FILE.csv` (or `--all` for administrators).

`--sections "Shift,Language"` adds those dimensions' values: only dimensions the member may
see, and always after a second member's approval for exactly them (see
massline.sections.people_export). Without it, no section value is exported.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from massline.access import visible_people
from massline.audit import services as audit
from massline.management.commands._acting import acting_member, unit_for
from massline.people.transfer import export_people, people_for_export
from massline.sections import people_export


class Command(BaseCommand):
    help = "Export the people of a unit (and the units below it) as CSV."

    def add_arguments(self, parser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--unit", help="slug of the unit")
        scope.add_argument("--all", action="store_true", help="everyone (administrators only)")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--as", dest="as_member", help="username acting (default: admin)")
        parser.add_argument(
            "--sections",
            default="",
            help="comma-separated dimensions whose values to include (needs approval)",
        )

    def handle(
        self,
        *args,
        unit: str | None,
        all: bool,
        out: Path,
        as_member: str | None,
        sections: str,
        **options,
    ) -> None:
        member = acting_member(as_member)
        people = visible_people(member)
        target = None
        if all:
            if not member.is_superuser:
                raise CommandError("--all is for administrators only")
        else:
            target = unit_for(member, unit or "")
            people = people.filter(unit__path__startswith=target.path)
        try:  # a bulk export needs a second member's approval, used once; the unit is told
            dimensions = people_export.choose(member, sections.split(","), target)
            if dimensions:  # section values: approved for exactly these, whatever the size
                people_export.gate(member, target, people.count(), dimensions)
            else:
                audit.gate_export(member, target, people.count())
        except audit.ExportRefused as exc:
            raise CommandError(str(exc)) from None
        with out.open("w", newline="", encoding="utf-8") as handle:
            count = export_people(people_for_export(people).iterator(), handle, dimensions)
        out.chmod(0o600)
        audit.record(None, "export", member=member, unit=target, results=count)
        self.stdout.write(f"exported {count} people to {out}")
