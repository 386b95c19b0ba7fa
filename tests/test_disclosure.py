"""Complementary suppression, hand-worked: no count of 1-4 can be computed back from the totals and parts a page shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis import benchmark, disclosure
from helpers.render.tables import suppression_mask


def test_one_hidden_term_in_an_equation_gets_the_smallest_other_non_zero_as_complement():
    # total 12 = 2 + 10 + 0: the 2 is small; the 0 cannot protect it, the 10 is the smallest non-zero term
    values = np.array([12.0, 2.0, 10.0, 0.0])
    mask = disclosure.complementary(values, [[0, 1, 2, 3]], disclosure.small(values, 5))
    assert mask.tolist() == [False, True, True, False]


def test_an_unknown_term_protects_its_equation_and_a_lone_unknown_needs_nothing():
    values = np.array([12.0, 2.0, np.nan, 10.0])
    unknown = np.isnan(values)
    mask = disclosure.complementary(
        np.nan_to_num(values), [[0, 1, 2, 3]], disclosure.small(np.nan_to_num(values), 5), unknown
    )
    assert mask.tolist() == [False, True, False, False]  # 12 - 10 gives 2 + the unknown, not the 2
    none = disclosure.complementary(
        np.array([7.0, 7.0, 0.0]), [[0, 1, 2]], np.zeros(3, bool), np.array([False, False, True])
    )
    assert not none.any()


def test_complements_chain_through_equations_until_none_has_a_single_hidden_term():
    # rows A, B, C with parts x, y and total t; the region's x and y are the column sums (cells 9, 10)
    #        x   y   t
    values = np.array(
        [
            2,
            10,
            12,  # A  (cells 0-2)
            6,
            7,
            13,  # B  (3-5)
            8,
            20,
            28,  # C  (6-8)
            16,
            37,
        ],
        float,
    )  # region x, y (9, 10)
    rows = [[2, 0, 1], [5, 3, 4], [8, 6, 7]]
    columns = [[9, 0, 3, 6], [10, 1, 4, 7]]
    mask = disclosure.complementary(values, rows + columns, disclosure.small(values, 5))
    # A.x is small; A's row then needs A.y (10 < 12); column x needs B.x (6); column y needs B.y (7)
    assert sorted(np.flatnonzero(mask).tolist()) == [0, 1, 3, 4]
    # what a reader can still write down has many solutions: A.x = a, A.y = 12-a, B.x = 8-a, B.y = 5+a for a in 0..8
    solutions = [a for a in range(0, 13) if min(12 - a, 8 - a, 5 + a) >= 0]
    assert len(solutions) > 1 and 2 in solutions


def test_every_way_a_group_adds_up_is_an_equation():
    groups = {
        "d": frozenset("d"),
        "f": frozenset("f"),
        "o": frozenset("o"),
        "fb": frozenset(["fb"]),
        "fo": frozenset("fo"),
        "anbragte": frozenset("dfo"),
        "i_alt": frozenset(["d", "f", "o", "fb"]),
    }
    got = {(eq[0], frozenset(eq[1:])) for eq in disclosure.partitions(groups)}
    assert got == {
        ("fo", frozenset("fo")),
        ("anbragte", frozenset(["d", "fo"])),
        ("anbragte", frozenset("dfo")),
        ("i_alt", frozenset(["anbragte", "fb"])),
        ("i_alt", frozenset(["d", "fo", "fb"])),
        ("i_alt", frozenset(["d", "f", "o", "fb"])),
    }


def _groups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_group": ["x", "y", "t", "h1", "h2"],
            "users_rule": ["reported", "reported", "reported", "split", "split"],
            "components": [None, None, "x|y", None, None],
            "user_components": [None, None, None, "h1|h2", "h1|h2"],
        }
    )


def test_leaves_follow_user_components_and_keep_split_halves_whole():
    assert benchmark.leaves(_groups()) == {"x": {"x"}, "y": {"y"}, "t": {"x", "y"}, "h1": {"h1"}, "h2": {"h2"}}


def test_benchmark_protection_hides_small_users_and_their_complements_in_rates_and_unit_costs():
    rows = []
    for code, x, y in [("A", 2, 10), ("B", 6, 7), ("C", 8, 20)]:
        for group, users in [("x", x), ("y", y), ("t", x + y)]:
            rows.append(
                {
                    "code": code,
                    "region_code": "R",
                    "year": 2024,
                    "measure_group": group,
                    "users": float(users),
                    "users_per_10000": users / 2.0,
                    "unit_cost": 1000.0 / users,
                }
            )
    municipal = pd.DataFrame(rows)
    sums = municipal.groupby("measure_group", as_index=False)[["users"]].sum()
    regions = pd.concat([sums.assign(code=code) for code in ("R", "000")], ignore_index=True).assign(
        year=2024, region_code="R", users_per_10000=1.0, unit_cost=1.0
    )
    got, got_regions = benchmark.protect_users(municipal, regions, _groups().iloc[:3])
    hidden = got[got["users_per_10000"].isna()]
    assert sorted(zip(hidden["code"], hidden["measure_group"])) == [("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")]
    assert hidden["unit_cost"].isna().all() and hidden["users"].isna().all()
    assert got.set_index(["code", "measure_group"]).loc[("A", "x"), "protection"] == "small"
    assert (
        got.set_index(["code", "measure_group"]).loc[[("A", "y"), ("B", "x"), ("B", "y")], "protection"] == "complement"
    ).all()
    assert got_regions["users_per_10000"].notna().all()


def test_table_suppression_uses_the_same_rule():
    frame = pd.DataFrame({"a": [2, 6, 8], "b": [10, 7, 20]})
    mask = suppression_mask(frame, ["a", "b"], parts=[["a", "b"]], column_totals=True)
    assert mask.to_numpy().tolist() == [[True, True], [True, True], [False, False]]


def test_a_total_shown_elsewhere_is_never_a_complement():
    # 7 = a + b with a = 3 hidden: b (4) is hidden too; with the 7 fixed and b = 0, the 0 is hidden instead of the 7
    eqs = [[0, 1, 2]]
    assert disclosure.complementary(np.array([7.0, 3, 4]), eqs, np.array([False, True, False])).tolist() == [
        False,
        True,
        True,
    ]
    fixed = np.array([True, False, False])
    got = disclosure.complementary(np.array([3.0, 3, 0]), eqs, np.array([False, True, False]), fixed=fixed)
    assert got.tolist() == [False, True, True]
    assert disclosure.complementary(np.array([3.0, 3, 0]), eqs, np.array([False, True, False])).tolist() == [
        True,
        True,
        False,
    ]  # without it the total is the complement
