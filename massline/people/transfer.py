"""CSV import and export of people: the one CSV reader and writer in massline.

An import is all or nothing: every bad row is reported with its line number and nothing is
written unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from massline.organization.models import Unit
from massline.people.bulk import (
    CHUNK_ROWS,
    PersonRow,
    Staging,
    WrittenBatch,
    copy_text,
    is_postgresql,
    map_chunks,
    worker_sealer,
    written_as_read,
)
from massline.people.models import Person, Place
from massline.people.normalize import normalize_email, normalize_phone
from massline.people.services import duplicates_of
from massline.vault import master_keys

if TYPE_CHECKING:
    from massline.sections.models import Dimension

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
    # Errors counted but left out of `errors` (a large file reports its first ones only).
    omitted_errors: int = 0
    # Streaming import, seconds by step: CPU of the workers for "validating" and "sealing",
    # wall time of this process for "staging" (with writing, when people are written as
    # they are read), "duplicates" and "writing" (benchmarks).
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.omitted_errors


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


def _read_header(reader: Iterator[list[str]], report: ImportReport) -> list[str] | None:
    """The lower-cased header, or None with the reason in `report`."""
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        report.errors.append("line 1: the file is empty; expected a header row")
        return None
    except csv.Error as exc:
        report.errors.append(f"line 1: {exc}")
        return None
    if "first_name" not in header:
        report.errors.append("line 1: the header has no first_name column")
        return None
    report.unknown_columns = [c for c in header if c not in IMPORT_COLUMNS]
    return header


def _places_of(unit: Unit) -> dict[str, Place]:
    return {place.name.casefold(): place for place in Place.objects.filter(unit=unit)}


def clean_person_row(
    values: dict[str, str], places: dict[str, Place], unit: Unit
) -> tuple[PersonRow | None, list[str]]:
    """The one set of rules for a person read from a file: the clean row, or the problems.

    Used by both importers (row by row and streaming), so they accept and refuse the same rows.
    """
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
    if problems:
        return None, problems
    row = PersonRow(
        unit_id=unit.pk,
        first_name=first_name,
        last_name=values.get("last_name", "").strip(),
        phone=phone,
        email=email,
        notes=values.get("notes", "").strip(),
        place_id=place.pk if place else None,
    )
    return row, problems


def _person(row: PersonRow, unit: Unit) -> Person:
    return Person(
        unit=unit,
        first_name=row.first_name,
        last_name=row.last_name,
        phone=row.phone,
        email=row.email,
        place_id=row.place_id,
        notes=row.notes,
    )


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
    header = _read_header(reader, report)
    if header is None:
        return report
    places = _places_of(unit)
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
        clean, problems = clean_person_row(dict(zip(header, row, strict=True)), places, unit)
        person = _person(clean, unit) if clean is not None else None
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


# --- streaming import of large files ------------------------------------------------------------

REPORTED_ERRORS = 1000
# Files at least this large are imported by import_people_stream on PostgreSQL.
STREAM_FROM_BYTES = 1_000_000


def streams_on_this_database(size: int) -> bool:
    """Whether a file of `size` bytes goes through the streaming import (COPY)."""
    return is_postgresql() and size >= STREAM_FROM_BYTES and len(master_keys()) == 1


class _Errors:
    """Bad lines: every one counted, the first REPORTED_ERRORS (by line) kept for the report."""

    def __init__(self) -> None:
        self.kept: list[tuple[int, str]] = []
        self.count = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        self.kept.append((line, message))
        if len(self.kept) >= 2 * REPORTED_ERRORS:
            self.kept = sorted(self.kept)[:REPORTED_ERRORS]

    def report_to(self, report: ImportReport) -> None:
        report.errors = [message for _line, message in sorted(self.kept)[:REPORTED_ERRORS]]
        report.omitted_errors = self.count - len(report.errors)


@dataclass(frozen=True)
class _Checking:
    """What the workers of a streaming import need to read, clean and seal rows."""

    header: list[str]
    places: dict[str, Place]
    unit: Unit
    copy_text: bool  # stage as COPY text (PostgreSQL) rather than tuples
    written_at: datetime  # when people are written as read (bulk.written_as_read)


class _Checked(NamedTuple):
    rows: int
    errors: list[tuple[int, str]]
    staged: bytes | list[tuple] | WrittenBatch
    stopped: bool  # the CSV could not be read past a line: the import reads no further
    validating: float  # CPU seconds spent reading and cleaning the rows
    sealing: float  # and sealing them (into COPY text)


def _decoded(first: int, raw_lines: list[bytes], errors: list[tuple[int, str]]) -> list[str]:
    """Decode UTF-8 line by line, naming every line that is not (as `_decode` does)."""
    lines = []
    for number, raw in enumerate(raw_lines, start=first):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            errors.append((number, f"line {number}: not valid UTF-8 text"))
            lines.append(raw.decode("utf-8", errors="replace"))
    return lines


def _check_chunk(checking: _Checking, chunk: tuple[int, list[bytes], list[int] | None]) -> _Checked:
    """Read, clean and seal the rows of some whole lines of the file (in a worker); with
    ids, ready to be written as read.

    The same steps as `import_people`, row for row: blank rows skipped, column counts
    checked, then `clean_person_row`.
    """
    started = time.process_time()
    first, raw_lines, ids = chunk
    errors: list[tuple[int, str]] = []
    reader = csv.reader(_decoded(first, raw_lines, errors))
    header, clean_rows, rows, stopped = checking.header, [], 0, False
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = first + reader.line_num - 1
            errors.append((line, f"line {line}: {exc}"))
            clean_rows, stopped = [], True
            break
        line = first + reader.line_num - 1
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if len(cells) != len(header):
            errors.append(
                (line, f"line {line}: {len(cells)} columns, but the header has {len(header)}")
            )
            continue
        values = dict(zip(header, cells, strict=True))
        clean, problems = clean_person_row(values, checking.places, checking.unit)
        if clean is None:
            errors.append((line, f"line {line}: {'; '.join(problems)}"))
        else:
            clean_rows.append((line, clean))
    validated = time.process_time()
    seal = worker_sealer().seal
    sealed_rows = [(line, seal(clean)) for line, clean in clean_rows]
    if ids is not None:
        staged = written_as_read(sealed_rows, ids, checking.written_at)
    else:
        staged = [(line, *sealed) for line, sealed in sealed_rows]
        staged = copy_text(staged) if checking.copy_text else staged
    sealed = time.process_time()
    return _Checked(rows, errors, staged, stopped, validated - started, sealed - validated)


def _line_chunks(stream: BinaryIO, first: int, size: int) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, raw lines): about `size` lines at a time, cut only where a
    record ends (an even number of quotes so far), so a quoted field may hold line breaks."""
    chunk: list[bytes] = []
    quotes = 0
    for raw in stream:
        chunk.append(raw)
        quotes += raw.count(b'"')
        if len(chunk) >= size and (quotes % 2 == 0 or len(chunk) >= 4 * size):
            yield first, chunk
            first, chunk, quotes = first + len(chunk), [], 0
    if chunk:
        yield first, chunk


def _header_of(stream: BinaryIO, report: ImportReport, errors: _Errors) -> list[str] | None:
    """Read the header line(s) of a stream as `import_people` reads the header of a file."""
    header_lines = next(_line_chunks(stream, 1, 1), (1, []))[1]
    problems: list[tuple[int, str]] = []
    text = _decoded(1, header_lines, problems)
    for line, message in problems:
        errors.add(line, message)
    if text:
        text[0] = text[0].removeprefix("\ufeff")
    header = _read_header(csv.reader(text), report)
    if header is None:
        report.errors[:0] = [message for _line, message in problems]
    return header


def _duplicate_error(phone_first: int | None, email_first: int | None) -> list[str]:
    problems = []
    if phone_first is not None:
        problems.append(f"same phone as line {phone_first}")
    if email_first is not None:
        problems.append(f"same email as line {email_first}")
    return problems


def import_people_stream(
    stream: BinaryIO,
    *,
    unit: Unit,
    existing: QuerySet[Person],
    dry_run: bool = False,
    skip_existing: bool = False,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """`import_people` for files of any size: the same rules and report, in flat memory.

    The file is read chunk by chunk; rows are cleaned by `clean_person_row` and sealed (in
    `workers` processes), staged by COPY and written (as they are read when the database
    role may skip per-row trigger checks, else at the end), checked for duplicates in SQL
    (bulk.Staging), all in one transaction that writes nothing if any row is bad. The report
    names the first REPORTED_ERRORS bad lines and counts all of them.
    `progress(stage, rows, bytes read)` is called after each chunk ("reading") and as the
    later stages begin ("checking duplicates", "writing").
    """
    report, errors = ImportReport(), _Errors()
    header = _header_of(stream, report, errors)
    if header is None:
        return report
    seconds = dict.fromkeys(("validating", "sealing", "staging", "duplicates", "writing"), 0.0)
    report.seconds = seconds
    with transaction.atomic(), Staging(existing, writing=not dry_run) as staging:
        checking = _Checking(
            header, _places_of(unit), unit, is_postgresql(), written_at=staging.written_at
        )
        chunks = (
            (first, lines, staging.new_ids(len(lines)))
            for first, lines in _line_chunks(stream, 2, chunk_rows)
        )
        for checked in map_chunks(partial(_check_chunk, checking), chunks, workers=workers):
            report.rows += checked.rows
            seconds["validating"] += checked.validating
            seconds["sealing"] += checked.sealing
            for line, message in checked.errors:
                errors.add(line, message)
            started = time.perf_counter()
            staging.add(checked.staged, write=not errors.count)
            seconds["staging"] += time.perf_counter() - started
            if progress is not None:
                progress("reading", report.rows, stream.tell())
            if checked.stopped:
                break
        if progress is not None:
            progress("checking duplicates", report.rows, stream.tell())
        started = time.perf_counter()
        for line, phone_first, email_first, known in staging.duplicates():
            problems = _duplicate_error(phone_first, email_first)
            if known and skip_existing and not problems:
                report.existing.append(line)
                continue
            if known:
                problems.append("duplicate of a person already recorded (same phone or email)")
            errors.add(line, f"line {line}: {'; '.join(problems)}")
        seconds["duplicates"] = time.perf_counter() - started
        errors.report_to(report)
        if staging.wrote and not report.ok:
            transaction.set_rollback(True)  # people written as read, from a bad file
        if report.ok and not dry_run:
            if progress is not None:
                progress("writing", report.rows, stream.tell())
            started = time.perf_counter()
            report.created = staging.write(skip_known=skip_existing)
            seconds["writing"] = time.perf_counter() - started
    return report


def safe_cell(value: str) -> str:
    """Stop spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_people(
    people: Iterable[Person], out: io.TextIOBase, dimensions: Sequence[Dimension] = ()
) -> int:
    """Write people as CSV; returns how many were written. Section values only on the
    `dimensions` given: the exporter chose them and a second member approved
    (massline.sections.people_export); none otherwise."""
    from massline.sections.people_export import labels

    writer = csv.writer(out)
    writer.writerow([*EXPORT_COLUMNS, *(dimension.name for dimension in dimensions)])
    count = 0
    for person, values in labels(people, list(dimensions)):
        writer.writerow(
            [
                safe_cell(person.first_name),
                safe_cell(person.last_name),
                person.phone,
                person.email,
                safe_cell(person.place.name if person.place else ""),
                safe_cell(person.notes),
                person.unit.slug,
                *(safe_cell(value) for value in values),
            ]
        )
        count += 1
    return count


def people_for_export(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.select_related("place", "unit").order_by("unit__path", "last_name", "id")
