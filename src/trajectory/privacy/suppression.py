"""Cell suppression and rounding on n-dimensional count tables with margins.

The engine behind :func:`trajectory.privacy.disclose` for count tables. It works on
an *extended* array: a table with ``d_1 x ... x d_n`` interior cells is held as an
array of shape ``(d_1 + 1) x ... x (d_n + 1)`` whose last index along each axis is
the margin (total) along that axis, as sdcTable and tau-Argus do with hierarchies.

Every line of the extended array (all indices fixed but one) is a linear equation
an intruder can use: the interior cells of the line sum to its last entry. The
engine

1. marks *primary* cells: published counts with ``0 < x < k`` (zeros are safe by
   default, as in sdcTable and tau-Argus), cells that are already missing (NaN:
   suppressed earlier); margins that the table does not show and that would be
   small count as unknowns;
2. adds *secondary* (complementary) suppressions until no sensitive cell can be
   derived from the published cells and the margins: first the line rule (no line
   holds exactly one suppressed cell: suppress the next-smallest cell of that
   line, preferring non-zero interior cells), then an exact linear-algebra check
   (a suppressed cell is derivable iff every null vector of the equations,
   restricted to the suppressed cells, is zero on it). Protection against the
   linear-programming attack uses only suppressed cells with a positive value, so
   every sensitive cell can move both up and down while all cells stay
   non-negative.

Margins that the table does not show are assumed known to an intruder (they may
be published elsewhere) unless they are themselves small (``0 < total < k``).

Examples
--------
>>> import numpy as np
>>> ext = np.array([[3.0, 10, 12, 25], [8, 9, 20, 37], [11, 19, 32, 62]])
>>> in_table = np.zeros(ext.shape, dtype=bool); in_table[:2, :3] = True
>>> pattern = suppression_pattern(ext, in_table, k=5)
>>> pattern.suppressed[:2, :3].astype(int)
array([[1, 1, 0],
       [1, 1, 0]])
>>> print(pattern.reason[0, 0], pattern.reason[1, 1])
primary secondary
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import svd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from ..errors import PrivacyError

__all__ = ["SuppressionPattern", "suppression_pattern", "margin_sums", "rounded_to_base"]

_TOL = 1e-9
_TRIALS = 8  # candidate cells tried per derivable cell before falling back to the smallest
#: the protection interval is enforced on tables with at most this many hidden cells
#: (two integer programmes a hidden cell and round); larger ones get the exact check only
_WIDEN_MAX_HIDDEN = 150
_WIDEN_ROUNDS = 40


@dataclass(frozen=True)
class SuppressionPattern:
    """Which entries of an extended table are suppressed, and why.

    Attributes
    ----------
    suppressed : numpy.ndarray of bool
        Same shape as the extended array; True where the entry must not be shown.
    reason : numpy.ndarray of str
        ``"primary"`` (``0 < x < k``), ``"input"`` (already missing in the input),
        ``"secondary"`` (complementary) or ``""``.
    values : numpy.ndarray
        The extended values used (margins not in the table filled from sums).
    unprotected : tuple of tuple of int
        Hidden cells whose interval stays narrower than the protection interval even
        with every useful cell hidden (the known margins give them away; aggregate
        categories, or do not publish those margins). Empty in the usual case.
    """

    suppressed: np.ndarray
    reason: np.ndarray
    values: np.ndarray
    unprotected: tuple[tuple[int, ...], ...] = ()


def margin_sums(interior: np.ndarray) -> np.ndarray:
    """Extended array of ``interior`` with every margin (NaN propagates).

    Examples
    --------
    >>> margin_sums(np.array([[1.0, 2], [3, 4]]))
    array([[ 1.,  2.,  3.],
           [ 3.,  4.,  7.],
           [ 4.,  6., 10.]])
    """
    interior = np.asarray(interior, dtype=float)
    shape = interior.shape
    ext = np.full(tuple(d + 1 for d in shape), np.nan)
    for mask in itertools.product((False, True), repeat=interior.ndim):
        axes = tuple(i for i, m in enumerate(mask) if m)
        total = interior.sum(axis=axes, keepdims=True) if axes else interior
        where = tuple(slice(d, d + 1) if m else slice(0, d)
                      for m, d in zip(mask, shape, strict=True))
        ext[where] = total
    return ext


def rounded_to_base(values: np.ndarray, *, base: float, k: float) -> np.ndarray:
    """Round counts to the nearest multiple of ``base`` (half up), never into ``[1, k-1]``.

    A count of at least ``k`` that would round below ``k`` is raised to the smallest
    multiple of ``base`` that is at least ``k``; zeros stay zero; NaN stays NaN.

    Examples
    --------
    >>> rounded_to_base(np.array([0.0, 5, 7, 8, 12, 13, np.nan]), base=5, k=5)
    array([ 0.,  5.,  5., 10., 10., 15., nan])
    >>> rounded_to_base(np.array([7.0, 11]), base=5, k=7)
    array([10., 10.])
    """
    if base <= 0:
        raise PrivacyError(f"rounding base must be positive, got {base!r}")
    x = np.asarray(values, dtype=float)
    r = base * np.floor(x / base + 0.5)
    floor_k = base * np.ceil(k / base)
    return np.where((x >= k) & (r < k), floor_k, r)


def _reduce_singletons(values: np.ndarray, in_table: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, list[int]]:
    """Merge the margin of every axis with one category into its only cell."""
    single = [a for a, n in enumerate(values.shape) if n == 2]
    for a in single:
        inner_in = np.take(in_table, [0], axis=a)
        marg_in = np.take(in_table, [1], axis=a)
        inner = np.take(values, [0], axis=a)
        marg = np.take(values, [1], axis=a)
        values = np.where(inner_in | ~marg_in, inner, marg)
        in_table = inner_in | marg_in
    return values, in_table, single


def _lines(shape: tuple[int, ...], axes: list[int]) -> list[np.ndarray]:
    """Flat indices of every line along each of ``axes`` (margin last), one array an axis."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    return [np.moveaxis(flat, a, -1).reshape(-1, shape[a]) for a in axes]


def _equations(lines: list[np.ndarray], variables: np.ndarray, size: int,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of every line equation holding a variable, and those lines.

    Returns ``(a, rows)``: ``a[r, j]`` is the coefficient of ``variables[j]`` in
    line ``rows[r]`` (flat indices, margin last): +1 for a cell, -1 for the margin.
    """
    col = np.full(size, -1)
    col[variables] = np.arange(variables.size)
    width = max((b.shape[1] for b in lines), default=0)
    a_blocks, row_blocks = [], []
    for block in lines:
        c = col[block]
        keep = (c >= 0).any(axis=1)
        kept = c[keep]
        a = np.zeros((kept.shape[0], variables.size))
        r, j = np.nonzero(kept >= 0)
        a[r, kept[r, j]] = np.where(j == block.shape[1] - 1, -1.0, 1.0)
        a_blocks.append(a)
        padded = np.full((kept.shape[0], width), -1)
        padded[:, : block.shape[1] - 1] = block[keep][:, :-1]
        padded[:, -1] = block[keep][:, -1]
        row_blocks.append(padded)
    if not a_blocks:
        return np.zeros((0, variables.size)), np.zeros((0, 1), dtype=int)
    return np.vstack(a_blocks), np.vstack(row_blocks)


def _position(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _null_space(a: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the null space of ``a`` (columns), by SVD."""
    m, n = a.shape
    _, sv, vt = svd(a, full_matrices=m < n, lapack_driver="gesdd")
    rank = int((sv > sv.max(initial=0.0) * max(m, n) * np.finfo(float).eps).sum())
    return vt[rank:].T.conj()


def _derivable(lines: list[np.ndarray], variables: np.ndarray, size: int) -> np.ndarray:
    """Boolean over ``variables`` (flat indices): True if the cell is fixed by the lines."""
    if variables.size == 0:
        return np.zeros(0, dtype=bool)
    a, _ = _equations(lines, variables, size)
    if a.shape[0] == 0:
        return np.zeros(variables.size, dtype=bool)
    basis = _null_space(a)
    if basis.shape[1] == 0:
        return np.ones(variables.size, dtype=bool)
    return np.linalg.norm(basis, axis=1) < _TOL


def _movable(a: np.ndarray, target: int, zeros: np.ndarray) -> bool:
    """True if some null direction of ``a`` moves ``target`` and no zero cell below 0."""
    n = a.shape[1]
    for sign in (1.0, -1.0):
        bounds = [(0.0, 1.0) if z else (-1.0, 1.0) for z in zeros]
        bounds[target] = (sign, sign)
        res = linprog(np.zeros(n), A_eq=a, b_eq=np.zeros(a.shape[0]), bounds=bounds,
                      method="highs")
        if res.status == 0:
            return True
    return False


def _best_candidates(a: np.ndarray, rows: np.ndarray, targets: list[int | None],
                     cands: list[list[int]], n_lines: int) -> set[int]:
    """For each target (column of ``a``), the first candidate whose suppression frees it.

    Adding cell ``c`` frees the target iff ``a v = -a_c`` has a solution (every
    solution then has the same target component) with a non-zero target component.
    A candidate on a line without any hidden cell cannot help on its own. Falls back
    to the first candidate.
    """
    pool = sorted({c for cs in cands for c in cs})
    usable, columns = [], []
    if a.shape[0]:
        for c in pool:
            hit = rows == c
            if hit.any(axis=1).sum() < n_lines:
                continue
            usable.append(c)
            columns.append(np.where(hit[:, -1], -1.0, 0.0) + hit[:, :-1].sum(axis=1))
    frees: dict[int, np.ndarray] = {}
    if usable:
        b = -np.column_stack(columns)
        sol, *_ = np.linalg.lstsq(a, b, rcond=None)
        ok = np.linalg.norm(a @ sol - b, axis=0) < 1e-8
        frees = {c: ok[j] & (np.abs(sol[:, j]) > 1e-8) for j, c in enumerate(usable)}
    chosen = set()
    for target, cs in zip(targets, cands, strict=True):
        pick = cs[0]
        if target is not None:
            pick = next((c for c in cs if c in frees and frees[c][target]), cs[0])
        chosen.add(pick)
    return chosen


class _Pattern:
    """Working state of one suppression run on a flattened extended array.

    Each step of :func:`suppression_pattern` is a method: :meth:`primary` marks what
    must be hidden, :meth:`line_rule` adds a second hidden entry to every line with a
    single one, :meth:`derivable` finds hidden cells an intruder can still pin down,
    :meth:`complement` hides one cell freeing each of them, :meth:`result` undoes the
    merge of single-category axes.
    """

    def __init__(self, values: np.ndarray, in_table: np.ndarray, *, k: float,
                 zeros_safe: bool) -> None:
        self.full_shape = values.shape
        values, in_table, self.single = _reduce_singletons(values, in_table)
        shape = self.shape = values.shape
        axes = [a for a in range(values.ndim) if shape[a] > 1]
        interior_slice = tuple(slice(0, n - 1) if n > 1 else slice(0, 1) for n in shape)
        is_margin = np.zeros(shape, dtype=bool)
        for a in axes:
            idx: list[Any] = [slice(None)] * values.ndim
            idx[a] = shape[a] - 1
            is_margin[tuple(idx)] = True
        if axes:
            inner = values[interior_slice]
            sums = margin_sums(inner.reshape([shape[a] - 1 for a in axes])).reshape(shape)
        else:
            sums = values
        self.implicit = is_margin & ~in_table
        self.vals = np.where(self.implicit, sums, values)
        self.lines = _lines(shape, axes)
        self.size = self.vals.size
        self.flat_margin, self.flat_in = is_margin.reshape(-1), in_table.reshape(-1)
        self.flat_vals = self.vals.reshape(-1)
        self.primary(in_table, k=k, zeros_safe=zeros_safe)

    def primary(self, in_table: np.ndarray, *, k: float, zeros_safe: bool) -> None:
        """Step 1: cells ``0 < x < k`` (or ``0 <= x < k``), unknown cells, small hidden margins."""
        vals = self.vals
        unknown = np.isnan(vals)
        small = (vals >= 0) & (vals < k) if not zeros_safe else (vals > 0) & (vals < k)
        sup = (in_table & (unknown | small)) | (self.implicit & (unknown | small))
        reason = np.full(self.shape, "", dtype=object)
        reason[in_table & small & ~unknown] = "primary"
        reason[in_table & unknown] = "input"
        self.flat_sup = sup.reshape(-1).copy()
        self.flat_checked = (sup & in_table).reshape(-1).copy()  # hidden margins: unknowns
        self.flat_pos = (unknown | (vals > 0)).reshape(-1)
        self.flat_reason = reason.reshape(-1)

    def priority(self, i: int) -> tuple:
        return (bool(self.flat_margin[i]), not self.flat_pos[i],
                float(np.nan_to_num(self.flat_vals[i])), i)

    def candidates(self, pool: np.ndarray) -> list[int]:
        """Shown cells of ``pool``, the cheapest to hide first."""
        pool = np.unique(pool)
        pool = pool[self.flat_in[pool] & ~self.flat_sup[pool]]
        return sorted((int(i) for i in pool), key=self.priority)

    def lines_through(self, i: int) -> np.ndarray:
        return np.concatenate([b[(b == i).any(axis=1)].ravel() for b in self.lines]
                              or [np.array([])])

    def suppress(self, i: int) -> None:
        self.flat_sup[i] = True
        self.flat_checked[i] = True  # a shown cell, once hidden, must stay hidden on a re-run
        if not self.flat_reason[i]:
            self.flat_reason[i] = "secondary"

    def line_rule(self) -> None:
        """Step 2: no line holds exactly one hidden cell (iterated to a fixpoint)."""
        changed = True
        while changed:
            changed = False
            for block in self.lines:
                count = self.flat_sup[block].sum(axis=1)
                for line in block[count == 1]:
                    lone = line[self.flat_sup[line]][0]
                    if not self.flat_checked[lone] or self.flat_sup[line].sum() != 1:
                        continue
                    cands = self.candidates(line)
                    if cands:
                        self.suppress(cands[0])
                        changed = True

    def derivable(self) -> np.ndarray:
        """Step 3: flat indices of checked hidden cells an intruder can pin down.

        A zero-valued cell is pinned if the equations fix it; a positive cell also
        if no direction that moves it keeps every zero-valued hidden cell >= 0.
        """
        lines, size, flat_pos = self.lines, self.size, self.flat_pos
        all_vars = np.flatnonzero(self.flat_sup)
        fixed_all = _derivable(lines, all_vars, size)
        pos_vars = np.flatnonzero(self.flat_sup & flat_pos)
        fixed_pos = pos_vars[_derivable(lines, pos_vars, size)]
        zeros = ~flat_pos[all_vars]
        unsure = np.setdiff1d(fixed_pos, all_vars[fixed_all])
        if unsure.size and zeros.any():
            a, _ = _equations(lines, all_vars, size)
            where = {int(v): j for j, v in enumerate(all_vars)}
            unsure = np.array([u for u in unsure if not _movable(a, where[int(u)], zeros)],
                              dtype=int)
        out = np.union1d(all_vars[fixed_all], unsure)
        return out[self.flat_checked[out]]

    def complement(self, fixed: np.ndarray) -> bool:
        """Step 4: hide, for each pinned cell, the candidate that frees it.

        Returns False when the pinned cells are only zeros or cells hidden by an
        earlier pass (nothing left to protect).

        Raises
        ------
        PrivacyError
            If a small cell is pinned with every shown cell hidden already.
        """
        everything = self.candidates(np.arange(self.size))
        if not everything:
            vals, reason = self.flat_vals, self.flat_reason
            sensitive = fixed[(vals[fixed] > 0) & (reason[fixed] != "input")]
            if sensitive.size == 0:
                return False
            raise PrivacyError(
                f"a small cell (position {_position(int(sensitive[0]), self.shape)} of the "
                "table with totals) can be derived from totals alone even with every "
                "cell hidden; aggregate categories (fewer rows or columns) or do not "
                "publish this table"
            )
        pos_vars = np.flatnonzero(self.flat_sup & self.flat_pos)
        eqs, eq_lines = _equations(self.lines, pos_vars, self.size)
        column_of = {int(v): j for j, v in enumerate(pos_vars)}
        targets = [int(t) for t in fixed]
        pools = [(self.candidates(self.lines_through(t)) or everything)[:_TRIALS]
                 for t in targets]
        picked = _best_candidates(eqs, eq_lines, [column_of.get(t) for t in targets], pools,
                                  len(self.lines))
        for c in sorted(picked):
            self.suppress(c)
        return True

    def narrow(self, protection: float) -> list[int]:
        """Step 5: hidden cells an intruder pins to an interval narrower than ``protection``.

        The intruder knows every margin; the bounds come from integer programming over
        the line equations.
        """
        variables = np.flatnonzero(self.flat_sup)
        targets = [int(v) for v in variables if self.flat_checked[v]]
        if not targets:
            return []
        a, rows = _equations(self.lines, variables, self.size)
        if a.shape[0] == 0:
            return []
        known = np.where(self.flat_sup, 0.0, np.nan_to_num(self.flat_vals))
        const = np.zeros(rows.shape[0])
        for r, line in enumerate(rows):
            members, margin = line[:-1][line[:-1] >= 0], line[-1]
            const[r] = known[members].sum() - known[margin]
        column = {int(v): j for j, v in enumerate(variables)}
        constraint = LinearConstraint(csr_array(a), -const, -const)
        bounds = Bounds(np.zeros(variables.size), np.full(variables.size, 1e9))
        out = []
        for t in targets:
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(variables.size)
                c[column[t]] = sign
                res = milp(c, constraints=constraint, integrality=np.ones(variables.size),
                           bounds=bounds)
                ends.append(np.nan if res.x is None else res.x[column[t]])
            if not np.isnan(ends).any() and ends[1] - ends[0] < protection - 1e-6:
                out.append(t)
        return out

    def widen(self, cells: list[int]) -> bool:
        """Hide, for each narrowed cell, the cheapest non-zero shown cell on its lines."""
        # one cell a round, the one on the lines of most narrowed cells, then the cheapest
        # (a hidden zero cannot move down: it narrows, never widens, an interval)
        votes: dict[int, int] = {}
        for t in cells:
            for c in self.candidates(self.lines_through(t)):
                if self.flat_pos[c]:
                    votes[c] = votes.get(c, 0) + 1
        if not votes:
            return False
        self.suppress(min(votes, key=lambda c: (-votes[c], self.priority(c))))
        return True

    def snapshot(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.flat_sup.copy(), self.flat_checked.copy(), self.flat_reason.copy()

    def restore(self, saved: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.flat_sup, self.flat_checked, self.flat_reason = (a.copy() for a in saved)

    def result(self, unprotected: list[int] | None = None) -> SuppressionPattern:
        """Step 6: the pattern on the full extended array (single axes restored)."""
        sup_out = self.flat_sup.reshape(self.shape)
        reason_out = self.flat_reason.reshape(self.shape)
        vals_out = self.vals
        for a in sorted(self.single):  # undo the merge of single-category axes
            sup_out = np.concatenate([sup_out, sup_out], axis=a)
            reason_out = np.concatenate([reason_out, reason_out], axis=a)
            vals_out = np.concatenate([vals_out, vals_out], axis=a)
        assert sup_out.shape == self.full_shape
        return SuppressionPattern(suppressed=sup_out, reason=reason_out.astype(str),
                                  values=vals_out, unprotected=tuple(
                                      _position(i, self.shape) for i in unprotected or []))


def suppression_pattern(
    values: np.ndarray,
    in_table: np.ndarray,
    *,
    k: float = 5,
    zeros_safe: bool = True,
    protection: float | None = None,
) -> SuppressionPattern:
    """Primary and secondary suppression of an extended count table.

    Parameters
    ----------
    values : numpy.ndarray
        Extended array, shape ``(d_1 + 1, ..., d_n + 1)``: interior cells and, in
        the last position of each axis, margins. NaN marks an unknown entry (a cell
        suppressed earlier). Margins not in the table may hold anything: they are
        recomputed from the interior.
    in_table : numpy.ndarray of bool
        True for entries the published table shows. Interior entries not in the
        table are known values (an absent row of a long table is a known 0).
    k : float
        Threshold: published counts must be 0 or at least ``k``.
    zeros_safe : bool
        If False, zeros are treated as sensitive too (suppressed like ``0 < x < k``).
    protection : float, optional
        Minimum width of the interval an intruder who knows every margin can prove
        for each hidden cell (integer programming); default ``k``. ``0`` only
        requires that no hidden cell is exactly derivable.

    Returns
    -------
    SuppressionPattern

    Raises
    ------
    PrivacyError
        If a sensitive cell cannot be protected by suppressing other cells of the
        table (aggregate categories, then try again).
    """
    values = np.asarray(values, dtype=float)
    in_table = np.asarray(in_table, dtype=bool)
    if values.shape != in_table.shape:
        raise PrivacyError(f"values {values.shape} and in_table {in_table.shape} differ in shape")
    if values.ndim == 0 or min(values.shape) < 2:
        raise PrivacyError("an extended table needs at least one category and a margin an axis")
    work = _Pattern(values, in_table, k=k, zeros_safe=zeros_safe)
    protection = float(k if protection is None else protection)
    # intervals are computed on true values: a table whose cells were hidden before
    # (NaN: a re-run on published output) is not widened again
    widen = protection > 0 and not np.isnan(values).any()
    narrow: list[int] = []
    saved = None
    rounds = 0
    for _ in range(work.size + 1):
        try:
            work.line_rule()
            fixed = work.derivable()
            if fixed.size and work.complement(fixed):
                continue
        except PrivacyError:
            if saved is None:
                raise
            work.restore(saved)  # widening left nothing to hide: keep the last pattern
            break
        rounds += 1
        widen = widen and rounds <= _WIDEN_ROUNDS and int(work.flat_sup.sum()) <= _WIDEN_MAX_HIDDEN
        narrow = work.narrow(protection) if widen else []
        saved = work.snapshot()
        if not narrow or not work.widen(narrow):
            break
    return work.result(unprotected=narrow)
