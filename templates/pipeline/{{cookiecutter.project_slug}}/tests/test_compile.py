"""Compiling: the YAML specs Vertex AI runs, with the project's image and no pip install."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.compile import (
    compile_pipeline,
    compile_pipelines,
    load_spec,
    spec_images,
)
from {{ cookiecutter.package_name }}.components import BASE_IMAGE
from {{ cookiecutter.package_name }}.pipelines import (
    BATCH_PREDICTION_PIPELINE,
    MONITORING_PIPELINE,
    TRAINING_PIPELINE,
)


def test_compile_writes_every_pipeline(tmp_path: Path) -> None:
    """The training spec has every step, the gate and the data dependency; so do batch
    prediction and monitoring (whose training run on an alert is the training pipeline)."""
    paths = compile_pipelines(tmp_path)
    assert set(paths) == {"training", "batch-prediction", "monitoring"}

    training = load_spec(paths["training"])
    assert training["pipelineInfo"]["name"] == TRAINING_PIPELINE
    assert training["schemaVersion"].startswith("2.")
    # Steps that always run together share a task: a process (locally), a machine (Vertex AI).
    assert set(training["components"]) == {
        "comp-ingest-validate",
        "comp-split",
        "comp-train-evaluate",
        "comp-select-best",
        "comp-export-register-promote",
        "comp-for-loop-1",
        "comp-condition-2",
    }
    tasks = training["root"]["dag"]["tasks"]
    [loop] = [name for name in tasks if name.startswith("for-loop")]
    assert tasks[loop]["iteratorPolicy"] == {"parallelismLimit": 3}  # candidates at once
    [gate] = [name for name in tasks if name.startswith("condition")]
    assert "inputs.parameter_values" in tasks[gate]["triggerPolicy"]["condition"]
    assert tasks["split"]["dependentTasks"] == ["ingest-validate"]
    parameters = training["root"]["inputDefinitions"]["parameters"]
    assert parameters["data_uri"] == {"parameterType": "STRING"}

    batch = load_spec(paths["batch-prediction"])
    assert batch["pipelineInfo"]["name"] == BATCH_PREDICTION_PIPELINE
    assert set(batch["components"]) == {
        "comp-ingest-validate",
        "comp-resolve-model",
        "comp-predict-check-drift",
        "comp-validate-data",
    }

    monitoring = load_spec(paths["monitoring"])
    assert monitoring["pipelineInfo"]["name"] == MONITORING_PIPELINE
    tasks = monitoring["root"]["dag"]["tasks"]
    assert tasks["monitor"]["dependentTasks"] == ["resolve-model"]
    [retrain] = [name for name in tasks if name.startswith("condition")]
    assert "retrain_on_alert" in tasks[retrain]["triggerPolicy"]["condition"]
    assert {"comp-monitor", "comp-train-evaluate"} <= set(monitoring["components"])
    assert f"comp-{TRAINING_PIPELINE}" in monitoring["components"]  # the same pipeline
    parameters = monitoring["root"]["inputDefinitions"]["parameters"]
    assert parameters["retrain_on_alert"]["defaultValue"] is False  # off unless asked

    for spec in (training, batch, monitoring):
        for executor in spec["deploymentSpec"]["executors"].values():
            if "container" not in executor:
                continue
            command = " ".join(executor["container"]["command"] + executor["container"]["args"])
            assert "pip install" not in command  # install_kfp_package=False, no packages
            assert executor["container"]["image"] == BASE_IMAGE


def test_compile_command_sets_the_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`compile --image` puts the image into every component of the specs."""
    image = "europe-west1-docker.pkg.dev/acme/images/pipeline:1.2.3"
    assert main(["compile", "--build-dir", str(tmp_path), "--image", image]) == 0
    assert f"training: {tmp_path / 'training.yaml'}" in capsys.readouterr().out
    text = (tmp_path / "training.yaml").read_text()
    assert text.startswith("# PIPELINE DEFINITION")  # KFP's header survives the rewrite
    images = spec_images(yaml.safe_load(text))
    assert set(images.values()) == {image}
    assert len(images) == 5  # one executor per component of the training pipeline


def test_compile_without_an_image_keeps_the_placeholder_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no image set, the specs are for reading only, and the command says so."""
    assert main(["compile", "--build-dir", str(tmp_path)]) == 0
    assert "placeholder" in capsys.readouterr().err
    assert set(spec_images(load_spec(tmp_path / "training.yaml")).values()) == {BASE_IMAGE}


def test_the_candidates_parallelism_is_a_setting(tmp_path: Path) -> None:
    """candidate_parallelism sets how many candidates Vertex AI trains at once."""
    path = compile_pipeline("training", tmp_path, parallelism=5)
    tasks = load_spec(path)["root"]["dag"]["tasks"]
    assert [t["iteratorPolicy"] for n, t in tasks.items() if n.startswith("for-loop")] == [
        {"parallelismLimit": 5}
    ]


def test_unknown_pipeline_is_refused(tmp_path: Path) -> None:
    """Only the project's pipelines compile."""
    with pytest.raises(ValueError, match="unknown pipeline"):
        compile_pipeline("nope", tmp_path)
