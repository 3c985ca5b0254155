"""Read OCDS compiled releases (one contracting process per line of a JSONL file) into small typed records.

Reading never stops on one bad line. A line is **skipped** when it cannot be a contracting process: invalid JSON
(including NaN/Infinity, which JSON does not allow), not a JSON object, or an `ocid` that is missing or not a string;
these are the lines Cardinal skips too. A field of the wrong JSON type inside an accepted line (an amount given as text,
`bids` given as a list, a numeric organization id) is **reported** and read as absent, which is also what Cardinal does
with it, so indicator results stay identical. Empty lines are ignored silently. Every problem is an `Issue` with its
line number; `ReadReport` counts lines read, accepted and skipped.

`processes_to_tables` turns processes into canonical tables (`tenders`, `bids`, `enterprises`) for
`riskmodels data import ocds`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from features.core.errors import InputError
from features.io.export import ensure_folder, write_table


@dataclass(slots=True)
class Bid:
    """One entry of `/bids/details`. `tenderers` is None when the array is absent; an element is None when its id is not a string."""

    status: str | None
    tenderers: list | None
    amount: float | None
    currency: str | None
    date: str | None
    id: str | None = None

    def tenderer_ids(self) -> set[str]:
        return {t for t in (self.tenderers or ()) if t is not None}

    def single_tenderer(self) -> str | None:
        """The tenderer's id when the bid has exactly one tenderer with a string id (Cardinal's simple case)."""
        if self.tenderers is not None and len(self.tenderers) == 1:
            return self.tenderers[0]
        return None


@dataclass(slots=True)
class Award:
    """One entry of `/awards`. `suppliers`/`items` are None when absent; `items` holds classification ids (None if absent)."""

    status: str | None
    suppliers: list | None
    items: list | None
    id: str | None = None


@dataclass(slots=True)
class Process:
    """One contracting process (an OCDS compiled release), with the fields the indicators and the importer use."""

    ocid: str
    line: int
    tender_status: str | None = None
    procurement_method: str | None = None
    procurement_method_details: str | None = None
    tender_start: str | None = None
    tender_end: str | None = None
    number_of_tenderers: Any = None
    procuring_entity_id: str | None = None
    buyer_id: str | None = None
    title: str | None = None
    tender_value: float | None = None
    tender_currency: str | None = None
    bids: list[Bid] | None = None
    awards: list[Award] | None = None
    parties: list[dict] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.tender_status == "cancelled"

    def submitted_bids(self) -> list[Bid]:
        """Bids with a status other than invited or withdrawn (pending, valid, disqualified; Cardinal's 'submitted')."""
        return [b for b in (self.bids or ()) if b.status is not None and b.status not in ("invited", "withdrawn")]

    def final_awards(self) -> list[Award] | None:
        """The active awards when every award with a status is final (active, cancelled, unsuccessful), else None.

        None also when `awards` or `bids.details` is absent (Cardinal: get_complete_awards_and_bids_if_all_awards_final)."""
        if self.awards is None or self.bids is None:
            return None
        active = []
        for a in self.awards:
            if a.status is None:
                continue
            if a.status == "active":
                active.append(a)
            elif a.status not in ("cancelled", "unsuccessful"):
                return None
        return active


@dataclass(slots=True)
class Issue:
    line: int
    ocid: str
    path: str
    value: str
    problem: str
    skipped: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (ocid {self.ocid})" if self.ocid else "")
        what = f"{self.path}: " if self.path else ""
        return f"{where}: {what}{self.problem}" + (f" ({self.value})" if self.value else "") + (
            "; line skipped" if self.skipped else "")


@dataclass
class ReadReport:
    source: str = ""
    read: int = 0
    accepted: int = 0
    skipped: int = 0
    issues: list[Issue] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.source}: read {self.read} lines = {self.accepted} accepted + {self.skipped} skipped; "
                f"{sum(not i.skipped for i in self.issues)} field problems reported")


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


class _Reader:
    """Typed access to one release, recording wrong types as issues (the field is then read as absent)."""

    def __init__(self, line: int, ocid: str, issues: list[Issue]):
        self.line, self.ocid, self.issues = line, ocid, issues

    def _bad(self, path: str, value: Any, expected: str) -> None:
        self.issues.append(Issue(self.line, self.ocid, path, _short(value), f"expected {expected}, got {type(value).__name__}"))

    def get(self, obj: dict | None, key: str, kind: type | tuple, path: str, expected: str):
        if obj is None or key not in obj or obj[key] is None:
            return None
        value = obj[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)))
        if not ok:
            self._bad(path, value, expected)
            return None
        return value

    def obj(self, obj, key, path):
        return self.get(obj, key, dict, path, "an object")

    def arr(self, obj, key, path):
        return self.get(obj, key, list, path, "an array")

    def text(self, obj, key, path):
        return self.get(obj, key, str, path, "a string")

    def number(self, obj, key, path):
        v = self.get(obj, key, (int, float), path, "a number")
        return None if v is None else float(v)

    def ids(self, obj, key, path) -> list | None:
        """An array of organization references -> list of ids (None for an entry without a string id)."""
        arr = self.arr(obj, key, path)
        if arr is None:
            return None
        out = []
        for i, ref in enumerate(arr):
            if not isinstance(ref, dict):
                self._bad(f"{path}[{i}]", ref, "an object")
                out.append(None)
                continue
            out.append(self.text(ref, "id", f"{path}[{i}]/id"))
        return out


def parse_release(release: dict, line: int, ocid: str, issues: list[Issue]) -> Process:
    r = _Reader(line, ocid, issues)
    p = Process(ocid=ocid, line=line)
    tender = r.obj(release, "tender", "/tender")
    if tender is not None:
        p.tender_status = r.text(tender, "status", "/tender/status")
        p.procurement_method = r.text(tender, "procurementMethod", "/tender/procurementMethod")
        p.procurement_method_details = r.text(tender, "procurementMethodDetails", "/tender/procurementMethodDetails")
        p.title = r.text(tender, "title", "/tender/title")
        period = r.obj(tender, "tenderPeriod", "/tender/tenderPeriod")
        if period is not None:
            p.tender_start = r.text(period, "startDate", "/tender/tenderPeriod/startDate")
            p.tender_end = r.text(period, "endDate", "/tender/tenderPeriod/endDate")
        p.number_of_tenderers = tender.get("numberOfTenderers")
        pe = r.obj(tender, "procuringEntity", "/tender/procuringEntity")
        if pe is not None:
            p.procuring_entity_id = r.text(pe, "id", "/tender/procuringEntity/id")
        value = r.obj(tender, "value", "/tender/value")
        if value is not None:
            p.tender_value = r.number(value, "amount", "/tender/value/amount")
            p.tender_currency = r.text(value, "currency", "/tender/value/currency")
    buyer = r.obj(release, "buyer", "/buyer")
    if buyer is not None:
        p.buyer_id = r.text(buyer, "id", "/buyer/id")
    bids = r.obj(release, "bids", "/bids")
    if bids is not None:
        details = r.arr(bids, "details", "/bids/details")
        if details is not None:
            p.bids = []
            for i, b in enumerate(details):
                path = f"/bids/details[{i}]"
                if not isinstance(b, dict):
                    r._bad(path, b, "an object")
                    continue
                value = r.obj(b, "value", f"{path}/value")
                p.bids.append(Bid(
                    status=r.text(b, "status", f"{path}/status"),
                    tenderers=r.ids(b, "tenderers", f"{path}/tenderers"),
                    amount=r.number(value, "amount", f"{path}/value/amount") if value is not None else None,
                    currency=r.text(value, "currency", f"{path}/value/currency") if value is not None else None,
                    date=r.text(b, "date", f"{path}/date"),
                    id=b["id"] if isinstance(b.get("id"), (str, int)) and not isinstance(b.get("id"), bool) else None,
                ))
    awards = r.arr(release, "awards", "/awards")
    if awards is not None:
        p.awards = []
        for i, a in enumerate(awards):
            path = f"/awards[{i}]"
            if not isinstance(a, dict):
                r._bad(path, a, "an object")
                continue
            items = r.arr(a, "items", f"{path}/items")
            codes = None
            if items is not None:
                codes = []
                for j, it in enumerate(items):
                    cls = r.obj(it, "classification", f"{path}/items[{j}]/classification") if isinstance(it, dict) else None
                    codes.append(r.text(cls, "id", f"{path}/items[{j}]/classification/id") if cls is not None else None)
            p.awards.append(Award(status=r.text(a, "status", f"{path}/status"),
                                  suppliers=r.ids(a, "suppliers", f"{path}/suppliers"), items=codes,
                                  id=a["id"] if isinstance(a.get("id"), (str, int)) and not isinstance(a.get("id"), bool) else None))
    parties = r.arr(release, "parties", "/parties")
    if parties is not None:
        p.parties = [x for x in parties if isinstance(x, dict)]
    return p


def iter_lines(source: str | Path | Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number from 1, text) for a path ('-' is stdin) or an iterable of lines."""
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            import sys

            yield from enumerate(sys.stdin, start=1)
            return
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: file not found")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a JSONL file")
        with path.open("r", encoding="utf-8", errors="replace") as f:
            yield from enumerate(f, start=1)
    else:
        yield from enumerate(source, start=1)


def read_processes(source: str | Path | Iterable[str], report: ReadReport | None = None) -> Iterator[Process]:
    """Yield one `Process` per good line; problems go to `report.issues` (see the module doc)."""
    report = report if report is not None else ReadReport()
    report.source = str(source) if isinstance(source, (str, Path)) else report.source or "<lines>"
    for n, text in iter_lines(source):
        if not text.strip():
            continue
        report.read += 1
        try:
            release = json.loads(text, parse_constant=_no_constants)
        except (ValueError, RecursionError) as e:
            msg = str(e).split(":")[0] if isinstance(e, json.JSONDecodeError) else str(e)
            report.issues.append(Issue(n, "", "", "", f"invalid JSON ({msg})", skipped=True))
            report.skipped += 1
            continue
        if not isinstance(release, dict):
            report.issues.append(Issue(n, "", "", _short(release), f"expected a JSON object, got {type(release).__name__}", skipped=True))
            report.skipped += 1
            continue
        ocid = release.get("ocid")
        if not isinstance(ocid, str):
            problem = "ocid is missing" if ocid is None else f"ocid must be a string, got {type(ocid).__name__}"
            report.issues.append(Issue(n, "", "/ocid", "" if ocid is None else _short(ocid), problem, skipped=True))
            report.skipped += 1
            continue
        report.accepted += 1
        yield parse_release(release, n, ocid, report.issues)


# --- dates ---------------------------------------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text: str | None) -> datetime | None:
    """A timezone-aware datetime for an RFC 3339 date-time (what Cardinal's chrono `parse_from_rfc3339` accepts), else None."""
    if not isinstance(text, str):
        return None
    m = _RFC3339.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        if tz in ("Z", "z"):
            tzinfo = timezone.utc
        else:
            sign = 1 if tz[0] == "+" else -1
            hh, mm = int(tz[1:3]), int(tz[4:6])
            if hh > 23 or mm > 59:
                return None
            tzinfo = timezone(sign * timedelta(hours=hh, minutes=mm))
        sec = int(s)
        leap = sec == 60  # RFC 3339 allows a leap second; chrono folds it into the previous second
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), 59 if leap else sec,
                      int((frac or ".0")[1:7].ljust(6, "0")), tzinfo=tzinfo)
        return dt
    except ValueError:
        return None


# --- canonical tables ----------------------------------------------------------------------------------------------

_BID_STATUS = {"valid": "valid", "disqualified": "disqualified", "withdrawn": "withdrawn", "pending": "valid"}


def processes_to_tables(processes: Iterable[Process], *, keep_cancelled: bool = False):
    """Canonical `tenders`, `bids` and (where parties allow) `enterprises` DataFrames from OCDS processes.

    One bid row per (bid, tenderer): a consortium bid yields one row per member. Invited bids are not bids and are left
    out. `is_winner` is 1 when a tenderer is a supplier of an active award, 0 otherwise, missing when the process has no
    awards. Returns (tables, notes) where notes lists what was left out and why."""
    import pandas as pd

    tenders, bids, parties = [], [], {}
    notes = {"cancelled": 0, "invited_bids": 0, "bids_without_tenderer": 0}
    for p in processes:
        if p.cancelled and not keep_cancelled:
            notes["cancelled"] += 1
            continue
        winners = None
        if p.awards is not None:
            winners = set()
            for a in p.awards:
                if a.status == "active":
                    winners |= {s for s in (a.suppliers or ()) if s is not None}
        tenders.append({
            "tender_id": p.ocid, "buyer_id": p.buyer_id or p.procuring_entity_id, "procedure": p.procurement_method,
            "category": p.procurement_method_details, "published_at": p.tender_start, "deadline_at": p.tender_end,
            "reserve_price": p.tender_value, "currency": p.tender_currency, "title": p.title,
        })
        for b in p.bids or ():
            if b.status == "invited":
                notes["invited_bids"] += 1
                continue
            ids = [t for t in (b.tenderers or ()) if t is not None]
            if not ids:
                notes["bids_without_tenderer"] += 1
                continue
            for t in ids:
                bids.append({
                    "tender_id": p.ocid, "bidder_id": t, "price": b.amount, "currency": b.currency,
                    "submitted_at": b.date, "status": _BID_STATUS.get(b.status or "valid", "valid"),
                    "is_winner": (float(t in winners) if winners is not None else float("nan")),
                    "consortium_size": len(ids),
                })
        for party in p.parties:
            pid = party.get("id")
            if isinstance(pid, str) and pid not in parties:
                ident = party.get("identifier") if isinstance(party.get("identifier"), dict) else {}
                addr = party.get("address") if isinstance(party.get("address"), dict) else {}
                contact = party.get("contactPoint") if isinstance(party.get("contactPoint"), dict) else {}
                roles = party.get("roles") if isinstance(party.get("roles"), list) else []
                parties[pid] = {
                    "enterprise_id": pid, "name": party.get("name") if isinstance(party.get("name"), str) else None,
                    "region": addr.get("region") if isinstance(addr.get("region"), str) else None,
                    "address": addr.get("streetAddress") if isinstance(addr.get("streetAddress"), str) else None,
                    "phone": contact.get("telephone") if isinstance(contact.get("telephone"), str) else None,
                    "scheme_id": ident.get("id") if isinstance(ident.get("id"), str) else None,
                    "roles": ";".join(r for r in roles if isinstance(r, str)),
                }
    tables = {
        "tenders": pd.DataFrame(tenders, columns=["tender_id", "buyer_id", "procedure", "category", "published_at",
                                                  "deadline_at", "reserve_price", "currency", "title"]),
        "bids": pd.DataFrame(bids, columns=["tender_id", "bidder_id", "price", "currency", "submitted_at", "status",
                                            "is_winner", "consortium_size"]),
    }
    if parties:
        tables["enterprises"] = pd.DataFrame(list(parties.values()))
    return tables, notes


def import_ocds(source: str | Path, out_dir: str | Path, report: ReadReport | None = None) -> dict[str, int]:
    """Read OCDS JSONL and write canonical `tenders.csv`, `bids.csv` and `enterprises.csv` (when parties exist) to `out_dir`.

    Returns the number of rows written per table. Bad lines are skipped and recorded in `report` (see `read_processes`)."""
    report = report if report is not None else ReadReport()
    tables, notes = processes_to_tables(read_processes(source, report))
    out = Path(out_dir)
    ensure_folder(out)
    counts = {}
    for name, df in tables.items():
        write_table(df, out / f"{name}.csv")
        counts[name] = len(df)
    counts["cancelled processes left out"] = notes["cancelled"]
    return counts


def processes_from_tables(tenders, bids) -> list[Process]:
    """Canonical `tenders` and `bids` as OCDS-like processes, so Cardinal's indicators run on any dataset.

    A bid becomes a bid with one tenderer (`status` valid/disqualified/withdrawn, `price` as amount in the tender's
    currency or 'XXX'); the bidders with `is_winner` 1 become the suppliers of one active award (no award when no winner
    is known); `published_at` / `deadline_at` become the tender period, `procedure` the procurement method and `category`
    the procurement method details; `buyer_id` the buyer."""
    import pandas as pd

    def iso(v):
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            return None
        ts = pd.Timestamp(v)
        if ts is pd.NaT:
            return None
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ")

    def txt(v):
        return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)

    info = {}
    if tenders is not None:
        for row in tenders.itertuples(index=False):
            r = row._asdict()
            info[str(r["tender_id"])] = r
    out = []
    groups = bids.groupby(bids["tender_id"].astype(str), sort=True) if bids is not None and len(bids) else []
    seen = set()
    for tid, g in groups:
        seen.add(tid)
        t = info.get(tid, {})
        currency = txt(t.get("currency")) or "XXX"
        p = Process(ocid=tid, line=0, procurement_method=txt(t.get("procedure")),
                    procurement_method_details=txt(t.get("category")), tender_start=iso(t.get("published_at")),
                    tender_end=iso(t.get("deadline_at")), buyer_id=txt(t.get("buyer_id")),
                    number_of_tenderers=int(g["bidder_id"].nunique()), bids=[], awards=None)
        winners = []
        has_win = "is_winner" in g.columns and g["is_winner"].notna().any()
        for r in g.to_dict("records"):
            price = r.get("price")
            price = None if price is None or price != price else float(price)
            status = txt(r.get("status")) or "valid"
            p.bids.append(Bid(status=status, tenderers=[str(r["bidder_id"])], amount=price,
                              currency=currency if price is not None else None, date=iso(r.get("submitted_at"))))
            if has_win and r.get("is_winner") == 1:
                winners.append(str(r["bidder_id"]))
        if has_win:
            p.awards = [Award(status="active", suppliers=sorted(set(winners)), items=None)] if winners else []
        out.append(p)
    return out
