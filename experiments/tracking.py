"""MLflow at the edge: the ONLY module of the project that imports mlflow.

Everything else hands plain Python objects here: parameters and metrics as dicts, a fitted scikit-learn-style estimator, the
training table as a DataFrame, out-of-fold predictions for the plots. mlflow is imported lazily inside the functions so that
the command line stays fast when no tracking happens (`import mlflow` costs about 2.3 s, STACK.md).

Where runs go:
- `MLFLOW_TRACKING_URI` when it is set (a shared server such as `http://mlflow.internal:5000`, or another sqlite file);
- otherwise `sqlite:///<cwd>/mlflow/mlflow.db`.
With a sqlite store, artifacts go to the `artifacts/` folder beside the database file (`<cwd>/mlflow/artifacts` by default),
so a store is one self-contained folder; with a server, the server decides.

Registry: `log_run(..., register="collusion", gate_metric="auc")` registers a new model version and moves the alias
`champion` to it when it beats the current champion on the gate metric (aliases, not the deprecated stages), so
`models:/collusion@champion` always names the model to use.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping

from features.core.errors import InputError

CHAMPION = "champion"
MODEL_NAME = "model"  # the name of the logged model inside a run
_MAX_PARAM = 6000  # mlflow's limit on a parameter value


# --------------------------------------------------------------------------------------------------------------- setup

def tracking_uri(create: bool = True) -> str:
    """The tracking URI this process uses: `MLFLOW_TRACKING_URI`, else `sqlite:///<cwd>/mlflow/mlflow.db` (folder created
    unless `create` is false)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
    if uri:
        return uri
    store = Path.cwd() / "mlflow"
    if create:
        store.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{store / 'mlflow.db'}"


def artifact_root(uri: str | None = None, experiment: str | None = None) -> str | None:
    """Where new experiments keep artifacts: `artifacts/[EXPERIMENT]` beside a sqlite database (created); None lets a
    server decide."""
    uri = uri or tracking_uri()
    if not uri.startswith("sqlite:///"):
        return None
    db = Path(uri[len("sqlite:///"):])
    root = db.parent / "artifacts"
    if experiment:
        root = root / "".join(c if c.isalnum() or c in "-_." else "_" for c in experiment)
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve().as_uri()


def _mlflow():
    """Import mlflow with telemetry off and point it at this process's store."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    import logging

    import mlflow

    # levels only (handlers stay the application's business): the sklearn flavour warns on every save that pickles are
    # code; our models are pickles of our own estimators by design, the warning would drown the demo's progress lines.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("mlflow.sklearn").setLevel(logging.ERROR)
    uri = tracking_uri()
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    _init_store(mlflow, uri)
    return mlflow


_READY: set = set()


def _init_store(mlflow, uri: str) -> None:
    """Create (migrate) a sqlite store once, under an exclusive lock beside the database: two processes that open a fresh
    store at the same moment would otherwise both run MLflow's schema migrations and one fails ("Online migration expected
    to match one row"). Later openings find the schema in place and take the lock only briefly."""
    if uri in _READY or not uri.startswith("sqlite:///"):
        return
    import fcntl

    db = Path(uri[len("sqlite:///"):])
    with open(db.parent / f".{db.name}.init.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            client = mlflow.MlflowClient()
            client.search_experiments(max_results=1)  # the tracking store: tables created and migrated here
            client.search_registered_models(max_results=1)  # the registry store, same database
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _READY.add(uri)


def _client():
    mlflow = _mlflow()
    return mlflow.MlflowClient()


def _experiment_id(mlflow, name: str) -> str:
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        if exp.lifecycle_stage == "deleted":
            mlflow.MlflowClient().restore_experiment(exp.experiment_id)
        return exp.experiment_id
    try:
        # marks the experiment as model training (not GenAI) for the UI; in MLflow 3.17 the UI still opens a fresh
        # browser on the GenAI overview (mlflow/README.md says where the runs are)
        return mlflow.create_experiment(name, artifact_location=artifact_root(experiment=name),
                                        tags={"mlflow.experimentKind": "custom_model_development"})
    except Exception:  # noqa: BLE001 - another process created it at the same moment
        exp = mlflow.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id


# -------------------------------------------------------------------------------------------------------------- models

def _pip_requirements() -> list[str]:
    """Explicit requirements: inferring them costs 8-16 s in a subprocess (STACK.md)."""
    from importlib.metadata import PackageNotFoundError, version

    reqs = []
    for pkg in ("mlflow", "scikit-learn", "lightgbm", "pandas", "numpy", "scipy", "cloudpickle"):
        try:
            reqs.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            pass
    return reqs


def _predict_fn(model) -> str:
    return "predict_proba" if hasattr(model, "predict_proba") else "predict"


def _signature(mlflow, model, input_example):
    """Signature from the input example and the model's output on it; input-only when the model cannot predict it."""
    if input_example is None:
        return None
    from mlflow.models import infer_signature

    try:
        output = getattr(model, _predict_fn(model))(input_example)
    except Exception:  # noqa: BLE001 - a model that cannot score its example still gets an input schema
        output = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return infer_signature(input_example, output)


def model_description(model) -> dict:
    """What the MLmodel file says about our model (`metadata.riskmodels`): its kind (collusion or credit), class and
    module. `load_model` reads it before anything in the folder is unpickled."""
    module = type(model).__module__
    kind = next((k for k, m in KINDS.items() if module.startswith(m)), None)
    return {"riskmodels": {"kind": kind, "class": type(model).__name__, "module": module}}


def _model_kwargs(mlflow, model, input_example) -> dict:
    return dict(
        metadata=model_description(model),
        signature=_signature(mlflow, model, input_example),
        input_example=input_example,
        pip_requirements=_pip_requirements(),
        pyfunc_predict_fn=_predict_fn(model),
        serialization_format="cloudpickle",
    )


def save_model(model, path: str | Path, *, input_example=None) -> Path:
    """Write `model` (a fitted scikit-learn-style estimator) as an MLflow model directory at `path` (replaced if present).

    The sklearn flavour keeps our estimator object (cloudpickle); its pyfunc returns `predict_proba` when the model has it.
    The directory holds the signature and the input example, so `load_model(path)` and `mlflow.pyfunc.load_model(path)` work.
    It is written beside `path` and renamed into place when complete."""
    _mlflow()  # telemetry off, store chosen; the import below binds the same module
    import mlflow.sklearn

    from features.io.export import atomic_dir

    path = Path(path)
    if path.exists() and not (path / "MLmodel").exists() and any(path.iterdir()):
        raise InputError(f"{path}: exists and is not an MLflow model directory; refusing to overwrite it")
    with atomic_dir(path) as work, warnings.catch_warnings():  # the model appears whole, replacing an earlier one
        warnings.simplefilter("ignore")
        work.rmdir()  # mlflow writes a new directory
        mlflow.sklearn.save_model(model, str(work), **_model_kwargs(mlflow, model, input_example))
    return path


KINDS = {"collusion": "riskmodels.collusion", "credit": "riskmodels.credit"}


def model_source(path_or_uri: str | Path, allowed_hosts=()) -> tuple[str, str]:
    """("local", absolute path) or ("store", URI) for a --model value, checked before anything is fetched.

    A model is a pickle, i.e. code: it is loaded only from a local MLflow model directory, or from a `runs:/` or `models:/`
    URI, which resolves against the configured tracking store. Any other scheme (http, https, s3, gs, ...) is refused
    (InputError) unless its host is in `allowed_hosts` (settings `[models] allowed_hosts`)."""
    ref = str(path_or_uri).strip()
    if ref.startswith(("models:/", "runs:/")):
        return "store", ref
    if ref.startswith("file://"):
        from urllib.parse import unquote, urlparse

        ref = unquote(urlparse(ref).path)
    elif "://" in ref:
        from urllib.parse import urlparse

        u = urlparse(ref)
        host = (u.hostname or "").lower()
        allowed = {str(h).strip().lower() for h in allowed_hosts or ()}
        if not host or host not in allowed:
            raise InputError(f"{ref}: models are loaded only from a local path or a runs:/ or models:/ URI of the tracking "
                             f"store; {u.scheme}:// from host {host or '?'} is refused (a model is code; to allow it, add "
                             f"the host to [models] allowed_hosts in the settings)")
        return "store", ref
    p = Path(ref)
    if not (p / "MLmodel").is_file():
        raise InputError(f"{ref}: not an MLflow model directory (no MLmodel file); give a path written by --model-out "
                         f"or a URI such as models:/collusion@champion")
    return "local", str(p.resolve())


def _check_mlmodel(folder: Path, label: str, kind: str | None = None) -> None:
    """Read the folder's own description before anything in it is unpickled: the MLmodel file must be readable YAML
    (plain data: `yaml.safe_load`) naming the sklearn flavour, and its `metadata.riskmodels` must say it is a riskmodels
    model of `kind` (collusion or credit). A folder that says otherwise, or says nothing, is refused (InputError)."""
    import yaml

    try:
        doc = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(f"{label}: MLmodel file is not readable ({type(e).__name__})") from None
    flavors = doc.get("flavors") if isinstance(doc, dict) else None
    if not isinstance(flavors, dict):
        raise InputError(f"{label}: MLmodel file has no flavors section; not a model written by riskmodels")
    if "sklearn" not in flavors:
        raise InputError(f"{label}: model flavour is {', '.join(map(str, flavors)) or 'none'}, not sklearn; not a model "
                         "written by riskmodels")
    meta = doc.get("metadata")
    said = meta.get("riskmodels") if isinstance(meta, dict) else None
    if not isinstance(said, dict) or not said.get("class") or said.get("kind") not in (*KINDS, None):
        raise InputError(f"{label}: its MLmodel file does not say what model it is (metadata.riskmodels); nothing in it "
                         "is loaded (save it again with this version of riskmodels)")
    if kind is not None and said["kind"] != kind:
        what = f"a {said['kind']} model" if said["kind"] else f"a {said['class']} ({said.get('module', '?')})"
        raise InputError(f"{label}: is {what}, not a {kind} model (said by its MLmodel file; not loaded)")


def check_model(model, label: str, kind: str | None = None):
    """`model` if it is usable for `kind` ("collusion" or "credit"): it predicts probabilities and knows its feature names."""
    if kind is not None:
        module = type(model).__module__
        if not module.startswith(KINDS[kind]):
            other = next((k for k, m in KINDS.items() if module.startswith(m)), None)
            what = f"a {other} model" if other else f"a {type(model).__name__} ({module})"
            raise InputError(f"{label}: is {what}, not a {kind} model")
        names = getattr(model, "feature_names_in_", None)
        if names is None or len(names) == 0 or not hasattr(model, "predict_proba"):
            raise InputError(f"{label}: the model has no feature names or cannot predict probabilities; train it with "
                             f"`riskmodels {kind} train`")
    return model


def load_model(path_or_uri: str | Path, *, kind: str | None = None, allowed_hosts=()):
    """Our estimator object from a model directory, `models:/NAME@alias`, `models:/NAME/VERSION` or `runs:/RUN_ID/model`.

    Nothing is fetched from a location `model_source` refuses. The MLmodel file must name the sklearn flavour; with `kind`,
    the object must be that kind of model (`check_model`). Every problem is an InputError naming the model."""
    where, ref = model_source(path_or_uri, allowed_hosts)
    label = str(path_or_uri)
    if where == "local":
        _check_mlmodel(Path(ref), label, kind)
    _mlflow()  # telemetry off, store chosen; the import below binds the same module
    import mlflow.sklearn
    from mlflow.exceptions import MlflowException

    try:
        if where == "store":
            import tempfile

            from mlflow.artifacts import download_artifacts

            with tempfile.TemporaryDirectory(prefix="riskmodels-model-") as tmp:
                local = Path(download_artifacts(artifact_uri=ref, dst_path=tmp))
                if not (local / "MLmodel").is_file():
                    raise InputError(f"{label}: not an MLflow model (no MLmodel file in {tracking_uri()})")
                _check_mlmodel(local, label, kind)
                model = mlflow.sklearn.load_model(str(local))
        else:
            model = mlflow.sklearn.load_model(ref)
    except InputError:
        raise
    except MlflowException as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{label}: cannot load the model from {tracking_uri()} ({first})") from None
    except (OSError, ImportError, ValueError, TypeError, KeyError, AttributeError, EOFError) as e:
        raise InputError(f"{label}: cannot load the model ({type(e).__name__}: {str(e)[:120]})") from None
    except Exception as e:  # noqa: BLE001 - unpickling a broken file raises anything (pickle.UnpicklingError, ...)
        raise InputError(f"{label}: cannot load the model ({type(e).__name__})") from None
    return check_model(model, label, kind)


# ---------------------------------------------------------------------------------------------------------------- runs

def _flat(d: Mapping[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (d or {}).items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _numeric_metrics(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    out = {}
    for k, v in _flat(metrics).items():
        if isinstance(v, bool):
            v = float(v)
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out[k.replace(" ", "_")] = f
    return out


def _param_values(params: Mapping[str, Any] | None) -> dict[str, str]:
    out = {}
    for k, v in _flat(params).items():
        s = v if isinstance(v, str) else json.dumps(v, default=str)
        out[k] = s[:_MAX_PARAM]
    return out


def _importance(model, importance=None):
    """Feature importance as a pandas Series (descending), from `importance` or the model; None when unknown."""
    import numpy as np
    import pandas as pd

    if importance is not None:
        s = pd.Series(importance, dtype="float64")
    else:
        values = getattr(model, "feature_importances_", None)
        if values is None:
            return None
        values = np.asarray(values, dtype="float64").ravel()
        names = None
        for attr in ("feature_names_in_", "feature_names_", "feature_name_"):
            names = getattr(model, attr, None)
            if names is not None and len(names) == len(values):
                break
            names = None
        s = pd.Series(values, index=list(names) if names is not None else [f"f{i}" for i in range(len(values))])
    return s.sort_values(ascending=False)


def _figures(importance, predictions):
    """PNG figures: feature importance, ROC and calibration (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    figs = {}
    if importance is not None and len(importance):
        top = importance.head(25)[::-1]
        fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(top) + 1)))
        ax.barh([str(i) for i in top.index], top.values, color="#4472c4")
        ax.set_xlabel("importance")
        ax.set_title("Feature importance (top 25)")
        fig.tight_layout()
        figs["plots/feature_importance.png"] = fig
    if predictions is not None:
        y, p = (np.asarray(a, dtype="float64").ravel() for a in predictions)
        ok = np.isfinite(y) & np.isfinite(p)
        y, p = y[ok], p[ok]
        if len(np.unique(y)) == 2:
            from sklearn.calibration import calibration_curve
            from sklearn.metrics import roc_auc_score, roc_curve

            fpr, tpr, _ = roc_curve(y, p)
            fig, ax = plt.subplots(figsize=(5, 5))
            ax.plot(fpr, tpr, label=f"AUC {roc_auc_score(y, p):.3f}")
            ax.plot([0, 1], [0, 1], "--", color="grey", lw=1)
            ax.set_xlabel("false positive rate")
            ax.set_ylabel("true positive rate")
            ax.set_title("ROC (out-of-fold)")
            ax.legend(loc="lower right")
            fig.tight_layout()
            figs["plots/roc.png"] = fig
            prob_true, prob_pred = calibration_curve(y, np.clip(p, 0, 1), n_bins=10, strategy="quantile")
            fig, ax = plt.subplots(figsize=(5, 5))
            ax.plot(prob_pred, prob_true, "o-", label="model")
            ax.plot([0, 1], [0, 1], "--", color="grey", lw=1, label="perfect")
            ax.set_xlabel("mean predicted probability")
            ax.set_ylabel("observed frequency")
            ax.set_title("Calibration (out-of-fold, quantile bins)")
            ax.legend(loc="upper left")
            fig.tight_layout()
            figs["plots/calibration.png"] = fig
    return figs


def _dataset_tables(dataset) -> dict:
    """{name: DataFrame} from a DataFrame, a mapping of DataFrames or a features.io.dataset.Dataset."""
    import pandas as pd

    if dataset is None:
        return {}
    if isinstance(dataset, pd.DataFrame):
        return {"training": dataset}
    tables = getattr(dataset, "tables", dataset)
    if isinstance(tables, Mapping):
        return {str(k): v for k, v in tables.items() if isinstance(v, pd.DataFrame)}
    raise TypeError(f"dataset must be a DataFrame, a mapping of DataFrames or a Dataset; got {type(dataset).__name__!r}.")


def _log_dataset(mlflow, dataset, source: str | None):
    """Each table as an MLflow dataset input (digest, schema, profile) plus one schema JSON artifact."""
    import mlflow.data

    schema = {}
    for name, df in _dataset_tables(dataset).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = mlflow.data.from_pandas(df, source=source or "riskmodels", name=name)
            mlflow.log_input(ds, context="training")
        schema[name] = {"digest": ds.digest, "rows": int(len(df)),
                        "columns": {str(c): str(t) for c, t in df.dtypes.items()}}
        mlflow.set_tag(f"dataset.{name}.digest", ds.digest)
    if schema:
        mlflow.log_dict(schema, "dataset/schema.json")


def _champion_value(client, name: str, metric: str) -> tuple[str | None, float | None]:
    """(version, gate metric) of the current champion, (None, None) when there is none."""
    try:
        mv = client.get_model_version_by_alias(name, CHAMPION)
    except Exception:  # noqa: BLE001 - no such model or no alias yet
        return None, None
    value = None
    if mv.run_id:
        try:
            value = client.get_run(mv.run_id).data.metrics.get(metric)
        except Exception:  # noqa: BLE001 - the champion's run was deleted
            value = None
    return str(mv.version), value


class TrackedRun:
    """One active run; `finish(...)` logs everything and decides promotion. Made by `tracked()`."""

    def __init__(self, mlflow, run):
        self._mlflow = mlflow
        self.run = run
        self.run_id = run.info.run_id

    def finish(self, *, params=None, metrics=None, model=None, input_example=None, dataset=None, dataset_source=None,
               figures=None, register=None, gate_metric=None, higher_is_better=True, gate_threshold=None,
               importance=None, predictions=None, tags=None) -> dict:
        mlflow = self._mlflow
        if tags:
            mlflow.set_tags({k: str(v) for k, v in tags.items()})
        if params:
            mlflow.log_params(_param_values(params))
        nums = _numeric_metrics(metrics)
        if nums:
            mlflow.log_metrics(nums)
        if dataset is not None:
            _log_dataset(mlflow, dataset, dataset_source)
        imp = _importance(model, importance)
        if imp is not None:
            mlflow.log_text(imp.rename("importance").rename_axis("feature").reset_index().to_csv(index=False),
                            "feature_importance.csv")
        figs = _figures(imp, predictions)
        for name, fig in (figures or {}).items():
            figs[name if name.endswith(".png") else f"plots/{name}.png"] = fig
        import matplotlib.pyplot as plt

        for name, fig in figs.items():
            if isinstance(fig, (str, Path)):
                mlflow.log_artifact(str(fig), artifact_path=str(Path(name).parent))
            else:
                mlflow.log_figure(fig, name)
                plt.close(fig)
        info = {"run_id": self.run_id, "experiment_id": self.run.info.experiment_id, "tracking_uri": tracking_uri(),
                "model_uri": None, "registered_model": None, "version": None, "champion": False,
                "gate_metric": gate_metric, "gate_value": nums.get(gate_metric) if gate_metric else None,
                "previous_champion": None, "previous_value": None}
        if model is not None:
            import mlflow.sklearn

            with warnings.catch_warnings(), _quiet_mlflow():
                warnings.simplefilter("ignore")
                mi = mlflow.sklearn.log_model(model, name=MODEL_NAME, registered_model_name=register,
                                              **_model_kwargs(mlflow, model, input_example))
            info["model_uri"] = f"runs:/{self.run_id}/{MODEL_NAME}"
            if register:
                info.update(self._gate(register, mi.registered_model_version, gate_metric, nums, higher_is_better,
                                       gate_threshold))
        return info

    def _gate(self, name, version, metric, nums, higher_is_better, threshold) -> dict:
        client = self._mlflow.MlflowClient()
        out = {"registered_model": name, "version": str(version)}
        value = nums.get(metric) if metric else None
        prev_version, prev_value = _champion_value(client, name, metric or "")
        out.update(previous_champion=prev_version, previous_value=prev_value)
        if metric and value is None:
            decision, why = False, f"the run has no metric {metric!r}"
        elif threshold is not None and (value < threshold if higher_is_better else value > threshold):
            decision, why = False, f"{metric} {value:.4g} fails the gate {'>=' if higher_is_better else '<='} {threshold}"
        elif prev_version is None:
            decision, why = True, "first version promoted (there was no champion before it)"
        elif metric is None:
            decision, why = False, "no gate metric given: promote by hand"
        elif prev_value is None:
            decision, why = True, f"champion v{prev_version} has no {metric}"
        else:
            better = value > prev_value if higher_is_better else value < prev_value
            decision = better
            why = (f"{metric} {value:.4g} {'beats' if better else 'does not beat'} champion v{prev_version} "
                   f"({prev_value:.4g})")
        client.set_model_version_tag(name, str(version), "gate", why)
        if metric and value is not None:
            client.set_model_version_tag(name, str(version), f"gate.{metric}", f"{value:.6g}")
        if decision:
            client.set_registered_model_alias(name, CHAMPION, str(version))
        out.update(champion=decision, gate_reason=why)
        return out


@contextlib.contextmanager
def _quiet_mlflow():
    """MLflow's own lines ("Successfully registered model ...", "Created version ...", pip-version warnings) kept off
    stderr while a model is logged: the command says what was registered, in its own words. Errors still raise."""
    import io
    import logging

    log = logging.getLogger("mlflow")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        log.setLevel(level)


@contextlib.contextmanager
def tracked(experiment: str, *, run_name: str | None = None, tags: Mapping[str, Any] | None = None) -> Iterator[TrackedRun]:
    """An MLflow run around a block: train inside it, then call `.finish(...)`. An exception ends the run as FAILED
    (and propagates); a normal exit ends it as FINISHED."""
    mlflow = _mlflow()
    exp_id = _experiment_id(mlflow, experiment)
    run = mlflow.start_run(experiment_id=exp_id, run_name=run_name,
                           tags={k: str(v) for k, v in (tags or {}).items()} or None)
    try:
        yield TrackedRun(mlflow, run)
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    else:
        mlflow.end_run(status="FINISHED")


def log_run(experiment: str, *, params=None, metrics=None, model=None, input_example=None, dataset=None, figures=None,
            register: str | None = None, gate_metric: str | None = None, higher_is_better: bool = True,
            gate_threshold: float | None = None, importance=None, predictions=None, tags=None,
            run_name: str | None = None, dataset_source: str | None = None) -> dict:
    """Log one finished piece of work as a run of `experiment` and return what happened.

    `params`/`metrics`: dicts (nested dicts are flattened with dots; non-numeric metrics are skipped).
    `model`: a fitted estimator, logged with its signature and `input_example` (a few rows of the feature table).
    `dataset`: the training table (DataFrame), a {name: DataFrame} mapping or a Dataset: digest, schema and profile are logged.
    `predictions`: (y_true, y_score) out-of-fold, for the ROC and calibration PNGs; `importance`: {feature: value}
    (else the model's `feature_importances_`). `figures`: extra {name: matplotlib figure or PNG path}.
    `register`: registered model name; the new version becomes `champion` when it beats the current champion on
    `gate_metric` (and passes `gate_threshold` if given). Returns {run_id, model_uri, version, champion, gate_reason, ...}.
    A failure while logging ends the run as FAILED and re-raises."""
    with tracked(experiment, run_name=run_name, tags=tags) as run:
        return run.finish(params=params, metrics=metrics, model=model, input_example=input_example, dataset=dataset,
                          dataset_source=dataset_source, figures=figures, register=register, gate_metric=gate_metric,
                          higher_is_better=higher_is_better, gate_threshold=gate_threshold, importance=importance,
                          predictions=predictions)


# ------------------------------------------------------------------------------------------------------------ registry

def promote(name: str, version: str | int) -> dict:
    """Point `name@champion` at `version` by hand. InputError when the model or version does not exist."""
    client = _client()
    try:
        mv = client.get_model_version(name, str(version))
    except Exception:  # noqa: BLE001 - mlflow raises MlflowException with RESOURCE_DOES_NOT_EXIST
        raise InputError(f"models:/{name}/{version}: no such registered model version in {tracking_uri()}") from None
    prev = _champion_value(client, name, "")[0]
    client.set_registered_model_alias(name, CHAMPION, str(mv.version))
    client.set_model_version_tag(name, str(mv.version), "gate", "promoted by hand")
    return {"name": name, "version": str(mv.version), "previous_champion": prev, "run_id": mv.run_id}


def has_alias(name: str, alias: str = CHAMPION) -> bool:
    """Whether registered model `name` has `alias` in this store."""
    return _champion_value(_client(), name, "")[0] is not None if alias == CHAMPION else False


def pinned_uri(uri: str) -> str:
    """`models:/NAME@alias` as the version it points to now (`models:/NAME/VERSION`), so a record of which model was
    used stays true when the alias moves; any other URI is returned unchanged."""
    ref = str(uri)
    if not ref.startswith("models:/") or "@" not in ref:
        return ref
    name, alias = ref[len("models:/"):].split("@", 1)
    try:
        mv = _client().get_model_version_by_alias(name, alias)
    except Exception:  # noqa: BLE001 - mlflow raises MlflowException when the alias is unknown
        return ref
    return f"models:/{name}/{mv.version}"


def list_models() -> list[dict]:
    """Registered models with their versions, aliases and source runs."""
    client = _client()
    out = []
    for rm in client.search_registered_models():
        aliases = {}
        for alias, v in (rm.aliases or {}).items():
            aliases.setdefault(str(v), []).append(alias)
        for mv in client.search_model_versions(f"name='{rm.name}'"):
            out.append({"name": rm.name, "version": str(mv.version), "aliases": sorted(aliases.get(str(mv.version), [])),
                        "run_id": mv.run_id, "gate": (mv.tags or {}).get("gate", "")})
    out.sort(key=lambda r: (r["name"], -int(r["version"])))
    return out


def list_runs(experiment: str | None = None, max_results: int = 50) -> list[dict]:
    """The latest runs (of one experiment, or of all): id, experiment, name, status, start time, params and metrics."""
    mlflow = _mlflow()
    client = mlflow.MlflowClient()
    exps = {e.experiment_id: e.name for e in client.search_experiments()}
    if experiment is not None:
        ids = [i for i, n in exps.items() if n == experiment]
        if not ids:
            raise InputError(f"experiment {experiment!r}: not found in {tracking_uri()} (known: {', '.join(sorted(exps.values())) or 'none'})")
    else:
        ids = list(exps)
    if not ids:
        return []
    runs = client.search_runs(ids, max_results=max_results, order_by=["attributes.start_time DESC"])
    return [{"run_id": r.info.run_id, "experiment": exps.get(r.info.experiment_id, r.info.experiment_id),
             "run_name": r.info.run_name, "status": r.info.status, "start_time": r.info.start_time,
             "params": dict(r.data.params), "metrics": dict(r.data.metrics)} for r in runs]
