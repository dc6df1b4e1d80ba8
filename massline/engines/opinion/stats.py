"""Per-group tallies, representative statements, consensus and comment routing (repness.clj).

All statistics are vectorised over groups x statements; only Polis's sequential selection scan
(which depends on what it has kept so far) walks statements one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matrix import AGREE, DISAGREE, VoteMatrix

Z_90 = 1.2816  # one-sided 90% significance, Polis ``z-sig-90?``
META_PRIORITY = 7.0
N_REPRESENTATIVE = 5
N_CONSENSUS = 5


@dataclass(frozen=True)
class Tally:
    """Agree / disagree / seen counts per (group, statement) over raw votes."""

    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray


def tally(m: VoteMatrix, row_group: np.ndarray | None, n_groups: int = 1) -> Tally:
    """Count votes of rows with ``row_group >= 0`` (``None``: every row is group 0).

    One bincount over (group, statement, vote kind) keys: a single pass over the votes, which is
    what matters at 50M votes.
    """
    d = m.shape[1]
    kind = m.values.astype(np.int32) + 1  # 0 agree, 1 pass, 2 disagree (Polis-internal sign)
    if row_group is None:
        key = m.cols * 3 + kind
    else:
        group = row_group.astype(np.int32)[m.rows]
        inside = group >= 0
        key = ((group * d + m.cols) * 3 + kind)[inside]
    counts = np.bincount(key, minlength=n_groups * d * 3).reshape(n_groups, d, 3)
    return Tally(counts[..., AGREE + 1], counts[..., DISAGREE + 1], counts.sum(axis=2))


def prop_test(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Polis one-proportion z-score against 1/2 with a +1 pseudocount."""
    return 2.0 * np.sqrt(trials + 1.0) * ((successes + 1.0) / (trials + 1.0) - 0.5)


def two_prop_test(s_in: np.ndarray, s_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray):
    """Polis two-proportion z-score (in-group vs the rest), +1 on all four counts; 0 if p-hat=1."""
    s_in, s_out, n_in, n_out = (
        np.asarray(a, dtype=np.float64) + 1.0 for a in (s_in, s_out, n_in, n_out)
    )
    p_hat = (s_in + s_out) / (n_in + n_out)
    spread = np.sqrt(p_hat * (1.0 - p_hat) * (1.0 / n_in + 1.0 / n_out))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (s_in / n_in - s_out / n_out) / spread
    return np.where(p_hat == 1.0, 0.0, z)


def _finalize(st: dict[str, list], j: int, tid: object) -> dict:
    """One comment's client record; Polis casts repness-test to a 32-bit float."""
    agree = st["rat"][j] > st["rdt"][j]
    side = "a" if agree else "d"
    return {
        "comment_id": tid,
        "repful": "agree" if agree else "disagree",
        "n_success": int(st["n" + side][j]),
        "n_trials": int(st["ns"][j]),
        "p_success": float(st["p" + side][j]),
        "p_test": float(st["p" + side + "t"][j]),
        "repness": float(st["r" + side][j]),
        "repness_test": float(np.float32(st["r" + side + "t"][j])),
    }


def _metric(rec: dict) -> float:
    return rec["repness"] * rec["repness_test"] * rec["p_success"] * rec["p_test"]


def repness_stats(t: Tally) -> dict[str, np.ndarray]:
    """Polis ``conv-repness`` statistics per (group, statement): each group vs all the others."""
    na, nd, ns = t.agree, t.disagree, t.seen
    na_out, nd_out, ns_out = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa, pd = (1.0 + na) / (2.0 + ns), (1.0 + nd) / (2.0 + ns)
    return {
        "na": na, "nd": nd, "ns": ns, "pa": pa, "pd": pd,
        "pat": prop_test(na, ns), "pdt": prop_test(nd, ns),
        "ra": pa / ((1.0 + na_out) / (2.0 + ns_out)),
        "rd": pd / ((1.0 + nd_out) / (2.0 + ns_out)),
        "rat": two_prop_test(na, na_out, ns, ns_out),
        "rdt": two_prop_test(nd, nd_out, ns, ns_out),
    }  # fmt: skip


def _beats_best_agree(st: dict[str, list], j: int, best: int | None) -> bool:
    """Polis ``beats-best-agr?``: prefer broadly agreed, representative statements."""
    if st["na"][j] == 0 and st["nd"][j] == 0:
        return False
    ra, rat, pa, pat = (st[k][j] for k in ("ra", "rat", "pa", "pat"))
    if best is not None and st["ra"][best] > 1.0:
        return (
            ra * rat * pa * pat
            > st["ra"][best] * st["rat"][best] * st["pa"][best] * st["pat"][best]
        )
    if best is not None:
        return pa * pat > st["pa"][best] * st["pat"][best]
    return bool(pat > Z_90 or (ra > 1.0 and pa > 0.5))


def select_rep_comments(t: Tally, statements: np.ndarray, mod_out: np.ndarray) -> list[list[dict]]:
    """Representative statements per group, in Polis's order (``select-rep-comments``).

    The scan is sequential (what it keeps depends on what it kept), so each group's statistics
    become plain Python lists first: indexing numpy scalars one at a time is what made it slow.
    """
    stats = repness_stats(t)
    ids = statements.tolist()  # plain Python ids for JSON
    passes = ((stats["rat"] > Z_90) & (stats["pat"] > Z_90)) | (
        (stats["rdt"] > Z_90) & (stats["pdt"] > Z_90)
    )
    scan = np.flatnonzero(~mod_out).tolist()
    result = []
    for g in range(t.seen.shape[0]):
        st = {k: v[g].tolist() for k, v in stats.items()}
        passing = passes[g].tolist()
        sufficient: list[dict] = []
        best: dict | None = None
        best_agree: int | None = None
        for j in scan:
            if passing[j]:
                sufficient.append(_finalize(st, j, ids[j]))
            if not sufficient and (
                best is None or max(st["rat"][j], st["rdt"][j]) > best["repness_test"]
            ):
                best = _finalize(st, j, ids[j])
            if _beats_best_agree(st, j, best_agree):
                best_agree = j
        head = []
        if best_agree is not None:
            head = [_finalize(st, best_agree, ids[best_agree]) | {"best_agree": True}]
        if not sufficient:
            result.append(head or ([best] if best else []))
            continue
        rest = [r for r in sufficient if not head or r["comment_id"] != head[0]["comment_id"]]
        chosen = (head + sorted(rest, key=lambda r: -_metric(r)))[:N_REPRESENTATIVE]
        result.append(
            [r for r in chosen if r["repful"] == "agree"]
            + [r for r in chosen if r["repful"] == "disagree"]
        )
    return result


def majority_consensus(t: Tally, statements: np.ndarray, mod_out: np.ndarray) -> dict[str, list]:
    """Statements most participants agree (disagree) on, over everyone who voted."""
    result = {}
    for side, n in (("agree", t.agree[0]), ("disagree", t.disagree[0])):
        p = (1.0 + n) / (2.0 + t.seen[0])
        test = prop_test(n, t.seen[0])
        candidates = np.flatnonzero((p > 0.5) & (test > Z_90) & ~mod_out)
        ranked = candidates[np.argsort(-(p * test)[candidates], kind="stable")]
        result[side] = statements[ranked[:N_CONSENSUS]].tolist()
    return result


def group_informed_consensus(t: Tally) -> np.ndarray:
    """Product over groups of the Laplace-smoothed agree rate, per statement (Polis GIC).

    Written as (A+1) * (1/(S+2)) and multiplied in group order, the way Polis rounds, so the
    values equal Polis's to the last bit.
    """
    rates = (t.agree + 1.0) * (1.0 / (t.seen + 2.0))
    return np.multiply.reduce(rates, axis=0) if len(rates) else np.zeros(t.seen.shape[1])


def comment_priorities(
    agree: np.ndarray,
    disagree: np.ndarray,
    seen: np.ndarray,
    extremity: np.ndarray,
    meta: np.ndarray,
) -> np.ndarray:
    """Polis routing priority: divisive, agreed-with and little-seen statements come first.

    Counts are summed over groups. Meta statements get the fixed priority 7 squared.
    """
    passes = seen - agree - disagree
    p = (passes + 1.0) / (seen + 2.0)
    a = (agree + 1.0) / (seen + 2.0)
    importance = (1.0 - p) * (extremity + 1.0) * a
    priority = (importance * (1.0 + 8.0 * 2.0 ** (-seen / 5.0))) ** 2
    return np.where(meta, META_PRIORITY**2, priority)
