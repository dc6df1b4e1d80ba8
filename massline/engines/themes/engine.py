"""Find themes in ideas, flag duplicates, and place later ideas into existing themes.

Pipeline (why each step):
1. Embed with a static model: transformer models are ~50x slower on CPU.
2. Smooth each vector towards its nearest neighbours: static embeddings are noisy per idea,
   and averaging with the ideas that sound closest recovers most of the gap to a transformer.
3. Over-cluster with k-means, then merge sub-clusters whose centres are closer than a fixed
   cosine distance: the number of themes follows from how varied the ideas are, not from a
   guess of k. A given k merges down to exactly k instead.
4. Ideas far from their theme's centre, and themes too small to be a shared concern, are left
   unassigned, so a leader sees them on their own instead of hidden in a theme.
Above `fit_sample` ideas, steps 2-3 run on a seeded sample and the rest join the nearest
sub-cluster, which keeps a million ideas within minutes and a few GB.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize

from .embedders import Embedder, get_embedder
from .keywords import label_from_keywords, theme_keywords
from .result import Id, LanguageGrouping, ModelState, Theme, ThemeResult

Progress = Callable[[str], None]
_CHUNK = 4096  # rows per similarity block: bounds memory whatever the cluster sizes


@dataclass(frozen=True)
class ThemeConfig:
    """Tuning knobs; the defaults were chosen on banking77 and hold over a wide range."""

    smooth_neighbors: int = 10
    smooth_passes: int = 2
    subclusters_per_sqrt_n: float = 3.0
    max_subclusters: int = 400
    merge_distance: float = 0.25
    fit_sample: int = 20_000
    outlier_quantile: float = 0.01
    min_theme_size: int = 3
    duplicate_similarity: float = 0.97
    representatives: int = 5
    keyword_sample: int = 200_000


def find_themes(
    texts: Sequence[str],
    ids: Sequence[Id] | None = None,
    k: int | None = None,
    seed: int = 0,
    embedder: str | Embedder | None = None,
    config: ThemeConfig | None = None,
    progress: Progress | None = None,
    languages: Sequence[str | None] | None = None,
) -> ThemeResult:
    """Group ideas into themes. Same texts, seed and embedder give the same result.

    `languages` names the language each idea was said in (None or "" when unknown). When the
    embedder cannot match texts across languages and more than one language is present, the
    ideas are grouped within each language (ideas of unknown language form a group of their
    own), a given k is shared out by the languages' sizes, and `result.grouping` says so.
    """
    cfg = config or ThemeConfig()
    report = progress or (lambda _msg: None)
    ids = list(range(len(texts))) if ids is None else list(ids)
    if len(ids) != len(texts):
        raise ValueError("ids and texts must have the same length")
    if languages is not None and len(languages) != len(texts):
        raise ValueError("languages and texts must have the same length")
    if k is not None and k < 1:
        raise ValueError("k must be at least 1")
    model = get_embedder(embedder)
    spoken = [code or "" for code in languages] if languages is not None else [""] * len(texts)
    counts = dict(Counter(spoken).most_common())
    multilingual = bool(getattr(model, "multilingual", False))
    within = not multilingual and len([code for code in counts if code]) > 1
    grouping = None if languages is None else LanguageGrouping(within, multilingual, counts)
    n = len(texts)
    if n == 0:
        return ThemeResult([], [], [], ModelState(model.name, [], [], 1.0), grouping=grouping)

    report(f"embedding {n} ideas with {model.name}")
    vectors = model.encode(texts)
    if not within:
        part = _group(texts, ids, vectors, k, seed, cfg, report, set(counts) - {""})
        if languages is not None:
            language_of = dict(zip(ids, spoken, strict=True))
            for theme in part.themes:
                said_in = {language_of[member] for member in theme.members}
                theme.language = said_in.pop() if len(said_in) == 1 else None
        state = ModelState(model.name, [t.id for t in part.themes], part.centroids, part.threshold)
        stats = {"ideas": n, "themes": len(part.themes), "subclusters": part.subclusters}
        return ThemeResult(part.themes, part.unassigned, part.duplicates, state, stats, grouping)

    themes: list[Theme] = []
    unassigned: list[Id] = []
    duplicates: list[tuple[Id, Id]] = []
    centroids: list[list[float]] = []
    thresholds: dict[str, float] = {}
    subclusters = 0
    for code, size in counts.items():
        report(f"clustering the {size} ideas in {code or 'an unknown language'}")
        rows = [i for i, spoken_in in enumerate(spoken) if spoken_in == code]
        share = None if k is None else max(1, round(k * size / n))
        part = _group(
            [texts[i] for i in rows],
            [ids[i] for i in rows],
            vectors[rows],
            share,
            seed,
            cfg,
            lambda _msg: None,
            {code} - {""},
        )
        for theme in part.themes:
            theme.id += len(themes)
            theme.language = code
        themes += part.themes
        unassigned += part.unassigned
        duplicates += part.duplicates
        centroids += part.centroids
        thresholds[code] = part.threshold
        subclusters += part.subclusters
    state = ModelState(
        embedder=model.name,
        theme_ids=[t.id for t in themes],
        centroids=centroids,
        threshold=min(thresholds.values()),
        theme_languages=[t.language or "" for t in themes],
        thresholds=thresholds,
    )
    stats = {"ideas": n, "themes": len(themes), "subclusters": subclusters}
    return ThemeResult(themes, unassigned, duplicates, state, stats, grouping)


@dataclass
class _Part:
    """The themes of one group of ideas (all of them, or those of one language)."""

    themes: list[Theme]
    unassigned: list[Id]
    duplicates: list[tuple[Id, Id]]
    centroids: list[list[float]]
    threshold: float
    subclusters: int


def _group(
    texts: Sequence[str],
    ids: list[Id],
    vectors: np.ndarray,
    k: int | None,
    seed: int,
    cfg: ThemeConfig,
    report: Progress,
    languages: set[str],
) -> _Part:
    """Steps 2-4 of the pipeline over already embedded ideas said in `languages`."""
    n = len(texts)
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, cfg.fit_sample, replace=False)) if n > cfg.fit_sample else None
    fit_vectors = vectors if fit_rows is None else vectors[fit_rows]
    report(f"clustering {len(fit_vectors)} ideas")
    sub_of_fit, sub_to_theme = _cluster(fit_vectors, k, seed, cfg)

    sub_centres = _unit_means(fit_vectors, sub_of_fit, len(sub_to_theme))
    if fit_rows is None:
        sub_labels = sub_of_fit
    else:
        report(f"placing {n - len(fit_rows)} more ideas")
        sub_labels = _nearest(vectors, sub_centres)[0]
        sub_labels[fit_rows] = sub_of_fit
    labels = sub_to_theme[sub_labels]

    n_raw = int(sub_to_theme.max()) + 1
    centroids = _unit_means(vectors, labels, n_raw)
    similarity = np.einsum("ij,ij->i", vectors, centroids[labels])
    threshold = float(np.quantile(similarity, cfg.outlier_quantile))
    labels = _drop_outliers(labels, similarity, threshold, cfg.min_theme_size if k is None else 1)

    report("labelling themes and finding duplicates")
    labels, centroids = _renumber_by_size(labels, centroids)
    return _Part(
        themes=_describe(texts, ids, labels, vectors, centroids, similarity, cfg, languages),
        unassigned=[ids[i] for i in np.flatnonzero(labels < 0)],
        duplicates=_duplicates(texts, vectors, sub_labels, ids, cfg.duplicate_similarity),
        centroids=centroids.astype(float).round(6).tolist(),
        threshold=threshold,
        subclusters=len(sub_to_theme),
    )


def assign(
    model_state: ModelState | dict,
    texts: Sequence[str],
    embedder: str | Embedder | None = None,
    languages: Sequence[str | None] | None = None,
) -> list[int | None]:
    """Theme id of each new idea, or None when it is farther than any theme's members were.

    When the themes were found within languages, an idea of a language that has themes is
    only compared with that language's themes.
    """
    state = model_state
    if not isinstance(state, ModelState):
        state = ModelState.from_dict(state)
    if not texts:
        return []
    if not state.centroids:
        return [None] * len(texts)
    if languages is not None and len(languages) != len(texts):
        raise ValueError("languages and texts must have the same length")
    vectors = get_embedder(embedder or state.embedder).encode(texts)
    centres = np.asarray(state.centroids, dtype=np.float32)
    theme_languages = np.asarray(state.theme_languages or [""] * len(centres))
    limits = np.asarray(
        [state.thresholds.get(code, state.threshold) for code in theme_languages.tolist()]
    )
    spoken = [code or "" for code in languages] if languages is not None else [""] * len(texts)
    out: list[int | None] = [None] * len(texts)
    for code in dict.fromkeys(spoken):
        rows = [i for i, spoken_in in enumerate(spoken) if spoken_in == code]
        themes = np.flatnonzero(theme_languages == code) if state.theme_languages else []
        if not len(themes):
            themes = np.arange(len(centres))
        best, score = _nearest(vectors[rows], centres[themes])
        for row, b, s in zip(rows, best.tolist(), score.tolist(), strict=True):
            theme = int(themes[b])
            if s >= limits[theme]:
                out[row] = state.theme_ids[theme]
    return out


def _cluster(
    vectors: np.ndarray, k: int | None, seed: int, cfg: ThemeConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Sub-cluster label per row, and the theme each sub-cluster is merged into."""
    n = len(vectors)
    n_sub = round(cfg.subclusters_per_sqrt_n * math.sqrt(n))
    n_sub = min(n, max(k or 1, min(cfg.max_subclusters, n_sub)))
    smoothed = _smooth(vectors, cfg)
    with warnings.catch_warnings():
        # Repeated ideas can leave fewer distinct points than clusters; the labels are still
        # valid once empty clusters are dropped.
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = KMeans(n_sub, n_init=1, random_state=seed).fit(smoothed).labels_
    _, sub_labels = np.unique(fitted, return_inverse=True)  # number the non-empty ones 0..m-1
    n_sub = int(sub_labels.max()) + 1
    if n_sub == 1:
        return sub_labels, np.zeros(1, dtype=np.int64)
    merger = AgglomerativeClustering(
        n_clusters=None if k is None else min(k, n_sub),
        metric="cosine",
        linkage="average",
        distance_threshold=cfg.merge_distance if k is None else None,
    )
    sub_to_theme = merger.fit_predict(_unit_means(smoothed, sub_labels, n_sub))
    return sub_labels, sub_to_theme.astype(np.int64)


def _smooth(vectors: np.ndarray, cfg: ThemeConfig) -> np.ndarray:
    """Average each idea with its nearest neighbours (twice), so clusters follow dense regions.

    Fewer neighbours for few ideas: with 20 ideas, 10 neighbours would blur every theme into one.
    """
    m = min(cfg.smooth_neighbors, round(math.sqrt(len(vectors)) / 2), len(vectors) - 1)
    if m < 1 or cfg.smooth_passes < 1:
        return vectors
    neighbours = NearestNeighbors(n_neighbors=m + 1, algorithm="brute").fit(vectors)
    index = neighbours.kneighbors(vectors, return_distance=False)
    smoothed = vectors
    for _ in range(cfg.smooth_passes):
        smoothed = normalize(smoothed[index].mean(axis=1)).astype(np.float32)
    return smoothed


def _unit_means(vectors: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Unit-length mean vector of each group (zero for an empty group)."""
    membership = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(n_groups, len(labels)),
    )
    return normalize(membership @ vectors).astype(np.float32)


def _nearest(vectors: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and cosine similarity to the closest centre, in bounded-memory chunks."""
    best = np.empty(len(vectors), dtype=np.int64)
    score = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), _CHUNK):
        sims = vectors[start : start + _CHUNK] @ centres.T
        best[start : start + _CHUNK] = sims.argmax(axis=1)
        score[start : start + _CHUNK] = sims.max(axis=1)
    return best, score


def _drop_outliers(
    labels: np.ndarray, similarity: np.ndarray, threshold: float, min_size: int
) -> np.ndarray:
    """Unassign far ideas and too-small themes; each theme keeps at least its closest idea."""
    order = np.lexsort((-similarity, labels))
    is_first = np.ones(len(labels), dtype=bool)
    is_first[1:] = labels[order][1:] != labels[order][:-1]
    keep = similarity >= threshold
    keep[order[is_first]] = True
    out = np.where(keep, labels, -1)
    sizes = np.bincount(out[out >= 0], minlength=labels.max() + 1)
    out[(out >= 0) & (sizes[np.maximum(out, 0)] < min_size)] = -1
    return out


def _renumber_by_size(labels: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Theme 0 is the largest; themes left empty disappear."""
    sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
    order = [t for t in np.argsort(-sizes, kind="stable") if sizes[t] > 0]
    new_id = np.full(len(centroids) + 1, -1, dtype=np.int64)  # last slot: -1 stays -1
    new_id[order] = np.arange(len(order))
    return new_id[labels], centroids[order]


def _describe(
    texts: Sequence[str],
    ids: list[Id],
    labels: np.ndarray,
    vectors: np.ndarray,
    centroids: np.ndarray,
    similarity: np.ndarray,
    cfg: ThemeConfig,
    languages: set[str],
) -> list[Theme]:
    """Keywords, label, members and representative ideas of each theme."""
    rows = np.arange(len(texts))
    if len(rows) > cfg.keyword_sample:  # word counts of a large sample rank the same words
        rows = np.sort(np.random.default_rng(0).choice(rows, cfg.keyword_sample, replace=False))
    keywords = theme_keywords(
        [texts[i] for i in rows], labels[rows], len(centroids), languages=languages
    )
    themes = []
    for t in range(len(centroids)):
        members = np.flatnonzero(labels == t)
        reps = _representatives(vectors, members, similarity[members], cfg)
        themes.append(
            Theme(
                id=t,
                label=label_from_keywords(keywords[t], texts[reps[0]]),
                keywords=keywords[t],
                members=[ids[i] for i in members],
                representatives=[ids[i] for i in reps],
            )
        )
    return themes


def _representatives(
    vectors: np.ndarray, members: np.ndarray, similarity: np.ndarray, cfg: ThemeConfig
) -> list[int]:
    """Close to the centre yet unlike each other (maximal marginal relevance, lambda 0.6)."""
    candidates = members[np.argsort(-similarity, kind="stable")[: cfg.representatives * 6]]
    relevance = dict(zip(members.tolist(), similarity.tolist(), strict=True))
    chosen = [int(candidates[0])]
    pool = [int(c) for c in candidates[1:]]
    while pool and len(chosen) < cfg.representatives:
        redundancy = (vectors[pool] @ vectors[chosen].T).max(axis=1)
        scores = [0.6 * relevance[c] - 0.4 * r for c, r in zip(pool, redundancy, strict=True)]
        chosen.append(pool.pop(int(np.argmax(scores))))
    return chosen


def _duplicates(
    texts: Sequence[str],
    vectors: np.ndarray,
    blocks: np.ndarray,
    ids: list[Id],
    min_similarity: float,
) -> list[tuple[Id, Id]]:
    """Pairs (first idea, later idea) that say the same thing.

    Two links per idea: to the first idea with the same words up to case and spacing, and to
    the earliest idea of its sub-cluster at or above `min_similarity`. Connected groups then
    pair every later idea with the group's first, so a text repeated m times gives m-1 pairs,
    not m^2, and the search stays within sub-clusters instead of all n^2 pairs.
    """
    n = len(vectors)
    same_words = np.arange(n)
    first_with_key: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = " ".join(text.casefold().split())
        if key:
            same_words[i] = first_with_key.setdefault(key, i)
    similar = np.arange(n)
    for block in np.unique(blocks):
        rows = np.flatnonzero(blocks == block)
        if len(rows) < 2:
            continue
        block_vectors = vectors[rows]
        for start in range(0, len(rows), _CHUNK):
            close = block_vectors[start : start + _CHUNK] @ block_vectors.T >= min_similarity
            first = close.argmax(axis=1)
            has = close[np.arange(len(first)), first]
            similar[rows[start : start + _CHUNK][has]] = rows[first[has]]
    graph = sp.csr_matrix(
        (np.ones(2 * n), (np.tile(np.arange(n), 2), np.concatenate([same_words, similar]))),
        shape=(n, n),
    )
    _, group = connected_components(graph, directed=False)
    sizes = np.bincount(group)
    pairs: list[tuple[Id, Id]] = []
    head: dict[int, int] = {}
    for i in np.flatnonzero(sizes[group] > 1).tolist():
        g = int(group[i])
        if g in head:
            pairs.append((ids[head[g]], ids[i]))
        else:
            head[g] = i
    return pairs
