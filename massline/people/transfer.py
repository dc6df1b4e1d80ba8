"""CSV import and export of people: the one CSV reader and writer in massline.

An import is all or nothing: every bad row is reported with its line number and nothing is
written unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from massline.organization.models import Unit
from massline.people.models import Person, Place
from massline.people.normalize import normalize_email, normalize_phone
from massline.people.services import duplicates_of

IMPORT_COLUMNS = ("first_name", "last_name", "phone", "email", "place", "notes")
EXPORT_COLUMNS = ("first_name", "last_name", "phone", "email", "place", "notes", "unit")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    created: int = 0
    # Lines matching someone already recorded, when the caller asked to skip them (re-imports).
    existing: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(data: bytes, report: ImportReport) -> str:
    """Decode UTF-8 (with or without BOM), naming every physical line that is not UTF-8."""
    lines = data.splitlines(keepends=True)
    decoded = []
    for number, raw in enumerate(lines, start=1):
        try:
            decoded.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            report.errors.append(f"line {number}: not valid UTF-8 text")
            decoded.append(raw.decode("utf-8", errors="replace"))
    return "".join(decoded).removeprefix("\ufeff")


def _clean_row(
    values: dict[str, str], places: dict[str, Place], unit: Unit
) -> tuple[Person | None, list[str]]:
    problems = []
    first_name = values.get("first_name", "").strip()
    if not first_name:
        problems.append("first_name is empty")
    try:
        email = normalize_email(values.get("email", ""))
    except ValidationError:
        problems.append(f"bad email {values.get('email', '')!r}")
        email = ""
    try:
        phone = normalize_phone(values.get("phone", ""))
    except ValidationError:
        problems.append(f"bad phone {values.get('phone', '')!r}")
        phone = ""
    place_name = values.get("place", "").strip()
    place = places.get(place_name.casefold()) if place_name else None
    if place_name and place is None:
        problems.append(f"unknown place {place_name!r} (add it to {unit.name} first)")
    for column, limit in (("first_name", 100), ("last_name", 100)):
        if len(values.get(column, "")) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    person = Person(
        unit=unit,
        first_name=first_name,
        last_name=values.get("last_name", "").strip(),
        phone=phone,
        email=email,
        place=place,
        notes=values.get("notes", "").strip(),
    )
    return (None if problems else person), problems


class _MappedReader:
    """Rows a layout already mapped (massline.exchange), read like csv.reader: the header
    first, then each row with `line_num` set to its line in the original file."""

    def __init__(self, rows: Iterable[tuple[int, dict[str, str]]]) -> None:
        self.rows, self.line_num, self.header = iter(rows), 1, list(IMPORT_COLUMNS)

    def __iter__(self) -> _MappedReader:
        return self

    def __next__(self) -> list[str]:
        if self.header:
            header, self.header = self.header, []
            return header
        self.line_num, values = next(self.rows)
        return [values.get(column, "") for column in IMPORT_COLUMNS]


def import_people(
    data: bytes,
    *,
    unit: Unit,
    existing: QuerySet[Person],
    dry_run: bool = False,
    mapped: Iterable[tuple[int, dict[str, str]]] | None = None,
    skip_existing: bool = False,
    on_created: Callable[[list[tuple[int, Person]]], None] | None = None,
) -> ImportReport:
    """Validate a CSV of people for `unit`; create them all only if every row is good.

    `existing` is the set of people duplicates are checked against (the importer's visible
    people), so an import never reveals people the importer may not see. massline.exchange
    passes `mapped` rows (line, values) instead of `data`, `skip_existing` so re-importing a
    file adds nobody, and `on_created` to add to the new people in the same transaction.
    """
    report = ImportReport()
    text = _decode(data, report)
    reader = csv.reader(io.StringIO(text, newline="")) if mapped is None else _MappedReader(mapped)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        report.errors.append("line 1: the file is empty; expected a header row")
        return report
    except csv.Error as exc:
        report.errors.append(f"line 1: {exc}")
        return report
    if "first_name" not in header:
        report.errors.append("line 1: the header has no first_name column")
        return report
    report.unknown_columns = [c for c in header if c not in IMPORT_COLUMNS]
    places = {place.name.casefold(): place for place in Place.objects.filter(unit=unit)}
    seen: dict[tuple[str, str], int] = {}
    to_create: list[Person] = []
    created_lines: list[int] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.errors.append(f"line {reader.line_num}: {exc}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if len(row) != len(header):
            report.errors.append(
                f"line {line}: {len(row)} columns, but the header has {len(header)}"
            )
            continue
        person, problems = _clean_row(dict(zip(header, row, strict=True)), places, unit)
        if person is not None:
            for what, value in (("phone", person.phone), ("email", person.email)):
                if value and (what, value) in seen:
                    problems.append(f"same {what} as line {seen[(what, value)]}")
                seen.setdefault((what, value), line)
        if person is not None and duplicates_of(existing, phone=person.phone, email=person.email):
            if skip_existing and not problems:
                report.existing.append(line)
                continue
            problems.append("duplicate of a person already recorded (same phone or email)")
        if problems:
            report.errors.append(f"line {line}: {'; '.join(problems)}")
        elif person is not None:
            to_create.append(person)
            created_lines.append(line)
    if report.ok and not dry_run:
        with transaction.atomic():
            Person.objects.bulk_create(to_create, batch_size=1000)
            if on_created is not None:
                on_created(list(zip(created_lines, to_create, strict=True)))
        report.created = len(to_create)
    return report


def _safe_cell(value: str) -> str:
    """Stop spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_people(people: Iterable[Person], out: io.TextIOBase) -> int:
    """Write people as CSV; returns how many were written."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for person in people:
        writer.writerow(
            [
                _safe_cell(person.first_name),
                _safe_cell(person.last_name),
                person.phone,
                person.email,
                _safe_cell(person.place.name if person.place else ""),
                _safe_cell(person.notes),
                person.unit.slug,
            ]
        )
        count += 1
    return count


def people_for_export(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.select_related("place", "unit").order_by("unit__path", "last_name", "id")
