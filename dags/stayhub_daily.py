"""# stayhub_daily

The warehouse's daily run in Airflow: one sensor per landing source waits for the day's
`{raw_root}/{source}/ds={{ ds }}/_SUCCESS` marker, then one `build` task runs the project's daily
runner for that ds (`stayhub daily --ds {{ ds }} --wait-timeout 0`: it takes the warehouse lock,
builds partition ds, checks it, records run history and sends alerts).

**Schedule.** Cron `0 1 * * *` UTC as *data intervals*: the run of the interval from day D 01:00 to
D+1 01:00 starts at D+1 01:00 and its logical date, so `{{ ds }}`, is D, the day that landed
(deliveries land by the end of their day plus a few minutes of clock skew). Airflow 3's plain
`"@daily"` would be a trigger timetable, whose ds is the run's own day, not the day that landed.

**Retries keep the vars.** The build's command is a template rendered from the run's logical date,
so a retry (or a cleared task) rebuilds the same ds. Every non-zero exit of the runner fails the try
and is retried (`retries`, `retry_delay`): 3 (upstream not landed in time) and 5 (another run holds
the warehouse lock) often pass on a retry; 1 (failure) and 4 (a partition check blocked) may, once
the cause is fixed, and the runner has already alerted. No exit code skips (`skip_on_exit_code=None`):
a skipped build would leave the run green with its partition missing.

**One writer.** `max_active_runs=1`: one run of this DAG writes the warehouse at a time (the runner's
lock still guards against anything else).

**Configuration**, environment variables read when the file is parsed:

- `STAYHUB_PROJECT_DIR`: the project checkout (default: the parent of this `dags/` folder); the
  build runs there with its `.venv`, and the landing sources are its dbt_project.yml's `landing_sources`.
- `WAREHOUSE_RAW_ROOT`: the landing zone (default `<project>/data/raw`).
- `WAREHOUSE_DUCKDB_PATH`: the warehouse file (default `<project>/data/warehouse.duckdb`).
- `WAREHOUSE_PII_KEY_FILE`: the key file of the personal-data hash, passed to the build when set.
  The build inherits the rest of the worker's environment, e.g. the runner's alert sinks
  (`STAYHUB_ALERTS_JSONL`, `STAYHUB_ALERTS_WEBHOOK_URL`).
- `STAYHUB_BUILD_COMMAND`: the build's command, a template that must use `{{ ds }}` (default: the
  daily runner above, `<project>/.venv/bin/python -m stayhub daily ...`, which imports this checkout's
  stayhub whichever checkout the shared `stayhub` console script points at).
- `STAYHUB_START_DATE`: the first logical date, YYYY-MM-DD (default 2025-01-01).
- `STAYHUB_CATCHUP`: `true` to run every missed interval since the start date (default `false`).
- `STAYHUB_SENSOR_MODE`: `reschedule` (default: a waiting sensor frees its worker slot between
  pokes) or `poke`.
- `STAYHUB_SENSOR_POKE_INTERVAL_SECONDS` (default 300) and `STAYHUB_SENSOR_TIMEOUT_SECONDS`
  (default 21600, 6 h): how often a sensor looks and when it gives up (the run then fails and
  the build does not run).
- `STAYHUB_RETRIES` (default 2) and `STAYHUB_RETRY_DELAY_MINUTES` (default 15): the build's retries.
"""

from __future__ import annotations

import os
import shlex
from datetime import timedelta
from pathlib import Path

import pendulum
import yaml
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import DAG, CronDataIntervalTimetable

PROJECT_DIR = Path(os.environ.get("STAYHUB_PROJECT_DIR") or Path(__file__).resolve().parent.parent).resolve()


def _project_path(value: str | None, default: str) -> str:
    """An absolute path: `value` (or `default`), relative to the project folder."""
    return str((PROJECT_DIR / (value or default)).resolve())


RAW_ROOT = _project_path(os.environ.get("WAREHOUSE_RAW_ROOT"), "data/raw")
DUCKDB_PATH = _project_path(os.environ.get("WAREHOUSE_DUCKDB_PATH"), "data/warehouse.duckdb")
PII_KEY_FILE = os.environ.get("WAREHOUSE_PII_KEY_FILE", "").strip()
LANDING_SOURCES = sorted(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["landing_sources"])

BUILD_COMMAND = os.environ.get("STAYHUB_BUILD_COMMAND") or (
    f"{shlex.quote(str(PROJECT_DIR / '.venv' / 'bin' / 'python'))} -m stayhub daily --ds {{{{ ds }}}} --wait-timeout 0"
)
if "{{ ds }}" not in BUILD_COMMAND:
    raise ValueError("STAYHUB_BUILD_COMMAND must build the run's partition: use {{ ds }} in it")

BUILD_ENV = {
    "WAREHOUSE_RAW_ROOT": RAW_ROOT,
    "WAREHOUSE_DUCKDB_PATH": DUCKDB_PATH,
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    **({"WAREHOUSE_PII_KEY_FILE": str(Path(PII_KEY_FILE).expanduser().resolve())} if PII_KEY_FILE else {}),
}


def landed(marker: str) -> bool:
    """True once the partition's _SUCCESS marker exists."""
    return Path(marker).is_file()


with DAG(
    dag_id="stayhub_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 1 * * *", timezone="UTC"),
    start_date=pendulum.parse(os.environ.get("STAYHUB_START_DATE", "2025-01-01"), tz="UTC"),
    catchup=os.environ.get("STAYHUB_CATCHUP", "false").lower() == "true",
    max_active_runs=1,
    tags=["stayhub", "dbt"],
) as dag:
    build = BashOperator(
        task_id="build",
        doc_md="The daily runner (or STAYHUB_BUILD_COMMAND) for the run's ds, in the project folder.",
        bash_command=BUILD_COMMAND,
        cwd=str(PROJECT_DIR),
        env=BUILD_ENV,
        append_env=True,
        skip_on_exit_code=None,
        retries=int(os.environ.get("STAYHUB_RETRIES", "2")),
        retry_delay=timedelta(minutes=float(os.environ.get("STAYHUB_RETRY_DELAY_MINUTES", "15"))),
    )
    for source in LANDING_SOURCES:
        (
            PythonSensor(
                task_id=f"wait_{source}",
                doc_md=f"Waits for the {source} partition of the run's ds to land.",
                python_callable=landed,
                op_kwargs={"marker": f"{RAW_ROOT}/{source}/ds={{{{ ds }}}}/_SUCCESS"},
                mode=os.environ.get("STAYHUB_SENSOR_MODE", "reschedule"),
                poke_interval=float(os.environ.get("STAYHUB_SENSOR_POKE_INTERVAL_SECONDS", "300")),
                timeout=float(os.environ.get("STAYHUB_SENSOR_TIMEOUT_SECONDS", str(6 * 3600))),
            )
            >> build
        )
