"""One Polis update end to end, its carried-over state, and the timestamp-ordered replay."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import clusters as cl
from .matrix import VoteLog, VoteMatrix, build_matrix
from .pca import Pca, polis_pca
from .stats import (
    Tally,
    comment_priorities,
    group_informed_consensus,
    majority_consensus,
    select_rep_comments,
    tally,
)

BASE_K = 100
BASE_ITERS = 100
# Polis's large-conversation cutoff. Beyond it, base k-means first settles on an evenly strided
# sample of this size, then runs at most LARGE_BASE_ITERS full passes (Polis's own kmeans default
# cap); from a settled start a full pass moves the centres little, so this is where time goes.
LARGE_CUTOFF = 10_000
LARGE_BASE_ITERS = 20
GROUP_ITERS = 20  # Polis passes :cluster-iters, which kmeans ignores (CLOJURE_QUIRKS Q3)
MAX_K = 5
MIN_VOTES = 7
GREEDY_N = 15


@dataclass(frozen=True)
class PolisVersion:
    """The Polis math settings that differ between eras (delphi MATH_ALGORITHM_HISTORY.md).

    A conversation's exported groups are those of its last math update, computed by the code
    deployed then; the default is today's Polis (as in POLIS-MATH.md).
    """

    imputation: str = "mean"  # missing votes before PCA: column mean, or "zero" before 2017-10-21
    zero_mod_out: bool = True  # mod-out columns zeroed before PCA (since 2017-02-27)
    base_k: int = BASE_K  # 50 before 2017-04-14
    base_iters: int = BASE_ITERS  # base k-means ran 20 iterations before 2017-12-08 (key fix)


CURRENT = PolisVersion()
# (first day in force as Unix ms, field, value before that day), from MATH_ALGORITHM_HISTORY.md §1.
_CHANGES = (
    (1488153600000, "zero_mod_out", False),  # 2017-02-27 b68ca8b6a zero-out-columns
    (1492128000000, "base_k", 50),  # 2017-04-14 32988e405 base-k 50 -> 100
    (1508544000000, "imputation", "zero"),  # 2017-10-21 90b5b9e62 0-fill -> column mean
    (1512691200000, "base_iters", 20),  # 2017-12-08 e07aec5ac base-iters key fix
)


def polis_version(at_ms: float) -> PolisVersion:
    """The Polis math in force at a Unix-millisecond time (no change since 2018 touches groups)."""
    changes = {field: old for day, field, old in _CHANGES if at_ms < day}
    return PolisVersion(**changes) if changes else CURRENT


def _py(values: Iterable) -> list:
    """JSON-friendly ids (numpy scalars to Python)."""
    return np.asarray(values).tolist()


@dataclass(frozen=True)
class OpinionState:
    """What one update hands to the next (JSON-serialisable via ``to_dict``).

    Polis's groups depend on this history: the in-conversation set only grows, clusters are
    warm-started from the last update, and k changes only after the smoother agrees.
    """

    in_conv: frozenset = frozenset()
    comps: dict = field(default_factory=dict)  # statement id -> [pc1, pc2]
    base: dict = field(default_factory=dict)  # base cluster id -> [participant ids]
    group_clusterings: dict = field(default_factory=dict)  # k -> {group id: [base ids]}
    smoother: cl.KSmoother = field(default_factory=cl.KSmoother)

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_conv": sorted(self.in_conv),
            "comps": {str(k): v for k, v in self.comps.items()},
            "base": {str(k): v for k, v in self.base.items()},
            "group_clusterings": {
                str(k): {str(g): m for g, m in c.items()} for k, c in self.group_clusterings.items()
            },
            "smoother": [
                self.smoother.last_k,
                self.smoother.last_k_count,
                self.smoother.smoothed_k,
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], id_type: type = int) -> OpinionState:
        """Inverse of ``to_dict``; ``id_type`` converts the JSON string keys of statement ids."""
        return cls(
            in_conv=frozenset(d["in_conv"]),
            comps={id_type(k): v for k, v in d["comps"].items()},
            base={int(k): v for k, v in d["base"].items()},
            group_clusterings={
                int(k): {int(g): m for g, m in c.items()} for k, c in d["group_clusterings"].items()
            },
            smoother=cl.KSmoother(*d["smoother"]),
        )


@dataclass(frozen=True)
class OpinionResult:
    """The outcome of one update; ``to_dict`` is the result.json contract."""

    matrix: VoteMatrix
    pca: Pca
    in_conv: np.ndarray  # bool per participant row
    group_ids: list[int]
    row_group: np.ndarray  # group index per row, -1 outside the groups
    group_tally: Tally
    repness: list[list[dict]]
    consensus: dict[str, list]
    gic: np.ndarray
    priorities: np.ndarray
    state: OpinionState

    @property
    def groups(self) -> dict[int, list]:
        pids = self.matrix.participants
        return {g: _py(pids[self.row_group == i]) for i, g in enumerate(self.group_ids)}

    def to_dict(self) -> dict[str, Any]:
        m = self.matrix
        sids = _py(m.statements)
        return {
            "groups": {str(g): members for g, members in self.groups.items()},
            "in_conversation": _py(m.participants[self.in_conv]),
            "repness": {str(g): reps for g, reps in zip(self.group_ids, self.repness, strict=True)},
            "consensus": self.consensus,
            "group_informed_consensus": {
                str(s): float(v) for s, v in zip(sids, self.gic, strict=True)
            },
            "pca": {"center": _py(self.pca.center), "components": _py(self.pca.comps)},
            "projections": {
                str(p): xy
                for p, xy in zip(_py(m.participants), _py(self.pca.projections), strict=True)
            },
        }


def _in_conversation(m: VoteMatrix, previous: frozenset) -> np.ndarray:
    """Polis in-conv: >= min(7, #comments) votes, once in stays in, topped up to 15 voters."""
    counts = m.votes_per_row()
    inside = counts >= min(MIN_VOTES, m.shape[1])
    if previous:
        inside |= np.isin(m.participants, np.array(list(previous), dtype=m.participants.dtype))
    missing = GREEDY_N - int(inside.sum())
    if missing > 0:
        order = np.argsort(-counts, kind="stable")
        inside[order[~inside[order]][:missing]] = True
    return inside


def _labels_from(members: Mapping[int, list], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Previous clusters as (cluster ids, label per current point id); -1 for newcomers."""
    cluster_ids = np.array(sorted(members), dtype=np.int64)
    labels = np.full(len(ids), -1, dtype=np.int64)
    if not len(ids) or not len(cluster_ids):
        return cluster_ids, labels
    old_ids = np.concatenate([np.asarray(members[int(c)]) for c in cluster_ids]).astype(ids.dtype)
    old_labels = np.repeat(np.arange(len(cluster_ids)), [len(members[int(c)]) for c in cluster_ids])
    order = np.argsort(ids)
    at = np.minimum(np.searchsorted(ids, old_ids, sorter=order), len(ids) - 1)
    found = ids[order[at]] == old_ids
    labels[order[at[found]]] = old_labels[found]
    return cluster_ids, labels


def _warm_or_cold(
    points: np.ndarray,
    k: int,
    previous: Mapping[int, list],
    point_ids: np.ndarray,
    weights: np.ndarray | None = None,
) -> cl.Clustering:
    """Polis's start: last update's clusters cleaned up, or the first k distinct points."""
    if not previous:
        return cl.init_clusters(points, k)
    ids, labels = _labels_from(previous, point_ids)
    prev = cl.Clustering(ids, np.zeros((len(ids), 2)), labels)
    return cl.clean_start(points, prev, k, weights)


def _base_start(
    points: np.ndarray, previous: Mapping[int, list], pids: np.ndarray, base_k: int = BASE_K
) -> cl.Clustering:
    """Warm start from last update's base clusters; cold starts of large conversations begin
    from k-means on an evenly strided sample rather than from the first 100 rows."""
    if previous or len(points) <= LARGE_CUTOFF:
        return _warm_or_cold(points, base_k, previous, pids)
    sample = points[:: -(-len(points) // LARGE_CUTOFF)]
    coarse = cl.kmeans(sample, cl.init_clusters(sample, base_k), max_iters=BASE_ITERS)
    return cl.Clustering(coarse.ids, coarse.centers, np.full(len(points), -1))


def _by_id(c: cl.Clustering) -> cl.Clustering:
    """Polis keeps clusterings sorted by id."""
    order = np.argsort(c.ids)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return cl.Clustering(
        c.ids[order], c.centers[order], np.where(c.labels >= 0, rank[c.labels], -1)
    )


def _member_ids(c: cl.Clustering, point_ids: np.ndarray) -> dict[int, list]:
    return {int(i): _py(point_ids[mem]) for i, mem in zip(c.ids, c.members(), strict=True)}


def _cluster(
    points: np.ndarray, pids: np.ndarray, state: OpinionState, version: PolisVersion = CURRENT
) -> tuple[cl.Clustering, cl.Clustering, OpinionState]:
    """Base clusters, group clusterings for every k, silhouette choice and k-smoothing."""
    iters = version.base_iters if len(points) <= LARGE_CUTOFF else LARGE_BASE_ITERS
    start = _base_start(points, state.base, pids, version.base_k)
    base = _by_id(cl.kmeans(points, start, max_iters=iters))
    weights = np.bincount(base.labels, minlength=len(base.ids)).astype(np.float64)
    clusterings, scores = {}, {}
    for k in range(2, cl.max_k(len(base.ids), MAX_K) + 1):
        prev = state.group_clusterings.get(k, {})
        start = _warm_or_cold(base.centers, k, prev, base.ids, weights)
        clusterings[k] = _by_id(cl.kmeans(base.centers, start, weights, max_iters=GROUP_ITERS))
        scores[k] = cl.silhouette(base.centers, clusterings[k].labels)
    this_k = max(reversed(scores), key=scores.__getitem__)  # Clojure max-key: last of ties
    smoother = state.smoother.update(this_k)
    k = smoother.smoothed_k if smoother.smoothed_k in clusterings else this_k
    new_state = OpinionState(
        in_conv=state.in_conv,
        comps=state.comps,
        base=_member_ids(base, pids),
        group_clusterings={kk: _member_ids(c, base.ids) for kk, c in clusterings.items()},
        smoother=smoother,
    )
    return base, clusterings[k], new_state


def analyze_matrix(
    m: VoteMatrix,
    *,
    meta: frozenset | set = frozenset(),
    seed: int = 0,
    previous_state: OpinionState | None = None,
    fixed_groups: Mapping[int, Iterable] | None = None,
    version: PolisVersion = CURRENT,
) -> OpinionResult:
    """One Polis update over a built vote matrix.

    ``fixed_groups`` (group id -> participant ids) replaces the clustering, e.g. with Polis's
    own groups, while everything downstream is computed here. ``version`` picks the era of Polis
    math to reproduce (today's by default).
    """
    state = previous_state or OpinionState()
    prev_comps = None
    if state.comps:
        prev_comps = np.array([state.comps.get(s, [0.0, 0.0]) for s in _py(m.statements)]).T
    pca_input = m if version.zero_mod_out else replace(m, mod_out=np.zeros_like(m.mod_out))
    pca = polis_pca(pca_input, seed=seed, previous_comps=prev_comps, imputation=version.imputation)
    in_conv = _in_conversation(m, state.in_conv)
    row_group = np.full(m.shape[0], -1, dtype=np.int64)
    if fixed_groups is not None:
        group_ids = sorted(fixed_groups)
        for i, g in enumerate(group_ids):
            row_group[np.isin(m.participants, np.asarray(list(fixed_groups[g])))] = i
    else:
        rows = np.flatnonzero(in_conv)
        base, groups, state = _cluster(pca.projections[rows], m.participants[rows], state, version)
        group_ids = _py(groups.ids)
        row_group[rows] = groups.labels[base.labels]
    t = tally(m, row_group, len(group_ids))
    everyone = tally(m, None)
    meta_mask = np.isin(m.statements, np.asarray(sorted(meta), dtype=m.statements.dtype))
    priorities = comment_priorities(
        t.agree.sum(0), t.disagree.sum(0), t.seen.sum(0), pca.comment_extremity, meta_mask
    )
    new_state = OpinionState(
        in_conv=frozenset(_py(m.participants[in_conv])),
        comps=dict(zip(_py(m.statements), _py(pca.comps.T), strict=True)),
        base=state.base,
        group_clusterings=state.group_clusterings,
        smoother=state.smoother,
    )
    return OpinionResult(
        matrix=m,
        pca=pca,
        in_conv=in_conv,
        group_ids=group_ids,
        row_group=row_group,
        group_tally=t,
        repness=select_rep_comments(t, m.statements, m.mod_out),
        consensus=majority_consensus(everyone, m.statements, m.mod_out),
        gic=group_informed_consensus(t),
        priorities=priorities,
        state=new_state,
    )


def analyze_arrays(
    participants: np.ndarray,
    statements: np.ndarray,
    votes: np.ndarray,
    timestamps: np.ndarray | None = None,
    *,
    moderated_out: frozenset | set = frozenset(),
    meta: frozenset | set = frozenset(),
    seed: int = 0,
    previous_state: OpinionState | None = None,
    fixed_groups: Mapping[int, Iterable] | None = None,
    version: PolisVersion = CURRENT,
) -> OpinionResult:
    """Array form of :func:`analyze` (votes: +1 agree, -1 disagree, 0 pass)."""
    excluded = frozenset(moderated_out) | frozenset(meta)  # Polis mod-out includes meta
    m = build_matrix(participants, statements, votes, timestamps, excluded)
    return analyze_matrix(
        m, meta=meta, seed=seed, previous_state=previous_state, fixed_groups=fixed_groups,
        version=version,
    )  # fmt: skip


def analyze(
    votes: Iterable[tuple[Any, Any, int, float]],
    moderated_out: set | frozenset = frozenset(),
    seed: int = 0,
    previous_state: OpinionState | None = None,
    *,
    meta: set | frozenset = frozenset(),
) -> OpinionResult:
    """Run one update from ``(participant_id, statement_id, vote, timestamp)`` tuples.

    Votes use agree = +1, disagree = -1, pass = 0; the latest vote per cell counts. Pass the
    returned ``result.state`` as ``previous_state`` next time for Polis's warm starts.
    """
    rows = list(votes)
    if not rows:
        raise ValueError("no votes")
    pids, sids, values, stamps = (np.array(col) for col in zip(*rows, strict=True))
    return analyze_arrays(
        pids, sids, values.astype(np.int8), stamps.astype(np.float64),
        moderated_out=moderated_out, meta=meta, seed=seed, previous_state=previous_state,
    )  # fmt: skip


def replay_batches(timestamps: np.ndarray, interval: float, growth: float = 0.0) -> np.ndarray:
    """End index (exclusive) of each update when Polis recomputes as votes arrive.

    Votes must be sorted by time. An update closes a batch at the first vote arriving
    ``interval`` or more after the batch began, as a polling math worker would, and only once the
    vote count has grown by the fraction ``growth`` since the last update: early votes reshape
    the groups quickly and get frequent updates, a big conversation's next vote hardly moves them.
    """
    ends: list[int] = []
    n, start, last = len(timestamps), 0, 0
    while True:
        end = int(np.searchsorted(timestamps, timestamps[start] + interval, side="left"))
        end = max(end, int(np.ceil(last * (1.0 + growth))), last + 1)
        if end >= n:
            ends.append(n)
            return np.array(ends)
        ends.append(end)
        start = last = end


def replay(
    participants: np.ndarray,
    statements: np.ndarray,
    votes: np.ndarray,
    timestamps: np.ndarray,
    *,
    interval: float,
    growth: float = 0.0,
    moderated_out: frozenset | set = frozenset(),
    meta: frozenset | set = frozenset(),
    seed: int = 0,
    historical: bool = False,
) -> OpinionResult:
    """Process votes in timestamp order, one warm-started update per batch, as Polis did live.

    ``historical``: each update runs the Polis math in force at its last vote's time (timestamps
    in Unix ms), as the live Polis did; otherwise every update runs today's.
    """
    log = VoteLog(participants, statements, votes, timestamps, frozenset(moderated_out) | meta)
    state: OpinionState | None = None
    result = None
    for end in replay_batches(log.timestamps, interval, growth):
        version = polis_version(log.timestamps[end - 1]) if historical else CURRENT
        result = analyze_matrix(
            log.matrix(end), meta=meta, seed=seed, previous_state=state, version=version
        )
        state = result.state
    assert result is not None
    return result
