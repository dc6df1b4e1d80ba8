"""The board shows each theme's first ideas (most often said first, merged duplicates folded)
in the same two queries whether the round has two themes or twenty."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from massline.rounds.models import PoolEntry, Theme
from massline.rounds.selectors import theme_samples
from tests import factories as f
from tests.conftest import World


def _themes(world: World, count: int, ideas_each: int) -> list[Theme]:
    round_ = world.elm.round
    themes = []
    for t in range(count):
        theme = Theme.objects.create(round=round_, name=f"theme {t}")
        entries = []
        for n in range(ideas_each):
            idea = f.IdeaFactory(unit=world.elm.unit, text=f"theme {t} idea {n}")
            entries.append(
                PoolEntry.objects.create(
                    round=round_,
                    idea=idea,
                    unit=world.elm.unit,
                    held_by=round_.leading_unit,
                    theme=theme,
                    n_merged=n % 4,
                )
            )
        # a duplicate folded into another is never shown on its own
        entries[1].merged_into = entries[0]
        entries[1].n_merged = 9
        entries[1].save()
        themes.append(theme)
    return themes


def _expected(theme: Theme, per_theme: int) -> list[int]:
    return list(
        PoolEntry.objects.filter(theme=theme, merged_into__isnull=True)
        .order_by("-n_merged", "-id")
        .values_list("pk", flat=True)[:per_theme]
    )


def test_each_theme_shows_its_first_unmerged_ideas_in_order(world: World) -> None:
    themes = _themes(world, 3, ideas_each=14)
    samples = theme_samples(themes, per_theme=10)
    for theme in themes:
        assert [entry.pk for entry in samples[theme.pk]] == _expected(theme, 10)
        assert all(entry.merged_into_id is None for entry in samples[theme.pk])


def test_the_query_count_does_not_grow_with_the_themes(world: World) -> None:
    few = _themes(world, 2, ideas_each=3)
    with CaptureQueriesContext(connection) as two:
        theme_samples(few)
    many = few + _themes(world, 6, ideas_each=3)
    with CaptureQueriesContext(connection) as eight:
        samples = theme_samples(many)
    assert len(two) == len(eight) == 2
    assert all(len(samples[theme.pk]) == 2 for theme in many)  # three, one merged


def test_no_themes_no_queries(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert theme_samples([]) == {}
    assert len(queries) == 0
