"""Where the master key comes from, and the keys derived from it.

The master key never enters the database or its backups. It is read from MASSLINE_FIELD_KEY
(URL-safe base64 of 32 bytes; several keys separated by commas while a rotation is under way,
the first one current) or, without that variable, from the file `field_key` in
MASSLINE_DATA_DIR, created with mode 0600 the first time it is needed. From each master key
three independent keys are derived with HKDF: one wraps per-record data keys, one encrypts
app-wide sealed values, one computes blind indexes (so a leaked index key opens nothing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

KEY_ENV = "MASSLINE_FIELD_KEY"
KEY_FILE_NAME = "field_key"
KEY_BYTES = 32


@dataclass(frozen=True)
class MasterKey:
    """One master key and its derived keys; `key_id` names it without revealing it."""

    key_id: str
    wrap_key: bytes
    field_key: bytes
    index_key: bytes


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def _master_key(master: bytes) -> MasterKey:
    key_id = hmac.new(master, b"massline key id", hashlib.sha256).hexdigest()[:12]
    return MasterKey(
        key_id=key_id,
        wrap_key=_derive(master, b"massline wrap v1"),
        field_key=_derive(master, b"massline field v1"),
        index_key=_derive(master, b"massline blind index v1"),
    )


def generate_master_key() -> str:
    """A new random master key, as the text to put in MASSLINE_FIELD_KEY or the key file."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _parse(text: str, where: str) -> list[MasterKey]:
    keys = []
    for item in text.replace(",", "\n").split():
        try:
            raw = base64.urlsafe_b64decode(item.encode())
        except ValueError:
            raw = b""
        if len(raw) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{where} must hold URL-safe base64 keys of {KEY_BYTES} bytes "
                "(make one with `massline rotate-key --generate`)"
            )
        keys.append(_master_key(raw))
    if not keys:
        raise ImproperlyConfigured(f"{where} holds no key")
    return keys


def key_file_path() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / KEY_FILE_NAME


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically; it is created readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def ensure_key_file() -> Path | None:
    """Create the key file if no key is configured yet; None when the environment holds it."""
    if os.environ.get(KEY_ENV, "").strip():
        return None
    path = key_file_path()
    if not path.exists():
        write_key_file(path, [generate_master_key()])
    return path


_cache: dict[object, list[MasterKey]] = {}


def master_keys() -> list[MasterKey]:
    """Every configured master key, the current one first (the others are still accepted)."""
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        signature: object = ("env", configured)
        if signature not in _cache:
            _cache.clear()
            _cache[signature] = _parse(configured, KEY_ENV)
        return _cache[signature]
    path = ensure_key_file()
    assert path is not None
    stat = path.stat()
    signature = ("file", str(path), stat.st_mtime_ns, stat.st_size)
    if signature not in _cache:
        _cache.clear()
        _cache[signature] = _parse(path.read_text(), str(path))
    return _cache[signature]


def current_key() -> MasterKey:
    return master_keys()[0]


def current_key_id() -> str:
    return current_key().key_id


def key_by_id(key_id: str) -> MasterKey | None:
    return next((key for key in master_keys() if key.key_id == key_id), None)


def _index(key: MasterKey, kind: str, value: str) -> str:
    message = f"{kind}\0{value}".encode()
    return hmac.new(key.index_key, message, hashlib.sha256).hexdigest()[:32]


def blind_index(kind: str, value: str) -> str:
    """The keyed hash stored beside an encrypted value (already normalised); "" for "".

    `kind` ("phone", "email", ...) keeps equal strings of different kinds from matching.
    """
    if not value:
        return ""
    return _index(current_key(), kind, value)


def blind_indexes(kind: str, value: str) -> list[str]:
    """Every index `value` may be stored under: one per configured key, so lookups keep
    working while a rotation is re-indexing."""
    if not value:
        return []
    return [_index(key, kind, value) for key in master_keys()]
