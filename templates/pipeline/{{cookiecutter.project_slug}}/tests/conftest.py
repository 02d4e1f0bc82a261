{% extends "tests/conftest.py.j2" %}
{%- block plain_imports %}import atexit
import contextlib
import importlib
import os
import socket
import sys
import threading
import types
import uuid
{% endblock %}
{%- block from_imports %}from typing import TYPE_CHECKING, Any
{% endblock %}
{%- block first_party_imports %}from {{ cookiecutter.package_name }}.contract import (
    Contract,
    load_contract,
    parse_contract,
)
from {{ cookiecutter.package_name }}.gx_setup import configure_gx
from {{ cookiecutter.package_name }}.local_tasks import PRELOAD, keep_helpers
from {{ cookiecutter.package_name }}.ops.config import get_settings
from {{ cookiecutter.package_name }}.steps.io import read_table

if TYPE_CHECKING:  # pandas loads in the test processes, not in pytest-xdist's controller
    import pandas as pd{% endblock %}
{%- block fixtures %}


# GX offline and quiet before anything imports it, as the project's code makes it: the tests'
# processes import it before collecting (below), and GX_ANALYTICS_ENABLED set midway by a
# validation would change the environment the local runs keep their helpers for.
configure_gx()

# What the tests import of the libraries: the tasks' (less clearml, which installs import
# hooks: its own tests import it), kfp's compiler and Vertex AI's SDK. skops.io first: its
# import looks for each numpy and scipy ufunc in every module loaded so far, and after Vertex
# AI's SDK (thousands of modules) that took 2 to 3 s instead of half a second.
LIBRARIES = [
    "skops.io",
    *sorted(
        {*PRELOAD["data"], *PRELOAD["model"], "kfp.compiler", "google.cloud.aiplatform"}
        - {"clearml", "skops.io"}
    ),
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """Each process of a parallel run (make test, make test-fast: -n auto) imports LIBRARIES
    first, in that order; under coverage, with coverage paused.

    Each such process runs tests of every library and imports them all anyway; importing them
    first keeps this order whichever test comes first. Coverage measures this project's code
    only, yet on Python 3.11 its tracer sees every line a library runs: these imports took
    twice as long under it. One process without coverage (one test file) imports what its
    tests use.
    """
    if session.config.pluginmanager.has_plugin("dsession"):
        return  # pytest-xdist's controller, which runs no test
    coverage = sys.modules.get("coverage")
    # Every running measurement, newest first: in a worker, pytest-cov starts two (stopping
    # the newest resumes the one below it).
    paused: list[Any] = []
    while coverage and (measuring := coverage.Coverage.current()) not in (None, *paused):
        measuring.stop()
        paused.append(measuring)
    if not paused and not hasattr(session.config, "workerinput"):
        return  # one process, not measured
    try:
        for name in LIBRARIES:
            with contextlib.suppress(ImportError):  # an extra that is not installed
                importlib.import_module(name)
    finally:
        for measuring in reversed(paused):  # oldest first: the newest measures again
            measuring.start()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A pytest-xdist worker (-n auto) ends here, without Python's teardown of its modules.

    Its results and coverage reached the controller when its session finished. Tearing down
    the libraries it loaded (some 6,000 modules) took 2 to 3 s per worker, which make test
    waited for and which checks nothing. Exit handlers still run (kept helpers stop)."""
    output = getattr(config, "workeroutput", None)
    if output is None:
        return  # not a worker: its process ends as usual
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(output.get("exitstatus", 0)))


@pytest.fixture(scope="session", autouse=True)
def _runs_share_their_helpers() -> Iterator[None]:
    """A test process's local runs hand their warm helpers on (local_tasks.keep_helpers): the
    libraries load once per environment, not once per run."""
    with keep_helpers():
        yield


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to resolve a name or open a connection fails, and is recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (whole local runs) first: with several workers (-n auto), they start
    at once, and the many short ones fill in behind them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HOME for the tests: one folder per test process (see _no_project_variables)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def _no_project_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, session_home: Path
) -> Iterator[None]:
    """The shell's {{ cookiecutter.__env_prefix }}* variables never reach a test; settings are re-read;
    models are registered in the test's own folder, never in the project's registry/. HOME
    is a temporary folder (ClearML writes ~/.clearml), the same for the whole session: it is
    part of the environment local runs keep their helpers for (local_tasks)."""
    for key in [k for k in os.environ if k.startswith("{{ cookiecutter.__env_prefix }}")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(session_home))
    registry = str(tmp_path / "registry")
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}REGISTRY_URI", registry)
{%- if cookiecutter.tracking == "clearml" %}
    # Tracking is off unless a test asks for it (`tracking_dir`): the tests stay fast and
    # write nothing outside their temporary folders. Pipeline tasks inherit the variable.
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}TRACKING_MODE", "disabled")
{%- endif %}
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """The project's sample data (data/sample.csv): what `make schema` last wrote."""
    return ROOT / "data" / "sample.csv"


@pytest.fixture(scope="session")
def sample(sample_path: Path, contract: Contract) -> pd.DataFrame:
    """The sample data, read as the pipeline reads it."""
    return read_table(sample_path, contract)
{% include "tests/contract_fixtures.py.j2" %}


class FakeBigQuery:
    """google.cloud.bigquery's query calls, in memory: the rows a query returns, and what
    was asked (the project, the query, its parameters)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.asked: dict[str, Any] = {}

    def client(self, project: str) -> Any:
        self.asked["project"] = project
        return types.SimpleNamespace(query=self.query)

    def query(self, query: str, job_config: Any) -> Any:
        self.asked |= {"query": query, "parameters": job_config.query_parameters}
        return types.SimpleNamespace(result=lambda page_size: iter(self.rows))


@pytest.fixture
def bigquery(monkeypatch: pytest.MonkeyPatch) -> FakeBigQuery:
    """google.cloud.bigquery faked: no account, no network."""
    fake = FakeBigQuery()
    module = fake_module(monkeypatch, "google.cloud.bigquery")
    module.Client = fake.client  # type: ignore[attr-defined]
    module.QueryJobConfig = lambda query_parameters: types.SimpleNamespace(  # type: ignore[attr-defined]
        query_parameters=query_parameters
    )
    module.ScalarQueryParameter = lambda name, kind, value: (name, kind, value)  # type: ignore[attr-defined]
    return fake


class FakeBigQueryTables:
    """google.cloud.bigquery and bigquery_storage, in memory: a table's rows streamed as
    Arrow record batches (as the Storage Read API sends them), load jobs recorded."""

    def __init__(self, table: Any, batch_rows: int) -> None:
        self.table, self.batch_rows = table, batch_rows
        self.asked: list[tuple[Any, ...]] = []
        self.loaded: list[tuple[str, str, str]] = []  # (table, source, write disposition)
        self.reader = object()
        self.written = 0

    def client(self, project: str | None = None) -> Any:
        self.asked.append(("client", project))
        return self

    def _rows(self) -> Any:
        def to_arrow_iterable(bqstorage_client: Any) -> Any:
            assert bqstorage_client is self.reader  # the Storage Read API, not pages of rows
            return iter(self.table.to_batches(max_chunksize=self.batch_rows))

        return types.SimpleNamespace(to_arrow_iterable=to_arrow_iterable)

    def list_rows(self, table: str, page_size: int) -> Any:
        self.asked.append(("list_rows", table))
        return self._rows()

    def query(self, sql: str) -> Any:
        self.asked.append(("query", sql))
        return types.SimpleNamespace(result=lambda page_size: self._rows())

    def load_table_from_uri(self, uris: list[str], table: str, job_config: Any) -> Any:
        self.loaded += [(table, uri, job_config.write_disposition) for uri in uris]
        return types.SimpleNamespace(result=lambda: None)

    def load_table_from_file(self, handle: Any, table: str, job_config: Any) -> Any:
        self.loaded.append((table, handle.name, job_config.write_disposition))
        import pyarrow.parquet as pq

        self.written += pq.read_table(handle).num_rows
        return types.SimpleNamespace(result=lambda: None)

    def get_table(self, table: str) -> Any:
        return types.SimpleNamespace(num_rows=self.written)


@pytest.fixture
def bigquery_tables(monkeypatch: pytest.MonkeyPatch, sample_path: Path) -> FakeBigQueryTables:
    """google.cloud.bigquery and bigquery_storage faked, holding the sample as a BigQuery
    table (typed: numbers stay numbers)."""
    import pandas as pd
    import pyarrow as pa

    fake = FakeBigQueryTables(pa.Table.from_pandas(pd.read_csv(sample_path)), batch_rows=7)
    module = fake_module(monkeypatch, "google.cloud.bigquery")
    module.Client = fake.client  # type: ignore[attr-defined]
    module.LoadJobConfig = types.SimpleNamespace  # type: ignore[attr-defined]
    module.SourceFormat = types.SimpleNamespace(PARQUET="PARQUET", CSV="CSV")  # type: ignore[attr-defined]
    module.WriteDisposition = types.SimpleNamespace(  # type: ignore[attr-defined]
        WRITE_TRUNCATE="WRITE_TRUNCATE", WRITE_APPEND="WRITE_APPEND"
    )
    storage = fake_module(monkeypatch, "google.cloud.bigquery_storage")
    storage.BigQueryReadClient = lambda: fake.reader  # type: ignore[attr-defined]
    return fake
{%- if cookiecutter.tracking == "clearml" %}


@pytest.fixture
def tracking_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Offline tracking into a temporary folder, for the tests of what is tracked."""
    path = tmp_path / "tracking"
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}TRACKING_MODE", "offline")
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}TRACKING_DIR", str(path))
    get_settings.cache_clear()
    return path
{%- endif %}
{%- endblock %}
