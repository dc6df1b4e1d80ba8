"""`Sealed`: a model attribute that is plaintext in Python and ciphertext in the database.

Use it beside a text column that holds the ciphertext::

    class Recipient(models.Model):
        person = models.ForeignKey(Person, on_delete=models.CASCADE)
        address_sealed = models.TextField(blank=True, editable=False)
        address = Sealed("address_sealed", key_attr="person.data_key")

`recipient.address` reads and writes plaintext; `Recipient(address=...)` and
`Recipient.objects.create(address=...)` work, because `Sealed` is a property. With
`key_attr`, the value is sealed under that data key (a person's: it is shredded when the
person is deleted); without, under the app-wide field key. With `index`, a blind index of the
normalised value is kept in that column for exact-match lookups (`blind_indexes`). Querysets
cannot filter on the sealed attribute itself: filter on the index column, or for people call
`massline.people.selectors.find_by_contact`. `massline rotate-key` re-seals and re-indexes
every `Sealed` attribute of every model.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import models

from massline.vault.crypto import open_text, seal_text, unwrap_data_key, wrap_data_key
from massline.vault.keys import blind_index

_registry: dict[type, list[Sealed]] = {}


class Sealed(property):
    """Plaintext attribute over the ciphertext column `column` (see the module docstring)."""

    def __init__(
        self,
        column: str,
        *,
        key_attr: str | None = None,
        index: str | None = None,
        normalize: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(self._get, self._set)
        self.column = column
        self.key_attr = key_attr
        self.index = index
        self.normalize = normalize
        self.name = ""
        self.purpose = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.purpose = f"{owner.__module__.split('.')[-2]}.{owner.__name__.lower()}.{name}"
        _registry.setdefault(owner, []).append(self)

    def _key(self, obj: object) -> bytes | None:
        return attrgetter(self.key_attr)(obj) if self.key_attr else None

    def _get(self, obj: object) -> str:
        token = getattr(obj, self.column) or ""
        cache = obj.__dict__.setdefault("_vault_plain", {})
        cached = cache.get(self.name)
        if cached is not None and cached[0] == token:
            return cached[1]
        value = open_text(token, purpose=self.purpose, key=self._key(obj) if token else None)
        cache[self.name] = (token, value)
        return value

    def _set(self, obj: object, value: str | None) -> None:
        value = "" if value is None else str(value)
        token = seal_text(value, purpose=self.purpose, key=self._key(obj) if value else None)
        setattr(obj, self.column, token)
        if self.index:
            setattr(obj, self.index, blind_index(self.name, self.index_value(value)))
        obj.__dict__.setdefault("_vault_plain", {})[self.name] = (token, value)

    def index_value(self, value: str) -> str:
        """The normalised form that is indexed (the raw value if it does not normalise)."""
        if self.normalize and value:
            try:
                return self.normalize(value)
            except ValidationError:
                return value.strip()
        return value

    def columns(self) -> list[str]:
        """Database columns written when this attribute is set."""
        return [self.column, self.index] if self.index else [self.column]


def sealed_attributes(model: type) -> list[Sealed]:
    """The `Sealed` attributes declared on `model` (and its parents)."""
    found: list[Sealed] = []
    for klass in model.__mro__:
        found.extend(_registry.get(klass, []))
    return found


def sealed_models() -> list[type]:
    """Concrete models that declare `Sealed` attributes (for key rotation)."""
    return [
        model for model in _registry if issubclass(model, models.Model) and not model._meta.abstract
    ]


class DataKey(models.Model):
    """A per-record data key, wrapped by the master key; deleting the row shreds the record.

    Subclass it with a one-to-one link to the record it protects (see people.PersonKey).
    """

    key_id = models.CharField(max_length=16, editable=False)
    wrapped = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def open(self) -> bytes:
        return unwrap_data_key(self.key_id, self.wrapped)

    def set_key(self, data_key: bytes) -> None:
        self.key_id, self.wrapped = wrap_data_key(data_key)
