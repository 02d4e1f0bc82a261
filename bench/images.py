"""Image size per framework: the api's and the pipeline's image, each framework built with
the project's own `make docker-build` (docker when a daemon answers, else podman).

One figure per template and framework, in MB, with the scikit-learn image as the baseline: the
ratio says what a boosting framework adds to what ships.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench.measure import Figure
from tests.suite import clean_env, container_engine, render

FRAMEWORKS = ("scikit-learn", "xgboost", "lightgbm")


def image_megabytes(engine: str, template: str, framework: str) -> float:
    """Render, lock-install and build the image; its size in MB (10^6 bytes)."""
    tag = f"mlops-templates-bench/{template}-{framework}:latest"
    env = clean_env()
    with tempfile.TemporaryDirectory() as tmp:
        project = render(template, Path(tmp), framework=framework)
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        for command in (["make", "install"], ["make", "docker-build", f"IMAGE={tag}"]):
            done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    size = subprocess.run(
        [engine, "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([engine, "rmi", "-f", tag], capture_output=True, check=False)
    return int(size) / 1e6


def image_figures(templates: list[str]) -> list[Figure]:
    """The image's size per template and framework (one build each: sizes do not vary)."""
    engine = container_engine()
    if engine is None:
        return [Figure("image size", "MB", [0.0], note="no container engine: not measured")]
    figures = []
    for template in [t for t in ("api", "pipeline") if t in templates]:
        sizes = {fw: image_megabytes(engine, template, fw) for fw in FRAMEWORKS}
        for framework, size in sizes.items():
            baseline = [] if framework == "scikit-learn" else [sizes["scikit-learn"]]
            note = f"{engine}; baseline: the scikit-learn image" if baseline else engine
            figures.append(Figure(f"image {template} ({framework})", "MB", [size], baseline, note))
    return figures
