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
    language: str | None = None  # set when every member was said in the same language

    def to_dict(self) -> dict[str, Any]:
        """Without `language` when none is known, as before ideas carried one."""
        out = asdict(self)
        if self.language is None:
            del out["language"]
        return out


@dataclass
class ModelState:
    """What `assign` needs to place later ideas without re-running the clustering."""

    embedder: str
    theme_ids: list[int]
    centroids: list[list[float]]
    threshold: float
    # Grouped within languages: each theme's language, and how close an idea of each language
    # must be to join one (empty when grouped across languages).
    theme_languages: list[str] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelState:
        """Also reads states stored before themes carried a language."""
        return cls(
            **{k: data[k] for k in ("embedder", "theme_ids", "centroids", "threshold")},
            theme_languages=list(data.get("theme_languages") or []),
            thresholds=dict(data.get("thresholds") or {}),
        )


@dataclass
class LanguageGrouping:
    """How languages were handled, so a leader knows whether a theme can hold ideas said in
    different languages. "" counts ideas whose language was not recorded."""

    within_languages: bool
    multilingual_embedder: bool
    counts: dict[str, int]

    @property
    def note(self) -> str:
        """The plain statement a reader needs before concentrating ("" when nothing to say)."""
        if not self.within_languages:
            return ""
        parts = ", ".join(
            f"{code or 'unknown'} {n} ideas" if i == 0 else f"{code or 'unknown'} {n}"
            for i, (code, n) in enumerate(self.counts.items())
        )
        return (
            f"Grouped within each language: {parts}. The embedding model does not match "
            "ideas across languages; read every language's themes before you concentrate."
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LanguageGrouping:
        return cls(
            within_languages=bool(data.get("within_languages")),
            multilingual_embedder=bool(data.get("multilingual_embedder")),
            counts=dict(data.get("counts") or {}),
        )


@dataclass
class ThemeResult:
    """Every idea is in exactly one theme or in `unassigned`; duplicates pair an idea with the
    first idea that says the same thing."""

    themes: list[Theme]
    unassigned: list[Id]
    duplicates: list[tuple[Id, Id]]
    model_state: ModelState
    stats: dict[str, float] = field(default_factory=dict)
    grouping: LanguageGrouping | None = None  # None when no languages were given

    def to_dict(self, include_model: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "themes": [t.to_dict() for t in self.themes],
            "unassigned": list(self.unassigned),
            "duplicates": [list(pair) for pair in self.duplicates],
        }
        if self.grouping is not None:
            out["grouping"] = self.grouping.to_dict()
        if include_model:
            out["model_state"] = self.model_state.to_dict()
        return out
