"""AES-256-GCM encryption of text values and envelope encryption of per-record data keys.

A sealed value is text, so it fits an ordinary text column on SQLite and PostgreSQL:

- ``k1.<base64>``: sealed under a per-record data key the caller passes (a person's key:
  destroying that key, by deleting the person, makes the value unreadable for good);
- ``m1.<key id>.<base64>``: sealed under the app-wide field key derived from the master key
  named by the key id (re-sealed by `massline rotate-key`).

The `purpose` is authenticated with the value (AES-GCM associated data), so a ciphertext
copied from one column into another fails to open instead of showing the wrong field.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from massline.vault.keys import current_key, key_by_id

NONCE_BYTES = 12
_WRAP_PURPOSE = b"massline data key v1"


class VaultError(Exception):
    """A value that cannot be opened: wrong or missing key, or tampered ciphertext."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encrypt(key: bytes, plaintext: bytes, purpose: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return _b64(nonce + AESGCM(key).encrypt(nonce, plaintext, purpose))


def _decrypt(key: bytes, token: str, purpose: bytes) -> bytes:
    try:
        raw = _unb64(token)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose)
    except (InvalidTag, ValueError) as exc:
        raise VaultError("a sealed value failed to open (wrong key or altered data)") from exc


def new_data_key() -> bytes:
    """A fresh random 256-bit data key for one record."""
    return AESGCM.generate_key(bit_length=256)


def wrap_data_key(data_key: bytes) -> tuple[str, str]:
    """Encrypt a data key under the current master key: returns (key id, wrapped key)."""
    master = current_key()
    return master.key_id, _encrypt(master.wrap_key, data_key, _WRAP_PURPOSE)


def _missing(key_id: str) -> VaultError:
    return VaultError(
        f"the master key {key_id} is not configured: set MASSLINE_FIELD_KEY or restore the "
        "field_key file in MASSLINE_DATA_DIR that was in use when these data were written"
    )


def unwrap_data_key(key_id: str, wrapped: str) -> bytes:
    """Open a wrapped data key with whichever configured master key wrapped it."""
    master = key_by_id(key_id)
    if master is None:
        raise _missing(key_id)
    return _decrypt(master.wrap_key, wrapped, _WRAP_PURPOSE)


def seal_text(plaintext: str, *, purpose: str, key: bytes | None = None) -> str:
    """Encrypt `plaintext` ("" stays ""). With `key`, under that data key; without, under the
    app-wide field key. `purpose` names the field (e.g. "aid.recipient.address")."""
    if not plaintext:
        return ""
    data = plaintext.encode()
    if key is not None:
        return "k1." + _encrypt(key, data, purpose.encode())
    master = current_key()
    return f"m1.{master.key_id}." + _encrypt(master.field_key, data, purpose.encode())


def open_text(token: str, *, purpose: str, key: bytes | None = None) -> str:
    """Decrypt what `seal_text` returned for the same `purpose` (and data key, if one)."""
    if not token:
        return ""
    scheme, _, rest = token.partition(".")
    if scheme == "k1":
        if key is None:
            raise VaultError(f"{purpose} is sealed under a data key and none was given")
        return _decrypt(key, rest, purpose.encode()).decode()
    if scheme == "m1":
        key_id, _, body = rest.partition(".")
        master = key_by_id(key_id)
        if master is None:
            raise _missing(key_id)
        return _decrypt(master.field_key, body, purpose.encode()).decode()
    raise VaultError(f"{purpose} holds a value that is not sealed")
