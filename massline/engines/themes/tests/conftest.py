"""Shared fixtures: a small corpus with obvious themes, built once per session."""

from __future__ import annotations

import pytest

TOPICS = {
    "heat": [
        "The heating has been off in building C all week",
        "No heat in my flat since Monday, the radiators are cold",
        "Our radiators stay cold at night, the boiler keeps failing",
        "The heat went out again and the radiators are cold",
        "It is freezing inside, we need the heating fixed",
        "The boiler broke and there is no heating in winter",
    ],
    "rent": [
        "The 8% rent increase is too much for my family",
        "We cannot afford another rent hike this year",
        "Rent went up again while wages stayed the same",
        "The landlord raised the rent without fixing anything",
        "Stop the rent increase at 40 Elm",
        "My rent doubled in three years, it is unaffordable",
    ],
    "night shift": [
        "The night shift gets no breaks after midnight",
        "Night shift workers are paid the same as day shift",
        "We need a night shift premium for working late",
        "Nobody checks on us during the night shift",
        "Night shift hours are wrecking my sleep and health",
        "The night shift crew is understaffed every weekend",
    ],
}


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    """Texts and their true topic, three clear topics of six ideas each."""
    texts = [t for topic in TOPICS.values() for t in topic]
    topics = [name for name, items in TOPICS.items() for _ in items]
    return texts, topics
