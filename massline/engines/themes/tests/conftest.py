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


# The same concerns as tenants in a Spanish-speaking building put them, in their own words.
SPANISH_TOPICS = {
    "heat": [
        "La calefacción lleva toda la semana apagada en el edificio C",
        "No hay calefacción en mi piso desde el lunes, los radiadores están fríos",
        "Los radiadores siguen fríos por la noche, la caldera falla siempre",
        "Otra vez se fue la calefacción y los radiadores están helados",
        "Hace un frío terrible dentro, necesitamos que arreglen la calefacción",
        "Se rompió la caldera y no hay calefacción en pleno invierno",
    ],
    "rent": [
        "La subida del alquiler del 8% es demasiado para mi familia",
        "No podemos pagar otra subida del alquiler este año",
        "El alquiler volvió a subir y los sueldos siguen igual",
        "El casero subió el alquiler sin arreglar nada",
        "Que paren la subida del alquiler en el número 40 de Elm",
        "Mi alquiler se duplicó en tres años, ya no se puede pagar",
    ],
}


@pytest.fixture(scope="session")
def bilingual() -> tuple[list[str], list[str], list[str]]:
    """The English corpus and the Spanish one: texts, their language and their true topic."""
    english = [(t, "en", name) for name, items in TOPICS.items() for t in items]
    spanish = [(t, "es", name) for name, items in SPANISH_TOPICS.items() for t in items]
    rows = english + spanish
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
