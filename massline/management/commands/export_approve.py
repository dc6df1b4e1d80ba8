"""`massline export approve REQUEST_ID --as USERNAME`: a second member approves a bulk export."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from massline.audit import services as audit
from massline.management.commands._acting import acting_member


class Command(BaseCommand):
    help = "Approve another member's bulk export (leads and admins of the unit)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("request_id", type=int)
        parser.add_argument("--as", dest="as_member", required=True, help="username approving")

    def handle(self, *args, request_id: int, as_member: str, **options) -> None:
        approver = acting_member(as_member)
        try:
            export = audit.approve_export(request_id, approver)
        except audit.ExportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"approved export request #{export.pk}: {export.requested_by.username} may now run "
            f"the export once (within {audit.APPROVAL_VALID_FOR.total_seconds() / 3600:g} hours)"
        )
