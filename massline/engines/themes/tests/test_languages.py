"""Ideas said in different languages: grouped within each language unless the embedder can
match a text with its translation, and the result says which."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from massline.engines.themes import LanguageGrouping, ModelState, assign, find_themes, get_embedder
from massline.engines.themes.cli import main
from massline.engines.themes.embedders import declares_multilingual

# A glossary of the Spanish corpus's words: enough to put each idea in English words.
GLOSSARY = {
    "calefacción": "heating",
    "radiadores": "radiators",
    "fríos": "cold",
    "helados": "cold",
    "frío": "cold",
    "caldera": "boiler",
    "invierno": "winter",
    "alquiler": "rent",
    "subida": "increase",
    "subir": "increase",
    "subió": "raised",
    "pagar": "afford",
    "casero": "landlord",
    "sueldos": "wages",
    "familia": "family",
    "duplicó": "doubled",
}


class GlossaryEmbedder:
    """A multilingual embedder for Spanish and English: word-for-word translation, then
    WordLlama. Crude, but a Spanish idea and its English twin do land close together."""

    name = "glossary+wordllama"
    multilingual = True

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        english = [
            " ".join(GLOSSARY.get(word.strip(",.").lower(), word) for word in text.split())
            for text in texts
        ]
        return get_embedder("wordllama").encode(english)


def test_wordllama_is_not_multilingual():
    assert get_embedder("wordllama").multilingual is False


def test_two_languages_are_grouped_within_each(bilingual):
    texts, languages, topics = bilingual
    result = find_themes(texts, languages=languages)

    assert result.grouping == LanguageGrouping(
        within_languages=True, multilingual_embedder=False, counts={"en": 18, "es": 12}
    )
    assert {t.language for t in result.themes} == {"en", "es"}
    for theme in result.themes:
        assert {languages[i] for i in theme.members} == {theme.language}, theme.label
        assert len({topics[i] for i in theme.members}) == 1, theme.label
    spanish = {t.label for t in result.themes if t.language == "es"}
    assert any("alquiler" in label for label in spanish)
    assert any("calefacción" in label for label in spanish)
    assert all(" del " not in f" {label} " for label in spanish)  # Spanish stop words dropped
    placed = [m for t in result.themes for m in t.members] + list(result.unassigned)
    assert sorted(placed) == list(range(len(texts)))


def test_the_result_says_so(bilingual):
    texts, languages, _ = bilingual
    data = find_themes(texts, languages=languages).to_dict()

    assert data["grouping"]["within_languages"] is True
    assert data["grouping"]["note"] == (
        "Grouped within each language: en 18 ideas, es 12. The embedding model does not match "
        "ideas across languages; read every language's themes before you concentrate."
    )
    assert {theme["language"] for theme in data["themes"]} == {"en", "es"}


def test_a_multilingual_embedder_groups_across_languages(bilingual):
    texts, languages, topics = bilingual
    result = find_themes(texts, languages=languages, embedder=GlossaryEmbedder(), k=3)

    assert result.grouping is not None and result.grouping.within_languages is False
    assert result.grouping.note == ""
    rent = next(t for t in result.themes if "rent" in {topics[i] for i in t.members})
    assert {languages[i] for i in rent.members} == {"en", "es"}
    assert rent.language is None  # said in both


def test_one_language_is_grouped_as_before(corpus):
    texts, _ = corpus
    with_language = find_themes(texts, languages=["en"] * len(texts), seed=2)
    without = find_themes(texts, seed=2)

    assert with_language.grouping.within_languages is False
    assert [t.members for t in with_language.themes] == [t.members for t in without.themes]
    assert {t.language for t in with_language.themes} == {"en"}
    assert without.grouping is None and "grouping" not in without.to_dict()


def test_unknown_language_joins_the_one_known(corpus):
    texts, _ = corpus
    languages = ["en"] * 10 + [None] * (len(texts) - 10)
    assert find_themes(texts, languages=languages).grouping.within_languages is False


def test_forced_k_is_shared_by_the_languages(bilingual):
    texts, languages, _ = bilingual
    result = find_themes(texts, languages=languages, k=5)
    by_language = [t.language for t in result.themes]
    assert by_language.count("en") == 3 and by_language.count("es") == 2
    assert [t.id for t in result.themes] == list(range(5))


def test_assign_stays_within_the_language(bilingual):
    texts, languages, _ = bilingual
    result = find_themes(texts, languages=languages, k=5)
    stored = ModelState.from_dict(json.loads(json.dumps(result.model_state.to_dict())))
    language_of = {t.id: t.language for t in result.themes}

    new = ["El casero quiere subir el alquiler otra vez", "The rent is going up again"]
    placed = assign(stored, new, languages=["es", "en"])

    assert [language_of[p] for p in placed] == ["es", "en"]


def test_languages_must_match_texts():
    with pytest.raises(ValueError, match="languages and texts"):
        find_themes(["one", "two"], languages=["en"])


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        ("language: en\n", False),
        ("language:\n- multilingual\n- ar\n- es\n", True),
        ("language: [en, es]\n", True),
        ("tags:\n- sentence-similarity\n", False),
    ],
)
def test_a_model_card_says_whether_it_is_multilingual(tmp_path, front_matter, expected):
    (tmp_path / "README.md").write_text(f"---\n{front_matter}---\n# model\n", encoding="utf-8")
    assert declares_multilingual(tmp_path) is expected


def test_a_model_without_a_card_counts_as_one_language(tmp_path):
    assert declares_multilingual(tmp_path) is False


def test_cli_language_column(tmp_path, bilingual):
    texts, languages, _ = bilingual
    src, out = tmp_path / "ideas.csv", tmp_path / "themes.json"
    rows = ["text,language", *(f'"{t}",{lang}' for t, lang in zip(texts, languages, strict=True))]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")

    assert main([str(src), "--language-column", "language", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["grouping"]["counts"] == {"en": 18, "es": 12}
    assert data["grouping"]["note"].startswith("Grouped within each language")
