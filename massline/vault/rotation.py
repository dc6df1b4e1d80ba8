"""Key rotation: re-wrap every data key and re-seal every sealed value under the current
master key, recomputing blind indexes, in one transaction.

While it runs (and until the operator drops the old key) both keys are configured, and every
value names the key it is under, so readers keep working. Once the old master key is gone,
the deleted rows the database files still hold (free pages, WAL, dead tuples) are sealed or
wrapped under a key that no longer exists anywhere: deletion before a rotation is final even
against someone who later seizes both the files and the new key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from massline.vault.fields import DataKey, sealed_attributes, sealed_models
from massline.vault.keys import current_key_id

BATCH = 500

# Blind indexes kept outside `Sealed` columns (a person's section tokens) register a function
# here that moves them under the current key and says how many rows it changed.
reindexers: dict[str, Callable[[], int]] = {}


@dataclass
class RotationReport:
    key_id: str = ""
    data_keys: int = 0
    sealed_rows: dict[str, int] = field(default_factory=dict)


def data_key_models() -> list[type[DataKey]]:
    return [model for model in apps.get_models() if issubclass(model, DataKey)]


def _in_batches(queryset, handle: Callable[[list], None]) -> int:
    total, last_pk = 0, None
    while True:
        page = queryset.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        rows = list(page[:BATCH])
        if not rows:
            return total
        handle(rows)
        total += len(rows)
        last_pk = rows[-1].pk


def rotate(progress: Callable[[str], None] | None = None) -> RotationReport:
    """Move everything under the current (first configured) master key."""
    report = RotationReport(key_id=current_key_id())
    with transaction.atomic():
        for model in data_key_models():

            def rewrap(rows: list[DataKey], model=model) -> None:
                for row in rows:
                    row.set_key(row.open())
                model.objects.bulk_update(rows, ["key_id", "wrapped"])

            stale = model.objects.exclude(key_id=report.key_id)
            report.data_keys += _in_batches(stale, rewrap)
        for model in sealed_models():
            attributes = sealed_attributes(model)
            columns = [column for attribute in attributes for column in attribute.columns()]

            def reseal(rows: list, model=model, attributes=attributes, columns=columns) -> None:
                for row in rows:
                    for attribute in attributes:
                        setattr(row, attribute.name, getattr(row, attribute.name))
                model._default_manager.bulk_update(rows, columns)

            count = _in_batches(model._default_manager.all(), reseal)
            report.sealed_rows[model._meta.label] = count
            if progress:
                progress(f"{model._meta.label}: {count} rows re-sealed")
        for label, reindex in reindexers.items():
            count = reindex()
            report.sealed_rows[label] = count
            if progress:
                progress(f"{label}: {count} rows re-indexed")
    return report


def unknown_key_ids() -> set[str]:
    """Master key ids the stored data keys were wrapped under that are not configured here
    (after a restore on another machine: its field key was not brought along)."""
    from massline.vault.keys import master_keys

    known = {key.key_id for key in master_keys()}
    found: set[str] = set()
    for model in data_key_models():
        found.update(model.objects.values_list("key_id", flat=True).distinct())
    return found - known
