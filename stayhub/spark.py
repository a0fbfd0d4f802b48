"""dbt on Spark in this process: `python -m stayhub.spark <dbt arguments>` (in .venv-spark).

dbt-spark's session mode (profiles/profiles.yml, target `spark`) runs a local pyspark inside the dbt
process. The SQL the spark__ macros compile calls the project's Python functions, as DuckDB's does
through the dbt-duckdb plugins: the landing reader (dbt_plugins/landing_reader.py) and the keyed
hash of personal data (dbt_plugins/pii_key.py, whose key is read from $WAREHOUSE_PII_KEY_FILE and
never enters SQL). This module registers them as session functions the moment dbt-spark creates its
session (the session's settings stay the profile's), then runs dbt with the arguments given,
on the `spark` target unless --target says otherwise.

A cluster reached through the Thrift server (target `spark_thrift`) runs no Python of this process:
there the same function names must be provided by the cluster (README, "Running on Spark").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from dbt_plugins import landing_reader
from dbt_plugins.landing_line_count import count_partition_lines
from dbt_plugins.pii_key import keyed_hash, load_key
from stayhub.project import PROJECT_ROOT
from stayhub.warehouse import DbtError, dbt_env, window_env

#: The environment with dbt-spark and pyspark (scripts/bootstrap_spark.sh).
SPARK_PYTHON = PROJECT_ROOT / ".venv-spark" / "bin" / "python"

#: Spark types of the functions, as the duckdb__ macros' (dbt_plugins/landing_reader.py LINES_TYPE ...).
LINES_TYPE = "struct<text:string,read_errors:array<string>>"
COUNT_TYPE = "struct<lines:bigint,unexpected_files:bigint,unreadable_files:bigint>"


def register_functions(session) -> None:
    """The project's functions, under the names the DuckDB plugins give them."""
    key, problem = load_key()

    register = session.udf.register
    register("pii_hmac_sha256", keyed_hash(key, problem), "string")
    register("pii_key_problem", lambda: problem, "string")
    register("landing_list_partition_entries", landing_reader.list_partition_entries, "array<string>")
    register("landing_read_jsonl_gz", landing_reader.read_jsonl_gz, LINES_TYPE)
    register("landing_count_partition_lines", count_partition_lines, COUNT_TYPE)
    register("landing_latest_success_at", landing_reader.latest_success_at, "timestamp")


def _register_on_session_start() -> None:
    """Wraps SparkSession.Builder.getOrCreate, which dbt-spark calls for every statement, to register once."""
    from pyspark.sql import SparkSession

    builder_class = type(SparkSession.builder)
    get_or_create = builder_class.getOrCreate
    registered: set[int] = set()

    def get_or_create_with_functions(self):
        session = get_or_create(self)
        if id(session) not in registered:
            session.sparkContext.setLogLevel(os.environ.get("WAREHOUSE_SPARK_LOG_LEVEL", "ERROR"))
            register_functions(session)
            registered.add(id(session))
        return session

    builder_class.getOrCreate = get_or_create_with_functions


def _split_statements() -> None:
    """dbt-spark's session cursor runs one statement per call; the project's hooks and materializations
    send several separated by ';', as on DuckDB. Runs them one by one (sqlparse splits outside quotes);
    the last one's result is the cursor's."""
    import sqlparse
    from dbt.adapters.spark.session import Cursor

    execute = Cursor.execute

    def execute_each(self, sql: str, *parameters):
        if ";" not in sql:  # One statement: no parse (sqlparse takes a tenth of a second on a model's SQL).
            return execute(self, sql, *parameters)
        statements = [statement.rstrip().rstrip(";") for statement in sqlparse.split(sql)]
        statements = [statement for statement in statements if sqlparse.format(statement, strip_comments=True).strip()]
        for statement in statements[:-1]:
            execute(self, statement, *parameters)
        return execute(self, statements[-1] if statements else sql, *parameters)

    Cursor.execute = execute_each


def run_dbt_on_spark(
    args: Sequence[str],
    raw_root: Path | str,
    spark_dir: Path | str,
    check: bool = True,
    window: Mapping[str, str | None] | None = None,
    target_path: Path | str | None = None,
    extra_env: Mapping[str, str] | None = None,
    log_path: Path | str | None = None,
    die_with_parent: bool = False,
) -> subprocess.CompletedProcess:
    """One dbt command of the project on the local Spark target, from any environment: the warehouse
    (tables, metastore) under spark_dir, the window through the environment as run_dbt passes it.
    With die_with_parent, dbt (and so its Spark) is killed when this process dies (Linux)."""
    spark_dir = Path(spark_dir).resolve()
    spark_dir.mkdir(parents=True, exist_ok=True)
    target = Path(target_path).resolve() if target_path is not None else spark_dir / "target"
    env = dbt_env(raw_root, spark_dir / "unused.duckdb", {**window_env(window), "WAREHOUSE_SPARK_DIR": str(spark_dir), **(extra_env or {})})
    command = [str(SPARK_PYTHON), "-m", "stayhub.spark", *args, "--project-dir", str(PROJECT_ROOT), "--target-path", str(target)]
    command += ["--log-path", str(Path(log_path).resolve() if log_path is not None else spark_dir / "logs")]
    if die_with_parent and shutil.which("setpriv"):
        command = ["setpriv", "--pdeathsig", "KILL", *command]
    done = subprocess.run(command, cwd=spark_dir, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise DbtError(command, done.returncode, done.stdout + done.stderr)
    return done


def _run_python_models_in_session() -> None:
    """dbt-spark runs Python models on Databricks only. Adds the submission method `session`, the default
    here: the model's code (which writes its table, spark__create_partitioned_table_as) runs in this
    process, with the session dbt-spark opened as `spark`."""
    from dbt.adapters.base import PythonJobHelper
    from dbt.adapters.spark.impl import SparkAdapter

    class SessionPythonJobHelper(PythonJobHelper):
        def __init__(self, parsed_model: dict, credentials) -> None:
            self.model_name = parsed_model.get("alias") or parsed_model["name"]

        def submit(self, compiled_code: str) -> None:
            from pyspark.sql import SparkSession

            spark = SparkSession.builder.getOrCreate()
            exec(compile(compiled_code, f"<python model {self.model_name}>", "exec"), {"spark": spark, "__name__": "__dbt_model__"})

    helpers = dict(SparkAdapter.python_submission_helpers.fget(None))  # type: ignore[attr-defined]
    helpers["session"] = SessionPythonJobHelper
    SparkAdapter.python_submission_helpers = property(lambda self: helpers)  # type: ignore[method-assign,assignment]
    SparkAdapter.default_python_submission_method = property(lambda self: "session")  # type: ignore[method-assign,assignment]


def main(argv: Sequence[str] | None = None) -> int:
    from dbt.cli.main import dbtRunner

    args = list(sys.argv[1:] if argv is None else argv)
    # Spark's Python workers run the functions with this interpreter (and its packages).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if not any(arg == "--target" or arg.startswith("--target=") or arg == "-t" for arg in args):
        args += ["--target", "spark"]
    _register_on_session_start()
    _split_statements()
    _run_python_models_in_session()
    result = dbtRunner().invoke(args)
    if result.exception is not None and not result.success:
        print(result.exception, file=sys.stderr)
    return 0 if result.success else (2 if result.exception is not None else 1)


def _stop_spark() -> None:
    """Stops the session and waits for Spark's JVM to exit, so it is a waited-for child (its memory counts
    in this process's resource usage, as the benchmark reads it) and its metastore is closed cleanly."""
    if "pyspark" not in sys.modules:
        return
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    gateway = SparkContext._gateway
    if context is not None:
        context.stop()
    if gateway is not None:
        gateway.shutdown()
        process = getattr(gateway, "proc", None)
        if process is not None:
            # pyspark's JVM exits when its stdin closes (as when this process ends).
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    code = main()
    _stop_spark()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skips the interpreter's teardown, where the DuckDB module the plugins import reports its types as leaked.
    os._exit(code)
