"""Plans on disk: read and hash the inputs, draw, write the exports and manifest.json; verify a published plan.

`make_plan` is what `riskmodels inspect plan` runs and `verify_plan` what `riskmodels inspect verify` runs. The manifest
names every input by its path relative to the plan folder (never an absolute path, so it can be circulated without
revealing the bureau's file system) with its SHA-256, so a verifier finds the inputs from the plan folder (or a copy of it
beside the same inputs, or with --data/--tiers); `embed_inputs=True` also copies the inputs into `OUT/inputs/` so the folder is
self-contained. Any changed byte in an input, the manifest's seed/period/policy, or an output is reported by `verify_plan`.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from features.core.errors import InputError
from features.core.settings import ColumnsSettings, Settings, ValidateSettings
from features.io.dataset import find_tables, load_dataset
from features.io.export import atomic_dir, md_code, md_text, note_input, report_stripped
from features.io.kept import map_parts, part_map
from features.io.read import read_columns, read_raw
from riskmodels.inspection.draw import PlanInputs, PlanResult, draw_plan, last_visit_rows, plan_inputs, visits_of
from features.io.side_tables import check_lang
from riskmodels.inspection.exports import (csv_bytes, labels_for, notice_frame, notice_sheets,
                                           plan_csv_frame, presentation, presentation_difference, read_workbook,
                                           sheet_rows, workbook_sheets, write_workbook)
from features.io.sheets import WorkbookTooLarge, trim_row
from riskmodels.inspection.policy import Policy
from riskmodels.inspection.randomness import ALGORITHM, seed_key, sha256_bytes, sha256_path

DATASET_TABLES = ("roster", "inspectors", "inspections", "enterprises")
CSV_OUTPUTS = ("plan.csv", "unassigned.csv", "strata.csv", "inclusion.csv", "notice.csv")
FORMAT = "riskmodels inspection plan"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("riskmodels")
    except Exception:  # noqa: BLE001 - running from a source tree without installation
        return "0+unknown"


@dataclass
class Inputs:
    """Located input files with their hashes (`None` = absent)."""

    data_dir: Path
    tables: dict  # name -> Path or None
    tiers: Path
    triggers: Path | None
    lists: dict | None = None  # "black"/"red" -> Path of the red and black lists from `credit lists`

    def hashes(self) -> dict:
        h = {f"dataset/{n}": (sha256_path(p) if p is not None else None) for n, p in self.tables.items()}
        h["tiers"] = sha256_path(self.tiers)
        h["triggers"] = sha256_path(self.triggers) if self.triggers is not None else None
        for k, p in (self.lists or {}).items():  # only when lists are given, so plans without them keep their keys
            h[f"lists/{k}"] = sha256_path(p)
        return h


LIST_FILES = ("black", "red")


def locate_lists(folder) -> dict | None:
    """{"black": path, "red": path} of a `credit lists` folder, or InputError naming the missing file."""
    if folder is None:
        return None
    folder = Path(folder)
    out = {}
    for k in LIST_FILES:
        p = folder / f"{k}.csv"
        if not p.is_file():
            raise InputError(f"{p}: not found (--lists expects the folder 'riskmodels credit lists' wrote)")
        out[k] = p
    return out


def apply_lists(tiers: pd.DataFrame, lists: dict | None) -> tuple[pd.DataFrame, dict]:
    """The tiers the draw uses: black-listed firms in the high stratum (D), red-listed ones at the lowest rate (A), black
    winning over red; and how many firms each list moved."""
    if not lists:
        return tiers, {}
    t = tiers.copy()
    ids = t["enterprise_id"].astype(str).str.strip()
    moved = {}
    for k, tier in (("red", "A"), ("black", "D")):
        df = lists[k]
        if "enterprise_id" not in df.columns:
            raise InputError(f"{k}.csv: column 'enterprise_id' is missing")
        on = ids.isin(set(df["enterprise_id"].astype(str).str.strip()))
        moved[k] = int((on & (t["tier"].astype(str).str.strip().str.upper() != tier)).sum())
        t.loc[on, "tier"] = tier
    return t, moved


def locate_inputs(data_dir, tiers, triggers=None, lists=None) -> Inputs:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: no such dataset directory")
    found = find_tables(data_dir)
    if "inspectors" not in found:
        raise InputError(f"{data_dir}: table 'inspectors' is missing (expected inspectors.csv or inspectors.parquet)")
    tiers = Path(tiers)
    if not tiers.is_file():
        raise InputError(f"{tiers}: tiers file not found")
    if triggers is not None and not Path(triggers).is_file():
        raise InputError(f"{triggers}: triggers file not found")
    return Inputs(data_dir, {n: found.get(n) for n in DATASET_TABLES}, tiers, Path(triggers) if triggers else None,
                  lists if isinstance(lists, dict) else locate_lists(lists))


def read_file_table(path: Path | None, columns=None) -> pd.DataFrame | None:
    """A side file (tiers, triggers, lists) as text; with `columns`, only those of them the file has, read without
    holding the rest (`features.io.read.read_columns`). A record that does not fit the header is an InputError naming
    its row."""
    if path is None:
        return None
    if columns is not None:
        return read_columns(path, columns)
    raw = read_raw(path)
    if raw.broken:  # a plan's side file keeps no rejects table: a row left out would change the plan unseen
        row, _, _, reason = raw.broken[0]
        raise InputError(f"{Path(path).name}: row {row}: {reason}")
    df = raw.frame.copy()
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _load_settings_parts(settings: Settings) -> dict:
    return {"inspect": Policy.from_settings(settings.inspect).to_dict(),
            "columns": dataclasses.asdict(settings.columns), "validate": dataclasses.asdict(settings.validate)}


def _settings_from_manifest(m: dict) -> tuple[Settings, Policy]:
    s = m.get("settings") or {}
    try:
        settings = Settings(columns=ColumnsSettings(**s.get("columns", {})), validate=ValidateSettings(**s.get("validate", {})))
    except TypeError as e:
        raise InputError(f"manifest.json: settings do not fit this version ({e})") from None
    return settings, Policy.from_settings(dict(s.get("inspect", {})))


@dataclass
class Loaded:
    """The input tables of a plan, read once: hashes, dataset tables, tiers and triggers frames."""

    hashes: dict
    dataset: object
    tiers: pd.DataFrame
    triggers: pd.DataFrame | None
    labels: dict
    lists: dict | None = None
    inputs: Inputs | None = None  # what was read, and with which settings: a reuse must ask for the same (`check_same`)
    read_with: dict | None = None
    tier_columns: tuple = ()  # the columns of the tiers file that were read (`tier_columns` of the policy)
    prepared: dict = field(default_factory=dict, repr=False)  # policy -> (PlanInputs, list moves), made on first use

    def plan_inputs(self, policy: Policy) -> tuple[PlanInputs, dict]:
        """(the `PlanInputs` every plan drawn from these tables under `policy` shares, the tiers moved by the red and
        black lists), prepared on first use: tiers, risk scores, inspectors, triggers, last visits and the population
        are built once, not once per plan drawn."""
        key = json.dumps(policy.to_dict(), sort_keys=True, default=str)
        unread = [c for c in tier_columns(policy) if c not in self.tier_columns]
        if unread:
            raise ValueError(f"the tiers were read without the column(s) {', '.join(unread)} this policy reads")
        if key not in self.prepared:
            tiers, moved = apply_lists(self.tiers, self.lists)
            ds = self.dataset
            there = ds.kept("inspections") if hasattr(ds, "kept") else None
            if there is not None and part_map([there]) is not None:  # a firm's visits all in one part
                inspections = None
                last = visits_of(pd.concat(map_parts(last_visit_rows, [there], label="last visits"), ignore_index=True))
            else:
                last, inspections = None, ds.get("inspections")
            self.prepared[key] = (plan_inputs(tiers, ds.require("inspectors"), policy=policy, roster=ds.get("roster"),
                                              inspections=inspections, triggers=self.triggers, labels=self.labels,
                                              last=last), moved)
        return self.prepared[key]

    def check_same(self, inputs: Inputs, settings: Settings) -> None:
        """ValueError unless these tables were read from `inputs` with the header mapping and checks of `settings`
        (a plan drawn from other tables than its manifest names would not verify)."""
        if self.inputs != inputs or self.read_with != _read_settings(settings):
            raise ValueError("the loaded inputs were read from other files or with other settings than asked for")


def _read_settings(settings: Settings) -> dict:
    return {"columns": dataclasses.asdict(settings.columns), "validate": dataclasses.asdict(settings.validate)}


TIER_COLUMNS = ("enterprise_id", "tier", "probability", "as_of")  # probability: the lift's fallback truth


def tier_columns(policy: Policy) -> tuple:
    """The columns of a tiers file a plan drawn under `policy` reads: the firm, its tier, the model's probability, the
    as-of date (the default period) and the policy's risk and trigger columns. Nothing else is read (a province's written reasons in two
    languages are most of its tiers file: half a gigabyte no plan reads)."""
    return tuple(dict.fromkeys([*TIER_COLUMNS, *(c for c in (policy.risk_column, policy.trigger_column) if c)]))


def load_inputs(inputs: Inputs, settings: Settings, dataset=None, policy: Policy | None = None) -> Loaded:
    """Hash and read the located inputs (dataset tables through `load_dataset`, with the given header mapping). One
    process that draws several plans from the same inputs (a plan and its simulated lift) reads them once with this and
    passes the result to `make_plan(loaded=...)` and `simulate_plans(loaded=...)`; `verify_plan` always reads the
    published files again.

    The small tables (roster, inspectors) are read and validated in this process in one pass on either engine: the
    draw needs them whole here (quotas, triggers, inspectors), so validating them per partition on Dask workers only to
    bring them back costs more than it gives; the registry, which is not small, is validated on the workers. On a parallel engine the inspections (a record table,
    7 million rows in a province) are validated on the workers and stay there (`load_dataset(spread=False)`); the
    draw reads their last visits part by part. Of the tiers file only the columns the plan reads are read
    (`tier_columns` of `policy`, default the settings' `[inspect]` policy). `dataset`: the
    same directory already loaded with the same `settings` (the demo's validated dataset, which holds these tables):
    its tables are used instead of reading and validating the files a second time (the files are still hashed)."""

    present = [n for n, p in inputs.tables.items() if p is not None]
    if not _holds(dataset, inputs.data_dir, present):
        # the registry (775,000 firms in a province) is checked on the workers: read and checked whole here it costs
        # this process about twenty times its size at its peak
        dataset = load_dataset(inputs.data_dir, settings, tables=present, spread=("enterprises",))
    ds = dataset
    labels = {"tiers": str(inputs.tiers), "triggers": str(inputs.triggers),
              **{n: str(p) for n, p in inputs.tables.items() if p is not None}}
    lists = {k: read_file_table(p) for k, p in inputs.lists.items()} if inputs.lists else None
    cols = tier_columns(policy or Policy.from_settings(settings.inspect))
    return Loaded(inputs.hashes(), ds, read_file_table(inputs.tiers, cols), read_file_table(inputs.triggers), labels, lists,
                  inputs, _read_settings(settings), cols)


def _holds(dataset, directory, names: list) -> bool:
    """Whether `dataset` (a loaded `Dataset`, or None) was loaded from `directory` and holds every table `names`."""
    if dataset is None:
        return False
    try:
        same = Path(dataset.path).resolve() == Path(directory).resolve()
    except OSError:
        return False
    return same and all(dataset.has(n) for n in names)  # held here or kept on the workers


def default_period(tiers: pd.DataFrame, label: str = "tiers") -> str:
    """The month after the tiers' as-of date (`as_of` column, its latest value) as YYYY-MM: a plan drawn from tiers as of
    2026-02-01 is for 2026-03. InputError when the tiers file gives no as-of date."""
    if "as_of" not in tiers.columns:
        raise InputError(f"{label}: no as_of column to take the plan period from; give --period YYYY-MM")
    when = pd.to_datetime(tiers["as_of"], errors="coerce").max()
    if pd.isna(when):
        raise InputError(f"{label}: column 'as_of' holds no date; give --period YYYY-MM")
    nxt = (when.to_period("M") + 1)
    return f"{nxt.year:04d}-{nxt.month:02d}"


def derive(inputs: Inputs | Loaded, seed: str, period: str, settings: Settings, policy: Policy, lang: str = "en",
           labels: dict | None = None) -> tuple[PlanResult, dict, str, dict]:
    """Draw the plan from located (or already loaded) inputs: (result, rendered CSV outputs name -> bytes, seed key,
    input hashes). `lang` and `labels` (department id -> label) shape the notice and the workbooks."""
    data = inputs if isinstance(inputs, Loaded) else load_inputs(inputs, settings, policy=policy)
    ds = data.dataset
    key = seed_key(seed, period, data.hashes)
    prepared, moved = data.plan_inputs(policy)
    result = draw_plan(None, None, key=key, period=period, policy=policy, prepared=prepared)
    result.summary["rejected_input_rows"] = {n: c["rejected"] for n, c in ds.counts.items() if c.get("rejected")}
    if moved:
        result.summary["lists_moved"] = moved
    labels = labels or {}
    notice = notice_frame(result.visits, ds.get("enterprises"), labels, lang)
    counter = [0]
    rendered = {"plan.csv": csv_bytes(plan_csv_frame(result.visits), counter),
                "unassigned.csv": csv_bytes(result.unassigned, counter), "strata.csv": csv_bytes(result.strata, counter),
                "inclusion.csv": csv_bytes(result.inclusion, counter),
                "notice.csv": csv_bytes(notice, counter, bom=True)}  # the public notice is for people: BOM for Excel
    result.notice = notice
    result.stripped = counter[0]  # cells that lost a control character in the exports (reported, not in the manifest)
    result.sheets = workbook_sheets(result.visits, result.unassigned, result.strata, enterprises=ds.get("enterprises"),
                                    inspectors=ds.require("inspectors"), labels=labels, lang=lang)
    return result, rendered, key, data.hashes


def _where(path: Path, out: Path) -> dict:
    return {"relative": Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()}


def make_plan(data_dir, tiers, period: str | None, seed: str, out, settings: Settings | None = None, triggers=None,
              embed_inputs: bool = False, lang: str = "en", lists=None,
              loaded: Loaded | None = None) -> tuple[PlanResult, dict]:
    """Draw the plan and write OUT/plan.csv, plan.xlsx (internal), unassigned.csv, strata.csv, notice.csv, notice.xlsx,
    notice.md (public) and manifest.json. `period` None: the month after the tiers' as-of date. `loaded`: these inputs
    already read by `load_inputs` (ValueError when they were read from other files or with other settings)."""
    settings = settings or Settings()
    check_lang(lang)
    if not str(seed).strip():
        raise InputError("--seed: the public seed text must not be empty")
    policy = Policy.from_settings(settings.inspect)
    inputs = locate_inputs(data_dir, tiers, triggers, lists)
    if loaded is not None:
        loaded.check_same(inputs, settings)
    if period is None:
        period = default_period(loaded.tiers if loaded is not None else read_file_table(inputs.tiers, ["as_of"]),
                                str(inputs.tiers))
    labels = labels_for(settings.inspect.department_labels, lang)
    result, rendered, key, hashes = derive(loaded if loaded is not None else inputs, seed, period, settings, policy,
                                           lang, labels)
    out = Path(out)
    note_input(inputs.data_dir, "dataset")  # the plan folder never replaces, holds or lies in an input (atomic_dir refuses)
    for p in (*inputs.tables.values(), inputs.tiers, inputs.triggers, *(inputs.lists or {}).values()):
        if p is not None:
            note_input(p)
    with atomic_dir(out) as work:
        manifest = _write_plan(work, out, inputs, result, rendered, key, hashes, period, seed, settings, embed_inputs,
                               lang, labels)
    report_stripped(out, getattr(result, "stripped", 0))
    return result, manifest


def _write_plan(work: Path, out: Path, inputs, result, rendered, key, hashes, period, seed, settings, embed_inputs,
                lang: str, labels: dict) -> dict:
    """Every file of the plan into `work` (renamed to `out` when complete); manifest paths are relative to `out`."""
    for name, data in rendered.items():
        (work / name).write_bytes(data)
    write_workbook(work / "plan.xlsx", result.sheets)
    write_workbook(work / "notice.xlsx", notice_sheets(result.notice, lang))
    tables = {}
    for n, p in inputs.tables.items():
        tables[n] = None if p is None else {"file": p.name, "sha256": hashes[f"dataset/{n}"]}
    manifest = {
        "format": FORMAT, "algorithm": ALGORITHM, "version": _version(), "period": period, "seed": seed, "seed_key": key,
        "inputs": {
            "dataset": {**_where(inputs.data_dir, out), "tables": tables},
            "tiers": {**_where(inputs.tiers, out), "file": inputs.tiers.name, "sha256": hashes["tiers"]},
            "triggers": None if inputs.triggers is None else {**_where(inputs.triggers, out), "file": inputs.triggers.name,
                                                                 "sha256": hashes["triggers"]},
            "lists": None if not inputs.lists else {k: {**_where(p, out), "file": p.name, "sha256": hashes[f"lists/{k}"]}
                                                    for k, p in inputs.lists.items()},
        },
        "settings": _load_settings_parts(settings),
        "presentation": {"lang": lang, "department_labels": labels},
        "outputs": {name: sha256_bytes(data) for name, data in rendered.items()},
        "summary": result.summary,
    }
    if embed_inputs:
        emb = work / "inputs"
        (emb / "dataset").mkdir(parents=True, exist_ok=True)
        for n, p in inputs.tables.items():
            if p is not None:
                dst = emb / "dataset" / p.name
                if p.is_dir():
                    shutil.copytree(p, dst, dirs_exist_ok=True)
                else:
                    shutil.copyfile(p, dst)
        shutil.copyfile(inputs.tiers, emb / inputs.tiers.name)
        if inputs.triggers is not None:
            shutil.copyfile(inputs.triggers, emb / inputs.triggers.name)
        for p in (inputs.lists or {}).values():
            shutil.copyfile(p, emb / p.name)
        manifest["inputs"]["embedded"] = "inputs"
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                                        encoding="utf-8")
    (work / "notice.md").write_text(_notice_md(manifest, result), encoding="utf-8")
    return manifest


NOTICE_MD = {
    "en": {"title": "# Double-random inspection notice, {period}",
           "intro": "{visits} enterprises will be inspected between {a} and {b}; the list is in `notice.csv` and "
                    "`notice.xlsx` (enterprise, departments, window). Inspectors are drawn at random and are not named here.",
           "joint": "Joint inspection saves {n} separate visits.", "check": "## How the draw can be checked",
           "seed": "- public seed text: {seed}",
           "algorithm": "- algorithm: `{algorithm}` (riskmodels {version}), described in docs/inspection.md",
           "key": "- seed key (SHA-256 of the seed, the period and the input hashes): `{key}`",
           "inputs": "- input files (SHA-256):", "absent": "absent", "tiers": "tiers", "triggers": "triggers",
           "strata": "Sampling per department and credit tier (share of eligible firms drawn):",
           "head": "| department | tier | eligible | rate | drawn |"},
    "zh": {"title": "# 双随机抽查公示（{period}）",
           "intro": "{a} 至 {b} 期间将对 {visits} 户企业开展检查，名单见 `notice.csv` 和 `notice.xlsx`（企业、检查部门、检查时间）。"
                    "执法检查人员随机选派，此处不公布。",
           "joint": "联合检查减少单独检查 {n} 次。", "check": "## 如何核验本次抽取",
           "seed": "- 公开随机种子：{seed}",
           "algorithm": "- 算法：`{algorithm}`（riskmodels {version}），说明见 docs/inspection.md",
           "key": "- 种子密钥（随机种子、期间和输入文件哈希的 SHA-256）：`{key}`",
           "inputs": "- 输入文件（SHA-256）：", "absent": "无", "tiers": "信用等级", "triggers": "触发检查",
           "strata": "各部门、各信用等级的抽查比例（可抽取企业中被抽中的比例）：",
           "head": "| 部门 | 信用等级 | 可抽取 | 抽查比例 | 抽中 |"},
}


def _notice_md(m: dict, result: PlanResult) -> str:
    """The public notice in Markdown. Every value from the data or the command line (the seed, the period, department
    ids and labels) goes through `md_text` / `md_code`: public text is text, never HTML or Markdown structure."""
    s = result.summary
    T = NOTICE_MD.get((m.get("presentation") or {}).get("lang"), NOTICE_MD["en"])
    a, b = s["window"].split("/")
    lines = [T["title"].format(period=md_text(m["period"])), "",
             T["intro"].format(visits=s["visits"], a=md_text(a), b=md_text(b)),
             T["joint"].format(n=s["visits_saved_by_joint_inspection"]), "", T["check"], "",
             T["seed"].format(seed=md_code(m["seed"])),
             T["algorithm"].format(algorithm=m["algorithm"], version=m["version"]),
             T["key"].format(key=m["seed_key"]), T["inputs"]]
    for n, t in (m["inputs"]["dataset"]["tables"] or {}).items():
        lines.append(f"  - {n}: `{t['sha256']}`" if t else f"  - {n}: {T['absent']}")
    lines.append(f"  - {T['tiers']}: `{m['inputs']['tiers']['sha256']}`")
    if m["inputs"].get("triggers"):
        lines.append(f"  - {T['triggers']}: `{m['inputs']['triggers']['sha256']}`")
    lines += ["", T["strata"], "", T["head"], "|---|---|---|---|---|"]
    for r in result.strata.itertuples(index=False):
        dept = ((m.get("presentation") or {}).get("department_labels") or {}).get(r.department) or r.department
        lines.append(f"| {md_text(dept)} | {md_text(r.tier)} | {r.eligible} | {r.rate:g} | {r.drawn} |")
    return "\n".join(lines) + "\n"


class VerifyFailed(Exception):
    """The published plan does not match what its manifest and inputs re-derive; the message says what differs."""


def _candidates(entry: dict, plan_dir: Path, embedded: str | None, override) -> list[Path]:
    if override is not None:
        return [Path(override)]
    c = [plan_dir / entry["relative"]]
    if embedded:
        c.append(plan_dir / embedded / ("dataset" if "tables" in entry else entry.get("file", "")))
    return c


def _find_dataset(entry: dict, plan_dir: Path, embedded, override) -> Path:
    tables = entry.get("tables") or {}
    problems = []
    for cand in _candidates(entry, plan_dir, embedded, override):
        if not cand.is_dir():
            continue
        found = find_tables(cand)
        bad = None
        for n, t in tables.items():
            p = found.get(n)
            if t is None and p is not None:
                bad = f"{p} exists but the plan was drawn without table '{n}'"
            elif t is not None and p is None:
                bad = f"{cand}: table '{n}' ({t['file']}) is missing"
            elif t is not None and sha256_path(p) != t["sha256"]:
                bad = f"input changed: {p} has a different SHA-256 than the manifest records"
            if bad:
                break
        if bad is None:
            return cand
        problems.append(bad)
    if problems:
        raise VerifyFailed(problems[0])
    raise InputError(f"manifest.json: dataset folder not found at {entry.get('relative')} from {plan_dir} (pass --data DIR)")


def _find_file(entry: dict, what: str, plan_dir: Path, embedded, override) -> Path:
    problems = []
    for cand in _candidates(entry, plan_dir, embedded, override):
        if cand.is_file():
            if sha256_path(cand) == entry["sha256"]:
                return cand
            problems.append(f"input changed: {cand} has a different SHA-256 than the manifest records")
    if problems:
        raise VerifyFailed(problems[0])
    raise InputError(f"manifest.json: {what} file not found at {entry.get('relative')} from {plan_dir} (pass --{what} FILE)")


def _norm(rows) -> list[tuple]:
    """Rows as `read_workbook` gives them: "" as None, trailing empty cells and rows left out."""
    out = [trim_row(None if v == "" else v for v in r) for r in rows]
    while out and not out[-1]:
        out.pop()
    return out


def verify_plan(plan_dir, data_dir=None, tiers=None, triggers=None, lists=None) -> dict:
    """Re-derive the plan in `plan_dir` from its manifest.json and inputs. Returns the manifest when every output matches;
    raises VerifyFailed (what differs) or InputError (manifest or inputs cannot be read/found)."""
    plan_dir = Path(plan_dir)
    mpath = plan_dir / "manifest.json"
    if not mpath.is_file():
        raise InputError(f"{mpath}: not found (is {plan_dir} a plan folder written by 'riskmodels inspect plan'?)")
    try:
        m = json.loads(mpath.read_text(encoding="utf-8"))
        if m.get("format") != FORMAT:
            raise ValueError("not an inspection plan manifest")
        seed, period, inp = m["seed"], m["period"], m["inputs"]
    except (ValueError, KeyError, TypeError) as e:
        raise VerifyFailed(f"{mpath}: unreadable manifest ({e})") from None
    if m.get("algorithm") != ALGORITHM:
        raise VerifyFailed(f"manifest.json: algorithm {m.get('algorithm')!r} is not {ALGORITHM!r}")
    embedded = inp.get("embedded")
    data = _find_dataset(inp["dataset"], plan_dir, embedded, data_dir)
    tiers_path = _find_file(inp["tiers"], "tiers", plan_dir, embedded, tiers)
    trig_path = None
    if inp.get("triggers"):
        trig_path = _find_file(inp["triggers"], "triggers", plan_dir, embedded, triggers)
    elif triggers is not None:
        raise VerifyFailed("the plan was drawn without a triggers file")
    list_paths = None
    if inp.get("lists"):
        list_paths = {k: _find_file(e, "lists", plan_dir, embedded, None if lists is None else Path(lists) / f"{k}.csv")
                      for k, e in inp["lists"].items()}
    elif lists is not None:
        raise VerifyFailed("the plan was drawn without red and black lists")
    settings, policy = _settings_from_manifest(m)
    pres = m.get("presentation") or {}
    lang = pres.get("lang", "en")
    if lang not in ("en", "zh"):
        raise VerifyFailed(f"manifest.json: unknown presentation language {lang!r}")
    inputs = locate_inputs(data, tiers_path, trig_path, list_paths)
    result, rendered, key, _ = derive(inputs, seed, period, settings, policy, lang, pres.get("department_labels") or {})
    note = "" if m.get("version") == _version() else f" (planned with riskmodels {m.get('version')}, verified with {_version()})"
    if key != m.get("seed_key"):
        raise VerifyFailed("manifest.json: seed_key does not match the seed, period and input hashes" + note)
    for name, data_bytes in rendered.items():
        p = plan_dir / name
        if not p.is_file():
            raise VerifyFailed(f"{name} is missing from the plan folder")
        if p.read_bytes() != data_bytes:
            got = p.read_bytes().decode("utf-8", "replace").splitlines()
            want = data_bytes.decode("utf-8").splitlines()
            line = next((k + 1 for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)) + 1)
            raise VerifyFailed(f"{name} differs from the re-derived plan (first difference at line {line}){note}")
        if (m.get("outputs") or {}).get(name) != sha256_bytes(data_bytes):
            raise VerifyFailed(f"manifest.json: recorded SHA-256 of {name} does not match")
    import tempfile

    for book, sheets in (("plan.xlsx", result.sheets), ("notice.xlsx", notice_sheets(result.notice, lang))):
        xlsx = plan_dir / book
        if not xlsx.is_file():
            raise VerifyFailed(f"{book} is missing from the plan folder")
        try:
            got = read_workbook(xlsx)  # the stored cells only, at most MAX_CELLS of them
        except WorkbookTooLarge as e:
            raise VerifyFailed(f"{e} (a re-derived {book} is far smaller)") from None
        except Exception as e:  # noqa: BLE001 - any unreadable workbook is a mismatch, not a crash
            raise VerifyFailed(f"{book} cannot be read ({type(e).__name__})") from None
        for sheet, df in sheets.items():
            if _norm(got.get(sheet, [])) != _norm(sheet_rows(df)):
                raise VerifyFailed(f"{book} sheet '{sheet}' differs from the re-derived plan{note}")
        with tempfile.TemporaryDirectory(prefix="riskmodels-verify-") as tmp:
            write_workbook(Path(tmp) / book, sheets)
            want = presentation(Path(tmp) / book)
        try:
            seen = presentation(xlsx)
        except Exception as e:  # noqa: BLE001 - any unreadable workbook is a mismatch, not a crash
            raise VerifyFailed(f"{book} cannot be read ({type(e).__name__})") from None
        diff = presentation_difference(seen, want)
        if diff:
            raise VerifyFailed(f"{book} looks different from the re-derived plan: {diff}{note}")
    if m.get("summary") != json.loads(json.dumps(result.summary)):
        raise VerifyFailed("manifest.json: summary does not match the re-derived plan")
    notice_md = plan_dir / "notice.md"
    if not notice_md.is_file() or notice_md.read_text(encoding="utf-8") != _notice_md(m, result):
        raise VerifyFailed("notice.md is missing or differs from the notice the manifest and plan give")
    return m
