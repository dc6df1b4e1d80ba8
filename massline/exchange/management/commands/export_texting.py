"""`massline export texting --for spoke|thrutext --unit SLUG [--line ID|--action ID] --out F`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from massline.audit import services as audit
from massline.exchange import texting
from massline.management.commands._acting import acting_member, unit_for


class Command(BaseCommand):
    help = (
        "A list for a texting tool: people who agreed to texts, phones in E.164, opaque ids. "
        "The unit's people, a line's return list (--line) or an action's invitees (--action)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--for", dest="fmt", required=True, choices=sorted(texting.FORMATS))
        parser.add_argument("--unit", required=True, help="slug of the unit whose people")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--line", type=int, help="id of a published line: its return list")
        source.add_argument("--action", type=int, help="id of an action: everyone asked to it")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--as", dest="as_member", help="username acting (default: admin)")

    def handle(self, *args, fmt, unit, line, action, out, as_member, **options) -> None:
        member = acting_member(as_member)
        target = unit_for(member, unit)
        if line is not None:
            found = texting.visible_lines(member).filter(pk=line).first()
            if found is None:
                raise CommandError(f"no published line #{line} that {member.username} can see")
            people = texting.return_list_people(member, target, found)
        elif action is not None:
            found = texting.visible_actions(member).filter(pk=action).first()
            if found is None:
                raise CommandError(f"no action #{action} that {member.username} can see")
            people = texting.action_invitees(member, target, found)
        else:
            people = texting.unit_people(member, target)
        try:
            export = texting.export_for_texting(member, target, people, fmt)
        except audit.ExportRefused as exc:
            raise CommandError(str(exc)) from None
        out.write_text(export.csv_text(), encoding="utf-8")
        out.chmod(0o600)
        self.stdout.write(
            f"wrote {export.count} people for {texting.FORMAT_LABELS[fmt]} to {out} "
            f"(left out: {export.no_consent} without consent to texts, "
            f"{export.no_phone} without a phone that can be dialled)"
        )
