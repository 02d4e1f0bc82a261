"""The model servers a team could pick instead of the api template, serving the same model.

Each peer is installed into a virtual environment of its own under the bench's work folder
(never a dependency of the templates), with the generated project's scikit-learn version, and
serves the sample model's estimator, written once as a joblib file (the format MLServer's
scikit-learn runtime reads). Every peer answers the probability of the positive class for the
same one record, each in its own request format; the load is the same.

A peer whose install or start fails is reported with the reason, never dropped silently.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.suite import clean_env

UVLOOP = "uvloop<0.22"  # MLServer 1.7.1 does not start with uvloop 0.22


@dataclass(frozen=True)
class Peer:
    """How to install, start and call one peer server."""

    name: str  # also its variant's name in the tables
    env: str  # the virtual environment (peers of one product share it)
    packages: tuple[str, ...]
    route: str
    probe: tuple[str, str]  # method, route: 200 when it is ready


PEERS = (
    Peer(
        "mlserver",
        "mlserver",
        ("mlserver==1.7.*", "mlserver-sklearn==1.7.*", UVLOOP),
        "/v2/models/model/infer",
        ("GET", "/v2/models/model/ready"),
    ),
    Peer(
        "mlserver batching",
        "mlserver",
        ("mlserver==1.7.*", "mlserver-sklearn==1.7.*", UVLOOP),
        "/v2/models/model/infer",
        ("GET", "/v2/models/model/ready"),
    ),
    Peer("litserve", "litserve", ("litserve==0.2.*",), "/predict", ("GET", "/health")),
    Peer("bentoml", "bentoml", ("bentoml==1.4.*",), "/predict", ("GET", "/readyz")),
    Peer("bentoml batching", "bentoml", ("bentoml==1.4.*",), "/predict", ("GET", "/readyz")),
)

LITSERVE_APP = '''\
"""The sample model behind LitServe: one inference worker process, no batching."""
import json, os
import joblib, litserve as ls, numpy as np

FEATURES = json.loads(os.environ["FEATURES"])


class Model(ls.LitAPI):
    def setup(self, device):
        self.model = joblib.load(os.environ["MODEL_FILE"])

    def decode_request(self, request):
        return np.array([[r[f] for f in FEATURES] for r in request["records"]], dtype=np.float64)

    def predict(self, x):
        return self.model.predict_proba(x)[:, 1].tolist()

    def encode_response(self, output):
        return {"predictions": output}


if __name__ == "__main__":
    server = ls.LitServer(Model(), accelerator="cpu", workers_per_device=1)
    server.run(host="127.0.0.1", port=int(os.environ["PORT"]), generate_client_file=False,
               log_level="warning", num_api_servers=1)
'''

BENTOML_APP = '''\
"""The sample model behind BentoML: one worker; BATCHABLE=1 uses its adaptive batching."""
import json, os
import bentoml, joblib, numpy as np

FEATURES = json.loads(os.environ["FEATURES"])
BATCHABLE = os.environ.get("BATCHABLE") == "1"


@bentoml.service(workers=1)
class Model:
    def __init__(self):
        self.model = joblib.load(os.environ["MODEL_FILE"])

    if BATCHABLE:
        @bentoml.api(batchable=True, max_batch_size=64)
        def predict(self, x: np.ndarray) -> np.ndarray:
            return self.model.predict_proba(x)[:, 1]
    else:
        @bentoml.api
        def predict(self, records: list[dict[str, float]]) -> dict:
            x = np.array([[r[f] for f in FEATURES] for r in records], dtype=np.float64)
            return {"predictions": self.model.predict_proba(x)[:, 1].tolist()}
'''


def install(work: Path, peer: Peer, uv: str, sklearn_version: str) -> Path:
    """The peer's Python (its environment made once); CalledProcessError if it fails."""
    venv = work / "peers" / peer.env
    python = venv / "bin" / "python"
    done = venv / ".installed"
    wanted = " ".join([*peer.packages, f"scikit-learn=={sklearn_version}"])
    if not (done.is_file() and done.read_text() == wanted):
        subprocess.run(
            [uv, "venv", "-q", "--clear", "-p", "3.11", str(venv)],
            check=True,
            capture_output=True,
            env=clean_env(),
        )
        subprocess.run(
            [uv, "pip", "install", "-q", "-p", str(python), *wanted.split()],
            check=True,
            capture_output=True,
            text=True,
            env=clean_env(),
        )
        done.write_text(wanted)
    return python


def request_body(peer: Peer, features: list[str]) -> bytes:
    """One record, all features 1.0, in the peer's own request format."""
    record = dict.fromkeys(features, 1.0)
    if peer.env == "mlserver":  # the Open Inference Protocol (V2)
        body: object = {
            "inputs": [
                {
                    "name": "x",
                    "shape": [1, len(features)],
                    "datatype": "FP64",
                    "data": [1.0] * len(features),
                }
            ],
            "outputs": [{"name": "predict_proba"}],
        }
    elif peer.name == "bentoml batching":  # a batchable API takes an array
        body = {"x": [[1.0] * len(features)]}
    else:
        body = {"records": [record]}
    return json.dumps(body).encode()


def prepare(
    peer: Peer, folder: Path, model_file: Path, port: int, python: Path, features: list[str]
) -> tuple[list[str], dict[str, str]]:
    """Write the peer's files into `folder`; the command that starts it and its environment."""
    folder.mkdir(parents=True, exist_ok=True)
    env = clean_env(
        {
            "MODEL_FILE": str(model_file),
            "FEATURES": json.dumps(features),
            "PORT": str(port),
            "BENTOML_DO_NOT_TRACK": "true",
        }
    )
    bin_dir = python.parent
    if peer.env == "mlserver":
        model = folder / "model"
        model.mkdir(exist_ok=True)
        settings = {
            "name": "model",
            "implementation": "mlserver_sklearn.SKLearnModel",
            "parameters": {"uri": str(model_file)},
        }
        if peer.name == "mlserver batching":
            settings |= {"max_batch_size": 64, "max_batch_time": 0.002}
        (model / "model-settings.json").write_text(json.dumps(settings))
        server = {
            "host": "127.0.0.1",
            "http_port": port,
            "grpc_port": 0,
            "parallel_workers": 0,
            "metrics_endpoint": None,
            "debug": False,
        }
        (folder / "settings.json").write_text(json.dumps(server))
        return [str(bin_dir / "mlserver"), "start", str(folder)], env
    if peer.env == "litserve":
        (folder / "server.py").write_text(LITSERVE_APP)
        return [str(python), str(folder / "server.py")], env
    (folder / "service.py").write_text(BENTOML_APP)
    env["BATCHABLE"] = "1" if peer.name == "bentoml batching" else "0"
    command = [str(bin_dir / "bentoml"), "serve", "service:Model", "--host", "127.0.0.1"]
    return [*command, "--port", str(port), "--working-dir", str(folder)], env


def export_joblib(project_python: Path, model_dir: Path, out: Path) -> Path:
    """The sample model's estimator as a joblib file (written with the project's Python)."""
    package = next((model_dir.parent.parent / "src").iterdir()).name
    code = (
        f"import joblib, sys\nfrom {package}.model import load_model\n"
        "joblib.dump(load_model(sys.argv[1]).estimator, sys.argv[2])\n"
    )
    command = [str(project_python), "-c", code, str(model_dir), str(out)]
    subprocess.run(command, check=True, capture_output=True, env=clean_env())
    return out
