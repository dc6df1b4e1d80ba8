"""Each theme's breadth by section, kept counted in the database (see models.ThemeTally).

Ideas move between themes through many services (placing, merging, the theme engine's
suggestions, people being forgotten). Rather than trust each of them to say so, the board
brings the tallies it shows up to date first (`sync_themes`): one statement compares each
theme's pool entries with the people it has counted, and only those who came or went are
looked up and added or taken away. A theme nobody has looked at yet, or one whose people
changed wholesale, is recounted with one GROUP BY. A theme none of whose entries came or
went since it was counted (its fingerprint, read from an index) is not compared at all.
A person's values changing is applied by `services.set_person_values` through
`person_changed`; a person deleted is taken out of every tally before their rows go
(`_forget`), since their entries stay (without them) and would not change the fingerprint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from massline.people.models import Person
from massline.rounds.models import PoolEntry
from massline.sections.models import PersonSection, RaisedBy, ThemeSectionCount, ThemeTally

# Above this many people coming or going at once, recount the theme in one statement instead.
RECOUNT_OVER = 2000
CHUNK = 500

Key = tuple[int, int, str]  # theme, dimension, token
Fingerprint = tuple[int, int, int]
EMPTY: Fingerprint = (0, 0, 0)
# Each entry id is also scrambled (a multiplicative hash modulo a prime): sums of plain ids,
# or of their squares, coincide for small sets like {1, 5, 6} and {2, 3, 7}; sums of scrambled
# ids have no such pattern, and 10 million of them stay far inside a 64-bit integer.
SCRAMBLE, PRIME = 2654435761, 2147483647


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def _changes(theme_ids: list[int]) -> dict[int, dict[int, int]]:
    """theme -> person -> +1 (raised it, not counted yet) or -1 (counted, no longer raises it)."""
    marks = _in(theme_ids)
    sql = f"""
        SELECT COALESCE(p.theme_id, r.theme_id), COALESCE(p.person_id, r.person_id),
               CASE WHEN r.person_id IS NULL THEN 1 ELSE -1 END
        FROM (
            SELECT DISTINCT theme_id, person_id FROM {PoolEntry._meta.db_table}
            WHERE theme_id IN ({marks}) AND person_id IS NOT NULL
        ) p
        FULL OUTER JOIN (
            SELECT theme_id, person_id FROM {RaisedBy._meta.db_table} WHERE theme_id IN ({marks})
        ) r ON r.theme_id = p.theme_id AND r.person_id = p.person_id
        WHERE p.person_id IS NULL OR r.person_id IS NULL
    """
    found: dict[int, dict[int, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*theme_ids, *theme_ids])
        for theme_id, person_id, sign in cursor.fetchall():
            found[theme_id][person_id] = sign
    return found


def _recount(theme_ids: list[int]) -> None:
    """Count these themes from scratch: their people, then their sections, in the database."""
    marks = _in(theme_ids)
    raised, counts = RaisedBy._meta.db_table, ThemeSectionCount._meta.db_table
    sections = PersonSection._meta.db_table
    ThemeSectionCount.objects.filter(theme_id__in=theme_ids).delete()
    RaisedBy.objects.filter(theme_id__in=theme_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {raised} (theme_id, person_id) "
            f"SELECT DISTINCT theme_id, person_id FROM {PoolEntry._meta.db_table} "
            f"WHERE theme_id IN ({marks}) AND person_id IS NOT NULL",
            theme_ids,
        )
        cursor.execute(
            f"INSERT INTO {counts} (theme_id, dimension_id, token, people) "
            f"SELECT r.theme_id, s.dimension_id, s.token, COUNT(*) FROM {raised} r "
            f"JOIN {sections} s ON s.person_id = r.person_id "
            f"WHERE r.theme_id IN ({marks}) GROUP BY r.theme_id, s.dimension_id, s.token",
            theme_ids,
        )
        cursor.execute(
            f"UPDATE {ThemeTally._meta.db_table} SET people = (SELECT COUNT(*) FROM {raised} r "
            f"WHERE r.theme_id = {ThemeTally._meta.db_table}.theme_id) "
            f"WHERE theme_id IN ({marks})",
            theme_ids,
        )


def _apply(deltas: Counter[Key]) -> None:
    """Add signed counts to the kept rows, creating those not there yet."""
    deltas = Counter({key: n for key, n in deltas.items() if n})
    if not deltas:
        return
    theme_ids = sorted({theme_id for theme_id, _d, _t in deltas})
    rows = {
        (row.theme_id, row.dimension_id, row.token): row
        for row in ThemeSectionCount.objects.filter(
            theme_id__in=theme_ids, token__in={token for _th, _d, token in deltas}
        )
    }
    changed, created = [], []
    for (theme_id, dimension_id, token), n in deltas.items():
        row = rows.get((theme_id, dimension_id, token))
        if row is None:
            created.append(
                ThemeSectionCount(
                    theme_id=theme_id, dimension_id=dimension_id, token=token, people=n
                )
            )
        else:
            row.people += n
            changed.append(row)
    ThemeSectionCount.objects.bulk_update(changed, ["people"], batch_size=CHUNK)
    ThemeSectionCount.objects.bulk_create(created, batch_size=CHUNK)


def _sections_of(person_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    ids = sorted(person_ids)
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        rows = PersonSection.objects.filter(person_id__in=ids[start : start + CHUNK]).values_list(
            "person_id", "dimension_id", "token"
        )
        for person_id, dimension_id, token in rows:
            found[person_id].append((dimension_id, token))
    return found


def _fingerprints(theme_ids: list[int]) -> dict[int, Fingerprint]:
    """Each theme's pool entries as (how many, sum of ids, sum of scrambled ids): index-only."""
    scrambled = f"(id * {SCRAMBLE}) %% {PRIME}"
    sql = (
        f"SELECT theme_id, COUNT(*), SUM(id), SUM({scrambled}) FROM {PoolEntry._meta.db_table} "
        f"WHERE theme_id IN ({_in(theme_ids)}) GROUP BY theme_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, theme_ids)
        return {theme_id: (n, int(ids), int(sums)) for theme_id, n, ids, sums in cursor}


def sync_themes(theme_ids: list[int]) -> dict[int, int]:
    """Bring these themes' tallies up to their pool entries; returns theme id -> people.

    When no entry came or went since a theme was counted (its fingerprint, read from an
    index) nothing is written or locked; otherwise the theme is brought up under a lock.
    """
    if not theme_ids:
        return {}
    now = _fingerprints(theme_ids)
    kept = {tally.theme_id: tally for tally in ThemeTally.objects.filter(theme_id__in=theme_ids)}
    stale = [
        theme_id
        for theme_id in theme_ids
        if theme_id not in kept or kept[theme_id].fingerprint != now.get(theme_id, EMPTY)
    ]
    if stale:
        kept.update(_bring_up(stale))
    return {theme_id: kept[theme_id].people for theme_id in theme_ids}


@transaction.atomic
def _bring_up(theme_ids: list[int]) -> dict[int, ThemeTally]:
    counted = set(
        ThemeTally.objects.filter(theme_id__in=theme_ids).values_list("theme_id", flat=True)
    )
    ThemeTally.objects.bulk_create(
        [ThemeTally(theme_id=t) for t in theme_ids if t not in counted], ignore_conflicts=True
    )
    # one at a time per theme: the counts below are read, then written
    tallies = {
        tally.theme_id: tally
        for tally in ThemeTally.objects.select_for_update().filter(theme_id__in=theme_ids)
    }
    now = _fingerprints(theme_ids)  # before the people: a move meanwhile leaves it stale
    changes = _changes(theme_ids)
    # a theme never counted is counted from nothing, whatever rows an earlier tally left
    wholesale = [t for t in theme_ids if t not in counted or len(changes.get(t, {})) > RECOUNT_OVER]
    small = {t: people for t, people in changes.items() if t not in wholesale}
    if small:
        sections = _sections_of({p for people in small.values() for p in people})
        deltas: Counter[Key] = Counter()
        for theme_id, people in small.items():
            for person_id, sign in people.items():
                for dimension_id, token in sections.get(person_id, []):
                    deltas[(theme_id, dimension_id, token)] += sign
            tallies[theme_id].people += sum(people.values())
        _apply(deltas)
        RaisedBy.objects.bulk_create(
            [
                RaisedBy(theme_id=theme_id, person_id=person_id)
                for theme_id, people in small.items()
                for person_id, sign in people.items()
                if sign > 0
            ],
            batch_size=CHUNK,
        )
        for theme_id, people in small.items():
            gone = [person_id for person_id, sign in people.items() if sign < 0]
            if gone:
                RaisedBy.objects.filter(theme_id=theme_id, person_id__in=gone).delete()
    if wholesale:
        _recount(wholesale)
        for tally in ThemeTally.objects.filter(theme_id__in=wholesale):
            tallies[tally.theme_id].people = tally.people
    for theme_id, tally in tallies.items():
        tally.entries, tally.entry_sum, tally.entry_hashes = now.get(theme_id, EMPTY)
    ThemeTally.objects.bulk_update(
        tallies.values(), ["people", "entries", "entry_sum", "entry_hashes"]
    )
    return tallies


def person_changed(person_id: int, moves: list[tuple[int, str | None, str | None]]) -> None:
    """A person's values changed: (dimension id, old token, new token); None is unknown."""
    theme_ids = list(
        RaisedBy.objects.filter(person_id=person_id).values_list("theme_id", flat=True)
    )
    if not theme_ids or not moves:
        return
    list(ThemeTally.objects.select_for_update().filter(theme_id__in=theme_ids))
    deltas: Counter[Key] = Counter()
    for theme_id in theme_ids:
        for dimension_id, old, new in moves:
            if old:
                deltas[(theme_id, dimension_id, old)] -= 1
            if new:
                deltas[(theme_id, dimension_id, new)] += 1
    _apply(deltas)


@receiver(pre_delete, sender=Person, dispatch_uid="sections_tally_forget")
def _forget(sender: type, instance: Person, **kwargs: object) -> None:
    """Take a person out of every tally before their sections and pool entries go."""
    theme_ids = list(RaisedBy.objects.filter(person=instance).values_list("theme_id", flat=True))
    if not theme_ids:
        return
    tallies = list(ThemeTally.objects.select_for_update().filter(theme_id__in=theme_ids))
    sections = PersonSection.objects.filter(person=instance).values_list("dimension_id", "token")
    _apply(
        Counter(
            {(t, dimension_id, token): -1 for t in theme_ids for dimension_id, token in sections}
        )
    )
    for tally in tallies:
        tally.people -= 1
    ThemeTally.objects.bulk_update(tallies, ["people"])
    RaisedBy.objects.filter(person=instance).delete()
