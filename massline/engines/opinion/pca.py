"""Polis PCA on the sparse centred matrix, participant and comment projections.

After mean imputation the column means do not change, so the centred imputed matrix is exactly the
sparse matrix holding ``vote - column mean`` on voted cells and 0 elsewhere (POLIS-MATH.md §4).
Its top-2 right singular vectors are Polis's components; no dense matrix is ever formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, svds

from .matrix import AGREE, VoteMatrix

N_COMPS = 2
# Above this many votes the centred matrix is float32: it halves the memory traffic of every
# mat-vec, and PCA is not where exact equality with Polis is at stake (its start is random).
FLOAT32_VOTES = 5_000_000
POWER_ITERS = 100  # Polis pca-iters
POWER_TOL = 1e-6  # change of a unit component below which a warm power iteration stops
# Missing votes before PCA: "mean" fills the column mean of the votes cast (Polis since 2017-10),
# "zero" fills 0, i.e. a pass (Polis before; delphi MATH_ALGORITHM_HISTORY.md).
IMPUTATIONS = ("mean", "zero")
DENSE_CELLS = 4_000_000  # 0-fill: below this many cells the centred matrix is formed densely


@dataclass(frozen=True)
class Pca:
    center: np.ndarray  # (d,) column means of rating-mat, mod-out columns 0
    comps: np.ndarray  # (2, d) unit components
    projections: np.ndarray  # (n, 2) sparsity-aware participant projections
    comment_extremity: np.ndarray  # (d,) length of each comment's projection


def _column_means(m: VoteMatrix, imputation: str = "mean") -> np.ndarray:
    """Column means of the imputed matrix: of the non-nil entries ("mean"), or over all rows with
    missing cells as 0 ("zero"); mod-out columns are all-zero in rating-mat."""
    d = m.shape[1]
    counts = np.bincount(m.cols, minlength=d)
    if imputation == "zero":
        counts = np.full(d, max(m.shape[0], 1))
    sums = np.bincount(m.cols, weights=m.values, minlength=d)
    center = np.divide(sums, counts, out=np.zeros(d), where=counts > 0)
    center[m.mod_out] = 0.0
    return center


def _zero_filled(raw: sp.csr_array, mean: np.ndarray) -> np.ndarray | LinearOperator:
    """The centred 0-filled matrix ``raw - 1 mean^T``: dense when small, else an operator.

    Unlike mean-imputation, 0-fill moves the column means, so unvoted cells hold ``-mean_j`` and
    the centred matrix is no longer sparse; it is the sparse raw votes minus a rank-one term.
    """
    n, d = raw.shape
    if n * d <= DENSE_CELLS:
        return raw.toarray() - mean
    raw_t = raw.T
    return LinearOperator(
        raw.shape,
        matvec=lambda v: raw @ v - mean @ v,
        rmatvec=lambda u: raw_t @ u - mean * u.sum(),
        dtype=np.float64,
    )


def _power_iteration(x: sp.csr_array, start: np.ndarray) -> np.ndarray | None:
    """Polis's warm start (powerit-pca): from last update's components, v <- normalise(X^T X v),
    deflated against the earlier components, until v settles or after 100 iterations.

    Between replay updates the components barely move, so a few mat-vec pairs replace a full
    eigensolve. None when a start vector vanishes after deflation (cold solve instead).
    """
    comps = np.zeros(start.shape)
    xt = x.T  # once: scipy's transpose costs more than a small mat-vec
    for k in range(len(start)):
        done = comps[:k]
        v = start[k] - done.T @ (done @ start[k])
        if not np.linalg.norm(v) > 0:
            return None
        v /= np.linalg.norm(v)
        for _ in range(POWER_ITERS):
            w = (xt @ (x @ v.astype(x.dtype))).astype(np.float64)
            w -= done.T @ (done @ w)
            norm = np.linalg.norm(w)
            if not norm > 0:
                return None
            w /= norm
            settled = np.linalg.norm(w - v) < POWER_TOL
            v = w
            if settled:
                break
        comps[k] = v
    return comps


def _top_components(
    x: sp.csr_array | np.ndarray | LinearOperator, seed: int, start: np.ndarray | None = None
) -> np.ndarray:
    """Top right singular vectors of ``x`` (2 x d), deterministic for a seed.

    Warm: Polis's power iteration from ``start``. Cold: ARPACK, or a dense SVD for the degenerate
    shapes Polis special-cases in wrapped-pca (ARPACK needs k < min(shape)).
    """
    n, d = x.shape
    if start is not None and min(n, d) > N_COMPS:
        comps = _power_iteration(x, start)
        if comps is not None:
            return comps
    if min(n, d) <= N_COMPS + 1:
        dense = x.toarray() if sp.issparse(x) else x @ np.eye(d)
        _, _, vt = np.linalg.svd(dense, full_matrices=False)
        comps = np.zeros((N_COMPS, d))
        comps[: min(len(vt), N_COMPS)] = vt[:N_COMPS]
        return comps
    v0 = np.random.default_rng(seed).standard_normal(min(n, d))
    op = x
    if x.dtype == np.float32:  # keep ARPACK in float64, the mat-vecs in float32
        op = LinearOperator(
            x.shape,
            matvec=lambda v: (x @ v.astype(np.float32)).astype(np.float64),
            rmatvec=lambda u: (x.T @ u.astype(np.float32)).astype(np.float64),
            dtype=np.float64,
        )
    _, s, vt = svds(op, k=N_COMPS, v0=v0, random_state=seed)
    return vt[np.argsort(-s)]


def _orient(comps: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Fix the arbitrary sign: follow the previous update, else make the largest entry positive."""
    signs = np.ones(len(comps))
    for k, comp in enumerate(comps):
        if previous is not None and np.dot(comp, previous[k]) != 0:
            signs[k] = np.sign(np.dot(comp, previous[k]))
        elif comp.any():
            signs[k] = np.sign(comp[np.argmax(np.abs(comp))])
    return comps * signs[:, None]


def polis_pca(
    m: VoteMatrix,
    seed: int = 0,
    previous_comps: np.ndarray | None = None,
    imputation: str = "mean",
) -> Pca:
    """Centre, components and projections as Polis computes them (POLIS-MATH.md §3-5).

    ``imputation`` picks how missing votes enter PCA (see ``IMPUTATIONS``); the projection is
    sparsity-aware either way (only a participant's own votes, rescaled).
    """
    if imputation not in IMPUTATIONS:
        raise ValueError(f"imputation must be one of {IMPUTATIONS}, not {imputation!r}")
    n, d = m.shape
    center = _column_means(m, imputation)
    dtype = np.float32 if len(m.values) > FLOAT32_VOTES else np.float64
    centred = m.values.astype(dtype)
    centred -= center.astype(dtype)[m.cols]
    if m.mod_out.any():  # zeroed columns: 0 minus a zero mean
        centred[m.mod_out[m.cols]] = 0.0
    x = sp.csr_array((centred, m.cols, m.indptr), shape=(n, d))
    solve = x
    if imputation == "zero":
        raw = m.values.astype(np.float64)
        if m.mod_out.any():
            raw[m.mod_out[m.cols]] = 0.0
        solve = _zero_filled(sp.csr_array((raw, m.cols, m.indptr), shape=(n, d)), center)
    comps = _orient(_top_components(solve, seed, previous_comps), previous_comps)
    # Zeroed mod-out columns count as voted cells for everyone, while adding 0 to the product.
    n_voted = np.diff(m.indptr)
    if m.mod_out.any():
        n_voted = n_voted - np.bincount(m.rows[m.mod_out[m.cols]], minlength=n)
    scale = np.sqrt(d / np.maximum(n_voted + int(m.mod_out.sum()), 1))
    projections = (x @ comps.T.astype(dtype)).astype(np.float64) * scale[:, None]
    comment_proj = (AGREE - center)[:, None] * comps.T * np.sqrt(d)
    return Pca(center, comps, projections, np.linalg.norm(comment_proj, axis=1))
