"""Shared test configuration: thread settings for a shared 2-core machine, the CLI helper and paths to outside data."""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with the reason when it is absent (a user's fresh clone has no ../shared)."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data {p} is absent (it lives in ../shared/data beside the repository)")
    return p


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args, code: int = 0, out: str | None = None, err: str | None = None, no_traceback: bool = True) -> Result:
    """Run the `riskmodels` CLI in-process and check exit code, stdout and stderr together.

    `out` / `err` are substrings that must appear in stdout / stderr. Without --verbose no traceback may reach stderr."""
    from cli import app  # each invocation opens its own session (settings, --verbose, outputs) in the app's callback

    r = CliRunner().invoke(app, [str(a) for a in args])
    res = Result(r.exit_code, r.stdout, r.stderr)
    detail = f"riskmodels {' '.join(map(str, args))}\nexit {r.exit_code}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        detail += f"\nexception: {r.exception!r}"
    assert r.exit_code == code, detail
    if out is not None:
        assert out in r.stdout, detail
    if err is not None:
        assert err in r.stderr, detail
    if no_traceback:
        assert "Traceback" not in r.stderr, detail
    return res


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(autouse=True)
def _tracking_store_in_tmp(tmp_path_factory, monkeypatch):
    """Runs a test logs (evaluate, train --register) go to a store under the session's temporary folder, never into the
    working directory; a test that sets MLFLOW_TRACKING_URI itself (or removes it) decides for itself."""
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path_factory.getbasetemp() / 'mlflow' / 'mlflow.db'}")
