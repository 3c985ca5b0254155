"""Case-store fixtures: a throwaway PostgreSQL server where one can be started (skip with the reason otherwise)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import pytest


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_url():
    """A `postgresql://` URL of a fresh server in a temporary folder, listening on a Unix socket only; stopped after the
    session. Skips when the server programs or the psycopg driver are missing (CI installs them: `.ci/run`)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PostgreSQL server programs (initdb, pg_ctl): apt-get install postgresql to run the PostgreSQL store tests")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("the psycopg driver is not installed")
    root = tempfile.mkdtemp(prefix="riskmodels-pg-")
    os.chmod(root, 0o755)
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sock)
    as_user = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the postgres account the package made
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        try:
            shutil.chown(root, "postgres")
            shutil.chown(sock, "postgres")
        except (LookupError, PermissionError) as e:
            pytest.skip(f"no 'postgres' account to run the server as ({e})")
        as_user = ["runuser", "-u", "postgres", "--"]
    run = lambda *a: subprocess.run([*as_user, *a], capture_output=True, text=True, timeout=120)  # noqa: E731
    r = run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    if r.returncode:
        pytest.skip(f"initdb failed: {r.stderr.strip()[-200:]}")
    r = run(pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-o", f"-k {sock} -c listen_addresses='' -F", "start")
    if r.returncode:
        pytest.skip(f"the PostgreSQL server did not start: {r.stderr.strip()[-200:]}")
    try:
        yield f"postgresql://postgres@/postgres?host={sock}"
    finally:
        run(pg_ctl, "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_postgres(postgres_url):
    """A URL of a new, empty database on the session's server (each test its own)."""
    import uuid

    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:12]
    eng = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    eng.dispose()
    return postgres_url.replace("/postgres?", f"/{name}?")


@pytest.fixture(scope="session")
def loop_city(tmp_path_factory):
    """A small simulated city with planted cartels, split by publication date: `hist` (the earliest 75% of tenders)
    and `new` (the rest; other tables whole), plus the truth kept apart."""
    from pathlib import Path

    import pandas as pd

    from features.core.settings import Settings
    from riskmodels.simulation import simulate

    d = Path(tmp_path_factory.mktemp("loop"))
    s = Settings()
    s.simulate.enterprises, s.simulate.tenders, s.simulate.cartels = 600, 300, 4
    simulate(d / "city", scale="tiny", seed=11, settings=s)
    city = d / "city"
    tenders = pd.read_csv(city / "tenders.csv", dtype=str)
    order = tenders.sort_values(["published_at", "tender_id"])["tender_id"].tolist()
    cut = int(len(order) * 0.75)
    parts = {"hist": set(order[:cut]), "new": set(order[cut:])}
    for name, ids in parts.items():
        (d / name).mkdir()
        for f in city.glob("*.csv"):
            t = pd.read_csv(f, dtype=str)
            if f.stem in ("tenders", "bids", "bid_items"):
                t = t[t["tender_id"].isin(ids)]
            t.drop(columns=[c for c in ("collusive", "cartel_member") if c in t.columns]).to_csv(d / name / f.name, index=False)
    truth = pd.read_csv(city / "truth" / "tenders.csv", dtype=str)
    return {"city": city, "hist": d / "hist", "new": d / "new", "truth": truth, "root": d,
            "hist_ids": parts["hist"], "new_ids": parts["new"],
            "cartels": pd.read_csv(city / "truth" / "cartels.csv", dtype=str)}
