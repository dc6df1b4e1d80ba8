"""Keywords and labels by class-based TF-IDF: words frequent in one theme and rare in others."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

# Words of any script (so Greek, Cyrillic or CJK ideas get keywords too), at least 2 letters.
_TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W_]+\b"

# Words that name no concern, per language the engine may group within (English always
# applies: ideas of unknown language are most often English in practice).
_SPANISH = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante
el ella ellas ellos en entre era es esa esas ese eso esos esta estaba estamos estan están
estar este esto estos fue ha hace hacen han hasta hay la las le les lo los mas más me mi mis
muy nada ni no nos nosotros o otra otras otro otros para pero poco por porque que qué se sea
ser si sí sin sobre son su sus también te tiene tienen todo todos tu un una uno unos usted ya
yo
"""
STOP_WORDS = {"es": frozenset(_SPANISH.split())}


def stop_words_for(languages: set[str]) -> list[str]:
    """English stop words plus those of every language present that has a list."""
    words = set(ENGLISH_STOP_WORDS)
    for code in languages:
        words |= STOP_WORDS.get(code, frozenset())
    return sorted(words)


def theme_keywords(
    texts: Sequence[str],
    labels: np.ndarray,
    n_themes: int,
    top: int = 8,
    languages: set[str] | None = None,
) -> list[list[str]]:
    """Top c-TF-IDF terms per theme (BERTopic's weighting: tf in the theme x log(1 + A/f)).

    `languages`: those the texts were said in, whose stop words are left out too."""
    keep = labels >= 0
    if not keep.any() or n_themes == 0:
        return [[] for _ in range(n_themes)]
    vectorizer = CountVectorizer(
        token_pattern=_TOKEN_PATTERN,
        stop_words=stop_words_for(languages or set()),
        ngram_range=(1, 2),
        min_df=1,
    )
    try:
        counts = vectorizer.fit_transform([texts[i] for i in np.flatnonzero(keep)])
    except ValueError:  # only stop words or symbols (e.g. all emoji): nothing to show
        return [[] for _ in range(n_themes)]
    membership = sp.csr_matrix(
        (np.ones(counts.shape[0]), (labels[keep], np.arange(counts.shape[0]))),
        shape=(n_themes, counts.shape[0]),
    )
    per_theme = (membership @ counts).toarray()
    tf = per_theme / np.maximum(per_theme.sum(axis=1, keepdims=True), 1)
    avg_words = per_theme.sum() / n_themes
    idf = np.log1p(avg_words / np.maximum(per_theme.sum(axis=0), 1))
    scores = tf * idf
    vocab = vectorizer.get_feature_names_out()
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")[: top * 3]
        out.append(_drop_overlaps([vocab[j] for j in order if row[j] > 0])[:top])
    return out


def label_from_keywords(keywords: list[str], fallback: str) -> str:
    """A short name: the best two or three keywords, else the start of a representative idea."""
    if not keywords:
        return fallback[:60].strip() or "(empty)"
    return " · ".join(keywords[:3])


def _drop_overlaps(terms: list[str]) -> list[str]:
    """Skip a term whose words all appear in a better-ranked one ("card" after "card arrive")."""
    kept: list[str] = []
    seen_words: set[str] = set()
    for term in terms:
        words = set(term.split())
        if words <= seen_words:
            continue
        kept.append(term)
        seen_words |= words
    return kept
