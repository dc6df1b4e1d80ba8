"""The vault: encryption at rest for personal data, with the key held outside the database.

Public API (import from `massline.vault`):

- `Sealed` — a model attribute that reads and writes plaintext while the database column
  holds only ciphertext (and, optionally, a blind index for exact-match lookups).
- `seal_text` / `open_text` — encrypt and decrypt one string, under the app-wide field key
  or under a given data key (e.g. a person's, so it is shredded with them).
- `new_data_key`, `wrap_data_key`, `unwrap_data_key` — envelope encryption of per-record keys.
- `blind_index` (the value written) / `blind_indexes` (every value to look up while a key
  rotation is under way).
- `master_keys`, `ensure_key_file`, `generate_master_key` — where the key comes from.

To find people by phone or email, do not use these directly: call
`massline.people.selectors.find_by_contact`.
"""

from massline.vault.crypto import (
    VaultError,
    new_data_key,
    open_text,
    seal_text,
    unwrap_data_key,
    wrap_data_key,
)
from massline.vault.fields import Sealed, sealed_attributes
from massline.vault.keys import (
    blind_index,
    blind_indexes,
    current_key_id,
    ensure_key_file,
    generate_master_key,
    master_keys,
)

__all__ = [
    "Sealed",
    "VaultError",
    "blind_index",
    "blind_indexes",
    "current_key_id",
    "ensure_key_file",
    "generate_master_key",
    "master_keys",
    "new_data_key",
    "open_text",
    "seal_text",
    "sealed_attributes",
    "unwrap_data_key",
    "wrap_data_key",
]
