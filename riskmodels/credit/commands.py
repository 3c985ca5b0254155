"""One function per `riskmodels credit ...` command without a tracked model (lists, profile, evaluate): the inputs read
and checked, the library run, the outputs written whole; each returns what the command line prints. The commands with
a model (train, tier, monitor) are in `experiments.commands`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from features.core.errors import InputError

LIST_FILES = ("red.csv", "black.csv", "red.xlsx", "black.xlsx", "manifest.json")


def list_files(out) -> list[Path]:
    """The files `credit lists` writes into folder `out`."""
    return [Path(out) / f for f in LIST_FILES]


def write_lists(directory, tiers: Path, out: Path, settings, *, decisions: Path | None = None,
                as_of: str | None = None, cases: str | None = None, collusion_scores: Path | None = None,
                lang: str = "en") -> list[str]:
    """`credit lists`: the red and black lists (`riskmodels.credit.lists.build_lists`; firms named in a collusive verdict
    of the case store `cases` black-listed) to `out` as CSV and XLSX, and the manifest with the rules, counts, effect on
    inspection plans and the inputs (paths relative to `out`). With `collusion_scores`, the firms under open suspicion
    (flagged tenders, not confirmed) go to `suspects.csv`, a triggers file for `inspect plan --triggers`. The lines to
    print."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table, write_text
    from features.io.sheets import write_workbook
    from riskmodels.credit.lists import build_lists, lists_manifest
    from features.io.side_tables import check_lang, parse_day, read_side_table

    t = read_side_table(tiers, ("enterprise_id", "tier"))
    dec = read_side_table(decisions, ("enterprise_id", "list")) if decisions else None
    ds = load_dataset(directory, settings, tables=["credit_events", "inspections", "enterprises"]
                      + (["bids"] if collusion_scores else []), require=["enterprises"])
    when = parse_day(as_of, "--as-of") if as_of else None
    red, black, day = build_lists(t, ds.get("credit_events"), ds.get("inspections"), ds.get("enterprises"), settings,
                                  dec, when, cases=cases, lang=check_lang(lang))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in (("red", red), ("black", black)):
        write_table(df, out / f"{name}.csv")
        write_workbook(out / f"{name}.xlsx", {name: df})
    day = day.date().isoformat()

    def rel(p):
        return Path(os.path.relpath(Path(p).resolve(), out.resolve())).as_posix()

    m = lists_manifest(red, black, settings, day, {"dataset": rel(directory), "tiers": rel(tiers),
                                                    "decisions": rel(decisions) if decisions else None})
    write_text(out / "manifest.json", json.dumps(m, indent=2, ensure_ascii=False) + "\n")

    def rules(df):
        return ", ".join(f"{k} {v}" for k, v in df["rule"].value_counts().items()) or "none"

    lines = [f"as of {day}: red list {len(red):,} ({rules(red)}); black list {len(black):,} ({rules(black)}); wrote {out}"]
    if collusion_scores:
        from riskmodels.credit.collusion_facts import suspects_table

        sus = suspects_table(read_side_table(collusion_scores, ("tender_id", "score")), ds.get("bids"), cases, lang)
        write_table(sus, out / "suspects.csv")
        lines.append(f"{len(sus):,} firm(s) under open suspicion of collusion (not confirmed): {out / 'suspects.csv'} "
                     "(pass it to 'inspect plan --triggers' for targeted visits)")
    return lines


def profile_ids(ids: Path) -> list[str]:
    """The enterprise ids of an `--ids` file: a table with enterprise_id (CSV, Parquet, XLSX) or one id a line."""
    from features.io.side_tables import read_side_table

    if ids.suffix.lower() in (".csv", ".parquet", ".xlsx"):
        want = read_side_table(ids, ("enterprise_id",))["enterprise_id"].astype(str).str.strip().tolist()
    else:
        want = [x.strip() for x in ids.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
    if not want:
        raise InputError(f"{ids}: no enterprise id in it")
    return want


def profile_outputs(out: Path, eid: str | None, ids: Path | None) -> list[Path]:
    """What `credit profile` writes (and must not overwrite without --force): the page, or the folder's index."""
    if (eid is None) == (ids is None):
        raise InputError("give exactly one of --id ID (one page) or --ids FILE (a folder of pages)")
    return [out] if eid is not None else [out / "index.html"]


def write_profile_pages(directory, tiers: Path, out: Path, settings, *, eid: str | None = None, ids: Path | None = None,
                        lang: str = "en", groups: Path | None = None, collusion_scores: Path | None = None,
                        history: list | None = None, force: bool = False, report: Path | None = None,
                        cases: str | None = None) -> str:
    """`credit profile`: one firm's page to `out` (`eid`), or a page per firm of `ids` and index.html in folder `out`
    (existing pages replaced only with `force`)."""
    from features.io.dataset import load_dataset
    from features.io.side_tables import read_side_table
    from riskmodels.credit.profile import ProfileData, enterprise_profile, render_profile, write_page, write_profiles
    from features.io.side_tables import check_lang

    check_lang(lang)
    profile_outputs(out, eid, ids)
    t = read_side_table(tiers, ("enterprise_id", "tier"))
    g = read_side_table(groups, ("group_id", "members")) if groups else None
    sc = read_side_table(collusion_scores, ("tender_id", "score")) if collusion_scores else None
    hist = [read_side_table(h, ("enterprise_id", "tier")) for h in (history or [])]
    ds = load_dataset(directory, settings, tables=["enterprises", "credit_events", "inspections", "bids", "shareholders"],
                      require=["enterprises"])
    data = ProfileData(ds, t, settings, groups=g, scores=sc, history=hist, report=report, cases=cases)
    if eid is not None:
        p = enterprise_profile(data, eid, lang, page_dir=Path(out).parent)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_page(out, render_profile(p))
        return f"{p['name']} ({p['eid']}): tier {p['tier'] or '-'}; {p['n_events']}, {p['n_inspections']}; wrote {out}"
    entries = write_profiles(data, profile_ids(ids), out, lang, force=force)
    return f"wrote {len(entries):,} profiles and index.html to {out}"


def read_evaluation_table(table: Path, target: str, *, positive=None, group=None) -> tuple:
    """`credit evaluate`'s input: (X, y, what `read_labelled_table` read, the lines saying what was read)."""
    from riskmodels.credit.evaluate import read_labelled_table

    X, y, info = read_labelled_table(table, target, positive, group=group)
    lines = [f"{table}: {info['rows']:,} rows, {info['features']} features, target '{target}' = {info['bad_value']!r} read "
             f"as bad ({info['bad_rate']:.1%})" + (f"; {info['dropped_missing_target']} rows without a target left out"
                                                   if info["dropped_missing_target"] else "")]
    if info["date_columns"] or info["identifier_columns"]:
        lines.append("; ".join(x for x in (
            info["date_columns"] and f"read as dates (days): {', '.join(info['date_columns'])}",
            info["identifier_columns"] and "left out as identifiers (a different value in every row): "
            + ", ".join(info["identifier_columns"])) if x))
    return X, y, info, lines
