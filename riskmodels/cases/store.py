"""The case store: what investigators decided and what the toolkit warned, kept for good.

A store is a database reached through SQLAlchemy: a SQLite file by default (one investigator, or a few on one shared
disk) or a PostgreSQL URL (a team). `open_store(path_or_url)` opens or creates it.

The record is append-only. A verdict is never edited: a later verdict on the same tender supersedes the earlier one and
both stay (`verdict_history`); `current_verdicts` is the latest per tender. Each verdict keeps who gave it, when, the note,
the firms found colluding and what the judged tender showed: its bidders and their bid traces (device, IP, MAC, CA
serial, deposit account, file hash and creator, project manager, agent), so that a warning can later say "this device
was in case 12". Warnings are kept the same way, one per (tender, kind), so a warning is raised once.

The schema carries a version (`SCHEMA_VERSION`, in the `meta` table). An older store is upgraded in place when opened;
a store written by a newer riskmodels is refused with a message saying so. Two writers at once both succeed: SQLite
writes take the database lock up front (`BEGIN IMMEDIATE`) and wait for it (busy timeout) instead of failing; PostgreSQL
serialises the inserts itself.
"""
from __future__ import annotations

import getpass
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

from features.core.errors import InputError

SCHEMA_VERSION = 2
# version 1: verdicts, the firms they name and the judged tenders' bids; version 2 adds the dataset a verdict was given
# on, the warnings raised, and the market statistics kept from the history for scoring new tenders
VERDICTS = ("collusive", "clean", "unsure")
TRACES = ("ip", "mac", "device_id", "ca_serial", "deposit_account", "file_hash", "file_creator", "project_manager_id",
          "agent_id")
KINDS = ("confirmed-group", "shared-trace", "black-list", "score")
DEFAULT_STORE = Path("~/.riskmodels/cases.db")


def _columns_v1(md: sa.MetaData) -> dict:
    meta = sa.Table("meta", md, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text))
    verdicts = sa.Table(
        "verdicts", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tender_id", sa.String(255), nullable=False, index=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sa.Column("firms", sa.Text))
    firms = sa.Table(
        "verdict_firms", md,
        sa.Column("verdict_id", sa.Integer, sa.ForeignKey("verdicts.id"), nullable=False, index=True),
        sa.Column("enterprise_id", sa.String(255), nullable=False, index=True))
    bids = sa.Table(
        "verdict_bids", md,
        sa.Column("verdict_id", sa.Integer, sa.ForeignKey("verdicts.id"), nullable=False, index=True),
        sa.Column("tender_id", sa.String(255), nullable=False),
        sa.Column("bidder_id", sa.String(255), nullable=False),
        sa.Column("price", sa.Float),
        sa.Column("status", sa.String(32)),
        *[sa.Column(c, sa.String(255)) for c in TRACES])
    return {"meta": meta, "verdicts": verdicts, "verdict_firms": firms, "verdict_bids": bids}


def _schema() -> tuple[sa.MetaData, dict]:
    """The current schema (version SCHEMA_VERSION)."""
    md = sa.MetaData()
    t = _columns_v1(md)
    t["verdicts"].append_column(sa.Column("dataset", sa.String(255)))
    t["warnings"] = sa.Table(
        "warnings", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tender_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("firms", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("raised_at", sa.String(40), nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("dataset", sa.String(255)),
        sa.UniqueConstraint("tender_id", "kind", name="one_warning_per_tender_kind"))
    t["market_stats"] = sa.Table(
        "market_stats", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(255)),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("stats", sa.Text, nullable=False))
    return md, t


def schema_v1() -> sa.MetaData:
    """The version-1 layout, kept to test the upgrade of an older store."""
    md = sa.MetaData()
    _columns_v1(md)
    return md


def now() -> str:
    """The current time, UTC, ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def current_user() -> str:
    """Who runs this command, for records that do not name a person (warnings)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def store_url(where: str | os.PathLike | None) -> str:
    """A SQLAlchemy URL for a store given as a path or a URL (`postgresql://...`, `sqlite:///...`); None: the default
    SQLite file in the user's folder (`~/.riskmodels/cases.db`). `postgresql://` uses the psycopg driver."""
    text = str(where) if where is not None and str(where) != "" else str(DEFAULT_STORE)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):
            return "postgresql+psycopg://" + text.split("://", 1)[1]
        if scheme.startswith(("postgresql+", "sqlite")):
            return text
        raise InputError(f"--store {text}: unsupported store URL (use a file path, sqlite:///FILE or postgresql://...)")
    p = Path(text).expanduser()
    if p.is_dir():
        raise InputError(f"--store {p}: is a folder; give the store's file, e.g. {p / 'cases.db'}")
    if not p.parent.exists():
        if where is None or str(where) == "":
            p.parent.mkdir(parents=True, exist_ok=True)  # the default place, made on first use
        else:
            raise InputError(f"--store {p}: folder {p.parent} does not exist")
    return f"sqlite:///{p.resolve()}"


def _sqlite_engine(url: str) -> sa.Engine:
    eng = sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)

    @event.listens_for(eng, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # the driver's own BEGIN would be deferred; ours is below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(eng, "begin")
    def _begin(conn):
        # take the write lock up front: a deferred transaction that reads and then writes can fail at once with
        # "database is locked" when another writer holds the lock, whatever the busy timeout
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return eng


class CaseStore:
    """Verdicts, warnings and kept market statistics in one database. Open with `open_store`."""

    def __init__(self, url: str):
        self.url = url
        self.name = sa.engine.make_url(url).render_as_string(hide_password=True)
        try:
            self.engine = _sqlite_engine(url) if url.startswith("sqlite") else sa.create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as e:
            raise InputError(f"store {self.name}: the database driver is not installed ({e.name})") from e
        self.md, self.t = _schema()
        self._open()

    # --- schema and version -------------------------------------------------------------------------------------
    def _open(self) -> None:
        try:
            with self.engine.begin() as c:
                have = set(sa.inspect(c).get_table_names())
                if "meta" not in have:
                    if have & {"verdicts", "warnings"}:
                        raise InputError(f"store {self.name}: has case tables but no schema version; not a riskmodels store")
                    self.md.create_all(c)
                    c.execute(sa.insert(self.t["meta"]).values(key="schema_version", value=str(SCHEMA_VERSION)))
                    c.execute(sa.insert(self.t["meta"]).values(key="created_at", value=now()))
                    return
                version = self._version(c)
                if version > SCHEMA_VERSION:
                    raise InputError(f"store {self.name}: written by a newer riskmodels (store schema version {version}, "
                                     f"this riskmodels reads up to {SCHEMA_VERSION}); upgrade riskmodels to use it")
                if version < SCHEMA_VERSION:
                    self._upgrade(c, version)
        except sa.exc.OperationalError as e:
            raise InputError(f"store {self.name}: cannot open ({' '.join(str(e.orig).split())[:200]})") from e
        except sa.exc.IntegrityError:
            # another process created the store at the same moment: it is there now
            self._open()

    def _version(self, c) -> int:
        v = c.execute(sa.select(self.t["meta"].c.value).where(self.t["meta"].c.key == "schema_version")).scalar()
        try:
            return int(v)
        except (TypeError, ValueError):
            raise InputError(f"store {self.name}: unreadable schema version {v!r}") from None

    def _upgrade(self, c, version: int) -> None:
        """Bring an older store to SCHEMA_VERSION, step by step, in the transaction that opened it."""
        if version < 2:
            c.execute(sa.text("ALTER TABLE verdicts ADD COLUMN dataset VARCHAR(255)"))
            self.t["warnings"].create(c)
            self.t["market_stats"].create(c)
        c.execute(sa.update(self.t["meta"]).where(self.t["meta"].c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
        c.execute(sa.insert(self.t["meta"]).values(key=f"upgraded_from_{version}_at", value=now()))

    def schema_version(self) -> int:
        with self.engine.connect() as c:
            return self._version(c)

    # --- verdicts -----------------------------------------------------------------------------------------------
    def add_verdicts(self, verdicts: pd.DataFrame, bids: pd.DataFrame | None = None, dataset: str = "") -> list[int]:
        """Append verdicts (columns tender_id, verdict, by, note, firms: a list of enterprise ids per row) with the judged
        tenders' bids (`bids`: tender_id, bidder_id, price, status and the trace columns present) in one transaction.
        Returns the new verdict ids. The rows are assumed checked (`riskmodels.cases.verdicts`)."""
        t = self.t
        ids = []
        at = now()
        with self.engine.begin() as c:
            for r in verdicts.itertuples(index=False):
                firms = list(r.firms or [])
                vid = c.execute(sa.insert(t["verdicts"]).values(
                    tender_id=str(r.tender_id), verdict=str(r.verdict), by=str(r.by), note=str(r.note or ""),
                    decided_at=at, firms=";".join(firms), dataset=dataset)).inserted_primary_key[0]
                ids.append(int(vid))
                if firms:
                    c.execute(sa.insert(t["verdict_firms"]), [{"verdict_id": vid, "enterprise_id": f} for f in firms])
                if bids is not None:
                    rows = bids[bids["tender_id"].astype(str) == str(r.tender_id)]
                    if len(rows):
                        c.execute(sa.insert(t["verdict_bids"]), _bid_rows(rows, vid))
        return ids

    def verdict_history(self, tender_ids=None) -> pd.DataFrame:
        """Every verdict (oldest first): verdict_id, tender_id, verdict, by, note, decided_at, firms, dataset, and
        `current` (False where a later verdict on the same tender superseded it)."""
        v = self.t["verdicts"]
        q = sa.select(v.c.id.label("verdict_id"), v.c.tender_id, v.c.verdict, v.c.by, v.c.note, v.c.decided_at, v.c.firms,
                      v.c.dataset).order_by(v.c.decided_at, v.c.id)
        if tender_ids is not None:
            q = q.where(v.c.tender_id.in_([str(x) for x in tender_ids]))
        with self.engine.connect() as c:
            h = pd.DataFrame(c.execute(q).mappings().all(), columns=["verdict_id", "tender_id", "verdict", "by", "note",
                                                                      "decided_at", "firms", "dataset"])
        h["current"] = ~h.duplicated("tender_id", keep="last")
        return h

    def current_verdicts(self) -> pd.DataFrame:
        """The latest verdict per tender (same columns as `verdict_history`, without `current`)."""
        h = self.verdict_history()
        return h[h["current"]].drop(columns="current").reset_index(drop=True)

    def confirmed_firms(self) -> pd.DataFrame:
        """The firms named in each tender's current verdict when it is collusive: enterprise_id, tender_id, verdict_id,
        decided_at, by, note."""
        cur = self.current_verdicts()
        cur = cur[cur["verdict"] == "collusive"]
        f = self.t["verdict_firms"]
        with self.engine.connect() as c:
            named = pd.DataFrame(c.execute(sa.select(f.c.verdict_id, f.c.enterprise_id)
                                           .where(f.c.verdict_id.in_(cur["verdict_id"].tolist()))).mappings().all(),
                                 columns=["verdict_id", "enterprise_id"])
        out = named.merge(cur[["verdict_id", "tender_id", "decided_at", "by", "note"]], on="verdict_id")
        return out[["enterprise_id", "tender_id", "verdict_id", "decided_at", "by", "note"]].sort_values(
            ["enterprise_id", "tender_id"]).reset_index(drop=True)

    def judged_bids(self, verdict_ids) -> pd.DataFrame:
        """The bids kept with the given verdicts (what the judged tenders showed)."""
        b = self.t["verdict_bids"]
        cols = ["verdict_id", "tender_id", "bidder_id", "price", "status", *TRACES]
        with self.engine.connect() as c:
            rows = c.execute(sa.select(*[b.c[x] for x in cols]).where(b.c.verdict_id.in_([int(x) for x in verdict_ids])))
            return pd.DataFrame(rows.mappings().all(), columns=cols)

    # --- warnings -----------------------------------------------------------------------------------------------
    def add_warnings(self, warnings: pd.DataFrame, by: str | None = None, dataset: str = "") -> pd.DataFrame:
        """Record the warnings (tender_id, kind, firms, reason) not raised before; returns those, with their
        `warning_id`, in input order. A warning already in the store, or recorded by another process meanwhile, is
        skipped."""
        w = self.t["warnings"]
        by = by or current_user()
        at = now()
        kept = []
        with self.engine.begin() as c:
            seen = set(map(tuple, c.execute(sa.select(w.c.tender_id, w.c.kind)).all()))
            for r in warnings.itertuples(index=False):
                key = (str(r.tender_id), str(r.kind))
                if key in seen:
                    continue
                seen.add(key)
                wid = c.execute(sa.insert(w).values(tender_id=key[0], kind=key[1], firms=str(r.firms or ""),
                                                    reason=str(r.reason or ""), raised_at=at, by=by, dataset=dataset)
                                ).inserted_primary_key[0]
                kept.append({"warning_id": int(wid), "tender_id": key[0], "kind": key[1], "firms": str(r.firms or ""),
                             "reason": str(r.reason or "")})
        return pd.DataFrame(kept, columns=["warning_id", "tender_id", "kind", "firms", "reason"])

    def warnings(self) -> pd.DataFrame:
        """Every warning raised: warning_id, tender_id, kind, firms, reason, raised_at, by, dataset."""
        w = self.t["warnings"]
        with self.engine.connect() as c:
            rows = c.execute(sa.select(w.c.id.label("warning_id"), w.c.tender_id, w.c.kind, w.c.firms, w.c.reason,
                                       w.c.raised_at, w.c.by, w.c.dataset).order_by(w.c.id))
            return pd.DataFrame(rows.mappings().all(), columns=["warning_id", "tender_id", "kind", "firms", "reason",
                                                                "raised_at", "by", "dataset"])

    # --- market statistics ----------------------------------------------------------------------------------------
    def keep_market_stats(self, stats: dict, dataset: str = "") -> None:
        """Keep the history's market statistics (JSON-able), to score new tenders against them later."""
        with self.engine.begin() as c:
            c.execute(sa.insert(self.t["market_stats"]).values(dataset=dataset, recorded_at=now(),
                                                               stats=json.dumps(stats)))

    def market_stats(self) -> dict | None:
        """The market statistics kept last, or None."""
        m = self.t["market_stats"]
        with self.engine.connect() as c:
            v = c.execute(sa.select(m.c.stats).order_by(m.c.id.desc()).limit(1)).scalar()
        return json.loads(v) if v else None

    def summary(self) -> dict:
        """Counts for `cases list`: verdicts recorded, tenders judged, current verdicts by kind, warnings by kind."""
        h = self.verdict_history()
        cur = h[h["current"]]
        w = self.warnings()
        return {"store": self.name, "schema_version": self.schema_version(), "verdicts": int(len(h)),
                "tenders_judged": int(cur["tender_id"].nunique()),
                "current": {k: int(v) for k, v in cur["verdict"].value_counts().items()},
                "superseded": int((~h["current"]).sum()), "warnings": int(len(w)),
                "warnings_by_kind": {k: int(v) for k, v in w["kind"].value_counts().items()}}

    def close(self) -> None:
        self.engine.dispose()


def _bid_rows(rows: pd.DataFrame, verdict_id: int) -> list[dict]:
    out = []
    cols = [c for c in TRACES if c in rows.columns]
    price = pd.to_numeric(rows["price"], errors="coerce") if "price" in rows.columns else pd.Series(float("nan"), index=rows.index)
    status = rows["status"] if "status" in rows.columns else pd.Series("valid", index=rows.index)
    for i in range(len(rows)):
        r = {"verdict_id": verdict_id, "tender_id": str(rows["tender_id"].iat[i]), "bidder_id": str(rows["bidder_id"].iat[i]),
             "price": None if pd.isna(price.iat[i]) else float(price.iat[i]),
             "status": None if pd.isna(status.iat[i]) else str(status.iat[i])}
        for c in cols:
            v = rows[c].iat[i]
            r[c] = None if pd.isna(v) or str(v) == "" else str(v)
        out.append(r)
    return out


def open_store(where: str | os.PathLike | None = None) -> CaseStore:
    """Open (creating or upgrading) the case store at a path or URL; None: the default in the user's folder."""
    return CaseStore(store_url(where))
