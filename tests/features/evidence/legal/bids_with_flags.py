"""Canonical bids with the metadata the legal flags read (`bids_frame`, `bid`), one flag run on them (`run`), the pairs it found (`pairs_of`)."""
from __future__ import annotations

import dataclasses
import pandas as pd
from features.evidence.legal.base import LegalContext
from features.evidence.legal import LEGAL
from features.core.settings import FlagsSettings


BID_COLUMNS = ["tender_id", "bidder_id", "price", "status", "is_winner", "ip", "mac", "device_id", "file_creator",
               "file_hash", "ca_serial", "deposit_account", "project_manager_id", "agent_id"]


def bids_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in BID_COLUMNS:
        if c not in df.columns:
            df[c] = None
    df["price"] = df["price"].astype(float)
    df["status"] = df["status"].fillna("valid")
    df["is_winner"] = df["is_winner"].astype(float)
    return df[BID_COLUMNS]


def bid(t, b, price, **kw):
    return {"tender_id": t, "bidder_id": b, "price": price, **kw}


def run(flag, tables, **settings) -> pd.DataFrame:
    """The findings of one legal flag module (or its code) on `tables` with the given [flags] settings."""
    s = dataclasses.replace(FlagsSettings(), **settings)
    module = LEGAL[flag] if isinstance(flag, str) else flag
    return pd.DataFrame(module.compute(LegalContext(tables=tables, settings=s)))


def pairs_of(found: pd.DataFrame) -> set:
    return set(zip(found["tender_id"], found["bidders"])) if len(found) else set()
