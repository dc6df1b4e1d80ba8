"""The participants x statements vote matrix, kept sparse.

Polis stores votes with agree = -1 and disagree = +1; the exports flip that. The engine takes
export-convention votes (agree = +1) at its edges and keeps Polis's internal sign inside, so that
``pca.center`` and the comment projections read the same as Polis's own math output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

AGREE = -1  # Polis-internal sign of an agree vote
DISAGREE = 1


@dataclass(frozen=True)
class VoteMatrix:
    """Latest vote per (participant, statement), rows and columns in id order.

    ``votes`` holds Polis-internal values (agree -1, pass 0, disagree +1) in CSR form with
    explicit zeros for passes, so "seen" is simply a stored cell.
    """

    participants: np.ndarray  # row ids, ascending
    statements: np.ndarray  # column ids, ascending (Polis scans comments in tid order)
    rows: np.ndarray  # int32 row index of each stored cell, CSR order
    cols: np.ndarray  # int32 column index of each stored cell
    values: np.ndarray  # int8 Polis-internal vote of each stored cell
    indptr: np.ndarray  # CSR row pointer
    mod_out: np.ndarray  # bool per column: moderated out or meta, zeroed in rating-mat

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participants), len(self.statements)

    def votes_per_row(self) -> np.ndarray:
        """Non-nil cells of raw-rating-mat per participant (Polis ``user-vote-counts``)."""
        return np.diff(self.indptr)


def _index(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (unique sorted ids, index of each id), in O(n) for small non-negative ints."""
    if ids.dtype.kind in "iu" and ids.size and ids.min() >= 0 and ids.max() < 4 * ids.size + 1024:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        uniq = np.flatnonzero(present)
        lookup = np.cumsum(present, dtype=np.int32) - 1
        return uniq.astype(ids.dtype), lookup[ids]
    uniq, inverse = np.unique(ids, return_inverse=True)
    return uniq, inverse.astype(np.int32)


def _mod_out_mask(statements: np.ndarray, mod_out: frozenset | set) -> np.ndarray:
    if not mod_out:
        return np.zeros(len(statements), dtype=bool)
    return np.isin(statements, np.array(sorted(mod_out), dtype=statements.dtype))


def _time_ordered(timestamps: np.ndarray | None, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays in (stable) timestamp order; input order when there are no timestamps."""
    arrays = tuple(np.asarray(a) for a in arrays)
    if timestamps is None:
        return arrays
    timestamps = np.asarray(timestamps)
    if timestamps.size > 1 and np.any(timestamps[1:] < timestamps[:-1]):
        order = np.argsort(timestamps, kind="stable")
        return tuple(a[order] for a in arrays)
    return arrays


def build_matrix(
    participants: np.ndarray,
    statements: np.ndarray,
    votes: np.ndarray,
    timestamps: np.ndarray | None = None,
    mod_out: frozenset | set = frozenset(),
) -> VoteMatrix:
    """Build the matrix from vote events (export convention), keeping each cell's latest vote.

    Events are ordered by timestamp (stable; input order when there are none). Duplicate cells
    are detected in O(votes) through scipy's COO->CSR conversion; only when some exist do we pay
    for a sort to keep the latest one.
    """
    participants, statements, votes = _time_ordered(timestamps, participants, statements, votes)
    pids, rows = _index(participants)
    tids, cols = _index(statements)
    n, d = len(pids), len(tids)
    # Event position + 1 as CSR data: zero-free, so nothing is dropped, and it tells us later which
    # event each cell holds (int32 halves the conversion's memory traffic at 50M votes).
    position = np.arange(1, len(votes) + 1, dtype=np.int32 if len(votes) < 2**30 else np.int64)
    csr = sp.csr_array((position, (rows, cols)), shape=(n, d))
    if csr.nnz < len(votes):
        key = rows.astype(np.int64) * d + cols
        order = np.argsort(key, kind="stable")  # stable: time order kept within a cell
        last = np.ones(len(order), dtype=bool)
        last[:-1] = key[order][1:] != key[order][:-1]
        keep = order[last]
        csr = sp.csr_array((position[keep], (rows[keep], cols[keep])), shape=(n, d))
    event = csr.data - 1
    internal = (-np.sign(votes[event])).astype(np.int8)
    row_of_cell = np.repeat(np.arange(n, dtype=np.int32), np.diff(csr.indptr))
    return VoteMatrix(
        participants=pids,
        statements=tids,
        rows=row_of_cell,
        cols=csr.indices.astype(np.int32, copy=False),
        values=internal,
        indptr=csr.indptr,
        mod_out=_mod_out_mask(tids, mod_out),
    )


class VoteLog:
    """Vote events in time order, from which the matrix after any number of events is cut.

    A replay asks for one matrix per update. Sorting the events by cell once (time order kept
    within a cell) and noting when each vote is superseded makes every prefix a few vectorised
    masks, instead of a rebuild with its COO->CSR conversion and duplicate sort.
    """

    def __init__(
        self,
        participants: np.ndarray,
        statements: np.ndarray,
        votes: np.ndarray,
        timestamps: np.ndarray,
        mod_out: frozenset | set = frozenset(),
    ) -> None:
        self.timestamps, participants, statements, votes = _time_ordered(
            timestamps, timestamps, participants, statements, votes
        )
        self.participants, rows = _index(participants)
        self.statements, cols = _index(statements)
        self.mod_out = _mod_out_mask(self.statements, mod_out)
        n_events = len(votes)
        position = np.arange(n_events)
        key = rows.astype(np.int64) * len(self.statements) + cols
        by_cell = np.argsort(key, kind="stable")
        same_cell = key[by_cell][1:] == key[by_cell][:-1]
        superseded = np.full(n_events, n_events)  # event count at which a later vote replaces it
        superseded[:-1][same_cell] = by_cell[1:][same_cell]
        self._event, self._superseded = by_cell, superseded
        self._rows, self._cols = rows[by_cell], cols[by_cell]
        self._values = (-np.sign(votes[by_cell])).astype(np.int8)
        self._row_start = np.full(len(self.participants), n_events)
        np.minimum.at(self._row_start, rows, position)
        self._col_start = np.full(len(self.statements), n_events)
        np.minimum.at(self._col_start, cols, position)

    def __len__(self) -> int:
        return len(self._event)

    def matrix(self, end: int) -> VoteMatrix:
        """The vote matrix after the first ``end`` events (equal to ``build_matrix`` on them)."""
        live = (self._event < end) & (self._superseded >= end)
        row_in, col_in = self._row_start < end, self._col_start < end
        rows = (np.cumsum(row_in, dtype=np.int32) - 1)[self._rows[live]]
        cols = (np.cumsum(col_in, dtype=np.int32) - 1)[self._cols[live]]
        n_rows = int(row_in.sum())
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        return VoteMatrix(
            participants=self.participants[row_in],
            statements=self.statements[col_in],
            rows=rows,
            cols=cols,
            values=self._values[live],
            indptr=indptr,
            mod_out=self.mod_out[col_in],
        )
