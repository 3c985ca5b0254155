"""Import of the labelled bid-rigging datasets of García Rodríguez et al. (2022), *Collusion detection in public procurement
auctions with machine learning algorithms*, Automation in Construction 133:104047, into canonical `tenders` + `bids`.

One source row is one bid. Source ids are kept as text unchanged. `Collusive_competitor` (a tender-level label copied onto
every bid) becomes `tenders.collusive`; `Collusive_competitor_original` (bids by known cartel firms) `bids.cartel_member`;
`Winner` `bids.is_winner`; `Pre-Tender Estimate (PTE)` `tenders.reserve_price`; `Site` `tenders.region`. `Date` becomes
`tenders.published_at` when it is a calendar date: a Unix time in seconds (Japan) or milliseconds, or date text (ISO
`2013-05-01`, else `01/05/2013` day first or month first, whichever reads more of the file's dates); a small number
(Switzerland: a day number of unknown origin) is kept as the numeric column `tenders.date_index`, which orders tenders in
time without pretending to be a calendar date.
The pooled file (`Dataset` column naming the country) has tender numbers that repeat across countries: there the tender id
is `<Dataset>:<Tender>` and `tenders.market` holds the country, for `--market market`.
Files without a bidder column (Switzerland) get one generated id per bid (`anon-<tender>-<k>`) and `bids.anonymous = 1`, so
bidder-based evidence is switched off for them. The precomputed screen columns are not imported (several of them do not
follow the textbook; screens are recomputed from raw bids). `bids.source_row` is the bid's data row in the source file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.export import write_table
from features.io.read import decode
from features.io.prepare import unix_times, unix_unit

REQUIRED = ("Tender", "Bid_value")


def import_garcia(csv_path, out_dir) -> dict:
    """Convert one García Rodríguez et al. CSV file to `out_dir/tenders.csv` and `out_dir/bids.csv`; returns counts."""
    csv_path, out_dir = Path(csv_path), Path(out_dir)
    if not csv_path.is_file():
        raise InputError(f"{csv_path}: no such file")
    text, _ = decode(csv_path.read_bytes(), csv_path.name)
    import io

    try:
        src = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(f"{csv_path.name}: not readable as CSV ({e})") from None
    for col in REQUIRED:
        if col not in src.columns:
            raise InputError(f"{csv_path.name}: missing column '{col}' (not a García Rodríguez et al. bid file?)")
    src = src.apply(lambda s: s.str.strip())
    src["_row"] = np.arange(2, len(src) + 2)
    pooled = "Dataset" in src.columns and src["Dataset"].nunique() > 1
    if pooled:  # tender numbers restart in every country of the pooled file
        src["Tender"] = src["Dataset"] + ":" + src["Tender"]

    def num(col):
        return pd.to_numeric(src[col], errors="coerce") if col in src.columns else pd.Series(np.nan, index=src.index)

    def first(col):
        return src.groupby("Tender", sort=False)[col].first() if col in src.columns else None

    tenders = pd.DataFrame({"tender_id": src["Tender"].drop_duplicates().to_numpy()})
    tenders = tenders.set_index("tender_id", drop=False)
    if "Site" in src.columns:
        tenders["region"] = first("Site")
    if "Pre-Tender Estimate (PTE)" in src.columns:
        tenders["reserve_price"] = first("Pre-Tender Estimate (PTE)")
    if "Date" in src.columns:
        kind, d = _tender_dates(first("Date"))
        tenders[kind] = d
    if pooled:
        tenders["market"] = first("Dataset")
    if "Collusive_competitor" in src.columns:
        tenders["collusive"] = num("Collusive_competitor").groupby(src["Tender"], sort=False).max()
    tenders = tenders.reset_index(drop=True)

    bids = pd.DataFrame({"tender_id": src["Tender"]})
    if "Competitors" in src.columns:
        bids["bidder_id"] = src["Competitors"]
        bids["anonymous"] = 0
    else:
        k = src.groupby("Tender", sort=False).cumcount() + 1
        bids["bidder_id"] = "anon-" + src["Tender"] + "-" + k.astype(str)
        bids["anonymous"] = 1
    bids["price"] = src["Bid_value"]
    if "Winner" in src.columns:
        bids["is_winner"] = num("Winner").astype("Int64")
    if "Collusive_competitor_original" in src.columns:
        bids["cartel_member"] = num("Collusive_competitor_original").astype("Int64")
    bids["source_row"] = src["_row"]
    write_table(tenders, out_dir / "tenders.csv")
    write_table(bids, out_dir / "bids.csv")
    return {"tenders": len(tenders), "bids": len(bids), "anonymous": "Competitors" not in src.columns,
            "collusive_tenders": int(tenders.get("collusive", pd.Series(dtype=float)).fillna(0).sum())}


def _tender_dates(raw: pd.Series) -> tuple[str, pd.Series]:
    """(`published_at`, ISO dates) when the tenders' `Date` values are calendar dates, else (`date_index`, numbers).
    Numbers above 1e11 are Unix milliseconds, above 1e8 Unix seconds (after 1973-03-03), smaller ones a day or period
    number; text is read as ISO dates, else day/month/year or month/day/year (whichever reads more values; ties: day
    first). Values that cannot be read stay empty."""
    n = pd.to_numeric(raw, errors="coerce")
    text = raw[n.isna() & raw.ne("")]
    if n.notna().sum() >= len(text):
        unit = unix_unit(n)
        if unit is None:
            return "date_index", n
        when = unix_times(n, unit)
    else:
        when = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        if when.notna().sum() < len(text) / 2:  # day/month/year or month/day/year: whichever reads more of them
            norm = raw.str.replace(r"[.\-]", "/", regex=True).str.split(" ").str[0]
            tries = [pd.to_datetime(norm, errors="coerce", format=f) for f in ("%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y")]
            when = max(tries, key=lambda t: t.notna().sum())  # ties: day first
            if when.notna().sum() < len(text) / 2:
                when = pd.to_datetime(raw, errors="coerce", dayfirst=True, format="mixed")
    return "published_at", when.dt.strftime("%Y-%m-%d")
