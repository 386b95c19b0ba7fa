"""Peer groups: each municipality's most similar municipalities, for fair comparison.

Distance: Euclidean over standardised features (z-scores across all municipalities): log of the
population, share of 0-17-year-olds, share of 65+-year-olds and the expected expenditure need index.
Ties are broken by municipality code, so the groups are reproducible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = ["log_population", "share_0_17", "share_65_plus", "expected_expenditure_need_index"]


def nearest_peers(frame: pd.DataFrame, k: int = 5, columns: list[str] = FEATURES) -> pd.DataFrame:
    """For each row (municipality_code), the k nearest other rows by standardised Euclidean distance."""
    x = frame[columns].to_numpy(dtype=float)
    z = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    codes = frame["municipality_code"].to_numpy()
    rows = []
    for i, code in enumerate(codes):
        order = sorted((d, c) for j, (d, c) in enumerate(zip(distance[i], codes)) if j != i)[:k]
        rows += [
            {"municipality_code": code, "rank": rank, "peer_code": c, "distance": d}
            for rank, (d, c) in enumerate(order, start=1)
        ]
    return pd.DataFrame(rows)


def peer_groups(feats: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """Each municipality's k most similar municipalities, with names, from a year's features (warehouse.marts.peer_features)."""
    peers = nearest_peers(feats, k)
    names = feats.set_index("municipality_code")["municipality_name"]
    return peers.assign(
        municipality_name=peers["municipality_code"].map(names), peer_name=peers["peer_code"].map(names)
    )
