"""One function per `riskmodels cases ...` command that is more than one library call: the inputs read and checked, the
case store written through its own API, and the line(s) the command line prints. `cases warn` with a model is in
`experiments.commands` (it loads a tracked model).
"""
from __future__ import annotations

from features.core.errors import InputError

BID_TABLES = ["tenders", "bids", "bid_items", "enterprises", "shareholders"]


def open_store(store: str | None, settings, log=None):
    """The case store `store` (SQLite file or postgresql:// URL), else `[cases] store`, else the default; `log` is told
    which."""
    from riskmodels.cases.store import open_store as _open

    st = _open(store or settings.cases.store or None)
    if log:
        log(f"case store: {st.name}")
    return st


def record(directory, store, settings, *, verdicts=None, tender=None, verdict=None, by=None, note="", firms="",
           log=None) -> str:
    """`cases verdict`: the verdicts of a file, or one tender's verdict, recorded with the dataset's bids and traces."""
    from features.io.dataset import load_dataset
    from riskmodels.cases.verdicts import one_verdict, read_verdict_file, record_verdicts

    if (verdicts is None) == (tender is None):
        raise InputError("give --verdicts FILE, or --tender T with --verdict V and --by NAME (one of the two)")
    if tender is not None and (verdict is None or by is None):
        raise InputError("--tender needs --verdict (collusive, clean or unsure) and --by NAME")
    v = read_verdict_file(verdicts) if verdicts is not None else one_verdict(tender, verdict, by, note, firms)
    st = open_store(store, settings, log)
    ds = load_dataset(directory, settings, tables=["tenders", "bids", "bid_items"], require=["bids"])
    r = record_verdicts(st, ds, v, str(verdicts or "--tender"))
    return (f"recorded {r['recorded']} verdict(s) (" + ", ".join(f"{k} {n}" for k, n in sorted(r["by_verdict"].items()))
            + f"; {r['firms_named']} firm(s) named)"
            + (f"; {r['superseded']} supersede an earlier verdict" if r["superseded"] else ""))


def queue(directory, store, budget: int, out, settings, log=None) -> str:
    """`cases queue`: the next `budget` tenders to review to `out`."""
    from features.io.dataset import load_dataset
    from riskmodels.cases.queue import queue_to_file

    st = open_store(store, settings, log)
    r = queue_to_file(load_dataset(directory, settings, tables=BID_TABLES, require=["bids"]), st, budget, out, settings)
    return (f"queued {r['queued']} of {r['available']:,} tenders not yet judged ({r['judged']:,} judged); ranked by "
            f"{r['why']}; wrote {out}")


def warn(directory, store, out, settings, *, black=None, model=None, share=None, log=None) -> str:
    """`cases warn`: the warnings on new tenders not raised before, to `out` (`model`: a fitted collusion model)."""
    from features.io.dataset import load_dataset
    from riskmodels.cases.early_warning import warn_to_file

    st = open_store(store, settings, log)
    ds = load_dataset(directory, settings, tables=BID_TABLES, require=["bids"])
    r = warn_to_file(ds, st, out, black_file=black, model=model, share=share if share is not None else settings.cases.warn_share,
                     settings=settings)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(r["by_kind"].items())) or "none"
    return (f"{r['new']} new warning(s) on {r['tenders']:,} tenders ({kinds}); {r['already']} raised before and not "
            f"repeated; scored by {r['scored_by']}; wrote {out}")


def listing(store, settings, tender=None, limit: int = 20, log=None) -> tuple[dict, list[str]]:
    """`cases list`: (the store's counts, the lines to print: the counts, then the latest verdicts)."""
    from riskmodels.cases.records import history_table

    st = open_store(store, settings, log)
    c = st.summary()
    lines = [f"{c['store']} (schema {c['schema_version']}): {c['verdicts']} verdict(s) on {c['tenders_judged']} tender(s), "
             f"{c['superseded']} superseded; current "
             + (", ".join(f"{k} {n}" for k, n in sorted(c["current"].items())) or "none") + f"; {c['warnings']} warning(s)"]
    for r in history_table(st, tender, limit).itertuples(index=False):
        lines.append(f"  {r.decided_at[:19]}  {r.tender_id:<16} {r.verdict:<9} by {r.by}{'' if r.current else '  (superseded)'}"
                     + (f"  firms {r.firms}" if r.firms else "") + (f"  - {r.note}" if r.note else ""))
    return c, lines


def export(store, out, settings, log=None) -> str:
    """`cases export`: each judged tender's current verdict to the labels file `out`."""
    from riskmodels.cases.records import export_labels

    r = export_labels(open_store(store, settings, log), out)
    return (f"wrote {r['tenders']} labelled tender(s) to {out} (collusive {r['collusive']}, clean {r['clean']}, "
            f"unsure {r['unsure']})")
