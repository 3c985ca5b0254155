"""Small synthetic markets shared by the collusion tests."""
from __future__ import annotations

import numpy as np
import pandas as pd


def market(rng, n=400, share=0.3):
    """Tender features where collusive tenders have low spread and high relative distance, plus noise columns."""
    y = (rng.random(n) < share).astype(int)
    spd = np.where(y == 1, rng.gamma(2, 0.01, n), rng.gamma(2, 0.05, n))
    rd = np.where(y == 1, rng.gamma(4, 1.0, n), rng.gamma(2, 0.5, n))
    X = pd.DataFrame({"spd": spd, "rd": rd, "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.05, "rd"] = np.nan
    return X, y


def two_markets(rng, n=400):
    """Two markets where low spread means collusion in both, but the number of bids points opposite ways (as between
    the Japanese and Italian research markets)."""
    parts = []
    for name, sign in (("a", 1), ("b", -1)):
        X, y = market(rng, n)
        X = X.assign(n_bids=np.where(y == 1, 8 + 3 * sign, 8 - 3 * sign) + rng.integers(-1, 2, n))
        parts.append((X, y, np.full(n, name)))
    return (pd.concat([p[0] for p in parts], ignore_index=True), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def planted_market(path, seed=0, n_tenders=150, devices=True, regions=("north", "south"), dates=True):
    """A small market folder (tenders.csv, bids.csv): cartel firms C0-C3 bid tightly above a designated winner in every
    third tender, and in every sixth two cartel bids come from one device (red flag A40.1 fires there); honest firms
    H0-H19 spread out. `devices=False` leaves the device column out (A40.1 then cannot be computed); `regions=()` the
    region column (one market segment); `dates=False` the publication dates. The prices depend on `seed` only."""
    from pathlib import Path

    rng = np.random.default_rng(seed)
    tenders, bids = [], []
    for t in range(n_tenders):
        tid = f"T{t:04d}"
        coll = t % 3 == 0
        reserve = float(rng.uniform(1e5, 1e6))
        tenders.append({"tender_id": tid, "reserve_price": reserve, "collusive": int(coll),
                        **({"region": regions[t % len(regions)]} if regions else {}),
                        **({"published_at": (pd.Timestamp("2022-01-01") + pd.Timedelta(days=2 * t)).strftime("%Y-%m-%d")}
                           if dates else {})})
        if coll:
            firms = [f"C{k}" for k in rng.permutation(4)]
            base = reserve * rng.uniform(0.93, 0.98)
            prices = [base] + [base * (1 + rng.uniform(0.02, 0.03) + 0.002 * k) for k in range(3)]
        else:
            firms = [f"H{k}" for k in rng.choice(20, size=int(rng.integers(3, 7)), replace=False)]
            prices = list(reserve * rng.uniform(0.75, 1.0, size=len(firms)))
        w = int(np.argmin(prices))
        for k, (f, p) in enumerate(zip(firms, prices)):
            row = {"tender_id": tid, "bidder_id": f, "price": round(p, 2), "is_winner": int(k == w)}
            if devices:
                row["device_id"] = f"D{t}" if (t % 6 == 0 and k < 2) else f"D{t}-{k}"
            bids.append(row)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(tenders).to_csv(path / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(path / "bids.csv", index=False)
    return path


def batch_of(src, dst, tender_ids, drop_bid_columns=()):
    """The tenders `tender_ids` of the market folder `src` as a folder of their own (a day's new tenders)."""
    from pathlib import Path

    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("tenders", "bids"):
        t = pd.read_csv(Path(src) / f"{name}.csv", dtype={"tender_id": str})
        t = t[t["tender_id"].isin(list(tender_ids))].drop(columns=list(drop_bid_columns) if name == "bids" else [])
        t.to_csv(dst / f"{name}.csv", index=False)
    return dst
