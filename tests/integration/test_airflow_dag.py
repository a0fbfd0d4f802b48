"""The Airflow DAG (dags/stayhub_daily.py) in Airflow's own venv (.venv-airflow, scripts/bootstrap_airflow.sh):
it parses in Airflow with the right tasks, and `airflow dags test` runs one day of a landed sample."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from stayhub import generate
from stayhub.project import PROJECT_ROOT, landing_sources
from tests.integration.conftest import Warehouse

AIRFLOW_BIN = PROJECT_ROOT / ".venv-airflow" / "bin"
DAG_ID = "stayhub_daily"
FIRST_DS = "2025-01-01"
BUILT_DS = "2025-01-03"  # built by dbt before the DAG runs
DAG_DS = "2025-01-04"  # the day `airflow dags test` builds
SENSORS = {f"wait_{source}" for source in landing_sources()}

# The DAG as Airflow's parser (DagBag) loads it, summarised as JSON.
DESCRIBE_DAG = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags.get(sys.argv[2])
print(json.dumps({
    "import_errors": {str(path): str(error) for path, error in bag.import_errors.items()},
    "dag": dag and {
        "max_active_runs": dag.max_active_runs,
        "catchup": dag.catchup,
        "tasks": {
            task.task_id: {
                "upstream": sorted(task.upstream_task_ids),
                "downstream": sorted(task.downstream_task_ids),
                "retries": task.retries,
                "mode": getattr(task, "mode", None),
            }
            for task in dag.tasks
        },
    },
}))
"""


def airflow(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """One `airflow` CLI call of the Airflow venv; raises with its output when it fails."""
    result = subprocess.run([str(AIRFLOW_BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def last_json(output: str):
    """The JSON of the output's last line (Airflow logs warnings before it on stdout)."""
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Warehouse:
    """A small sample of 4 landed days, the first 3 built by dbt."""
    warehouse = Warehouse(tmp_path_factory.mktemp("airflow_sample"))
    generate.generate(warehouse.raw_root, start_ds=FIRST_DS, days=4, users=300, listings=60, events_per_day=600, seed=23)
    warehouse.seed()
    warehouse.build(start_ds=FIRST_DS, end_ds=BUILT_DS)
    return warehouse


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, landed: Warehouse) -> dict[str, str]:
    """The environment of the airflow commands: a fresh AIRFLOW_HOME with a SQLite metadata DB, the
    project's dags/ and the test warehouse (the DAG reads WAREHOUSE_* when it is parsed)."""
    if not (AIRFLOW_BIN / "airflow").exists():
        message = f"{AIRFLOW_BIN / 'airflow'} is missing: run scripts/bootstrap_airflow.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "STAYHUB_PROJECT_DIR": str(PROJECT_ROOT),
        "WAREHOUSE_RAW_ROOT": str(landed.raw_root),
        "WAREHOUSE_DUCKDB_PATH": str(landed.duckdb_path),
    }
    airflow(env, "db", "migrate")
    return env


def test_dag_parses_with_a_sensor_per_source_before_the_build(airflow_env):
    result = subprocess.run(
        [str(AIRFLOW_BIN / "python"), "-c", DESCRIBE_DAG, airflow_env["AIRFLOW__CORE__DAGS_FOLDER"], DAG_ID],
        env=airflow_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    described = last_json(result.stdout)
    assert described["import_errors"] == {}
    dag = described["dag"]
    assert dag is not None, f"{DAG_ID} is not in the DagBag"
    assert dag["max_active_runs"] == 1 and dag["catchup"] is False
    tasks = dag["tasks"]
    assert set(tasks) == SENSORS | {"build"}
    assert tasks["build"]["upstream"] == sorted(SENSORS)
    assert tasks["build"]["downstream"] == []
    assert tasks["build"]["retries"] == 2
    for sensor in SENSORS:
        assert tasks[sensor]["upstream"] == [] and tasks[sensor]["downstream"] == ["build"]
        assert tasks[sensor]["mode"] == "reschedule"


def test_rendered_tasks_use_the_run_ds(airflow_env, landed):
    """The templates render from the logical date, so a retry of a run rebuilds that run's ds."""
    build = airflow(airflow_env, "tasks", "render", DAG_ID, "build", "2025-02-03").stdout
    command = build.split("property: bash_command", 1)[1].split("# ---", 2)[1]
    assert "2025-02-03" in command and "{{" not in command
    sensor = airflow(airflow_env, "tasks", "render", DAG_ID, "wait_events", "2025-02-03").stdout
    assert f"{landed.raw_root}/events/ds=2025-02-03/_SUCCESS" in sensor


def test_one_day_of_dags_test_builds_the_partition(airflow_env, landed):
    assert landed.scalar(f"select count(*) from audit.partition_ledger where model_name = 'fct_page_views' and ds = '{DAG_DS}'") == 0
    result = airflow(airflow_env, "dags", "test", DAG_ID, DAG_DS, timeout=900)
    assert "state=success" in next(line for line in result.stdout.splitlines() if "DagRun Finished" in line)
    runs = last_json(airflow(airflow_env, "dags", "list-runs", DAG_ID, "-o", "json").stdout)
    [run] = [run for run in runs if run["logical_date"].startswith(DAG_DS)]
    assert run["state"] == "success", result.stdout[-4000:]
    states = last_json(airflow(airflow_env, "tasks", "states-for-dag-run", DAG_ID, run["run_id"], "-o", "json").stdout)
    assert {state["task_id"]: state["state"] for state in states} == {task: "success" for task in SENSORS | {"build"}}
    assert landed.scalar(f"select count(*) from audit.partition_ledger where model_name = 'fct_page_views' and ds = '{DAG_DS}'") == 1
    assert landed.scalar(f"select count(*) from marts.fct_page_views where ds = '{DAG_DS}'") > 0
    # The build was the daily runner: it recorded its run.
    assert landed.query(f"select status, exit_code from audit.daily_runs where ds = '{DAG_DS}'") == [("success", 0)]


def test_a_retried_build_reruns_the_same_ds(airflow_env, tmp_path):
    """A build that fails once is retried with the vars of its run: both tries get the run's ds."""
    tries = tmp_path / "tries"
    env = {
        **airflow_env,
        "STAYHUB_BUILD_COMMAND": f'echo "{{{{ ds }}}}" >> {tries}; [ "$(wc -l < {tries})" -ge 2 ]',
        "STAYHUB_RETRY_DELAY_MINUTES": "0.01",
    }
    result = airflow(env, "dags", "test", DAG_ID, BUILT_DS, timeout=300)
    assert "state=success" in next(line for line in result.stdout.splitlines() if "DagRun Finished" in line)
    assert tries.read_text().split() == [BUILT_DS, BUILT_DS]
