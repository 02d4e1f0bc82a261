"""Champion and challenger: the first version becomes the champion; a later one replaces it
only if strictly better on the same held-out rows (a tie keeps it); every decision is kept;
`make promote` and `make models` for people; bad URIs are one line and change nothing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.cli import EXIT_REFUSED, main
from {{ cookiecutter.package_name }}.contract import Contract
from {{ cookiecutter.package_name }}.framework import Params
from {{ cookiecutter.package_name }}.model import load_model
from {{ cookiecutter.package_name }}.registry import CHAMPION, LocalRegistry
from {{ cookiecutter.package_name }}.steps.evaluate import evaluate, resolve_gate
from {{ cookiecutter.package_name }}.steps.promote import decide, promote
from {{ cookiecutter.package_name }}.steps.register import register
from {{ cookiecutter.package_name }}.steps.resolve import resolve_to
from {{ cookiecutter.package_name }}.steps.split import split_file
from {{ cookiecutter.package_name }}.steps.train import train


@pytest.fixture
def parts(sample_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The sample's training and held-out parts."""
    split_file(sample_path, tmp_path / "train.csv", tmp_path / "test.csv")
    return tmp_path / "train.csv", tmp_path / "test.csv"


def registered(
    parts: tuple[Path, Path],
    registry: Path,
    folder: Path,
    contract: Contract,
    noise: bool = False,
    sample_data: bool = False,
) -> int:
    """Train (on shuffled labels when `noise`: a worse model), evaluate on the held-out part,
    register (`sample_data`: as trained on the project's sample); return the version."""
    train_path, test_path = parts
    if noise:
        frame = pd.read_csv(train_path, dtype=dict.fromkeys(contract.text_columns(), str))
        label = contract.label.name
        frame[label] = frame[label].sample(frac=1.0, random_state=3).to_numpy()
        train_path = folder.with_suffix(".csv")
        frame.to_csv(train_path, index=False)
    train(train_path, folder, Params())
    result = evaluate(folder, test_path)
    lineage = {"data_uri": "x.csv", "sample_data": sample_data}
    version = register(folder, str(registry), "churn", result.to_json(), lineage)
    return version.version


def test_the_first_version_becomes_the_champion_and_a_tie_keeps_it(
    parts: tuple[Path, Path], contract: Contract, tmp_path: Path
) -> None:
    """Version 1: champion. Version 2, the same model, scores equal: the champion stays."""
    registry = tmp_path / "registry"
    first = registered(parts, registry, tmp_path / "m1", contract)
    metric, _ = resolve_gate(contract)
    decision = promote(str(registry), "churn", first, parts[1], metric)
    assert (decision["promoted"], decision["champion"]) == (True, "models:/churn/1")
    assert decision["reason"] == "first version: it becomes the champion"
    second = registered(parts, registry, tmp_path / "m2", contract)
    decision = promote(str(registry), "churn", second, parts[1], metric)
    assert decision["promoted"] is False
    assert decision["challenger_score"] == decision["champion_score"]
    assert decision["champion"] == "models:/churn/1"
    events = LocalRegistry(registry).events("churn")
    assert [e["promoted"] for e in events] == [True, False]


def test_a_better_challenger_is_promoted_a_worse_one_is_not(
    parts: tuple[Path, Path], contract: Contract, tmp_path: Path
) -> None:
    """A model of noise is the champion; a real one beats it; then noise again does not."""
    registry = tmp_path / "registry"
    metric, _ = resolve_gate(contract)
    weak = registered(parts, registry, tmp_path / "weak", contract, noise=True)
    promote(str(registry), "churn", weak, parts[1], metric)
    strong = registered(parts, registry, tmp_path / "strong", contract)
    better = promote(str(registry), "churn", strong, parts[1], metric)
    assert better["promoted"] is True
    assert better["champion"] == f"models:/churn/{strong}"
    worse_version = registered(parts, registry, tmp_path / "worse", contract, noise=True)
    worse = promote(str(registry), "churn", worse_version, parts[1], metric)
    assert worse["promoted"] is False
    champion = [v for v in LocalRegistry(registry).versions("churn") if CHAMPION in v.aliases]
    assert [v.version for v in champion] == [strong]


def test_the_decision_follows_the_metrics_direction() -> None:
    """Strictly better: greater for a score, smaller for an error; no champion: promote."""
    assert decide(0.9, 0.8, "roc_auc")
    assert not decide(0.8, 0.8, "roc_auc")
    assert decide(1.0, 2.0, "rmse")
    assert not decide(2.0, 1.0, "rmse")
    assert decide(0.1, None, "r2")


def test_models_and_promote_commands(
    parts: tuple[Path, Path],
    contract: Contract,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`models` lists versions and aliases; `promote` moves the champion (a roll-back) and
    says from where; an unknown version, alias or malformed URI is one error, nothing changed."""
    registry = tmp_path / "registry"
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}REGISTRY_URI", str(registry))
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}MODEL_NAME", "churn")
    assert main(["models"]) == EXIT_REFUSED
    assert "no model 'churn' in the registry" in capsys.readouterr().err
    metric, _ = resolve_gate(contract)
    for index in (1, 2):
        version = registered(parts, registry, tmp_path / f"m{index}", contract)
        promote(str(registry), "churn", version, parts[1], metric)
    assert main(["models"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("models:/churn in ")
    assert [line.split()[:2] for line in listed[1:]] == [["1", "champion"], ["2", "-"]]
    assert main(["promote", "--model-uri", "models:/churn/2"]) == 0
    assert capsys.readouterr().out.strip() == "champion: models:/churn/2 (was models:/churn/1)"
    aliases = (registry / "churn" / "aliases.json").read_bytes()
    for uri, message in [
        ("models:/churn/9", "model 'churn' has no version 9"),
        ("models:/other/1", "no model 'other' in the registry"),
        ("models:/churn@stable", "has no alias 'stable'"),
        ("churn/2", "is not a model URI"),
    ]:
        assert main(["promote", "--model-uri", uri]) == EXIT_REFUSED
        err = capsys.readouterr().err.strip().splitlines()
        assert message in err[0]
        assert err[-1].startswith("what to do:")
        assert (registry / "churn" / "aliases.json").read_bytes() == aliases
    assert [e["event"] for e in LocalRegistry(registry).events("churn")][-1] == "manual promotion"
    assert json.loads(aliases) == {CHAMPION: 2}


def test_register_and_promote_on_vertex_ai_model_registry(
    parts: tuple[Path, Path], contract: Contract, tmp_path: Path, vertex: object, bucket: Any
) -> None:
    """The same steps with registry_uri vertex://: versions of one parent model, the alias
    moved in Vertex, the evaluation attached (the Vertex client is faked)."""
    registry = "vertex://acme-ml/europe-west1"
    staging = {"staging_uri": f"gs://{bucket.name}/staging"}
    metric, _ = resolve_gate(contract)
    train(parts[0], tmp_path / "model", Params())
    result = evaluate(tmp_path / "model", parts[1])
    version = register(tmp_path / "model", registry, "churn", result.to_json(), {}, **staging)
    decision = promote(registry, "churn", version.version, parts[1], metric, **staging)
    assert (version.version, decision["champion"]) == (1, "models:/churn/1")
    uploads = vertex.versions["churn"]  # type: ignore[attr-defined]
    assert uploads[0]["aliases"] == ["default", "champion"]
    assert vertex.evaluations[0]["metrics"] == result.metrics  # type: ignore[attr-defined]


def test_register_promote_and_resolve_the_champion_in_a_bucket(
    parts: tuple[Path, Path],
    contract: Contract,
    tmp_path: Path,
    bucket: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """registry_uri gs://: the steps register and promote in a bucket (the real client, the
    emulator's generation preconditions), and batch prediction's resolve step downloads the
    champion by its alias straight into its output, leaving no copy in the temp folder: a
    model that loads and answers."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    registry = f"gs://{bucket.name}/registry"
    metric, _ = resolve_gate(contract)
    train(parts[0], tmp_path / "model", Params())
    result = evaluate(tmp_path / "model", parts[1])
    version = register(tmp_path / "model", registry, "churn", result.to_json(), {})
    decision = promote(registry, "churn", version.version, parts[1], metric)
    assert decision["champion"] == "models:/churn/1"
    assert bucket.get_blob("registry/churn/aliases.json") is not None
    resolved = resolve_to("models:/churn@champion", registry, tmp_path / "resolved")
    assert resolved == "models:/churn/1"
    assert list(temp.iterdir()) == []
    model = load_model(tmp_path / "resolved")
    assert model.contract == contract
    rows = pd.read_csv(parts[1])[contract.feature_names].head(3)
    assert len(model.predict_rows(rows.to_numpy().tolist())) == 3


def test_a_model_of_the_sample_data_never_takes_the_champion_from_real_data(
    parts: tuple[Path, Path], contract: Contract, tmp_path: Path
) -> None:
    """After make schema, a plain make run trains on the synthetic sample: its model is
    registered, not promoted over a champion of real data, even when it scores higher (here
    the champion learned noise); the reason says how to promote it by hand."""
    registry = tmp_path / "registry"
    metric, _ = resolve_gate(contract)
    real = registered(parts, registry, tmp_path / "real", contract, noise=True)
    promote(str(registry), "churn", real, parts[1], metric)
    sample = registered(parts, registry, tmp_path / "sample", contract, sample_data=True)
    decision = promote(str(registry), "churn", sample, parts[1], metric)
    assert (decision["promoted"], decision["champion"]) == (False, f"models:/churn/{real}")
    assert f"make promote MODEL_URI=models:/churn/{sample}" in decision["reason"]
    assert LocalRegistry(registry).versions("churn")[-1].lineage["sample_data"] is True


def test_real_data_replaces_a_champion_of_the_sample_and_then_scores_decide(
    parts: tuple[Path, Path], contract: Contract, tmp_path: Path
) -> None:
    """The first day's champion was trained on the sample: the team's first model of real
    data replaces it whatever the scores; next month's real data competes on its scores."""
    registry = tmp_path / "registry"
    metric, _ = resolve_gate(contract)
    sample = registered(parts, registry, tmp_path / "sample", contract, sample_data=True)
    assert promote(str(registry), "churn", sample, parts[1], metric)["promoted"] is True
    noise = registered(parts, registry, tmp_path / "noise", contract, noise=True)
    decision = promote(str(registry), "churn", noise, parts[1], metric)
    assert decision["promoted"] is True
    assert (
        decision["reason"] == f"the champion models:/churn/{sample} was trained on the sample data"
    )
    better = registered(parts, registry, tmp_path / "better", contract)
    assert promote(str(registry), "churn", better, parts[1], metric)["promoted"] is True
    worse = registered(parts, registry, tmp_path / "worse", contract, noise=True)
    assert promote(str(registry), "churn", worse, parts[1], metric)["promoted"] is False
