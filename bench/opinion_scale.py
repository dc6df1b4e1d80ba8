"""Full-update speed and memory at scale, on synthetic votes with planted opinion groups.

Default scale is the target: 1,000,000 participants x 10,000 statements x 50,000,000 votes
(goal: <= 30 s, <= 6 GB, ARI >= 0.95 against the planted groups). Two baselines are measured in
the same run, so the printed ratios carry across machines: one pass of the dominant primitive
(a float64 sparse mat-vec pair X.T @ (X @ v) over all votes) and scikit-learn's MiniBatchKMeans
(k = 100, Polis's base k) on our 2-D projections.

    python bench/opinion_scale.py [--participants 100000] [--statements 10000] [--votes 5000000]
"""

from __future__ import annotations

import argparse
import resource
import time
from math import gcd

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score

from massline.engines.opinion import analyze_arrays


def planted_votes(
    n: int,
    d: int,
    n_votes: int,
    k: int,
    seed: int = 0,
    divisive: float = 0.5,
    loyalty: float = 0.9,
    pass_rate: float = 0.1,
):
    """Votes from ``k`` planted groups; returns (participants, statements, votes, true group).

    On a ``divisive`` share of statements each group agrees with probability ``loyalty`` or
    ``1 - loyalty`` (its side drawn at random); on the rest every group shares one agree rate
    drawn from [0.2, 0.8]. Each participant votes on ``n_votes / n`` distinct statements, an
    arithmetic progression modulo ``d`` with a random start and a stride coprime to ``d``, and
    passes with probability ``pass_rate``.
    """
    rng = np.random.default_rng(seed)
    per = max(1, min(d, n_votes // n))
    truth = rng.integers(0, k, n).astype(np.int32)
    agree_p = np.tile(rng.uniform(0.2, 0.8, d).astype(np.float32), (k, 1))
    split = rng.random(d) < divisive
    side = rng.random((k, d)) < 0.5
    agree_p[:, split] = np.where(side[:, split], loyalty, 1.0 - loyalty)
    strides = np.array([s for s in range(1, min(d, 4096) + 1) if gcd(s, d) == 1], dtype=np.int64)
    start, stride = rng.integers(0, d, n), rng.choice(strides, n)
    participants = np.repeat(np.arange(n, dtype=np.int32), per)
    statements = ((start[:, None] + stride[:, None] * np.arange(per)) % d).astype(np.int32).ravel()
    p_agree = agree_p[truth[participants], statements]
    agree = rng.random(len(participants), dtype=np.float32) < p_agree
    votes = np.where(agree, 1, -1).astype(np.int8)
    votes[rng.random(len(votes), dtype=np.float32) < pass_rate] = 0
    return participants, statements, votes, truth


def matvec_seconds(participants, statements, votes, n: int, d: int) -> float:
    """One float64 X.T @ (X @ v) pass: the unit of work of every power/Lanczos iteration."""
    x = sp.csr_array((votes.astype(np.float64), (participants, statements)), shape=(n, d))
    start = time.perf_counter()
    x.T @ (x @ np.ones(d))
    return time.perf_counter() - start


def minibatch_seconds(points: np.ndarray) -> float:
    start = time.perf_counter()
    MiniBatchKMeans(100, n_init=1, random_state=0, batch_size=4096).fit(points)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=50_000_000)
    parser.add_argument("--groups", type=int, default=3)
    args = parser.parse_args()
    n, d = args.participants, args.statements
    participants, statements, votes, truth = planted_votes(n, d, args.votes, args.groups)
    print(f"{n:,} participants x {d:,} statements x {len(votes):,} votes, {args.groups} groups")
    matvec = matvec_seconds(participants, statements, votes, n, d)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    start = time.perf_counter()
    result = analyze_arrays(participants, statements, votes, seed=0)
    seconds = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    grouped = result.row_group >= 0
    labels = np.full(n, -1)
    labels[result.matrix.participants[grouped]] = result.row_group[grouped]
    ari = adjusted_rand_score(truth, labels)
    minibatch = minibatch_seconds(result.pca.projections[result.in_conv])
    print(f"full update    {seconds:7.2f} s")
    print(
        f"  baseline: one X.T@(X@v) pass {matvec:6.3f} s -> update = {seconds / matvec:.1f} passes"
    )
    print(f"  baseline: MiniBatchKMeans(100) on the projections {minibatch:6.2f} s "
          f"-> update / minibatch = {seconds / minibatch:5.2f}")  # fmt: skip
    print(f"peak RSS       {peak_gb:7.2f} GB (before the update: {rss_before:.2f} GB)")
    print(f"groups k={len(result.group_ids)}  ARI vs planted = {ari:.4f}")


if __name__ == "__main__":
    main()
