"""Command line: `{{ cookiecutter.package_name }} run | compile | submit | validate`.

Heavy libraries (kfp, Great Expectations, scikit-learn, aiplatform) are imported inside
the commands, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.ops.config import ENV_PREFIX, Settings, get_settings

PIPELINES = ("training", "batch-prediction")
METRICS = ("roc_auc", "accuracy", "f1", "precision", "recall")
SUITES = ("training", "features", "predictions")
EXIT_BELOW_THRESHOLD = 3  # `run`: the model missed the gate, nothing was exported


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(
        prog="{{ cookiecutter.package_name }}",
        description=__doc__,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a pipeline locally (KFP's local runner, no cloud)")
    run.add_argument("--pipeline", choices=PIPELINES, default="training")
    run.add_argument("--data", help="CSV to train on or predict for (default: data_path)")
    run.add_argument("--metric", choices=METRICS, help="the gate's metric (default: eval_metric)")
    run.add_argument("--threshold", type=float, help="export only if metric >= threshold")
    run.add_argument("--regularization", type=float, default=1.0, help="LogisticRegression's C")
    run.add_argument("--model-uri", help="batch-prediction: an exported model folder or file")
    run.add_argument("--output-dir", type=Path, help="default: output_dir (outputs/)")

    comp = sub.add_parser("compile", help="compile the pipeline specs (YAML) into build_dir")
    comp.add_argument("--build-dir", type=Path, help="default: build_dir (build/)")
    comp.add_argument("--image", help="the components' image (default: pipeline_image)")

    submit = sub.add_parser("submit", help="submit a pipeline to Vertex AI Pipelines")
    submit.add_argument("--pipeline", choices=PIPELINES, default="training")
    submit.add_argument("--dry-run", action="store_true", help="build the job, send nothing")
    submit.add_argument("--data-uri", help="default: pipeline_data_uri")
    submit.add_argument("--model-uri", help="batch-prediction: gs:// URI of an exported model")
    submit.add_argument("--metric", choices=METRICS)
    submit.add_argument("--threshold", type=float)
    when = submit.add_mutually_exclusive_group()
    when.add_argument("--schedule", metavar="CRON", help="default: pipeline_schedule_cron")
    when.add_argument("--no-schedule", action="store_true", help="one run now, even if scheduled")

    check = sub.add_parser("validate", help="check a CSV against an expectation suite")
    check.add_argument("--data", help="default: data_path")
    check.add_argument("--suite", choices=SUITES, default="training")
    check.add_argument("--report", type=Path, help="also write the JSON report here")
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }} import local_run

    if args.output_dir:
        settings = settings.model_copy(update={"output_dir": args.output_dir})
    if args.pipeline == "batch-prediction" and not args.model_uri:
        print("error: the batch-prediction pipeline needs --model-uri", file=sys.stderr)
        return 2
    data = Path(args.data or settings.data_path)
    if not data.is_file():
        print(f"error: no data file {str(data)!r}", file=sys.stderr)
        return 2
    try:
        if args.pipeline == "batch-prediction":
            result = local_run.run_batch_prediction(settings, args.model_uri, data)
            print(f"predictions_uri: {result.predictions_uri}")
            return 0
        result = local_run.run_training(
            settings,
            data=data,
            metric=args.metric,
            threshold=args.threshold,
            regularization=args.regularization,
        )
    except local_run.PipelineFailedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if result.model_uri is None:
        print("the model missed the evaluation threshold: nothing exported", file=sys.stderr)
        return EXIT_BELOW_THRESHOLD
    print(f"model_uri: {result.model_uri}")
    return 0


def _compile(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.compile import compile_pipelines

    image = args.image or settings.pipeline_image or None
    if image is None:
        print(
            f"note: no --image or {ENV_PREFIX}PIPELINE_IMAGE: the specs keep the placeholder "
            "image (fine to inspect, not to run on Vertex AI)",
            file=sys.stderr,
        )
    for name, path in compile_pipelines(args.build_dir or settings.build_dir, image).items():
        print(f"{name}: {path}")
    return 0


def _submit(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }} import submit

    params: dict[str, Any]
    if args.pipeline == "training":
        data_uri = args.data_uri or settings.pipeline_data_uri
        if not data_uri and args.dry_run:
            data_uri = "gs://dry-run-bucket/data/train.csv"
        params = {
            "data_uri": data_uri,
            "metric": args.metric or settings.eval_metric,
            "threshold": settings.eval_threshold if args.threshold is None else args.threshold,
            "test_fraction": settings.test_fraction,
            "seed": settings.random_seed,
            "export_uri": settings.pipeline_export_uri,
        }
        missing = [] if data_uri else [f"--data-uri (or {ENV_PREFIX}PIPELINE_DATA_URI)"]
    else:
        params = {"model_uri": args.model_uri or "", "data_uri": args.data_uri or ""}
        if args.dry_run:
            params = {k: v or f"gs://dry-run-bucket/{k}" for k, v in params.items()}
        missing = [f"--{k.replace('_', '-')}" for k, v in params.items() if not v]
    if missing:
        print(f"error: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    cron = "" if args.no_schedule else args.schedule
    try:
        plan = submit.plan_submission(settings, args.pipeline, params, args.dry_run, cron)
        sent = submit.submit(plan, dry_run=args.dry_run)
    except submit.SubmitConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(sent, indent=2, default=str))
    return 0


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from {{ cookiecutter.package_name }}.steps.validate import validate_file

    data = args.data or settings.data_path
    report = validate_file(data, args.suite, args.report, fail_on_error=False)
    print(report.summary())
    return 0 if report.success else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit code."""
    args = build_parser().parse_args(argv)
    commands = {"run": _run, "compile": _compile, "submit": _submit, "validate": _validate}
    return commands[args.command](args, get_settings())


if __name__ == "__main__":
    sys.exit(main())
