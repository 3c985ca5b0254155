"""A small market with a planted cartel and a firm whose name is markup, written as a canonical dataset for the
case-file tests: 40 tenders, 12 firms; F01-F03 bid together in 14 tenders, take turns winning, F01 and F02 share a
device and a legal representative."""
from __future__ import annotations

from pathlib import Path
import numpy as np
import pandas as pd
from features.io.uscc import check_char


EVIL = '<script>alert("x")</script>有限公司'


def firm_id(i: int) -> str:
    """A valid unified social credit code for firm i."""
    body = f"91440300MA5F{i:05d}"
    return body + check_char(body)


CARTEL = [firm_id(1), firm_id(2), firm_id(3)]


def write_market(folder: Path, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    firms = [firm_id(i) for i in range(1, 13)]
    ent = pd.DataFrame({"enterprise_id": firms,
                        "name": [EVIL] + [f"深圳市测试{i:02d}建设工程有限公司" for i in range(2, 13)],
                        "legal_rep_id": ["P1", "P1"] + [f"P{i}" for i in range(3, 13)],
                        "established_on": "2015-01-01", "registered_capital": 1_000_000, "industry": "construction",
                        "region": "坪山街道", "address": [f"深圳市坪山区路{i}号" for i in range(1, 13)],
                        "phone": [f"0755-{1000 + i}" for i in range(1, 13)], "status": "active"})
    tenders, bids = [], []
    for t in range(40):
        tid = f"T2024-{t + 1:06d}"
        reserve = float(rng.integers(50, 500)) * 10_000
        tenders.append({"tender_id": tid, "buyer_id": "11440300B00000001X", "region": "坪山街道", "category": "construction",
                        "procedure": "open", "published_at": f"2024-{t % 12 + 1:02d}-05 10:00:00",
                        "deadline_at": f"2024-{t % 12 + 1:02d}-20 09:30:00",
                        "awarded_at": f"2024-{t % 12 + 1:02d}-25 15:00:00", "reserve_price": reserve, "currency": "CNY"})
        if t < 14:  # the cartel: tight prices, rotating winner, shared device for F01/F02
            who = CARTEL + list(rng.choice(firms[3:], 1, replace=False))
            base = reserve * 0.95
            prices = {f: base * (1 + 0.004 * k) for k, f in enumerate(np.roll(CARTEL, t))}
            prices[who[3]] = reserve * rng.uniform(0.97, 1.05)
            winner = min(prices, key=prices.get)
        else:
            who = list(rng.choice(firms[3:], int(rng.integers(3, 6)), replace=False))
            prices = {f: reserve * rng.uniform(0.75, 1.0) for f in who}
            winner = min(prices, key=prices.get)
        for k, f in enumerate(who):
            dev = "DEV-SHARED" if t < 14 and f in CARTEL[:2] else f"DEV-{t}-{k}"
            bids.append({"tender_id": tid, "bidder_id": f, "price": round(prices[f], 2),
                         "submitted_at": f"2024-{t % 12 + 1:02d}-19 {9 + k:02d}:00:00", "is_winner": int(f == winner),
                         "status": "valid", "ip": f"10.0.{t}.{k}", "mac": "", "device_id": dev, "file_creator": "",
                         "file_hash": "", "ca_serial": "", "deposit_account": "", "project_manager_id": "",
                         "agent_id": ""})
    pd.DataFrame(tenders).to_csv(folder / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(folder / "bids.csv", index=False)
    ent.to_csv(folder / "enterprises.csv", index=False)
    return folder
