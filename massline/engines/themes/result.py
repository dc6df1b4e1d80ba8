"""Plain-data results, so the app can store them as JSON without knowing the engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Id = Any  # whatever the caller uses to name an idea: a database key, a CSV cell, a row number


@dataclass
class Theme:
    """Ideas that say the same thing, with what a person needs to recognise them."""

    id: int
    label: str
    keywords: list[str]
    members: list[Id]
    representatives: list[Id]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ModelState:
    """What `assign` needs to place later ideas without re-running the clustering."""

    embedder: str
    theme_ids: list[int]
    centroids: list[list[float]]
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelState:
        return cls(**{k: data[k] for k in ("embedder", "theme_ids", "centroids", "threshold")})


@dataclass
class ThemeResult:
    """Every idea is in exactly one theme or in `unassigned`; duplicates pair an idea with the
    first idea that says the same thing."""

    themes: list[Theme]
    unassigned: list[Id]
    duplicates: list[tuple[Id, Id]]
    model_state: ModelState
    stats: dict[str, float] = field(default_factory=dict)

    def to_dict(self, include_model: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "themes": [t.to_dict() for t in self.themes],
            "unassigned": list(self.unassigned),
            "duplicates": [list(pair) for pair in self.duplicates],
        }
        if include_model:
            out["model_state"] = self.model_state.to_dict()
        return out
