"""Peer groups and the exact decomposition of expenditure change, on hand-worked examples."""

import math

import numpy as np
import pandas as pd
import pytest

from helpers.analysis.decomposition import decompose
from helpers.analysis.peers import nearest_peers, peer_groups
from helpers.warehouse import marts


def test_decomposition_hand_worked():
    # Expenditure per inhabitant 1000 -> 1100 (+10 %); user share 100 -> 104; unit cost rises 5 %; no mix change.
    parts = decompose([1000], [1092.0], [100], [104], [10.0], [10.5]).iloc[0]
    assert parts["change_pct"] == pytest.approx(9.2)
    assert parts["population_mix_pct"] == pytest.approx(0.0, abs=1e-9)
    scale = 9.2 / math.log(1.092)
    assert parts["user_share_pct"] == pytest.approx(math.log(1.04) * scale)
    assert parts["unit_cost_pct"] == pytest.approx(math.log(1.05) * scale)


def test_decomposition_parts_add_up_exactly():
    rng = np.random.default_rng(3)
    e0, s0, c0 = rng.uniform(500, 5000, 200), rng.uniform(50, 500, 200), rng.uniform(1e5, 1e6, 200)
    e1, s1, c1 = e0 * rng.uniform(0.7, 1.4, 200), s0 * rng.uniform(0.8, 1.2, 200), c0 * rng.uniform(0.8, 1.2, 200)
    parts = decompose(e0, e1, s0, s1, c0, c1)
    summed = parts[["user_share_pct", "unit_cost_pct", "population_mix_pct"]].sum(axis=1)
    assert np.allclose(summed, parts["change_pct"], atol=1e-9)
    same = decompose([100], [100], [10], [10], [5], [5]).iloc[0]
    assert same.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_nearest_peers_hand_worked():
    frame = pd.DataFrame(
        {"municipality_code": ["101", "102", "103", "104"], "a": [0.0, 1.0, 10.0, 11.0], "b": [0.0, 0.0, 0.0, 0.0]}
    )
    peers = nearest_peers(frame, k=2, columns=["a", "b"])
    first = peers[peers["municipality_code"] == "101"]
    assert first["peer_code"].tolist() == ["102", "103"] and first["rank"].tolist() == [1, 2]
    assert not (peers["municipality_code"] == peers["peer_code"]).any()
    # z-scores: a has mean 5.5 and std 5.02; the distance 101-102 is 1 / std
    assert first["distance"].iloc[0] == pytest.approx(1 / np.std([0, 1, 10, 11]))


def test_peer_groups_from_the_warehouse_are_similar_and_reproducible(warehouse_path):
    peers = peer_groups(marts.peer_features(2017), k=5)
    assert len(peers) == 98 * 5 and peers.equals(peer_groups(marts.peer_features(2017), k=5))
    copenhagen = peers[peers["municipality_name"] == "København"]["peer_name"].tolist()
    assert len({"Aarhus", "Odense", "Aalborg"} & set(copenhagen)) >= 2  # the other big cities
    small = peers[peers["municipality_name"] == "Læsø"]["peer_name"].tolist()
    assert small[0] == "Samsø" and not {"Aarhus", "København", "Odense"} & set(small)  # small islands together
