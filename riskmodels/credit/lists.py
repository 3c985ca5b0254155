"""Red and black lists (红黑名单) for differentiated supervision: documented rules over the credit tiers, the credit events,
the inspections and manual decisions, configurable in `[lists]` (`features.core.settings.ListsSettings`).

Black list (any rule):
- `event:<type>`: a credit event of a type in `black_event_types` (default: serious illegal and dishonest list, dishonest
  judgment debtor) dated in the `black_days` before the as-of date;
- `tier D + penalties`: tier D and at least `black_tier_d_penalties` administrative penalties in those days;
- `confirmed collusion`: named in a current collusive verdict of the case store (`--cases`; `collusion_facts`);
- `manual`: a row of the decisions file with list = black.
Red list (every rule): a tier in `red_tiers` (default A); no negative credit event and no failed inspection in the
`red_clean_days` before the as-of date; with `red_needs_commendation_or_tax_a`, a commendation or a tax credit grade A in
those days; with `red_active_only`, an active (or unknown) registry status; or a decisions-file row with list = red. A
decision `none` takes a firm off both lists. A firm that meets a black rule is never on the red list.

Effect on inspection plans (stated in the lists' manifest): black-listed firms are drawn in the high stratum (as tier D);
red-listed firms at the lowest rate (as tier A).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.io import codes
from features.io.side_tables import cell_text
from features.enterprise import event_kind
from features.core.errors import InputError

LIST_COLUMNS = ["enterprise_id", "name", "tier", "rule", "evidence", "since"]
EFFECT = {"black": "always in the inspection draw's high stratum (sampled as tier D)",
          "red": "sampled at the lowest rate (as tier A); no inspection unless triggered or drawn"}


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce")


def build_lists(tiers: pd.DataFrame, events: pd.DataFrame | None, inspections: pd.DataFrame | None,
                enterprises: pd.DataFrame | None, settings, decisions: pd.DataFrame | None = None,
                as_of=None, cases=None, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(red, black, as-of day) lists: one row per firm with the rule it meets (`rule`), the records behind it (`evidence`) and the
    date from which it holds (`since`). `as_of`: the tiers' as_of (default), the day the lists speak for. `cases`: a case
    store (path or URL, or its confirmed firms as `collusion_facts.confirmed_collusion` gives them). `lang` "zh": rules
    and evidence in Chinese (data values as written)."""
    cfg = settings.lists
    for c in ("enterprise_id", "tier"):
        if c not in tiers.columns:
            raise InputError(f"tiers: column '{c}' is missing")
    t = tiers.assign(enterprise_id=tiers["enterprise_id"].map(cell_text)).drop_duplicates("enterprise_id", keep="last")
    when = pd.Timestamp(as_of) if as_of is not None else (
        _dates(t["as_of"]).max() if "as_of" in t.columns else pd.NaT)
    if pd.isna(when):
        raise InputError("tiers: no as_of column (or date) to apply the lists' look-back windows from; give --as-of")
    names = {}
    status = {}
    if enterprises is not None:
        ent = enterprises.assign(enterprise_id=enterprises["enterprise_id"].map(cell_text))
        if "name" in ent.columns:
            names = dict(zip(ent["enterprise_id"], ent["name"].map(cell_text)))
        if "status" in ent.columns:
            status = dict(zip(ent["enterprise_id"], ent["status"].map(cell_text).str.lower()))
    black: dict = {}
    red_ok = set(t.loc[t["tier"].map(cell_text).str.upper().isin([str(x).upper() for x in cfg.red_tiers]), "enterprise_id"])
    ev = None
    if events is not None and len(events):
        ev = pd.DataFrame({"e": events["enterprise_id"].map(cell_text), "d": _dates(events["occurred_on"]),
                           "k": event_kind(events["event_type"]).to_numpy(),
                           "sev": pd.to_numeric(events.get("severity", pd.Series(np.nan, index=events.index)),
                                                errors="coerce")})
        ev = ev[ev["d"].notna() & (ev["d"] < when)]
        recent_black = ev[(ev["d"] >= when - pd.Timedelta(days=cfg.black_days)) & ev["k"].isin(cfg.black_event_types)]
        for e, g in recent_black.groupby("e"):
            last = g.sort_values("d").iloc[-1]
            black.setdefault(e, []).append((f"event:{last['k']}", f"{last['k']} on {last['d'].date()}", last["d"],
                                            f"名单事件：{_zh_event(last['k'])}", f"{_zh_event(last['k'])}（{last['d'].date()}）"))
        if cfg.black_tier_d_penalties > 0:
            pen = ev[(ev["d"] >= when - pd.Timedelta(days=cfg.black_days)) & (ev["k"] == codes.ADMINISTRATIVE_PENALTY)]
            n = pen.groupby("e").size()
            first = pen.groupby("e")["d"].max()
            tier_d = set(t.loc[t["tier"].map(cell_text).str.upper() == "D", "enterprise_id"])
            for e, k in n.items():
                if e in tier_d and k >= cfg.black_tier_d_penalties:
                    black.setdefault(e, []).append(("tier D + penalties", f"tier D and {k} administrative penalties "
                                                    f"in {cfg.black_days} days", first[e], "D级且多次行政处罚",
                                                    f"D级，{cfg.black_days} 天内受行政处罚 {k} 次"))
        clean_from = when - pd.Timedelta(days=cfg.red_clean_days)
        window = ev[ev["d"] >= clean_from]
        negative = set(window.loc[window["k"].isin(codes.NEGATIVE_EVENT_TYPES), "e"])
        red_ok -= negative
        if cfg.red_needs_commendation_or_tax_a:
            good = window[(window["k"] == codes.COMMENDATION) |
                          ((window["k"] == codes.TAX_CREDIT_GRADE) & (window["sev"] == codes.TAX_GRADE_SEVERITY["A"]))]
            red_ok &= set(good["e"])
    elif cfg.red_needs_commendation_or_tax_a:
        red_ok = set()
    if cases is not None:
        from riskmodels.credit.collusion_facts import black_entries, confirmed_collusion

        for e, entries in black_entries(confirmed_collusion(cases), when).items():
            black.setdefault(e, []).extend(entries)
    if inspections is not None and len(inspections) and "result" in inspections.columns:
        d = _dates(inspections["inspected_on"])
        res = inspections["result"].map(cell_text).str.lower()
        failed = inspections.loc[(res == codes.INSPECTION_FAIL) & (d >= when - pd.Timedelta(days=cfg.red_clean_days))
                                 & (d < when), "enterprise_id"].map(cell_text)
        red_ok -= set(failed)
    if cfg.red_active_only and status:
        red_ok = {e for e in red_ok if status.get(e, "") in ("", "active", "存续", "在业")}
    red = {e: [("tier + clean record", f"tier {_tier(t, e)}, no negative event or failed inspection in "
                f"{cfg.red_clean_days} days" + (", commended or tax grade A" if cfg.red_needs_commendation_or_tax_a else ""),
                when, "信用等级良好且无不良记录", f"{_tier(t, e)}级，{cfg.red_clean_days} 天内无不良信用记录和检查不合格"
                + ("，受到表彰或纳税信用A级" if cfg.red_needs_commendation_or_tax_a else ""))]
           for e in red_ok if e not in black}
    if decisions is not None:
        for c in ("enterprise_id", "list"):
            if c not in decisions.columns:
                raise InputError(f"decisions: column '{c}' is missing (enterprise_id, list = red|black|none, reason)")
        for e, lst, why in zip(decisions["enterprise_id"].map(cell_text), decisions["list"].map(cell_text).str.lower(),
                               decisions.get("reason", pd.Series("", index=decisions.index)).map(cell_text)):
            if lst not in ("red", "black", "none"):
                raise InputError(f"decisions: column 'list' has {lst!r} for {e} (expected red, black or none)")
            red.pop(e, None)
            if lst == "none":
                black.pop(e, None)
            elif lst == "black":
                black[e] = [("manual", why or "decision", when, "人工决定", why or "人工决定")]
            elif e not in black:
                red[e] = [("manual", why or "decision", when, "人工决定", why or "人工决定")]
    return _frame(red, t, names, lang), _frame(black, t, names, lang), when


def _tier(t: pd.DataFrame, e: str) -> str:
    m = t.loc[t["enterprise_id"] == e, "tier"]
    return cell_text(m.iloc[0]) if len(m) else ""


def _zh_event(kind: str) -> str:
    from riskmodels.credit.profile import EVENT_LABELS

    return EVENT_LABELS["zh"].get(kind, kind)


def _frame(found: dict, t: pd.DataFrame, names: dict, lang: str = "en") -> pd.DataFrame:
    """One row per firm; each entry is (rule, evidence, since, rule in Chinese, evidence in Chinese)."""
    tier = dict(zip(t["enterprise_id"], t["tier"].map(cell_text)))
    r, x, sep = (0, 1, "; ") if lang == "en" else (3, 4, "；")
    rows = [(e, names.get(e, ""), tier.get(e, ""), sep.join(en[r] for en in v), sep.join(en[x] for en in v),
             max(en[2] for en in v).date().isoformat()) for e, v in found.items()]
    return pd.DataFrame(rows, columns=LIST_COLUMNS).sort_values("enterprise_id").reset_index(drop=True)


def lists_manifest(red: pd.DataFrame, black: pd.DataFrame, settings, as_of: str, inputs: dict) -> dict:
    """What the lists' manifest.json records: the rules (settings), the counts, the effect on inspection plans, inputs."""
    import dataclasses

    return {"format": "riskmodels red and black lists", "as_of": as_of, "rules": dataclasses.asdict(settings.lists),
            "counts": {"red": int(len(red)), "black": int(len(black))}, "effect_on_inspection_plans": EFFECT,
            "inputs": inputs}
