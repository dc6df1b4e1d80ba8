"""Writing people in bulk: sealing many rows fast and writing them by COPY.

Saving a million people one by one costs a model, five encryptions and two queries each.
Here each row is sealed with the vault's formats (so the Person model reads it like any
other) but with the ciphers built once per key, and rows are written by COPY on PostgreSQL
(bulk_create elsewhere). Sealing can run in a pool of processes across the cores: the pool
gets the master key in memory, by fork, never through a file or the environment.

Callers: the streaming CSV import (massline.people.transfer.import_people_stream) and the
large demo. Rows must already be clean (massline.people.transfer.clean_person_row): phone and
email normalised, names within their lengths.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import NamedTuple, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from massline.people.models import Person, PersonKey
from massline.vault.crypto import _WRAP_PURPOSE, NONCE_BYTES, _b64
from massline.vault.keys import KEY_BYTES, MasterKey, current_key

CHUNK_ROWS = 5000
_NONCE_STARTS = range(KEY_BYTES, KEY_BYTES + 5 * NONCE_BYTES, NONCE_BYTES)
_T = TypeVar("_T")
_R = TypeVar("_R")


class PersonRow(NamedTuple):
    """One clean person to write; phone and email already normalised (or "")."""

    unit_id: int
    first_name: str
    last_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    sensitive_notes: str = ""
    notes: str = ""
    place_id: int | None = None
    responsible_id: int | None = None
    last_contact_at: datetime | None = None


class SealedPerson(NamedTuple):
    """A person as the database holds them, with their data key wrapped by the master key."""

    unit_id: int
    first_name: str
    last_name: str
    phone_sealed: str
    phone_index: str
    email_sealed: str
    email_index: str
    address_sealed: str
    sensitive_notes_sealed: str
    notes: str
    place_id: int | None
    responsible_id: int | None
    last_contact_at: datetime | None
    key_id: str
    wrapped: str


# Person columns written from a SealedPerson (same order), then the constant ones.
SEALED_COLUMNS = SealedPerson._fields[:-2]
_CONSTANT_COLUMNS = ("is_pseudonym", "version", "created_at", "updated_at")


class Sealer:
    """Seals PersonRows under a fresh data key each, exactly as `Person.phone = ...` would.

    The AES-GCM cipher of the master key and the HMAC of the blind index are built once, and
    each person's cipher once for all their fields (seal_text builds one per value).
    """

    def __init__(self, master: MasterKey | None = None) -> None:
        master = master or current_key()
        self.key_id = master.key_id
        self._wrap = AESGCM(master.wrap_key)
        # HMAC-SHA256 with the inner and outer hashes of the key computed once (RFC 2104):
        # the same digest as hmac.new(index_key, ...), at half the cost per value.
        block = master.index_key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
        self._purpose = {
            name: getattr(Person, name).purpose.encode()
            for name in ("phone", "email", "address", "sensitive_notes")
        }

    def blind_index(self, kind: str, value: str) -> str:
        """Same as massline.vault.blind_index under this sealer's master key."""
        if not value:
            return ""
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(f"{kind}\0{value}".encode())
        outer.update(inner.digest())
        return outer.hexdigest()[:32]

    def _sealed(self, encrypt: Callable, nonce: bytes, value: str, field: str) -> str:
        if not value:
            return ""
        return "k1." + _b64(nonce + encrypt(nonce, value.encode(), self._purpose[field]))

    def seal(self, row: PersonRow) -> SealedPerson:
        # One read of the system's random source per person: the data key and five nonces.
        random = os.urandom(KEY_BYTES + 5 * NONCE_BYTES)
        data_key = random[:KEY_BYTES]
        nonce = [random[at : at + NONCE_BYTES] for at in _NONCE_STARTS]
        encrypt, sealed, index = AESGCM(data_key).encrypt, self._sealed, self.blind_index
        return SealedPerson(
            row.unit_id,
            row.first_name,
            row.last_name,
            sealed(encrypt, nonce[0], row.phone, "phone"),
            index("phone", row.phone),
            sealed(encrypt, nonce[1], row.email, "email"),
            index("email", row.email),
            sealed(encrypt, nonce[2], row.address, "address"),
            sealed(encrypt, nonce[3], row.sensitive_notes, "sensitive_notes"),
            row.notes,
            row.place_id,
            row.responsible_id,
            row.last_contact_at,
            self.key_id,
            _b64(nonce[4] + self._wrap.encrypt(nonce[4], data_key, _WRAP_PURPOSE)),
        )

    def seal_all(self, rows: Iterable[PersonRow]) -> list[SealedPerson]:
        return [self.seal(row) for row in rows]


# --- a pool of sealing processes --------------------------------------------------------------

_worker_sealer: Sealer | None = None


def _start_worker(master: MasterKey) -> None:
    global _worker_sealer
    _worker_sealer = Sealer(master)


def worker_sealer() -> Sealer:
    """The Sealer of this process: the pool's in a worker, a new one otherwise."""
    return _worker_sealer or Sealer()


def _seal_chunk(rows: list[PersonRow]) -> list[SealedPerson]:
    return worker_sealer().seal_all(rows)


def default_workers() -> int:
    return os.cpu_count() or 1


def map_chunks(work: Callable[[_T], _R], chunks: Iterable[_T], *, workers: int = 1) -> Iterator[_R]:
    """`work` over `chunks`, in order, in `workers` forked processes (1: in this process).

    At most two chunks per worker are in flight, so a long input is never read ahead into
    memory (Pool.imap would queue all of it). `work` must be a module-level function; it can
    call `worker_sealer()`. The workers get the current master key in memory, by fork.
    """
    if workers <= 1:
        yield from map(work, chunks)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_worker, initargs=(current_key(),)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(work, (chunk,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def chunked(items: Iterable[_T], size: int = CHUNK_ROWS) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def seal_people(
    rows: Iterable[PersonRow], *, workers: int = 1, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[SealedPerson]]:
    """Sealed rows, chunk by chunk, in the order given."""
    return map_chunks(_seal_chunk, chunked(rows, chunk_rows), workers=workers)


# --- writing -----------------------------------------------------------------------------------


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _column(model: type, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def person_columns() -> list[str]:
    """Quoted Person columns in SealedPerson order, then is_pseudonym, version and times."""
    return [_column(Person, name) for name in SEALED_COLUMNS + _CONSTANT_COLUMNS]


def _allocate_ids(cursor, count: int) -> list[int]:
    table = Person._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_people(cursor, chunk: list[SealedPerson], now: datetime) -> list[int]:
    ids = _allocate_ids(cursor, len(chunk))
    people = connection.ops.quote_name(Person._meta.db_table)
    columns = ", ".join([_column(Person, "id"), *person_columns()])
    constant = (False, 1, now, now)
    with cursor.copy(f"COPY {people} ({columns}) FROM STDIN") as copy:
        for person_id, row in zip(ids, chunk, strict=True):
            copy.write_row((person_id, *row[:-2], *constant))
    keys = connection.ops.quote_name(PersonKey._meta.db_table)
    key_columns = ", ".join(
        _column(PersonKey, name) for name in ("person", "key_id", "wrapped", "created_at")
    )
    with cursor.copy(f"COPY {keys} ({key_columns}) FROM STDIN") as copy:
        for person_id, row in zip(ids, chunk, strict=True):
            copy.write_row((person_id, row.key_id, row.wrapped, now))
    return ids


def _create_people(chunk: list[SealedPerson]) -> list[int]:
    """bulk_create for databases without COPY; the keys are already wrapped."""
    people = []
    for row in chunk:
        person = Person(**dict(zip(SEALED_COLUMNS, row[:-2], strict=True)))
        # Known key, nothing pending: Person.bulk_create must not make and wrap another one.
        person.__dict__["_data_key"] = b""
        people.append(person)
    Person.objects.bulk_create(people)
    PersonKey.objects.bulk_create(
        PersonKey(person=person, key_id=row.key_id, wrapped=row.wrapped)
        for person, row in zip(people, chunk, strict=True)
    )
    return [person.pk for person in people]


def write_sealed(chunks: Iterable[list[SealedPerson]]) -> Iterator[list[int]]:
    """Write sealed people and their keys chunk by chunk; yields the new ids of each chunk.

    Call inside a transaction to make it all or nothing.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        for chunk in chunks:
            if is_postgresql():
                yield _copy_people(cursor.cursor, chunk, now)
            else:
                yield _create_people(chunk)


def write_people(
    rows: Iterable[PersonRow],
    *,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
    on_chunk: Callable[[int], None] | None = None,
) -> list[int]:
    """Seal and write people with a data key each, all in one transaction; their new ids.

    `rows` is read lazily, `chunk_rows` at a time; `on_chunk(n)` is called after each chunk
    of n people is written (for a progress bar).
    """
    created: list[int] = []
    with transaction.atomic():
        for ids in write_sealed(seal_people(rows, workers=workers, chunk_rows=chunk_rows)):
            created.extend(ids)
            if on_chunk is not None:
                on_chunk(len(ids))
    return created


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_line(row: tuple) -> str:
    parts = [
        _NULL if value is None else value if type(value) is str else str(value) for value in row
    ]
    line = "\t".join(parts)
    # Most rows need no escaping: then the only tabs are the separators and the only
    # backslashes those of the NULLs, which four scans of the line in C can tell.
    if (
        line.count("\t") == len(parts) - 1
        and line.count("\\") == row.count(None)
        and "\n" not in line
        and "\r" not in line
    ):
        return line
    return "\t".join(
        _NULL if value is None else part.translate(_COPY_ESCAPES)
        for value, part in zip(row, parts, strict=True)
    )


def copy_text(rows: Iterable[tuple]) -> bytes:
    """Rows in PostgreSQL's COPY text format, made where the rows are (a sealing worker), so
    the process writing to the database only passes bytes on. Values: str, int, datetime or
    None."""
    return "".join([_copy_line(row) + "\n" for row in rows]).encode()


# --- staging: checking a whole file against itself and the people already recorded ------------


class WrittenBatch(NamedTuple):
    """Sealed people of one batch as COPY text for people, their keys and the staging
    table, made by a worker with ids the writing process gave it (`written_as_read`)."""

    people: bytes
    keys: bytes
    staged: bytes


# Columns of the staging table kept for people written as they are read: what duplicates
# are found by and what they refer to.
_AS_READ_STAGED = (
    "line",
    "person_id",
    "unit_id",
    "place_id",
    "responsible_id",
    "phone_index",
    "email_index",
)


def written_as_read(
    rows: list[tuple[int, SealedPerson]], ids: list[int], now: datetime
) -> WrittenBatch:
    """(line, sealed person) rows, each given the next of `ids`, as a WrittenBatch."""
    people, keys, staged = [], [], []
    stamp = str(now)  # once: formatting a datetime costs more than the rest of the row
    for person_id, (line, row) in zip(ids, rows, strict=False):
        people.append((person_id, *row[:-2], "false", "1", stamp, stamp))
        keys.append((person_id, row.key_id, row.wrapped, stamp))
        references = (row.unit_id, row.place_id, row.responsible_id)
        staged.append((line, person_id, *references, row.phone_index, row.email_index))
    return WrittenBatch(copy_text(people), copy_text(keys), copy_text(staged))


class Staging:
    """A temporary table of sealed people, each with the line of the file they came from.

    Duplicates are found in SQL (within the file, and against the people already recorded,
    through the blind indexes), so a file of any size is checked without holding it in
    memory.

    With `writing` on PostgreSQL, when the role may write without per-row trigger checks
    (`may_skip_triggers`), people and their keys are written by COPY batch by batch as they
    come (`as_read`: the caller gives each batch ids from `new_ids` and passes WrittenBatch
    rows), so the database maintains the people indexes while the workers read and seal the
    next rows; the caller rolls back if the file turns out bad (`wrote`), and the references
    of everyone written are checked and locked once at the end (`lock_references`), as the
    deferred per-row checks would be at commit. Otherwise the good rows go in at the end,
    with INSERT ... SELECT. Use inside one transaction: the tables go with it.
    """

    table = "massline_import_staging"

    def __init__(self, existing: QuerySet[Person], *, writing: bool = True) -> None:
        self.existing = existing
        self.postgresql = is_postgresql()
        self.writing = writing
        self.as_read = False  # people written batch by batch, as they are staged
        self.wrote = 0  # people written so far (as read)
        self.written_at = timezone.now()
        quote = connection.ops.quote_name
        self._columns = ["line", *SealedPerson._fields]
        self._quoted = ", ".join(quote(column) for column in self._columns)

    def __enter__(self) -> Staging:
        types = {"line": "integer", "unit_id": "bigint", "place_id": "bigint"}
        types |= {"responsible_id": "bigint", "last_contact_at": "timestamp with time zone"}
        columns = ", ".join(f"{name} {types.get(name, 'text')}" for name in self._columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            # person_id: the id given to the person when written as read
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} ({columns}, person_id bigint)")
            if self.postgresql:  # room to hash a million blind indexes without spilling;
                # no JIT: compiling these few big queries costs more than it saves
                cursor.execute("SET LOCAL work_mem = '128MB'")
                cursor.execute("SET LOCAL jit = off")
                self.as_read = self.writing and may_skip_triggers(cursor, Person, PersonKey)
            if self.as_read:
                cursor.execute("SET LOCAL session_replication_role = replica")
        return self

    def __exit__(self, exc_type: type | None, *exc_info: object) -> None:
        if exc_type is not None or connection.needs_rollback:
            return  # the rollback takes the table (and the setting) with it
        with connection.cursor() as cursor:
            if self.as_read:
                self.lock_references(cursor)
                cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def new_ids(self, count: int) -> list[int] | None:
        """Ids for a batch of up to `count` people written as read (None: not so written)."""
        if not self.as_read:
            return None
        with connection.cursor() as cursor:
            return _allocate_ids(cursor, count)

    def add(self, rows: bytes | list[tuple] | WrittenBatch, *, write: bool = True) -> None:
        """Stage rows of (line, *SealedPerson): on PostgreSQL by COPY, as `copy_text` bytes;
        written as read, a WrittenBatch, whose people are written too unless `write` is off
        (the file has shown a bad row: the import will be rolled back, why write more)."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            if isinstance(rows, WrittenBatch):
                if write:
                    self._copy(
                        cursor, Person, [_column(Person, "id"), *person_columns()], rows.people
                    )
                    key_columns = [
                        _column(PersonKey, name)
                        for name in ("person", "key_id", "wrapped", "created_at")
                    ]
                    self._copy(cursor, PersonKey, key_columns, rows.keys)
                    self.wrote += rows.people.count(b"\n")
                staged = ", ".join(quote(column) for column in _AS_READ_STAGED)
                self._copy(cursor, self.table, [staged], rows.staged)
            elif self.postgresql:
                self._copy(cursor, self.table, [self._quoted], rows)
            else:
                marks = ", ".join(["%s"] * len(self._columns))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self._quoted}) VALUES ({marks})", rows
                )

    @staticmethod
    def _copy(cursor, table: type | str, columns: list[str], rows: bytes | list[tuple]) -> None:
        if not isinstance(table, str):
            table = connection.ops.quote_name(table._meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(rows if isinstance(rows, bytes) else copy_text(rows))

    def _known(self) -> tuple[str, list]:
        """A `known(line)` CTE: staged lines whose phone or email is already recorded.

        One semi-join per index, so the database can hash (and spill) each of them; an OR of
        the two would make it probe the people for every staged row. People written by this
        import (as read) are not "already recorded".
        """
        parts, params = [], []
        ours = (
            f" AND NOT EXISTS (SELECT 1 FROM {self.table} o WHERE o.person_id = e.id)"
            if self.as_read
            else ""
        )
        for index in ("phone_index", "email_index"):
            sql, values = self.existing.order_by().values("id", index).query.sql_with_params()
            parts.append(
                f"SELECT s.line FROM {self.table} s WHERE s.{index} <> '' AND EXISTS "
                f"(SELECT 1 FROM ({sql}) e WHERE e.{index} = s.{index}{ours})"
            )
            params.extend(values)
        return f"known (line) AS ({' UNION '.join(parts)})", params

    def duplicates(self) -> Iterator[tuple[int, int | None, int | None, bool]]:
        """(line, first line with the same phone, same email, already recorded) of each
        staged row that is a duplicate, in line order (earlier lines are None, None)."""
        known, params = self._known()
        sql = f"""
            WITH {known}
            SELECT line, phone_first, email_first, known FROM (
                SELECT s.line,
                    CASE WHEN s.phone_index <> '' THEN
                        MIN(s.line) OVER (PARTITION BY s.phone_index) END AS phone_first,
                    CASE WHEN s.email_index <> '' THEN
                        MIN(s.line) OVER (PARTITION BY s.email_index) END AS email_first,
                    CASE WHEN k.line IS NULL THEN 0 ELSE 1 END AS known
                FROM {self.table} s LEFT JOIN known k ON k.line = s.line
            ) d
            WHERE phone_first < line OR email_first < line OR known = 1
            ORDER BY line
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(CHUNK_ROWS):
                for line, phone_first, email_first, is_known in batch:
                    yield (
                        line,
                        phone_first if phone_first is not None and phone_first < line else None,
                        email_first if email_first is not None and email_first < line else None,
                        bool(is_known),
                    )

    def write(self, *, skip_known: bool) -> int:
        """Create the staged people (less those already recorded, with `skip_known`); how
        many there are. Written as read: drop those already recorded instead."""
        known, params = self._known()
        if self.as_read:
            return self.wrote - (self._drop_known(known, params) if skip_known else 0)
        kept = "NOT EXISTS (SELECT 1 FROM known k WHERE k.line = s.line)" if skip_known else "1 = 1"
        if not self.postgresql:
            with connection.cursor() as cursor:
                fields = ", ".join(f"s.{name}" for name in SealedPerson._fields)
                cursor.execute(
                    f"WITH {known} SELECT {fields} FROM {self.table} s WHERE {kept} "
                    "ORDER BY s.line",
                    params,
                )
                rows = [SealedPerson(*row) for row in cursor.fetchall()]
            return sum(len(ids) for ids in write_sealed(chunked(rows)))
        people = connection.ops.quote_name(Person._meta.db_table)
        keys = connection.ops.quote_name(PersonKey._meta.db_table)
        staged = ", ".join(f"s.{name}" for name in SEALED_COLUMNS)
        key_columns = ", ".join(
            _column(PersonKey, name) for name in ("person", "key_id", "wrapped", "created_at")
        )
        now = timezone.now()
        sql = f"""
            WITH {known}, kept AS MATERIALIZED (
                SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS new_id, s.*
                FROM {self.table} s WHERE {kept}
            ), people AS (
                INSERT INTO {people} ({_column(Person, "id")}, {", ".join(person_columns())})
                SELECT s.new_id, {staged}, false, 1, %s, %s FROM kept s
            )
            INSERT INTO {keys} ({key_columns}) SELECT new_id, key_id, wrapped, %s FROM kept
        """
        with connection.cursor() as cursor, self.references_checked(cursor):
            cursor.execute(sql, [*params, Person._meta.db_table, now, now, now])
            return cursor.rowcount

    def _drop_known(self, known: str, params: list) -> int:
        """Delete the people (and keys) written as read who were already recorded: the
        file's re-imports. No one else can refer to them yet, so no trigger is needed."""
        people = connection.ops.quote_name(Person._meta.db_table)
        keys = connection.ops.quote_name(PersonKey._meta.db_table)
        key_person = _column(PersonKey, "person")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH {known}, gone AS MATERIALIZED (
                    SELECT s.person_id FROM {self.table} s JOIN known k ON k.line = s.line
                ), keys AS (
                    DELETE FROM {keys} WHERE {key_person} IN (SELECT person_id FROM gone)
                )
                DELETE FROM {people} WHERE id IN (SELECT person_id FROM gone)""",
                params,
            )
            return cursor.rowcount

    def lock_references(self, cursor) -> None:
        """Lock every unit, place and member the staged people refer to, or refuse.

        The set-based form of the foreign-key checks PostgreSQL would make row by row: each
        referenced row is read FOR KEY SHARE, so none can be deleted (or its id changed)
        until this transaction ends; a reference to a row that is gone raises IntegrityError,
        as the deferred check would at commit.
        """
        fields = [Person._meta.get_field(name) for name in ("unit", "place", "responsible")]
        used = ", ".join(
            f"array_agg(DISTINCT {f.column}) FILTER (WHERE {f.column} IS NOT NULL)" for f in fields
        )
        cursor.execute(f"SELECT {used} FROM {self.table}")
        for field, ids in zip(fields, cursor.fetchone(), strict=True):
            if not ids:
                continue
            target = field.related_model._meta
            table, key = connection.ops.quote_name(target.db_table), target.pk.column
            cursor.execute(f"SELECT {key} FROM {table} WHERE {key} = ANY(%s) FOR KEY SHARE", [ids])
            missing = set(ids) - {row[0] for row in cursor.fetchall()}
            if missing:
                raise IntegrityError(
                    f"people refer to {field.name} {sorted(missing)[:5]}, which no longer exists"
                )

    @contextmanager
    def references_checked(self, cursor) -> Iterator[None]:
        """Inside: the staged people and their keys are written without per-row foreign-key
        triggers, their references checked and locked once (`lock_references`) instead,
        when the database role may do so; otherwise the triggers run as usual.

        Per-row checks queue one trigger event per row and key, all run at commit: about
        half the time of a large import. Keys refer to people written in the same statement,
        so they hold by construction. Skipping triggers needs `session_replication_role`,
        which a superuser may set, or, on PostgreSQL 15+, a role granted
        `GRANT SET ON PARAMETER session_replication_role TO <role>`.
        """
        trusted = may_skip_triggers(cursor, Person, PersonKey)
        if trusted:
            self.lock_references(cursor)
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        # Not in a finally: after an error the transaction is rolled back, setting and all.
        if trusted:
            cursor.execute("SET LOCAL session_replication_role = origin")


def may_skip_triggers(cursor, *models: type) -> bool:
    """Whether this role may write `models` with their triggers off: it may set
    session_replication_role, and the tables have no triggers but foreign-key checks."""
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    allowed = cursor.fetchone()[0]
    if not allowed and connection.pg_version >= 150000:
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        allowed = cursor.fetchone()[0]
    if not allowed:
        return False
    tables = [model._meta.db_table for model in models]
    cursor.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgrelid = ANY(SELECT to_regclass(name) FROM unnest(%s::text[]) name))",
        [tables],
    )
    return cursor.fetchone()[0]
