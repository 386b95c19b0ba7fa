"""Complementary suppression: which counts a publication must hide so that no count of 1-4 can be computed back.

A reader who sees a total and its parts can get any one of them from the others. Each such relation is an
*equation*: a set of cells any one of which follows from the rest (a parent measure group and its components, a
region and its municipalities, a table row and its total). A small cell is hidden; where that leaves an equation with
exactly one hidden or unknown term, the smallest other non-zero term is hidden too, until no equation has exactly one
(the singleton rule of Statistics Denmark's and Eurostat's cell suppression). The same rule protects the benchmark,
the progression report and every table with counts (helpers.render.tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np


def small(values: np.ndarray, threshold: int) -> np.ndarray:
    """Counts from 1 to threshold-1: they could point at a person."""
    return (values > 0) & (values < threshold)


def complementary(
    values: np.ndarray,
    equations: Sequence[Sequence[int]],
    hidden: np.ndarray,
    unknown: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """The cells to hide: `hidden` plus complements, so that no equation has exactly one hidden or unknown term.

    `values` are the counts (cells), `equations` lists of cell positions, `hidden` the primary suppressions, `unknown`
    cells a reader does not see anyway (not reported): they protect their equations like hidden ones. Complements are
    the smallest non-zero known terms (least information lost); an equation whose other terms are all zero or unknown
    needs none. Deterministic: ties go to the first position. `fixed` cells are shown elsewhere and cannot be hidden
    (a total in another table): a complement is then another term, a zero one if no other is left (hiding a zero keeps
    the reader from knowing the rest).
    """
    values = np.asarray(values, dtype=float)
    mask = np.asarray(hidden, dtype=bool).copy()
    unknown = np.zeros(len(values), dtype=bool) if unknown is None else np.asarray(unknown, dtype=bool)
    fixed = np.zeros(len(values), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool) & ~mask
    equations = [np.asarray(sorted(set(e)), dtype=int) for e in equations if len(set(e)) > 1]
    of_cell: dict[int, list[int]] = {}
    for i, eq in enumerate(equations):
        for cell in eq:
            of_cell.setdefault(int(cell), []).append(i)
    todo = sorted({i for cell in np.flatnonzero(mask) for i in of_cell.get(int(cell), [])})
    while todo:
        nxt: set[int] = set()
        for i in todo:
            eq = equations[i]
            closed = mask[eq] | unknown[eq]
            if closed.sum() != 1 or not mask[eq].any():
                continue
            open_terms = eq[~closed & (values[eq] > 0) & ~fixed[eq]]
            if open_terms.size == 0 and fixed[eq].any():  # a total shown elsewhere: hide a zero term instead
                open_terms = eq[~closed & ~fixed[eq]][:1]
            if open_terms.size == 0:
                continue
            cell = int(open_terms[np.argmin(values[open_terms])])
            mask[cell] = True
            nxt.update(of_cell[cell])
        todo = sorted(nxt)
    return mask


def partitions(groups: dict[str, frozenset[str]]) -> list[list[str]]:
    """Every way a group is the sum of other groups: [parent, part, part, ...] for each exact cover of its leaves.

    `groups` maps each group to the leaves (base groups) it adds up to; a base group is its own leaf. With
    I alt = A + B + C and Anbragte = A + B, both I alt = A + B + C and I alt = Anbragte + C are equations: a reader
    can subtract along either, so both must be protected.
    """
    out = []
    for parent, leaves in groups.items():
        if len(leaves) < 2:
            continue
        candidates = [g for g, lv in groups.items() if g != parent and lv < leaves]
        for k in range(2, len(candidates) + 1):
            for combo in combinations(candidates, k):
                covered = [groups[g] for g in combo]
                if sum(len(c) for c in covered) == len(leaves) and frozenset().union(*covered) == leaves:
                    out.append([parent, *combo])
    return out
