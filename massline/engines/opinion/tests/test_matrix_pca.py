"""The sparse pipeline equals the dense Polis definition on small data."""

import numpy as np
import pytest

from massline.engines.opinion.matrix import VoteLog, build_matrix
from massline.engines.opinion.pca import polis_pca


def _random_votes(seed=1, n=40, d=12, p=0.5):
    rng = np.random.default_rng(seed)
    mask = rng.random((n, d)) < p
    mask[:, 0] = True
    pids, tids = np.nonzero(mask)
    return pids, tids, rng.integers(-1, 2, len(pids)).astype(np.int8), n, d


def test_latest_vote_wins_and_sign_is_polis_internal():
    m = build_matrix(
        np.array([0, 0, 1]), np.array([5, 5, 5]), np.array([1, -1, 1]), np.array([2.0, 1.0, 3.0])
    )
    assert m.shape == (2, 1)
    # participant 0's later vote (t=2) is agree (+1 export) = -1 internally
    assert m.values.tolist() == [-1, -1]


def test_sparse_pca_equals_dense_mean_imputed_pca():
    pids, tids, votes, n, d = _random_votes()
    m = build_matrix(pids, tids, votes, mod_out={3})
    pca = polis_pca(m)
    dense = np.full((n, d), np.nan)
    dense[pids, tids] = -votes  # Polis-internal sign
    dense[:, 3] = 0.0  # mod-out column zeroed for every row
    center = np.nanmean(dense, axis=0)
    imputed = np.where(np.isnan(dense), center, dense) - center
    assert pca.center == pytest.approx(center)
    _, _, vt = np.linalg.svd(imputed)
    for k in range(2):
        assert abs(np.dot(vt[k], pca.comps[k])) == pytest.approx(1.0)
    voted = ~np.isnan(dense)
    scale = np.sqrt(d / voted.sum(axis=1))
    dense_proj = np.stack([(np.where(voted, imputed, 0) @ pca.comps[k]) * scale for k in range(2)])
    assert pca.projections == pytest.approx(dense_proj.T)


def test_comment_extremity_is_length_of_agree_projection():
    pids, tids, votes, _, d = _random_votes(seed=2)
    pca = polis_pca(build_matrix(pids, tids, votes))
    proj = (-1 - pca.center)[:, None] * pca.comps.T * np.sqrt(d)
    assert pca.comment_extremity == pytest.approx(np.linalg.norm(proj, axis=1))


def test_vote_log_prefix_equals_rebuilding_from_those_votes():
    rng = np.random.default_rng(3)
    n_events = 400
    pids = rng.integers(0, 30, n_events) * 7  # sparse ids, repeated cells, shuffled times
    tids = rng.integers(0, 12, n_events)
    votes = rng.integers(-1, 2, n_events).astype(np.int8)
    stamps = rng.permutation(n_events).astype(float)
    log = VoteLog(pids, tids, votes, stamps, mod_out={3})
    order = np.argsort(stamps)
    for end in (1, 17, 200, n_events):
        first = order[:end]
        want = build_matrix(pids[first], tids[first], votes[first], stamps[first], mod_out={3})
        got = log.matrix(end)
        for field in ("participants", "statements", "rows", "cols", "values", "indptr", "mod_out"):
            assert getattr(got, field).tolist() == getattr(want, field).tolist(), (end, field)


@pytest.mark.parametrize("dense_cells", [10**9, 0])  # dense matrix, then the rank-one operator
def test_zero_fill_pca_equals_dense_zero_filled_pca(monkeypatch, dense_cells):
    """Polis before 2017-10-21 filled missing votes with 0 before centring (pass = unseen)."""
    monkeypatch.setattr("massline.engines.opinion.pca.DENSE_CELLS", dense_cells)
    pids, tids, votes, n, d = _random_votes(seed=4)
    m = build_matrix(pids, tids, votes, mod_out={3})
    pca = polis_pca(m, imputation="zero")
    filled = np.zeros((n, d))
    filled[pids, tids] = -votes
    filled[:, 3] = 0.0
    center = filled.mean(axis=0)
    assert pca.center == pytest.approx(center)
    _, _, vt = np.linalg.svd(filled - center)
    for k in range(2):
        assert abs(np.dot(vt[k], pca.comps[k])) == pytest.approx(1.0)
    voted = np.zeros((n, d), dtype=bool)
    voted[pids, tids] = True
    voted[:, 3] = True  # zeroed mod-out cells count as voted, adding 0
    scale = np.sqrt(d / voted.sum(axis=1))
    dense_proj = np.where(voted, filled - center, 0) @ pca.comps.T * scale[:, None]
    assert pca.projections == pytest.approx(dense_proj)
    with pytest.raises(ValueError):
        polis_pca(m, imputation="median")
