"""Theme engine: group ideas in the people's own words into themes, offline and without Django.

result = find_themes(texts, ids=idea_ids)       # themes, unassigned, duplicates
store(result.model_state.to_dict())              # plain JSON
assign(stored_state, new_texts)                  # theme id or None per new idea
find_themes(texts, languages=codes)              # within each language unless the embedder
                                                 # is multilingual; result.grouping says which
"""

from .embedders import Embedder, get_embedder
from .engine import ThemeConfig, assign, find_themes
from .result import LanguageGrouping, ModelState, Theme, ThemeResult

__all__ = [
    "Embedder",
    "LanguageGrouping",
    "ModelState",
    "Theme",
    "ThemeConfig",
    "ThemeResult",
    "assign",
    "find_themes",
    "get_embedder",
]
