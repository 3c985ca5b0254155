"""A synthetic city with planted cartels, credit histories, inspection histories and ground truth (docs/simulation.md).

`simulate(out_dir, scale="tiny", seed=0, fmt="csv")` writes every canonical table of the data contract into `out_dir` and the
ground truth into `out_dir/truth/` (enterprises.csv, tenders.csv, cartels.csv, simulation.json). Same seed, same bytes:
every random stream is derived from (seed, stream, block) and blocks have fixed sizes, so output never depends on timing.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd

from features.io.codes import EVENT_TYPES, SCHEMES  # noqa: F401 - re-exported for callers of the simulator
from features.core.errors import InputError
from riskmodels.simulation import names as nm
from riskmodels.simulation.market import (BIDS_COLUMNS, _Pools, make_bids, plan_tenders, tenders_frame,
                                          truth_tenders_frame)
from riskmodels.simulation.population import make_population
from riskmodels.simulation.records import (enterprises_frame, events_frame, inspections_frame, labels_frame,
                                           make_inspectors, make_roster, shareholders_frame, truth_enterprises_frame)
from riskmodels.simulation.writer import FORMATS, TableSink

__all__ = ["simulate", "SCALES", "Scale", "EVENT_TYPES", "SCHEMES", "FORMATS"]


@dataclass(frozen=True)
class Scale:
    enterprises: int
    bidders: int
    tenders: int
    cartels: int
    buyers: int
    roster: int
    inspectors: int
    conflicts: float        # mean declared conflicts per inspector
    regions: tuple
    divisions: tuple
    block: int              # enterprises per written block
    tender_chunk: int       # tenders per written chunk
    partitioned: bool       # Parquet as a folder of parts


SCALES = {
    "tiny": Scale(2_000, 800, 1_000, 12, 40, 800, 48, 3.0, nm.SUBDISTRICTS[:3], (nm.PINGSHAN_DIVISION,), 2_000, 1_000, False),
    # sized like Shenzhen Pingshan's published figures (77,500 enterprises, a roster of 10,423 targets, 329 inspectors)
    "city": Scale(77_500, 9_000, 18_000, 120, 320, 10_423, 329, 2.5, nm.SUBDISTRICTS, (nm.PINGSHAN_DIVISION,), 40_000,
                  6_000, False),
    "province": Scale(775_000, 90_000, 180_000, 1_200, 3_200, 104_230, 3_290, 2.5, nm.PREFECTURES, nm.PREFECTURE_DIVISIONS,
                      50_000, 20_000, True),
}

# random streams (each block/chunk adds its own number)
_POP, _TENDERS, _BIDS, _ROSTER, _INSPECTORS, _REGISTRY, _EVENTS, _INSPECTIONS = range(8)


def _sizes(scale: str, cfg) -> Scale:
    base = SCALES[scale]
    s = base
    if cfg.enterprises:
        f = cfg.enterprises / base.enterprises
        s = dataclasses.replace(s, enterprises=cfg.enterprises, bidders=max(100, round(base.bidders * f)),
                                roster=max(50, round(base.roster * f)), inspectors=max(24, round(base.inspectors * f)),
                                buyers=max(len(base.regions), round(base.buyers * f)))
    if cfg.tenders:
        s = dataclasses.replace(s, tenders=cfg.tenders)
    if cfg.cartels:
        s = dataclasses.replace(s, cartels=cfg.cartels)
    return s


def _check(cfg) -> None:
    """The `[simulate]` values (checked with the settings: `SimulateSettings.check`)."""
    from features.core.settings import validate_section

    validate_section(cfg)


TABLE_NAMES = ("tenders", "bids", "bid_items", "enterprises", "shareholders", "credit_events", "inspections", "inspectors",
               "roster", "credit_labels")


def _clear(out: Path) -> None:
    """Remove tables an earlier run left in `out` (the other format, or more Parquet parts), so two cities never mix.
    Only the simulator's own file names are touched."""
    for name in TABLE_NAMES:
        for f in (out / f"{name}.csv", out / f"{name}.parquet"):
            if f.is_file():
                f.unlink()
        parts = out / name
        if parts.is_dir():
            for f in parts.glob("part-*.parquet"):
                f.unlink()
            if not any(parts.iterdir()):
                parts.rmdir()
    for f in ("enterprises.csv", "tenders.csv", "cartels.csv", "simulation.json"):
        if (out / "truth" / f).is_file():
            (out / "truth" / f).unlink()


def output_files(out_dir) -> list[Path]:
    """Every path the simulator may write in `out_dir` (its tables in either format and truth/): what it replaces."""
    out = Path(out_dir)
    paths = [p for name in TABLE_NAMES for p in (out / f"{name}.csv", out / f"{name}.parquet", out / name)]
    return paths + [out / "truth" / f for f in ("enterprises.csv", "tenders.csv", "cartels.csv", "simulation.json")]


def simulate(out_dir, scale: str = "tiny", seed: int = 0, fmt: str = "csv", settings=None,
             progress: Optional[Callable[[str, int, int], None]] = None) -> dict:
    """Write a synthetic city into `out_dir`; returns a summary (tables and row counts, cartels, seconds, paths).

    `settings`: a `features.core.settings.Settings` or its `SimulateSettings` section (None: defaults). `progress(stage, done,
    total)` is called as blocks are written. The city is written into a temporary folder inside `out_dir` and moved into
    place when it is complete: a failed run leaves `out_dir` as it was. Tables of an earlier city there (the simulator's
    own file names, `output_files`) are replaced; other files are never touched (the command line asks for --force first)."""
    import shutil
    import tempfile

    from features.io.export import ensure_folder, usual_mode

    out = Path(out_dir)
    ensure_folder(out)
    work = Path(tempfile.mkdtemp(prefix=".simulating-", dir=out))
    try:
        summary = _simulate(work, scale, seed, fmt, settings, progress)
        _clear(out)
        for entry in sorted(work.iterdir()):
            if entry.name == "truth":
                (out / "truth").mkdir(exist_ok=True)
                for f in sorted(entry.iterdir()):
                    os.replace(f, out / "truth" / f.name)
            else:
                os.chmod(entry, usual_mode(folder=entry.is_dir()))
                os.replace(entry, out / entry.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary["out"] = str(out)
    return summary


def _simulate(out_dir, scale, seed, fmt, settings, progress) -> dict:
    from features.core.settings import Settings, SimulateSettings

    if scale not in SCALES:
        raise InputError(f"unknown scale {scale!r} (expected one of: {', '.join(SCALES)})")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer; got {seed!r}")
    cfg = settings.simulate if isinstance(settings, Settings) else (settings or SimulateSettings())
    _check(cfg)
    # a partial table in the settings file (`traces = {device = 0.9}`) changes only the keys it names
    defaults = SimulateSettings()
    cfg = dataclasses.replace(cfg, **{k: {**getattr(defaults, k), **getattr(cfg, k)}
                                      for k in ("traces", "event_rates", "event_slopes")})
    size = _sizes(scale, cfg)
    t0 = time.perf_counter()
    out = Path(out_dir)  # a fresh folder `simulate` made
    (out / "truth").mkdir(parents=True, exist_ok=True)
    tick = progress or (lambda stage, done, total: None)
    province = scale == "province"

    def rng(*stream):
        return np.random.default_rng([int(seed), *stream])

    start = np.datetime64(cfg.start_date, "D")
    y0 = start.astype("datetime64[Y]")
    end = (y0 + cfg.history_years).astype("datetime64[D]")
    tender_start = (y0 + cfg.history_years - cfg.tender_years).astype("datetime64[D]")
    start = y0.astype("datetime64[D]")

    tick("population", 0, 1)
    pop = make_population(rng(_POP), size, cfg, start, end, tender_start)
    tick("population", 1, 1)

    def sink(name, folder=out, fmt_=fmt, timestamps=()):
        return TableSink(folder, name, fmt_, partitioned=size.partitioned and fmt_ == "parquet", timestamps=timestamps)

    counts = {}
    # roster and inspectors
    roster, roster_idx = make_roster(rng(_ROSTER), pop, size)
    inspectors, staff = make_inspectors(rng(_INSPECTORS), pop, size, roster_idx)
    for name, frame in (("roster", roster), ("inspectors", inspectors)):
        s = sink(name)
        s.write(frame)
        s.close()
        counts[name] = len(frame)

    # tenders, bids, bid items
    plan = plan_tenders(rng(_TENDERS), pop, size, cfg, tender_start, end)
    pools = _Pools(pop, len(size.regions))
    ts = ("published_at", "deadline_at", "awarded_at", "submitted_at")
    s_t, s_b, s_i = sink("tenders", timestamps=ts), sink("bids", timestamps=ts), sink("bid_items")
    s_tt = sink("tenders", out / "truth", "csv")
    seen: set = set()
    chunks = range(0, plan.n, size.tender_chunk)
    for k, lo in enumerate(chunks):
        hi = min(plan.n, lo + size.tender_chunk)
        bids, items = make_bids(rng(_BIDS, k), pop, plan, lo, hi, cfg, pools, seen)
        s_t.write(tenders_frame(plan, pop, lo, hi))
        s_b.write(bids[list(BIDS_COLUMNS)])
        if len(items):
            s_i.write(items[["tender_id", "bidder_id", "item_code", "quantity", "unit_price"]])
        s_tt.write(truth_tenders_frame(plan, pop, lo, hi))
        tick("tenders", hi, plan.n)
    for s in (s_t, s_b, s_i, s_tt):
        s.close()
    counts.update(tenders=s_t.rows, bids=s_b.rows, bid_items=s_i.rows)

    # enterprises and their histories, block by block
    extra: dict = {}
    for e, person, share in pop.extra_holders:
        extra.setdefault(e, []).append((person, share))
    s_e, s_sh, s_ev = sink("enterprises"), sink("shareholders"), sink("credit_events")
    s_in, s_lb, s_te = sink("inspections"), sink("credit_labels"), sink("enterprises", out / "truth", "csv")
    inspection_offset = 0
    for k, lo in enumerate(range(0, pop.n, size.block)):
        hi = min(pop.n, lo + size.block)
        s_e.write(enterprises_frame(rng(_REGISTRY, k), pop, lo, hi, province))
        s_sh.write(shareholders_frame(rng(_REGISTRY, k, 1), pop, lo, hi, extra))
        ev = events_frame(rng(_EVENTS, k), pop, lo, hi, start, cfg.history_years, cfg)
        s_ev.write(ev)
        s_lb.write(labels_frame(pop, lo, hi, ev, start, cfg.history_years))
        ins = inspections_frame(rng(_INSPECTIONS, k), pop, lo, hi, start, cfg.history_years, cfg, staff,
                                inspectors["inspector_id"].to_numpy(), inspection_offset)
        inspection_offset += len(ins)
        s_in.write(ins)
        s_te.write(truth_enterprises_frame(pop, lo, hi))
        tick("enterprises", hi, pop.n)
    for s in (s_e, s_sh, s_ev, s_in, s_lb, s_te):
        s.close()
    counts.update(enterprises=s_e.rows, shareholders=s_sh.rows, credit_events=s_ev.rows, inspections=s_in.rows,
                  credit_labels=s_lb.rows)

    cartels = pd.DataFrame({
        "cartel_id": [c.cartel_id for c in pop.cartels],
        "members": [";".join(pop.ids[c.members]) for c in pop.cartels],
        "scheme": [c.scheme for c in pop.cartels],
        "size": [len(c.members) for c in pop.cartels],
        "category": [nm.CATEGORIES[c.category] for c in pop.cartels],
        "region": [str(pop.region_names[c.region]) for c in pop.cartels],
        "tenders": [int((plan.cartel == i).sum()) for i in range(len(pop.cartels))],
        "traces": [";".join(k for k, v in c.traces.items() if v and k != "registry") for c in pop.cartels],
        "registry_ties": [";".join(c.registry_ties) for c in pop.cartels],
    })
    cartels.to_csv(out / "truth" / "cartels.csv", index=False, lineterminator="\n")
    summary = {
        "out": str(out), "scale": scale, "seed": int(seed), "format": fmt,
        "tables": {k: int(counts[k]) for k in sorted(counts)},
        "cartels": len(pop.cartels), "collusive_tenders": int((plan.cartel >= 0).sum()),
        "period": {"history": [str(start), str(end)], "tenders": [str(tender_start), str(end)]},
    }
    manifest = {k: v for k, v in summary.items() if k != "out"} | {"settings": dataclasses.asdict(cfg)}  # no paths: same bytes
    (out / "truth" / "simulation.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    return summary
