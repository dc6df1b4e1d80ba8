"""Imports from other tools: a file in a known layout, mapped, checked and fed into the one
people importer (massline.people.transfer), so every rule of the foundation import holds: one
bad row and nothing is written, every bad line named. People already recorded (same email or
E.164 phone among those the importer may see) are skipped, so importing a file twice adds
nobody the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from massline import access
from massline.audit import services as audit
from massline.exchange import layouts
from massline.exchange.models import ImportDraft, TextConsent
from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.people.transfer import ImportReport, import_people

DRAFTS_KEPT_FOR = timedelta(days=1)
_LINE = re.compile(r"^line (\d+):")


@dataclass
class ImportResult:
    layout: str
    report: ImportReport
    mapping: dict[str, str]
    header: list[str]
    unknown_columns: list[str] = field(default_factory=list)
    consents: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def errors(self) -> list[str]:
        return self.report.errors


def _line_of(error: str) -> int:
    match = _LINE.match(error)
    return int(match.group(1)) if match else 0


def parse_overrides(pairs: list[str], header: list[str]) -> dict[str, str]:
    """`COLUMN=TARGET` pairs from the command line as mapping entries; ValueError if bad."""
    by_name = {layouts.norm(column): str(i) for i, column in enumerate(header)}
    overrides = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or layouts.norm(column) not in by_name:
            raise ValueError(f"--map {pair!r}: no column {column!r} in the file")
        if target not in layouts.TARGETS:
            raise ValueError(
                f"--map {pair!r}: unknown target {target!r} (one of {', '.join(layouts.TARGETS)})"
            )
        overrides[by_name[layouts.norm(column)]] = target
    return overrides


def run_import(
    data: bytes,
    *,
    unit: Unit,
    member: Member,
    layout: str | None = None,
    mapping: dict[str, str] | None = None,
    overrides: list[str] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Map the file with `layout` (detected when None) and import it into `unit`, all or nothing.

    The caller checks that `member` may import into `unit`; duplicates are looked up among the
    people `member` may see, so an import never reveals anyone else.
    """
    parsed = layouts.parse(data)
    key = layout or layouts.detect(parsed.header)
    chosen = layouts.LAYOUTS[key]
    used = {**layouts.suggest(chosen, parsed.header), **(mapping or {})}
    report = ImportReport(errors=list(parsed.errors))
    result = ImportResult(
        layout=key,
        report=report,
        mapping=used,
        header=parsed.header,
        unknown_columns=layouts.unknown_columns(chosen, parsed.header),
        dry_run=dry_run,
    )
    try:
        used.update(parse_overrides(overrides or [], parsed.header))
    except ValueError as exc:
        report.errors.append(str(exc))
    if parsed.header:
        report.errors.extend(f"line 1: {p}" for p in layouts.check_mapping(used, parsed.header))
    if not parsed.header or not report.ok:
        return result
    mapped = [layouts.map_row(chosen, parsed.header, used, line, row) for line, row in parsed.rows]
    own_errors = [f"line {m.line}: {'; '.join(m.problems)}" for m in mapped if m.problems]
    consent_by_line = {m.line: m.consent for m in mapped if m.consent is not None}
    by_line = {m.line: m for m in mapped}

    def complete(created: list[tuple[int, Person]]) -> None:
        """In the import's transaction: sealed contact details, then answers about texts."""
        for line, person in created:
            row = by_line[line]
            if row.address or row.sensitive:
                person.address, person.sensitive_notes = row.address, row.sensitive
                person.save(update_fields=["address_sealed", "sensitive_notes_sealed"])
        rows = [
            TextConsent(
                person=person,
                consented=consent_by_line[line],
                source=f"import:{key}",
                recorded_by=member,
            )
            for line, person in created
            if line in consent_by_line
        ]
        TextConsent.objects.bulk_create(rows)
        result.consents = len(rows)

    checked = import_people(
        b"",
        unit=unit,
        existing=access.visible_people(member),
        dry_run=dry_run or bool(own_errors) or bool(report.errors),
        mapped=[(m.line, m.values) for m in mapped if not m.problems],
        skip_existing=True,
        on_created=complete,
    )
    errors = report.errors + own_errors + checked.errors
    checked.errors = sorted(errors, key=_line_of)
    checked.rows = len(mapped)
    result.report = checked
    return result


# --- drafts (the web UI's upload → preview → mapping → dry run → import) -------------------


def importable_units(member: Member):
    """Units a member may import people into: those they manage (access.managed_units)."""
    return access.managed_units(member)


def drafts_of(member: Member):
    return ImportDraft.objects.filter(created_by=member, unit__in=importable_units(member))


@transaction.atomic
def start_draft(
    member: Member, unit: Unit, data: bytes, filename: str, layout: str | None
) -> ImportDraft:
    """Keep an upload for preview and mapping; drafts older than a day are purged."""
    ImportDraft.objects.filter(created_at__lt=timezone.now() - DRAFTS_KEPT_FOR).delete()
    parsed = layouts.parse(data)
    key = layout or layouts.detect(parsed.header)
    return ImportDraft.objects.create(
        unit=unit,
        created_by=member,
        layout=key,
        filename=filename[:200],
        data=ImportDraft.seal(data),
        mapping=layouts.suggest(layouts.LAYOUTS[key], parsed.header),
    )


def preview(draft: ImportDraft, mapping: dict[str, str], rows: int = 5) -> dict:
    """The first rows as they are in the file and as they would be imported."""
    parsed = layouts.parse(draft.raw)
    chosen = layouts.LAYOUTS[draft.layout]
    first = parsed.rows[:rows]
    return {
        "header": parsed.header,
        "raw": [row for _line, row in first],
        "mapped": [layouts.map_row(chosen, parsed.header, mapping, ln, r) for ln, r in first],
        "total": len(parsed.rows),
        "file_errors": parsed.errors[:20],
        "unknown": layouts.unknown_columns(chosen, parsed.header),
        "mapping_problems": layouts.check_mapping(mapping, parsed.header),
    }


def run_draft(draft: ImportDraft, member: Member, *, dry_run: bool, request=None) -> ImportResult:
    """Dry-run or import a draft with its mapping; an import that went through ends it."""
    result = run_import(
        draft.raw,
        unit=draft.unit,
        member=member,
        layout=draft.layout,
        mapping=draft.mapping,
        dry_run=dry_run,
    )
    audit.record(request, "import", member=member, unit=draft.unit, results=result.report.created)
    if result.ok and not dry_run:
        draft.delete()
    return result
