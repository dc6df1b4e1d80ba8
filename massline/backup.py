"""Encrypted backups: `massline backup --out FILE` and `massline restore FILE`.

A backup is every table except those Django rebuilds itself (content types, permissions) and
sessions, serialised as JSON with natural keys (so permissions and content types are matched
by name, not id), compressed, then encrypted with Fernet (AES-128-CBC with an HMAC-SHA256, from
PyCA's `cryptography`). The key is derived from MASSLINE_BACKUP_KEY (a passphrase of at least
16 characters) with scrypt and a random salt written in the file's first line.

A restore decrypts and checks the whole file before touching the database, refuses a database
that already holds data, loads everything in one transaction and resets PostgreSQL's sequences.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import os
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

MAGIC = b"massline-backup 1"
KEY_ENV = "MASSLINE_BACKUP_KEY"
# Rebuilt by `migrate` (and matched by natural key), or worthless after a restore.
SKIPPED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def _passphrase(passphrase: str | None) -> bytes:
    value = passphrase if passphrase is not None else os.environ.get(KEY_ENV, "")
    if len(value) < 16:
        raise BackupError(f"set {KEY_ENV} to a passphrase of at least 16 characters")
    return value.encode()


def _fernet(passphrase: bytes, salt: bytes) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase)
    return Fernet(base64.urlsafe_b64encode(key))


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete model whose rows a backup carries, in dependency order."""
    from django.core.serializers import sort_dependencies

    app_list = {}
    for model in apps.get_models():
        if model._meta.label_lower in SKIPPED or model._meta.proxy or not model._meta.managed:
            continue
        app_list.setdefault(model._meta.app_config, []).append(model)
    return sort_dependencies(app_list.items(), allow_cycles=True)


def _objects(using: str) -> Iterator[models.Model]:
    for model in backed_up_models():
        yield from model._default_manager.using(using).order_by(model._meta.pk.name).iterator()


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def dump(using: str = DEFAULT_DB_ALIAS) -> bytes:
    return serializers.serialize(
        "json", _objects(using), use_natural_foreign_keys=True, cls=_ExactEncoder
    ).encode()


def write_backup(out: Path, passphrase: str | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write an encrypted backup; returns the number of rows."""
    secret = _passphrase(passphrase)
    salt = os.urandom(16)
    data = dump(using)
    token = _fernet(secret, salt).encrypt(gzip.compress(data))
    out.write_bytes(MAGIC + b" " + base64.b64encode(salt) + b"\n" + token)
    out.chmod(0o600)
    return data.count(b'"model": ')


def read_backup(path: Path, passphrase: str | None = None) -> bytes:
    """Decrypt a backup file to its JSON, or say clearly why it cannot be."""
    secret = _passphrase(passphrase)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    header, _, token = raw.partition(b"\n")
    if not header.startswith(MAGIC + b" "):
        raise BackupError(f"{path} is not a massline backup")
    salt = base64.b64decode(header[len(MAGIC) + 1 :])
    try:
        return gzip.decompress(_fernet(secret, salt).decrypt(token))
    except InvalidToken:
        raise BackupError(
            f"cannot decrypt {path}: wrong {KEY_ENV}, or the file was changed"
        ) from None


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    return not any(model._default_manager.using(using).exists() for model in backed_up_models())


def restore(path: Path, passphrase: str | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Load a backup into an empty (migrated) database; returns the number of rows."""
    data = read_backup(path, passphrase)  # wrong key or damaged file: nothing touched
    if not database_is_empty(using):
        raise BackupError("the database is not empty; restore only into a new database")
    connection = connections[using]
    loaded: set[type[models.Model]] = set()
    count = 0
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            # Rows arrive before the rows they point to (cycles exist): check at the end.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        with connection.constraint_checks_disabled():
            deferred = []
            for obj in serializers.deserialize(
                "json", data, using=using, handle_forward_references=True
            ):
                obj.save(using=using)
                loaded.add(type(obj.object))
                count += 1
                if obj.deferred_fields:
                    deferred.append(obj)
            for obj in deferred:
                obj.save_deferred_fields(using=using)
        connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
        # Ids came from the backup: move PostgreSQL's sequences past them (no-op on SQLite).
        statements = connection.ops.sequence_reset_sql(no_style(), list(loaded))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
    return count
