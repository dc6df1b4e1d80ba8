"""Polis's k-means (clusters.clj), silhouette and the k-smoother.

Polis semantics kept: initial centres are the first k distinct rows; empty clusters are dropped;
convergence is "every sorted centre moved < 0.01"; warm starts go through clean-start-clusters.
The assignment step is exact Lloyd, made cheap at a million points with Hamerly's bounds: a point
is re-queried (k-d tree over the centres) only when its distance bounds no longer prove its label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

SAME_CLUSTERING_THRESHOLD = 0.01
PARALLEL_QUERY = 100_000  # below this many points, starting query threads costs more than it saves


@dataclass(frozen=True)
class Clustering:
    """Clusters over a set of points: ``labels[i]`` indexes ``ids``/``centers``, -1 = none."""

    ids: np.ndarray
    centers: np.ndarray
    labels: np.ndarray

    def members(self) -> list[np.ndarray]:
        """Point indices of each cluster, in cluster order."""
        order = np.argsort(self.labels, kind="stable")
        counts = np.bincount(self.labels[self.labels >= 0], minlength=len(self.ids))
        starts = np.searchsorted(self.labels[order], 0)
        return np.split(order[starts:], np.cumsum(counts)[:-1])


def _weighted_centers(
    points: np.ndarray, weights: np.ndarray | None, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean position of each label 0..k-1 and each label's total weight (None: 1 each)."""
    if (labels < 0).any():
        inside = labels >= 0
        points, labels = points[inside], labels[inside]
        weights = None if weights is None else weights[inside]
    if weights is None:
        total = np.bincount(labels, minlength=k).astype(np.float64)
        sums = [np.bincount(labels, weights=points[:, j], minlength=k) for j in (0, 1)]
    else:
        total = np.bincount(labels, weights=weights, minlength=k)
        sums = [np.bincount(labels, weights=weights * points[:, j], minlength=k) for j in (0, 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.stack(sums) / total).T, total


def _sorted(centers: np.ndarray) -> np.ndarray:
    return centers[np.lexsort(centers.T[::-1])]


def same_clustering(old: np.ndarray, new: np.ndarray) -> bool:
    """Polis's test: sorted centres pairwise closer than 0.01 (zip truncates to the shorter)."""
    m = min(len(old), len(new))
    moved = np.linalg.norm(_sorted(old)[:m] - _sorted(new)[:m], axis=1)
    return bool(np.all(moved < SAME_CLUSTERING_THRESHOLD))


def init_clusters(points: np.ndarray, k: int) -> Clustering:
    """The first k distinct rows, in row order, as centres (Polis ``init-clusters``).

    Only a growing prefix is searched, so a million points cost what the first few thousand do.
    """
    prefix = 4 * k
    while True:
        head = points[:prefix]
        _, first = np.unique(head, axis=0, return_index=True)
        if len(first) >= k or prefix >= len(points):
            break
        prefix *= 4
    first = np.sort(first)[:k]
    return Clustering(np.arange(len(first)), points[first].copy(), np.full(len(points), -1))


def kmeans(
    points: np.ndarray,
    start: Clustering,
    weights: np.ndarray | None = None,
    max_iters: int = 20,
) -> Clustering:
    """Run Polis cluster steps from ``start`` until the centres settle or ``max_iters`` runs out."""
    n = len(points)
    ids, centers = start.ids, start.centers
    labels = np.zeros(n, dtype=np.int64)
    upper = np.full(n, np.inf)  # >= distance to own centre
    lower = np.zeros(n)  # <= distance to the second-nearest centre
    for _ in range(max_iters + 1):
        stale = upper > lower
        if stale.any():
            idx = np.flatnonzero(stale)
            upper[idx] = np.linalg.norm(points[idx] - centers[labels[idx]], axis=1)
            idx = idx[upper[idx] > lower[idx]]
            workers = -1 if len(idx) > PARALLEL_QUERY else 1
            dist, nearest = cKDTree(centers).query(points[idx], k=2, workers=workers)
            dist, nearest = dist.reshape(len(idx), 2), nearest.reshape(len(idx), 2)
            labels[idx], upper[idx], lower[idx] = nearest[:, 0], dist[:, 0], dist[:, 1]
        new_centers, total = _weighted_centers(points, weights, labels, len(ids))
        alive = total > 0  # Polis drops clusters left without members
        moved = np.linalg.norm(new_centers - centers, axis=1)
        upper += moved[labels]
        lower -= moved[alive].max(initial=0.0)
        remap = np.cumsum(alive) - 1
        labels = remap[labels]
        done = same_clustering(centers, new_centers[alive])
        ids, centers = ids[alive], new_centers[alive]
        if done:
            break
    return Clustering(ids, centers, labels)


def clean_start(
    points: np.ndarray,
    previous: Clustering,
    k: int,
    weights: np.ndarray | None = None,
) -> Clustering:
    """Polis ``clean-start-clusters``: carry last update's clusters onto the current points.

    ``previous.labels`` gives each current point's old cluster (-1 for newcomers). Clusters left
    without members go, identical centres merge, then the most distal point is split off into a
    new cluster until there are min(k, #distinct points) clusters.
    """
    ids, labels = previous.ids, previous.labels.copy()
    centers, total = _weighted_centers(points, weights, labels, len(ids))
    alive = total > 0
    if not alive.any():
        return Clustering(
            np.array([previous.ids.max(initial=-1) + 1]),
            _weighted_centers(points, weights, np.zeros(len(points), int), 1)[0],
            np.zeros(len(points), dtype=np.int64),
        )
    labels = np.where(labels >= 0, (np.cumsum(alive) - 1)[labels], -1)
    ids, centers, total = ids[alive], centers[alive], total[alive]
    # Merge clusters whose centres coincide exactly; the bigger one's id survives.
    _, first, group = np.unique(centers, axis=0, return_index=True, return_inverse=True)
    if len(first) < len(ids):
        group = group.ravel()
        by_appearance = np.argsort(first)
        rank = np.empty(len(first), dtype=np.int64)
        rank[by_appearance] = np.arange(len(first))
        survivors = []
        for g in by_appearance:
            mine = np.flatnonzero(group == g)
            survivors.append(mine[len(mine) - 1 - np.argmax(total[mine][::-1])])
        ids = ids[survivors]
        labels = np.where(labels >= 0, rank[group][labels], -1)
    possible = min(k, len(np.unique(points, axis=0)))
    while True:
        centers, total = _weighted_centers(points, weights, labels, len(ids))
        if len(ids) >= possible:
            break
        dist, _ = cKDTree(centers).query(points, k=1)
        far = len(dist) - 1 - int(np.argmax(dist[::-1]))  # Clojure max-key keeps the last max
        if dist[far] <= 0:
            break
        labels[far] = len(ids)
        ids = np.append(ids, ids.max() + 1)
    return Clustering(ids, centers, labels)


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Unweighted mean silhouette over the points; a lone point scores 0 (Polis, sklearn).

    Points are at most the 100 base-cluster centres, so the full distance matrix is cheap, and
    computing it here avoids sklearn's per-call validation, which dominated replays.
    """
    uniq, lab = np.unique(labels, return_inverse=True)
    n, n_labels = len(points), len(uniq)
    if n_labels < 2 or n_labels >= n:
        return 0.0
    dist = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)
    member = lab[:, None] == np.arange(n_labels)
    sums = dist @ member
    size = member.sum(axis=0)
    own = size[lab]
    rows = np.arange(n)
    a = sums[rows, lab] / np.maximum(own - 1, 1)
    mean_other = sums / size
    mean_other[rows, lab] = np.inf
    b = mean_other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(n), where=(denom > 0) & (own > 1))
    return float(s.mean())


def max_k(n_base: int, max_max_k: int = 5) -> int:
    """Polis ``max-k-fn``: more groups are tried only once there are enough base clusters."""
    return min(max_max_k, 2 + n_base // 12)


@dataclass(frozen=True)
class KSmoother:
    """Polis's group-k-smoother: switch k only after it won ``buffer`` updates in a row."""

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def update(self, this_k: int, buffer: int = 4) -> KSmoother:
        count = self.last_k_count + 1 if self.last_k == this_k else 1
        if count >= buffer or self.smoothed_k is None:
            return KSmoother(this_k, count, this_k)
        return KSmoother(this_k, count, self.smoothed_k)
