"""Behaviour of find_themes and assign on small inputs (fast: no large data)."""

from __future__ import annotations

import json

import pytest

from massline.engines.themes import ModelState, ThemeConfig, assign, find_themes


def placed(result) -> list:
    return [m for t in result.themes for m in t.members] + list(result.unassigned)


def test_same_seed_same_result(corpus):
    texts, _ = corpus
    assert find_themes(texts, seed=3).to_dict() == find_themes(texts, seed=3).to_dict()


def test_every_idea_placed_exactly_once(corpus):
    texts, _ = corpus
    ids = [f"idea-{i}" for i in range(len(texts))]
    result = find_themes(texts, ids=ids)
    assert sorted(placed(result)) == sorted(ids)


def test_clear_topics_are_found(corpus):
    texts, topics = corpus
    result = find_themes(texts, k=3)
    for theme in result.themes:
        assert len({topics[i] for i in theme.members}) == 1, theme.label


@pytest.mark.parametrize("k", [1, 2, 5])
def test_forced_k_gives_k_themes(corpus, k):
    texts, _ = corpus
    result = find_themes(texts, k=k)
    assert len(result.themes) == k
    assert sorted(placed(result)) == list(range(len(texts)))


def test_theme_fields(corpus):
    texts, _ = corpus
    for theme in find_themes(texts, k=3).themes:
        assert theme.label and theme.keywords
        assert 3 <= len(theme.representatives) <= 5
        assert set(theme.representatives) <= set(theme.members)
        assert len(set(theme.representatives)) == len(theme.representatives)


def test_empty_input():
    result = find_themes([])
    assert result.to_dict() == {"themes": [], "unassigned": [], "duplicates": []}
    assert assign(result.model_state, ["anything"]) == [None]


def test_one_idea():
    result = find_themes(["fix the boiler"], ids=["a"])
    assert placed(result) == ["a"]
    assert find_themes(["fix the boiler"], k=1).themes[0].members == [0]


def test_non_english_emoji_and_empty_text():
    texts = [
        "El alquiler subió otra vez 😡",
        "La calefacción no funciona desde el lunes",
        "Отопление не работает всю неделю",
        "家賃が高すぎる",
        "🔥🔥🔥",
        "",
        "   ",
        "no heat again",
    ]
    result = find_themes(texts)
    assert sorted(placed(result)) == list(range(len(texts)))
    json.dumps(result.to_dict(include_model=True), ensure_ascii=False)


def test_very_long_text(corpus):
    texts, _ = corpus
    long_text = "the heating is broken and nobody comes to fix it " * 5000
    result = find_themes([*texts, long_text])
    assert sorted(placed(result)) == list(range(len(texts) + 1))


def test_duplicates_flagged(corpus):
    texts, _ = corpus
    result = find_themes([*texts, texts[0], texts[0].upper(), texts[7] + "!"])
    pairs = {tuple(p) for p in result.duplicates}
    n = len(texts)
    assert {(0, n), (0, n + 1), (7, n + 2)} <= pairs
    assert all(a < b for a, b in pairs)


def test_distinct_ideas_are_not_duplicates(corpus):
    texts, _ = corpus
    assert find_themes(texts).duplicates == []


def test_assign_new_ideas_from_stored_state(corpus):
    texts, topics = corpus
    result = find_themes(texts, k=3)
    stored = json.loads(json.dumps(result.model_state.to_dict()))
    new = ["the radiators are cold and the heating is off", "rent increase again this year"]
    got = assign(stored, new)
    by_topic = {topics[t.members[0]]: t.id for t in result.themes}
    assert got == [by_topic["heat"], by_topic["rent"]]
    assert assign(ModelState.from_dict(stored), []) == []


def test_assign_leaves_unrelated_ideas_unassigned(corpus):
    texts, _ = corpus
    state = find_themes(texts, k=3).model_state
    state.threshold = 0.99
    assert assign(state, ["quantum chromodynamics lecture notes"]) == [None]


def test_large_input_uses_sample_and_places_all(corpus):
    texts, _ = corpus
    many = [f"{t} ({i})" for i in range(20) for t in texts]
    result = find_themes(many, config=ThemeConfig(fit_sample=100, duplicate_similarity=1.01))
    assert sorted(placed(result)) == list(range(len(many)))
    assert result.themes
