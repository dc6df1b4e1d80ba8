"""Engine API: determinism, warm-start state, the tuple API and planted groups."""

import json

import numpy as np
from sklearn.metrics import adjusted_rand_score

from massline.engines.opinion import OpinionState, analyze, analyze_arrays, replay
from massline.engines.opinion.engine import replay_batches


def planted(n=300, d=30, k=3, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    stance = rng.choice([-1, 1], size=(k, d))
    pids, tids = np.nonzero(rng.random((n, d)) < 0.6)
    votes = stance[truth[pids], tids]
    flip = rng.random(len(votes)) < 0.1
    votes = np.where(flip, -votes, votes).astype(np.int8)
    return pids, tids, votes, truth


def test_recovers_planted_groups_deterministically():
    pids, tids, votes, truth = planted()
    a = analyze_arrays(pids, tids, votes, seed=3)
    b = analyze_arrays(pids, tids, votes, seed=3)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    labels = np.full(len(truth), -1)
    for g, members in a.groups.items():
        labels[members] = g
    assert adjusted_rand_score(truth, labels) > 0.95


def test_state_round_trips_and_warm_start_keeps_groups():
    pids, tids, votes, _ = planted(seed=1)
    first = analyze_arrays(pids, tids, votes)
    state = OpinionState.from_dict(json.loads(json.dumps(first.state.to_dict())))
    assert state == first.state
    again = analyze_arrays(pids, tids, votes, previous_state=state)
    assert again.groups == first.groups


def test_tuple_api_and_replay_agree_on_contract():
    pids, tids, votes, _ = planted(n=60, d=10, seed=2)
    stamps = np.arange(len(votes), dtype=float)
    result = analyze(
        zip(pids.tolist(), tids.tolist(), votes.tolist(), stamps.tolist(), strict=True)
    )
    replayed = replay(pids, tids, votes, stamps, interval=len(votes) / 5)
    for out in (result.to_dict(), replayed.to_dict()):
        assert set(out) == {
            "groups", "in_conversation", "repness", "consensus",
            "group_informed_consensus", "pca", "projections",
        }  # fmt: skip
    assert len(result.priorities) == 10


def test_replay_batches_need_both_time_and_vote_growth():
    stamps = np.arange(100.0)
    assert replay_batches(stamps, 10).tolist() == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    # after 30 votes, the next update waits for 45 (+50%) although 10 time units passed earlier
    assert replay_batches(stamps, 10, growth=0.5).tolist() == [10, 20, 30, 45, 68, 100]
    assert replay_batches(np.zeros(5), 0).tolist() == [1, 2, 3, 4, 5]  # always progresses


def test_large_conversation_path_recovers_planted_groups(monkeypatch):
    # Shrink the thresholds so 600 participants take the float32 PCA and sampled base k-means.
    monkeypatch.setattr("massline.engines.opinion.engine.LARGE_CUTOFF", 100)
    monkeypatch.setattr("massline.engines.opinion.pca.FLOAT32_VOTES", 0)
    pids, tids, votes, truth = planted(n=600, seed=4)
    result = analyze_arrays(pids, tids, votes)
    assert result.pca.projections.dtype == np.float64
    labels = np.full(len(truth), -1)
    for g, members in result.groups.items():
        labels[members] = g
    assert adjusted_rand_score(truth, labels) > 0.95


def test_polis_version_follows_the_math_history():
    from massline.engines.opinion.engine import CURRENT, PolisVersion, polis_version

    day = 86_400_000
    assert polis_version(1_700_000_000_000) == CURRENT
    assert polis_version(1508544000000) == PolisVersion(base_iters=20)  # 2017-10-21: mean fill
    assert polis_version(1508544000000 - day) == PolisVersion(imputation="zero", base_iters=20)
    assert polis_version(1400000000000) == PolisVersion(
        imputation="zero", zero_mod_out=False, base_k=50, base_iters=20
    )


def test_historical_replay_is_deterministic_and_current_after_2018():
    pids, tids, votes, _ = planted(n=120, seed=2)
    stamps = 1_400_000_000_000 + np.arange(len(votes)) * 3_600_000.0  # 2014, hourly votes
    kw = {"interval": 86_400_000.0, "growth": 0.05}
    a = replay(pids, tids, votes, stamps, historical=True, **kw)
    b = replay(pids, tids, votes, stamps, historical=True, **kw)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    later = replay(pids, tids, votes, stamps + 2e11, historical=True, **kw)  # 2020
    current = replay(pids, tids, votes, stamps + 2e11, **kw)
    assert json.dumps(later.to_dict()) == json.dumps(current.to_dict())
