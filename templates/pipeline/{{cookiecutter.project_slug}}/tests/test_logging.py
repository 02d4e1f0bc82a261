{% include "tests/test_logging.py.j2" %}

def test_kfp_tasks_keep_the_fields() -> None:
    """In a KFP task, whose entry point sets logging up first, lines are still ours: JSON on
    stdout (where KFP's handler wrote) with every field, and no second copy in KFP's format."""
    code = (
        "from kfp.dsl import executor_main\n"
        "executor_main._setup_logging()  # what `python -m kfp.dsl.executor_main` does first\n"
        "from {{ cookiecutter.package_name }}.ops.logging import logger\n"
        "logger.info('trained', rows=3)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    [line] = [line for line in result.stdout.splitlines() if "trained" in line]
    entry = json.loads(line)
    assert (entry["message"], entry["rows"], entry["severity"]) == ("trained", 3, "INFO")
    assert "trained" not in result.stderr
