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

import numpy as np
from scipy.linalg import svd
from scipy.optimize import linprog

from ..errors import PrivacyError

__all__ = ["SuppressionPattern", "suppression_pattern", "margin_sums", "rounded_to_base"]

_TOL = 1e-9
_TRIALS = 8  # candidate cells tried per derivable cell before falling back to the smallest


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
    """

    suppressed: np.ndarray
    reason: np.ndarray
    values: np.ndarray


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


def suppression_pattern(
    values: np.ndarray,
    in_table: np.ndarray,
    *,
    k: float = 5,
    zeros_safe: bool = True,
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
    full_shape = values.shape
    values, in_table, single = _reduce_singletons(values, in_table)
    shape = values.shape
    axes = [a for a in range(values.ndim) if shape[a] > 1]
    interior_slice = tuple(slice(0, n - 1) if n > 1 else slice(0, 1) for n in shape)
    is_margin = np.zeros(shape, dtype=bool)
    for a in axes:
        idx = [slice(None)] * values.ndim
        idx[a] = shape[a] - 1
        is_margin[tuple(idx)] = True
    if axes:
        inner = values[interior_slice]
        sums = margin_sums(inner.reshape([shape[a] - 1 for a in axes]))
        sums = sums.reshape(shape)
    else:
        sums = values
    implicit = is_margin & ~in_table
    vals = np.where(implicit, sums, values)
    unknown = np.isnan(vals)
    if zeros_safe:
        small = (vals > 0) & (vals < k)
    else:
        small = (vals >= 0) & (vals < k)
    sup = (in_table & (unknown | small)) | (implicit & (unknown | small))
    checked = sup & in_table  # hidden margins are unknowns, not cells to protect
    positive = unknown | (vals > 0)
    reason = np.full(shape, "", dtype=object)
    reason[in_table & small & ~unknown] = "primary"
    reason[in_table & unknown] = "input"

    lines = _lines(shape, axes)
    size = vals.size
    flat_sup, flat_checked = sup.reshape(-1), checked.reshape(-1)
    flat_pos, flat_vals = positive.reshape(-1), vals.reshape(-1)
    flat_margin, flat_in = is_margin.reshape(-1), in_table.reshape(-1)
    flat_reason = reason.reshape(-1)

    def priority(i: int) -> tuple:
        return (bool(flat_margin[i]), not flat_pos[i], float(np.nan_to_num(flat_vals[i])), i)

    def candidates(pool: np.ndarray) -> list[int]:
        pool = np.unique(pool)
        pool = pool[flat_in[pool] & ~flat_sup[pool]]
        return sorted((int(i) for i in pool), key=priority)

    def lines_through(i: int) -> np.ndarray:
        return np.concatenate([b[(b == i).any(axis=1)].ravel() for b in lines] or [np.array([])])

    def derivable_cells(sup_mask: np.ndarray) -> np.ndarray:
        """Flat indices of checked suppressed cells an intruder can pin down.

        A zero-valued cell is pinned if the equations fix it; a positive cell also
        if no direction that moves it keeps every zero-valued hidden cell >= 0.
        """
        all_vars = np.flatnonzero(sup_mask)
        fixed_all = _derivable(lines, all_vars, size)
        pos_vars = np.flatnonzero(sup_mask & flat_pos)
        fixed_pos = pos_vars[_derivable(lines, pos_vars, size)]
        zeros = ~flat_pos[all_vars]
        unsure = np.setdiff1d(fixed_pos, all_vars[fixed_all])
        if unsure.size and zeros.any():
            a, _ = _equations(lines, all_vars, size)
            where = {int(v): j for j, v in enumerate(all_vars)}
            unsure = np.array([u for u in unsure if not _movable(a, where[int(u)], zeros)],
                              dtype=int)
        out = np.union1d(all_vars[fixed_all], unsure)
        return out[flat_checked[out]]

    def suppress(i: int) -> None:
        flat_sup[i] = True
        flat_checked[i] = True  # a shown cell, once hidden, must stay hidden on a re-run
        if not flat_reason[i]:
            flat_reason[i] = "secondary"

    for _ in range(size + 1):
        changed = True
        while changed:  # line rule to a fixpoint
            changed = False
            for block in lines:
                count = flat_sup[block].sum(axis=1)
                for line in block[count == 1]:
                    lone = line[flat_sup[line]][0]
                    if not flat_checked[lone] or flat_sup[line].sum() != 1:
                        continue
                    cands = candidates(line)
                    if cands:
                        suppress(cands[0])
                        changed = True
        fixed = derivable_cells(flat_sup)
        if fixed.size == 0:
            break
        everything = candidates(np.arange(size))
        if not everything:
            sensitive = fixed[(flat_vals[fixed] > 0) & (flat_reason[fixed] != "input")]
            if sensitive.size == 0:  # only zeros, or cells hidden by an earlier pass
                break
            raise PrivacyError(
                f"a small cell (position {_position(int(sensitive[0]), shape)} of the "
                "table with totals) can be derived from totals alone even with every "
                "cell hidden; aggregate categories (fewer rows or columns) or do not "
                "publish this table"
            )
        pos_vars = np.flatnonzero(flat_sup & flat_pos)
        eqs, eq_lines = _equations(lines, pos_vars, size)
        column_of = {int(v): j for j, v in enumerate(pos_vars)}
        targets = [int(t) for t in fixed]
        pools = [(candidates(lines_through(t)) or everything)[:_TRIALS] for t in targets]
        picked = _best_candidates(eqs, eq_lines, [column_of.get(t) for t in targets], pools,
                                  len(lines))
        for c in sorted(picked):
            suppress(c)

    sup_out, reason_out, vals_out = flat_sup.reshape(shape), flat_reason.reshape(shape), vals
    for a in sorted(single):  # undo the merge of single-category axes
        sup_out = np.concatenate([sup_out, sup_out], axis=a)
        reason_out = np.concatenate([reason_out, reason_out], axis=a)
        vals_out = np.concatenate([vals_out, vals_out], axis=a)
    assert sup_out.shape == full_shape
    return SuppressionPattern(suppressed=sup_out, reason=reason_out.astype(str),
                              values=vals_out)
