"""Command line: `{{ cookiecutter.package_name }} run | monitor | schema | validate | compile | submit`.

Heavy libraries (kfp, Great Expectations, scikit-learn, aiplatform) are imported inside
the commands, so `--help` is instant. A refused command prints one `error:` line naming the
value and the rule, then what to do, and changes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.contract import TASKS, ContractError
from {{ cookiecutter.package_name }}.ops.config import (
    ENV_PREFIX,
    Settings,
    get_settings,
    settings_problem,
)

PROG = "{{ cookiecutter.package_name }}"
PIPELINES = ("training", "batch-prediction")
SUBMITTED = (*PIPELINES, "monitoring")
SUITES = ("training", "features", "predictions")
EXIT_FAILED = 1  # a step failed: the last lines say which and why
EXIT_REFUSED = 2  # bad input: nothing ran
EXIT_BELOW_THRESHOLD = 3  # `run`: the model missed the gate, nothing was exported
EXIT_DRIFT = 4  # `monitor`, batch prediction: the drift check said alert, with --fail-on-drift
SOURCES = (
    "a CSV or Parquet file, a folder or glob of shards, gs://bucket/prefix, "
    "bq://project.dataset.table, a .sql file or a query (SELECT ...)"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a pipeline locally (KFP's local runner, no cloud)")
    run.add_argument("--pipeline", choices=PIPELINES, default="training")
    run.add_argument(
        "--data",
        help="the table to train on or predict for: " + SOURCES + " (default: data_path)",
    )
    run.add_argument("--metric", help="the gate's metric (default: eval_metric, else the task's)")
    run.add_argument("--threshold", type=float, help="the gate's threshold")
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a hyper-parameter of the framework (repeatable), e.g. --param regularization=0.5",
    )
    run.add_argument(
        "--model-uri",
        help="batch-prediction: a model folder, models:/<name>/<version> or models:/<name>@<alias>",
    )
    run.add_argument(
        "--max-flagged-share",
        type=float,
        help="batch-prediction: fail when more than this share of rows is flagged "
        "(default: max_flagged_share)",
    )
    run.add_argument(
        "--fail-on-drift",
        action="store_true",
        help="batch-prediction: exit 4 when the drift check of the input says alert",
    )
    run.add_argument(
        "--predictions-uri",
        help="batch-prediction: also deliver the shards to a folder, gs://bucket/prefix or "
        "bq://project.dataset.table (default: predictions_uri; empty: the run's folder only)",
    )
    run.add_argument(
        "--predictions-format",
        choices=("parquet", "csv"),
        help="batch-prediction: the shards' format (default: predictions_format, parquet)",
    )
    run.add_argument("--output-dir", type=Path, help="default: output_dir (outputs/)")
    run.add_argument("--verbose", action="store_true", help="every task's log on the terminal")

    watch = sub.add_parser(
        "monitor",
        help="the drift check of the records the service served (the monitoring pipeline)",
    )
    watch.add_argument(
        "--source",
        help="the served records: a folder, gs://bucket/prefix or bq://project.dataset.table "
        "(default: monitoring_source)",
    )
    watch.add_argument(
        "--model-uri", help="the model whose reference to compare with (default: the champion)"
    )
    watch.add_argument(
        "--since", help="the window: 30m, 12h, 7d, 2w, an ISO date, or all (default: 7d)"
    )
    watch.add_argument(
        "--fail-on-drift", action="store_true", help="exit 4 when the check says alert"
    )
    watch.add_argument("--output-dir", type=Path, help="default: output_dir (outputs/)")
    watch.add_argument("--verbose", action="store_true", help="every task's log on the terminal")

    schema = sub.add_parser("schema", help="infer the data contract from a table; write it")
    schema.add_argument("--data", required=True, help="the table to infer it from: " + SOURCES)
    schema.add_argument("--label", required=True, help="the column to predict")
    schema.add_argument("--task", choices=TASKS, help="default: inferred from the label")
    schema.add_argument("--ids", help="comma-separated id columns, passed to predictions")

    sub.add_parser("models", help="the registered versions, their aliases and scores")
    promote = sub.add_parser("promote", help="make a registered version the champion")
    promote.add_argument("--model-uri", required=True, help="models:/<name>/<version>")

    check = sub.add_parser("validate", help="check a table against an expectation suite")
    check.add_argument("--data", help=SOURCES + " (default: data_path)")
    check.add_argument("--suite", choices=SUITES, default="training")
    check.add_argument("--report", type=Path, help="also write the JSON report here")

    comp = sub.add_parser("compile", help="compile the pipeline specs (YAML) into build_dir")
    comp.add_argument("--build-dir", type=Path, help="default: build_dir (build/)")
    comp.add_argument("--image", help="the components' image (default: pipeline_image)")

    submit = sub.add_parser("submit", help="submit a pipeline to Vertex AI Pipelines")
    submit.add_argument("--pipeline", choices=SUBMITTED, default="training")
    submit.add_argument("--dry-run", action="store_true", help="build the job, send nothing")
    submit.add_argument("--data-uri", help="default: pipeline_data_uri")
    submit.add_argument(
        "--model-uri",
        help="batch-prediction: gs:// URI of an exported model or a registry URI; "
        "monitoring: default the champion",
    )
    submit.add_argument("--source", help="monitoring: default monitoring_source")
    submit.add_argument("--metric")
    submit.add_argument("--threshold", type=float)
    when = submit.add_mutually_exclusive_group()
    when.add_argument("--schedule", metavar="CRON", help="default: pipeline_schedule_cron")
    when.add_argument("--no-schedule", action="store_true", help="one run now, even if scheduled")
    return parser


def fail(message: str, hint: str | None = None) -> None:
    """The last lines of a refused or failed command, on stderr."""
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"what to do: {hint}", file=sys.stderr)


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs; the framework checks names and types (model.params_from)."""
    from {{ cookiecutter.package_name }}.model import ParamsError

    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ParamsError(f"--param {pair!r} is not NAME=VALUE")
        params[name.strip()] = value.strip()
    return params


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.output_dir:
        settings = settings.model_copy(update={"output_dir": args.output_dir})
    if args.max_flagged_share is not None:
        if not 0 <= args.max_flagged_share <= 1:
            fail(f"MAX_FLAGGED_SHARE={args.max_flagged_share} is not a share between 0 and 1")
            return EXIT_REFUSED
        settings = settings.model_copy(update={"max_flagged_share": args.max_flagged_share})
    for name in ("predictions_uri", "predictions_format"):
        if getattr(args, name):
            settings = settings.model_copy(update={name: getattr(args, name)})
    if args.pipeline == "batch-prediction" and not args.model_uri:
        fail(
            "the batch-prediction pipeline needs a model (--model-uri): MODEL_URI=<folder> or "
            f"MODEL_URI=models:/{settings.model_name}@champion after `make run`"
        )
        return EXIT_REFUSED
    from {{ cookiecutter.package_name }}.sources import DataError, check_exists

    data = args.data or settings.data_path
    try:
        check_exists(data)
    except DataError as error:
        fail(str(error), f"give DATA= (--data): {SOURCES}")
        return EXIT_REFUSED
    by_name = str(args.model_uri or "").startswith("models:/")
    if args.pipeline == "batch-prediction" and not by_name and not Path(args.model_uri).exists():
        fail(f"no model folder {args.model_uri!r}", "give the folder `make run` printed")
        return EXIT_REFUSED
    from {{ cookiecutter.package_name }} import local_run

    params = parse_params(args.param)
    if args.pipeline == "training":  # a bad gate or hyper-parameter: refused here (ContractError)
        local_run.training_choices(settings, args.metric, args.threshold, params)
    _start_helpers(settings, args.model_uri if args.pipeline == "batch-prediction" else None)
    print(f"{args.pipeline} pipeline on {data}", flush=True)
    sample_data = args.pipeline == "training" and _is_sample(data)
    if sample_data:
        print(
            f"data: {data} is the project's sample data (synthetic rows from the contract, "
            "once make schema ran): its model is registered, and never promoted over a "
            "champion trained on other data; train on your table with DATA=",
            flush=True,
        )
    try:
        if args.pipeline == "batch-prediction":
            result = local_run.run_batch_prediction(
                settings, args.model_uri, data, args.verbose, args.fail_on_drift
            )
            for warning in result.warnings:
                print(warning)
            print(f"model: {result.resolved}")
            if result.flagged:
                print(f"flagged: {result.flagged}")
            print(f"log: {result.log_file}")
            print(f"predictions_uri: {result.predictions_uri}")
            print("\n".join(drift_lines(result.drift, result.monitoring_report)))
            return 0
        result = local_run.run_training(
            settings,
            data=data,
            metric=args.metric,
            threshold=args.threshold,
            params=params,
            verbose=args.verbose,
            sample_data=sample_data,
        )
    except local_run.PipelineFailedError as error:
        return _failed(error, local_run.PREDICT_TASK)
    print("\n".join(summary(result)))
    if result.model_uri is None:
        fail(
            "the model missed the gate: nothing was exported",
            "improve the model or the data, or change the gate (METRIC=, THRESHOLD=)",
        )
        return EXIT_BELOW_THRESHOLD
    print(f"model_uri: {result.model_uri}")
    if result.registration is not None:
        print(f"model_version: {result.registration['uri']}")
    if result.decision is not None:
        print(f"champion: {result.decision['champion']}")
    return 0


def _failed(error: Any, task: str) -> int:
    """A failed local run: its drift report's lines when the task wrote one, then the error;
    EXIT_DRIFT when it failed on a drift alert (--fail-on-drift), else EXIT_FAILED."""
    from {{ cookiecutter.package_name }}.drift import ALERT
    from {{ cookiecutter.package_name }}.local_run import drift_report

    drift, page = drift_report(error.run_dir, task)
    if drift is not None:
        print(f"model: {drift['model'].get('uri') or drift['model'].get('version')}")
        print("\n".join(drift_lines(drift, page)))
    fail(str(error))
    alerted = drift is not None and drift["status"] == ALERT and "DriftAlertError" in str(error)
    return EXIT_DRIFT if alerted else EXIT_FAILED


def drift_lines(drift: dict[str, Any] | None, page: Path | None) -> list[str]:
    """The drift check's summary for people: the features the most moved first, then the
    report and the verdict (the last lines)."""
    if drift is None:
        return []
    judged = drift["records"] >= drift["min_records"]
    needed = "" if judged else f" (at least {drift['min_records']} for a verdict)"
    lines = [f"records: {drift['records']}{needed}"]
    measures = ([drift["predictions"]] if drift.get("predictions") else []) + drift["features"]
    for measure in measures[:12]:
        shown = f"{measure['level'] if judged else '-':<5}  {measure['name']}: "
        shown += f"psi {measure['psi']:.3f}"
        before, now = measure["missing_reference"], measure["missing_current"]
        if before or now:
            shown += f", empty values {before:.1%} -> {now:.1%}"
        lines.append(shown)
    if len(measures) > 12:
        lines.append(f"...    {len(measures) - 12} more features in the report")
    return [*lines, f"monitoring_report: {page}", drift["line"]]


def _start_helpers(settings: Settings, model_uri: str | None = None) -> None:
    """The command's arguments hold (a refused one starts nothing): start the local run's
    helpers now, so that their libraries load while kfp imports, and while a registered
    `model_uri` (models:/) resolves, which may be a cloud registry's call. An unknown one is
    refused, and the helpers started for it stop."""
    from {{ cookiecutter.package_name }}.local_tasks import start_early, stop_early

    started = start_early(settings.local_warm_start)
    if model_uri is None or not model_uri.startswith("models:/"):
        return
    try:
        _resolve_version(model_uri, settings)
    except ContractError:
        if started:
            stop_early()
        raise


def _monitor(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.served import parse_since

    if args.output_dir:
        settings = settings.model_copy(update={"output_dir": args.output_dir})
    source = args.source or settings.monitoring_source
    if not source:
        fail(
            "no served records: give SOURCE= (--source) or the monitoring_source setting",
            "a folder of the service's prediction_log_uri, gs://bucket/prefix or "
            "bq://project.dataset.table",
        )
        return EXIT_REFUSED
    if "://" not in source and not Path(source).exists():
        fail(f"no folder or file {source!r} of served records", "give the service's folder")
        return EXIT_REFUSED
    since = settings.monitoring_since if args.since is None else args.since
    parse_since(since)  # refuse a malformed window before anything runs
    uri = args.model_uri or f"models:/{settings.model_name}@champion"
    if not uri.startswith("models:/") and not Path(uri).exists():
        fail(f"no model folder {uri!r}", "give the folder `make run` printed, or a models:/ URI")
        return EXIT_REFUSED
    _start_helpers(settings, uri)
    from {{ cookiecutter.package_name }} import local_run
    from {{ cookiecutter.package_name }}.drift import ALERT

    print(f"monitoring {source} since {since or 'the beginning'} against {uri}", flush=True)
    try:
        result = local_run.run_monitoring(
            settings, source, uri, since, args.verbose, args.fail_on_drift
        )
    except local_run.PipelineFailedError as error:
        return _failed(error, local_run.MONITOR_TASK)
    print(f"model: {result.resolved}")
    if result.model_uri is not None:  # retrained on the alert (monitoring_retrain_on_alert)
        print(f"retrained: {result.model_uri}")
        if result.registration is not None:
            print(f"model_version: {result.registration['uri']}")
        if result.decision is not None:
            print(f"champion: {result.decision['champion']}")
    print(f"log: {result.log_file}")
    print("\n".join(drift_lines(result.drift, result.monitoring_report)))
    alert = result.drift is not None and result.drift["status"] == ALERT
    return EXIT_DRIFT if alert and args.fail_on_drift else 0


def _is_sample(data: str) -> bool:
    from {{ cookiecutter.package_name }}.schema import is_sample_data

    return is_sample_data(data)


def summary(result: Any) -> list[str]:
    """The run's candidates, metrics, gate and comparison with the champion, for people."""
    from {{ cookiecutter.package_name }}.steps.evaluate import greater_is_better

    lines = []
    evaluation = result.evaluation or {}
    if evaluation:
        metric, threshold = evaluation["metric"], evaluation["threshold"]
        for index, candidate in enumerate(evaluation.get("candidates") or []):
            params = " ".join(f"{k}={v}" for k, v in (candidate["params"] or {}).items())
            chosen = "  <- the challenger" if index == evaluation.get("chosen") else ""
            lines.append(
                f"candidate {index + 1}: {params}: {metric}={candidate['metrics'][metric]:.4f}{chosen}"
            )
        scores = " ".join(f"{k}={v:.4f}" for k, v in evaluation["metrics"].items())
        value = evaluation["metrics"][metric]
        sign = ">=" if greater_is_better(metric) else "<="
        verdict = "passed" if result.passed else "missed"
        lines += [f"metrics: {scores}", f"gate: {metric} {value:.4f} {sign} {threshold}: {verdict}"]
    decision = result.decision
    if decision is not None:
        verdict = "promoted" if decision["promoted"] else "the champion stays"
        lines.append(f"comparison: {decision['reason']}: {verdict}")
    lines.append(f"log: {result.log_file}")
    return lines


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }} import schema
    from {{ cookiecutter.package_name }}.contract import CONTRACT_FILE, read_contract
    from {{ cookiecutter.package_name }}.expectations import SUITES as SUITE_BUILDERS

    if not args.data:
        fail("DATA is required: make schema DATA=<a table> LABEL=<the column to predict>", SOURCES)
        return EXIT_REFUSED
    ids = [c.strip() for c in args.ids.split(",") if c.strip()] if args.ids else None
    root = schema.source_tree_root()
    frame = schema.read_data(args.data)
    inferred = schema.infer_contract(frame, args.label, args.task, ids, source=str(args.data))
    if CONTRACT_FILE.is_file():  # a person's descriptions and thresholds outlive the data's
        with contextlib.suppress(ContractError):  # one that no longer reads is replaced
            inferred = schema.keep_edits(inferred, read_contract(CONTRACT_FILE))
    sample = root / schema.SAMPLE_DATA
    rows = schema.sample_rows(inferred.contract)
    schema.write_schema(inferred, schema.PROJECT, CONTRACT_FILE, sample, rows)
    print("\n".join(schema.describe(inferred)))
    print(f"contract: {CONTRACT_FILE.relative_to(root)}")
    print(f"sample data: {sample.relative_to(root)} ({rows} synthetic rows from the contract)")
    sizes = ", ".join(
        f"{name} {len(build(inferred.contract).expectations)}"
        for name, build in SUITE_BUILDERS.items()
    )
    checks = (CONTRACT_FILE.parent / "checks.py").relative_to(root)
    print(f"expectation suites, from the contract: {sizes}; add your own in {checks}")
    print(f"next: make check, then make run DATA={args.data}")
    return 0


def _resolve_version(uri: str, settings: Settings) -> Any:
    """The registered version `uri` names (RegistryError, a ContractError, if none)."""
    from {{ cookiecutter.package_name }}.local_run import registry_location
    from {{ cookiecutter.package_name }}.registry import (
        get_version,
        open_registry,
        parse_model_uri,
    )

    name, version, alias = parse_model_uri(uri)
    registry = open_registry(registry_location(settings), staging_uri=settings.registry_staging_uri)
    return get_version(registry, name, version, alias)


def _models(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.local_run import registry_location
    from {{ cookiecutter.package_name }}.registry import open_registry

    where = registry_location(settings)
    registry = open_registry(where, staging_uri=settings.registry_staging_uri)
    versions = (
        registry.versions(settings.model_name) if Path(where).exists() or "://" in where else []
    )
    if not versions:
        fail(f"no model {settings.model_name!r} in the registry {where}", "run `make run` first")
        return EXIT_REFUSED
    print(f"models:/{settings.model_name} in {where}")
    for version in versions:
        metrics = " ".join(f"{k}={v:.4f}" for k, v in version.metrics.items())
        aliases = ",".join(version.aliases) or "-"
        data = version.lineage.get("data_uri") or "?"
        if version.lineage.get("sample_data"):
            data += " (sample)"
        print(
            f"  {version.version:>4}  {aliases:<10} {version.created_at}  {metrics}  data: {data}"
        )
    return 0


def _promote(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.local_run import registry_location
    from {{ cookiecutter.package_name }}.registry import open_registry
    from {{ cookiecutter.package_name }}.steps.promote import champion_of, promote_by_hand

    chosen = _resolve_version(args.model_uri, settings)
    where = registry_location(settings)
    before = champion_of(
        open_registry(where, staging_uri=settings.registry_staging_uri), chosen.name
    )
    promote_by_hand(where, chosen.name, chosen.version, staging_uri=settings.registry_staging_uri)
    print(f"champion: {chosen.uri} (was {before.uri if before else 'none'})")
    return 0


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.steps.validate import validate_file

    data = args.data or settings.data_path
    report = validate_file(data, args.suite, args.report, fail_on_error=False)
    print(report.summary())
    return 0 if report.success else 1


def _compile(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.compile import compile_pipelines

    image = args.image or settings.pipeline_image or None
    if image is None:
        print(
            f"note: no --image or {ENV_PREFIX}PIPELINE_IMAGE: the specs keep the placeholder "
            "image (fine to inspect, not to run on Vertex AI)",
            file=sys.stderr,
        )
    built = compile_pipelines(
        args.build_dir or settings.build_dir,
        image,
        settings.candidate_parallelism,
        settings.step_resources,
    )
    for name, path in built.items():
        print(f"{name}: {path}")
    return 0


DRY_RUN_REGISTRY = "gs://dry-run-bucket/registry"
REGISTRY_NEEDED = (
    f"{ENV_PREFIX}REGISTRY_URI as gs://BUCKET/PATH or vertex://PROJECT/REGION "
    "(registry_uri {uri!r} is a folder of this machine)"
)


def cloud_registry(settings: Settings, dry_run: bool) -> str:
    """The registry of a Vertex AI run: gs:// or vertex://, not a folder of this machine
    ('' when it is one; a dry run uses a placeholder)."""
    if "://" in settings.registry_uri:
        return settings.registry_uri
    return DRY_RUN_REGISTRY if dry_run else ""


def _submit(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }} import submit

    params: dict[str, Any]
    registry = cloud_registry(settings, args.dry_run)
    if args.pipeline == "training":
        data_uri = args.data_uri or settings.pipeline_data_uri
        if not data_uri and args.dry_run:
            data_uri = "gs://dry-run-bucket/data/train.csv"
        params = _training_parameters(settings, data_uri, args.metric, args.threshold)
        params["registry_uri"] = registry
        missing = [] if data_uri else [f"--data-uri (or {ENV_PREFIX}PIPELINE_DATA_URI)"]
        missing += [] if registry else [REGISTRY_NEEDED.format(uri=settings.registry_uri)]
    elif args.pipeline == "monitoring":
        params, missing = _monitoring_parameters(args, settings, registry)
    else:
        params = {"model_uri": args.model_uri or "", "data_uri": args.data_uri or ""}
        if args.dry_run:
            params = {k: v or f"gs://dry-run-bucket/{k}" for k, v in params.items()}
        missing = [f"--{k.replace('_', '-')}" for k, v in params.items() if not v]
        missing += [] if registry else [REGISTRY_NEEDED.format(uri=settings.registry_uri)]
        params["registry_uri"] = registry
        params["registry_staging_uri"] = settings.registry_staging_uri
        params["predictions_format"] = settings.predictions_format
        params["predictions_uri"] = settings.predictions_uri
    if missing:
        fail(f"missing {', '.join(missing)}")
        return EXIT_REFUSED
    cron = "" if args.no_schedule else args.schedule
    if cron is None and args.pipeline == "monitoring":
        cron = settings.monitoring_schedule_cron
    try:
        plan = submit.plan_submission(settings, args.pipeline, params, args.dry_run, cron)
        sent = submit.submit(plan, dry_run=args.dry_run)
    except submit.SubmitConfigError as error:
        fail(str(error))
        return EXIT_REFUSED
    print(json.dumps(sent, indent=2, default=str))
    return 0


def _training_parameters(
    settings: Settings, data_uri: str, metric: str | None = None, threshold: float | None = None
) -> dict[str, Any]:
    """The training pipeline's parameters of a Vertex AI run (also the monitoring pipeline's,
    for a training run on an alert), but the registry."""
    from {{ cookiecutter.package_name }}.contract import load_contract
    from {{ cookiecutter.package_name }}.local_run import source_commit
    from {{ cookiecutter.package_name }}.steps.evaluate import resolve_gate
    from {{ cookiecutter.package_name }}.steps.train import candidate_grid

    metric, threshold = resolve_gate(
        load_contract(),
        metric or settings.eval_metric,
        settings.eval_threshold if threshold is None else threshold,
    )
    return {
        "data_uri": data_uri,
        "candidates": [json.dumps(c) for c in candidate_grid(settings.candidate_values, {})],
        "metric": metric,
        "threshold": threshold,
        "test_fraction": settings.test_fraction,
        "seed": settings.random_seed,
        "export_uri": settings.pipeline_export_uri,
        "model_name": settings.model_name,
        "registry_staging_uri": settings.registry_staging_uri,
        "train_sample_rows": settings.train_sample_rows,
        "source_commit": os.environ.get("GITHUB_SHA")
        or os.environ.get("CI_COMMIT_SHA")
        or source_commit(),
    }


def _monitoring_parameters(
    args: argparse.Namespace, settings: Settings, registry: str
) -> tuple[dict[str, Any], list[str]]:
    """The monitoring pipeline's parameters, and what is missing for them."""
    source = args.source or settings.monitoring_source
    if not source and args.dry_run:
        source = "bq://dry-run-project.dry_run_predictions.run_googleapis_com_stderr"
    data_uri = args.data_uri or settings.pipeline_data_uri
    params = {
        **_training_parameters(settings, data_uri),
        "source": source,
        "model_uri": args.model_uri or f"models:/{settings.model_name}@champion",
        "since": settings.monitoring_since,
        "min_records": settings.monitoring_min_records,
        "retrain_on_alert": settings.monitoring_retrain_on_alert,
        "registry_uri": registry,
    }
    missing = [] if source else [f"--source (or {ENV_PREFIX}MONITORING_SOURCE)"]
    missing += [] if registry else [REGISTRY_NEEDED.format(uri=settings.registry_uri)]
    if settings.monitoring_retrain_on_alert and not data_uri and not args.dry_run:
        missing.append(f"--data-uri (or {ENV_PREFIX}PIPELINE_DATA_URI), to retrain on an alert")
    return params, missing


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit code."""
    args = build_parser().parse_args(argv)
    commands = {
        "run": _run,
        "monitor": _monitor,
        "models": _models,
        "promote": _promote,
        "schema": _schema,
        "validate": _validate,
        "compile": _compile,
        "submit": _submit,
    }
    try:
        settings = get_settings()
    except (ValidationError, SettingsError) as error:  # a bad setting: which, and its rule
        fail(settings_problem(error), "fix it in config.yaml or in its environment variable")
        return EXIT_REFUSED
    try:
        return commands[args.command](args, settings)
    except ContractError as error:  # bad data, contract or gate: say which, change nothing
        fail(str(error), error.hint)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
