"""One dataset's collusion evidence, computed once and shared: `Evidence`.

A run that scores tenders, trains a model, writes the case file, tiers enterprises or plays the demo needs the same
evidence several times: the tender screens, the pairs of bids, the red flags, the registry relations and the bidder
groups. `Evidence` holds the loaded, validated dataset and computes each of them on first use (cached properties),
so every consumer of one `Evidence` sees the same tables and none is computed twice:

- `screens`: the tender screens (`features.evidence.screens.tender_screens`), shared by the tender feature table and the
  group scores (the tightness of a group's prices);
- `pair_table`: the pairs of bids within a tender (`features.evidence.pairs.bid_pairs`), aggregated per tender for the
  models where they are made (only one row per tender comes back);
- `flags`: the red flags (`features.evidence.flags.collusion_flags`) as a `Flags` record, `findings` their tender-level rows;
- `graph`: the bidder graph and its ranked groups (`graphs.pipeline.analyse`) as a `GraphEvidence` record, which holds
  the registry and metadata `relations` and the `groups`;
- `tender_table(...)`: the tender feature table of `riskmodels.collusion.tables`, kept per choice of graph and flag
  features, so training and scoring on one dataset build it once.

What `collusion screens` and `collusion pairs` write (`screens_table`, `bidder_pair_evidence()`) are the command outputs,
with the `[screens]`/`[pairs]` settings and on the engine (the screens table is kept; the bidder pairs, millions on a
province and read by one stage, are not). The bidder graph's co-bidding pairs are
built from one bid per firm and tender (`graphs.cobid`), which is another table than `bid_pairs`.

An `Evidence` answers `get`, `require`, `tables` and `path` like the dataset it wraps, so it goes wherever a dataset
does. It assumes the dataset is not changed after it is wrapped (the cached tables would not see the change).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from features.core.errors import InputError
from riskmodels.collusion.tables import flag_table, tender_findings

BID_TABLES = ("tenders", "bids", "bid_items", "enterprises", "shareholders")


@dataclass(frozen=True)
class Flags:
    """The red flags of one dataset: every finding (`code`, `article`, `tender_id`, `bidders`, `evidence`, ...) and the
    statistics each flag ran with (fences, counts)."""

    table: pd.DataFrame
    stats: dict


@dataclass(frozen=True)
class GraphEvidence:
    """The bidder graph of one dataset (`graphs.groups.BidderGraphs`), its ranked suspicious groups
    (`graphs.groups.GROUP_COLUMNS`), the per-tender graph features (`graphs.tables.tender_features`) and the seconds
    each step took."""

    groups: pd.DataFrame
    graphs: object
    tender_features: pd.DataFrame
    seconds: dict

    @property
    def relations(self) -> pd.DataFrame | None:
        """The registry and bid-metadata relations between bidders (firm_a, firm_b, relation, value, ...); None once
        the graph was dropped (`Evidence.drop_graphs`)."""
        return None if self.graphs is None else self.graphs.relation_pairs


@dataclass
class PairEvidence:
    """What `collusion pairs` writes: the evidence per bidder pair and how many pairs of bids it came from. The table
    stays where it was made, in parts in (bidder_a, bidder_b) order (`features.engine.steps.Kept`; a province has
    millions of pairs): `write` writes a Parquet file a part at a time, `counts` reads the parts where they are,
    `table` brings the whole table here (on first use)."""

    bid_pairs: int
    parts: object

    @cached_property
    def table(self) -> pd.DataFrame:
        return self.parts.collect()

    def counts(self) -> dict:
        """{"bidder_pairs": rows, "sharing_metadata": pairs that shared a metadata value in some tender}."""
        per = self.parts.pick(_pair_counts)
        return {"bidder_pairs": int(sum(r for r, _ in per)), "sharing_metadata": int(sum(m for _, m in per))}

    def write(self, path) -> Path:
        """The table to `path` (CSV, Parquet or XLSX by extension; `features.io.export.write_table`), a Parquet file
        written a part at a time (`write_parquet_parts`)."""
        from features.io.export import write_parquet_parts, write_table

        if Path(path).suffix.lower() == ".parquet":
            return write_parquet_parts(self.parts.frames(), path)
        return write_table(self.table, path)


def _pair_counts(part: pd.DataFrame) -> tuple[int, int]:
    shared = part["shared_meta_tenders"] if "shared_meta_tenders" in part.columns else pd.Series(0, index=part.index)
    return len(part), int((shared > 0).sum())


def anonymous_bidders(bids: pd.DataFrame) -> bool:
    """True when bidder ids carry no identity (generated per bid, e.g. the Swiss research files)."""
    if "anonymous" in bids.columns:
        a = pd.to_numeric(bids["anonymous"], errors="coerce")
        if (a == 1).all():
            return True
    return "bidder_id" not in bids.columns


def flag_evidence(findings: pd.DataFrame | None, tender_ids) -> dict:
    """`flag_<code>` -> the first finding's evidence text per tender (aligned with `tender_ids`), for the reasons."""
    if findings is None or len(findings) == 0 or "evidence" not in findings.columns:
        return {}
    first = findings.drop_duplicates(["tender_id", "code"]).set_index(["code", "tender_id"])["evidence"]
    tid = pd.Index(pd.Series(tender_ids).astype(str))
    out = {}
    for code in findings["code"].unique():
        m = first.xs(code, level="code")
        out[f"flag_{code}"] = tid.map(m).to_numpy(dtype=object)
    return out


class Evidence:
    """The collusion evidence of one dataset (see the module doc). `ds`: a loaded dataset (`features.io.dataset.Dataset`
    or anything with `.get(name)`); `settings`: the run's settings (defaults when None)."""

    def __init__(self, ds, settings=None):
        from features.core.settings import Settings

        self.ds = ds
        self.settings = settings if settings is not None else Settings()
        self._tables: dict = {}

    @classmethod
    def load(cls, directory, settings=None, *, tables=BID_TABLES, require=("bids",)) -> "Evidence":
        """Load and validate the dataset in `directory` once (`features.io.dataset.load_dataset`)."""
        from features.io.dataset import load_dataset

        return cls(load_dataset(directory, settings, tables=list(tables), require=list(require)), settings)

    @classmethod
    def of(cls, ds, settings=None) -> "Evidence":
        """`ds` itself when it already is an `Evidence`, else the evidence of the dataset `ds`."""
        return ds if isinstance(ds, Evidence) else cls(ds, settings)

    # --- the dataset it wraps
    @property
    def path(self) -> Path:
        return Path(getattr(self.ds, "path", "dataset"))

    @property
    def name(self) -> str:
        return str(getattr(self.ds, "path", "dataset"))

    @property
    def tables(self) -> dict:
        return dict(getattr(self.ds, "tables", {}) or {}) or {
            k: self.ds.get(k) for k in BID_TABLES if self.ds.get(k) is not None}

    def get(self, name: str) -> pd.DataFrame | None:
        return self.ds.get(name)

    def kept(self, name: str):
        """The table's parts left on the workers (`features.io.kept.KeptTable`), or None."""
        fn = getattr(self.ds, "kept", None)
        return fn(name) if callable(fn) else None

    def require(self, name: str) -> pd.DataFrame:
        return self.ds.require(name)

    @cached_property
    def bids(self) -> pd.DataFrame:
        """The accepted bids; InputError when there are none."""
        bids = self.get("bids")
        if bids is None or len(bids) == 0:
            raise InputError(f"{self.name}: no accepted bids (bids.csv is missing or every row was rejected)")
        return bids

    @cached_property
    def anonymous(self) -> bool:
        return anonymous_bidders(self.bids)

    # --- evidence, each computed on first use
    @cached_property
    def screens(self) -> pd.DataFrame:
        """The tender screens (`features.evidence.screens.tender_screens`): tender_id (text), n_bids and the nine screens."""
        from features.evidence.screens import tender_screens

        return tender_screens(self.bids)

    @cached_property
    def pair_table(self) -> pd.DataFrame | None:
        """The pairs of bids within each tender aggregated per tender (`riskmodels.collusion.tables.pair_aggregates`,
        on the engine: the pairs stay where they are made); None when bids carry no bidder ids."""
        if "bidder_id" not in self.bids.columns:
            return None
        from riskmodels.collusion.tables import pair_aggregates

        return pair_aggregates(self.bids)

    def screens_table(self, market: str | None = None) -> pd.DataFrame:
        """What `collusion screens` writes: screens, bid progressions and market-relative screens (`[screens]`
        settings; `market` names the tenders column of a market), on the engine; kept per market."""
        from features.evidence.screens import screens_with_settings

        key = ("screens", market)
        if key not in self._tables:
            self._tables[key] = screens_with_settings(self.bids, self.get("tenders"), self.settings, market=market)
        return self._tables[key]

    def bidder_pair_evidence(self) -> PairEvidence:
        """What `collusion pairs` writes: the evidence per bidder pair ([pairs] settings, on the engine), its parts left
        where they were made. Computed on each call and not kept: one stage reads it, and a province has millions of
        pairs."""
        from features.evidence.pairs import pair_evidence

        n, parts = pair_evidence(self.bids, self.get("bid_items"), self.settings, keep=True)
        return PairEvidence(int(n), parts)

    @cached_property
    def flags(self) -> Flags:
        """The red flags of `features.flags` with the `[flags]` settings."""
        from features.evidence.flags import collusion_flags

        self.bids  # noqa: B018 - flags need bids: the same one-line error as every other stage
        table, stats = collusion_flags(self.tables, self.settings.flags)
        return Flags(table, stats)

    @cached_property
    def findings(self) -> pd.DataFrame | None:
        """The red flags as tender-level findings (`tender_findings`)."""
        return tender_findings(self.flags.table)

    @cached_property
    def graph(self) -> GraphEvidence:
        """The bidder graph and its ranked groups (`graphs.pipeline.analyse`), the group scores reading `screens`."""
        from graphs.pipeline import analyse
        from graphs.tables import tender_features

        groups, bg, seconds = analyse(self, self.settings, screens=self.screens)
        return GraphEvidence(groups, bg, tender_features(bg, groups), seconds)

    def drop_graphs(self) -> None:
        """Free the bidder graph and its relations (gigabytes on a province) once no later stage reads them; the groups
        and the per-tender graph features stay."""
        g = self.__dict__.get("graph")
        if g is not None and g.graphs is not None:
            self.__dict__["graph"] = GraphEvidence(g.groups, None, g.tender_features, g.seconds)

    def drop_tender_evidence(self) -> None:
        """Free the evidence per tender (screens, pair features, red flags, tender feature tables) once no later stage
        reads it; asked for again, it is computed again. The graph's groups stay."""
        for name in ("screens", "pair_table", "flags", "findings"):
            self.__dict__.pop(name, None)
        self._tables.clear()

    @property
    def named_graph(self) -> GraphEvidence | None:
        """`graph`, or None when bidders are anonymous (ids generated per bid say nothing about who met whom)."""
        return None if self.anonymous else self.graph

    @property
    def relations(self) -> pd.DataFrame:
        """The registry and bid-metadata relations between bidders (`GraphEvidence.relations`)."""
        return self.graph.relations

    @property
    def groups(self) -> pd.DataFrame | None:
        """The ranked suspicious bidder groups; None when bidders are anonymous."""
        g = self.named_graph
        return None if g is None else g.groups

    def tender_table(self, *, min_bids: int = 1, graph: bool = False, flags: bool = False,
                     market: str | None = None) -> pd.DataFrame:
        """The tender feature table (`riskmodels.collusion.tables.tender_feature_table`) of the tenders with at least
        `min_bids` valid bids; `graph` adds the graph features (none when bidders are anonymous), `flags` the red-flag
        counts (a `flag_<code>` column for every flag that ran, 0 where it found nothing). Built once per (graph, flags, market) over every tender (market-relative ranks use them all), so the
        rows of a tender do not depend on `min_bids`."""
        from riskmodels.collusion.batch import complete_flags, flag_codes
        from riskmodels.collusion.tables import tender_feature_table

        g = self.named_graph if graph else None
        key = (g is not None, bool(flags), market)
        if key not in self._tables:
            t = tender_feature_table(
                self.bids, self.get("tenders"), flags=flag_table(self.findings) if flags else None,
                graph=g.tender_features if g is not None else None, pair_table=self.pair_table, market=market,
                screens=self.screens)
            if flags:  # every flag that ran has its column, 0 where it found nothing (`batch.complete_flags`)
                found = [] if self.findings is None or not len(self.findings) else list(
                    pd.unique(self.findings["code"].astype(str)))
                t = complete_flags(t, list(dict.fromkeys([*flag_codes(self.settings), *found])))
            self._tables[key] = t
        t = self._tables[key]
        return t[t["n_bids"] >= max(1, int(min_bids))].reset_index(drop=True)
