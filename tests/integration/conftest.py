"""Fixtures that land data in a temporary landing zone and run dbt on it, one
invocation at a time, as a user would.

What every test file may start from is made once per run, not once per pytest-xdist worker: the sample
key, the seeded template, the crafted landing zone and the sample and crafted warehouses are built in a
folder the workers share (made_once), and a worker's tests get their own copy of a warehouse file, so no
two processes ever write one."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from stayhub import generate
from stayhub.warehouse import PII_KEY_ENV, SAMPLE_PII_KEY_NAME, run_dbt, write_sample_pii_key
from tests.integration import crafted_landing


class Warehouse:
    """A landing zone plus a DuckDB warehouse file, built by dbt."""

    # Where the session keeps a warehouse file as `dbt seed` leaves it (made by the first seed()).
    seeded_template: Path | None = None

    def __init__(self, root: Path):
        self.root = root
        self.raw_root = root / "raw"
        self.duckdb_path = root / "warehouse.duckdb"
        # Each warehouse keeps its own target folder, so partial parsing stays warm per warehouse,
        # and its own dbt log (logs/dbt.log), which tests can read without other tests' runs in it.
        self.target_path = root / "target"
        self.log_path = root / "logs"

    def dbt(self, *args: str, check: bool = True, extra_env: dict | None = None, window: dict | None = None) -> subprocess.CompletedProcess:
        """One dbt command; `window` ({ds} or {start_ds, end_ds}) passes the run window as stayhub's commands
        do (the environment, no parse input), while --vars in `args` passes it as a user types it."""
        return run_dbt(
            list(args),
            self.raw_root,
            self.duckdb_path,
            check=check,
            target_path=self.target_path,
            extra_env=extra_env,
            log_path=self.log_path,
            window=window,
        )

    def seed(self) -> None:
        """The warehouse as `dbt seed` leaves it: a copy of the session's seeded template (the seeds and the
        audit tables the hooks create are the same for every warehouse), seeded by dbt the first time."""
        template = Warehouse.seeded_template
        if template is None:
            self.dbt("seed")
            return
        made_once(template.parent, lambda folder: Warehouse(folder).dbt("seed"))
        self.copy_file_from(template)

    def copy_file_from(self, source: Path) -> None:
        """This warehouse's file becomes a copy of another's (its write-ahead log included)."""
        self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, self.duckdb_path)
        if Path(f"{source}.wal").exists():
            shutil.copyfile(f"{source}.wal", f"{self.duckdb_path}.wal")

    def build(self, *args: str, check: bool = True, **window: str) -> subprocess.CompletedProcess:
        """dbt build for a window: ds=..., or start_ds=... end_ds=..., or none (latest landed)."""
        return self.dbt("build", *args, check=check, window=window or None)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def shared_folder(tmp_path_factory, name: str) -> Path:
    """A folder of this pytest run that every xdist worker sees under the same path."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"shared-{name}"


def made_once(folder: Path, make: Callable[[Path], object]) -> Path:
    """`folder`, made by make(folder) by the first process to ask (the others wait for it to finish); one whose
    make failed part way is emptied and made again by the next."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def pii_key_file(tmp_path_factory) -> Iterator[Path]:
    """The sample key every dbt run of the tests hashes emails with: $WAREHOUSE_PII_KEY_FILE, set for
    this process and so for every dbt and runner it starts (stayhub.warehouse.dbt_env). One key for all
    workers, so the warehouses they share hash as their own do."""
    folder = made_once(shared_folder(tmp_path_factory, "pii_key"), lambda folder: write_sample_pii_key(folder / SAMPLE_PII_KEY_NAME))
    path = folder / SAMPLE_PII_KEY_NAME
    previous = os.environ.get(PII_KEY_ENV)
    os.environ[PII_KEY_ENV] = str(path)
    yield path
    if previous is None:
        os.environ.pop(PII_KEY_ENV, None)
    else:
        os.environ[PII_KEY_ENV] = previous


@pytest.fixture(scope="session", autouse=True)
def seeded_template(tmp_path_factory) -> Iterator[Path]:
    """One `dbt seed` for the run, made by the first Warehouse.seed(); the others copy its file."""
    Warehouse.seeded_template = shared_folder(tmp_path_factory, "seeded_template") / "warehouse.duckdb"
    yield Warehouse.seeded_template
    Warehouse.seeded_template = None


def worker_copy(tmp_path_factory, built: Warehouse, name: str) -> Warehouse:
    """This worker's own copy of a warehouse built once for the run, on the same landing zone, with the
    target folder (manifest, run results) and logs its build left, as if this worker had built it."""
    warehouse = Warehouse(tmp_path_factory.mktemp(name))
    warehouse.raw_root = built.raw_root
    warehouse.copy_file_from(built.duckdb_path)
    for source, copy in ((built.target_path, warehouse.target_path), (built.log_path, warehouse.log_path)):
        if source.exists():
            shutil.copytree(source, copy)
    return warehouse


def _build_sample(folder: Path) -> None:
    warehouse = Warehouse(folder)
    generate.generate(
        warehouse.raw_root,
        start_ds="2025-01-01",
        days=8,
        users=400,
        listings=80,
        events_per_day=800,
        dirty_rate=0.03,
        seed=11,
        in_progress_days=1,
        empty_partitions=[("assignments", "2025-01-05")],
    )
    warehouse.seed()
    warehouse.build(start_ds="2025-01-01", end_ds="2025-01-08")


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Warehouse:
    """A generated sample with every kind of dirty data, built over all its landed days."""
    built = Warehouse(made_once(shared_folder(tmp_path_factory, "sample"), _build_sample))
    return worker_copy(tmp_path_factory, built, "sample")


@pytest.fixture(scope="session")
def crafted_landing_root(tmp_path_factory) -> Path:
    """The hand-made landing zone of crafted_landing, written once for the run (tests only read it)."""
    return made_once(shared_folder(tmp_path_factory, "crafted_landing"), lambda folder: crafted_landing.write(folder / "raw")) / "raw"


def seeded_warehouse(root: Path, crafted_root: Path) -> Warehouse:
    """A seeded, empty warehouse in `root` on the landing zone at `crafted_root`."""
    warehouse = Warehouse(root)
    warehouse.raw_root = crafted_root
    warehouse.seed()
    return warehouse


def line_fates(warehouse: Warehouse, sources) -> dict[tuple[str, str, str], list]:
    """{(source, ds, raw line): sorted [(line_status, reject_reason)]} of every staged line."""
    fates = defaultdict(list)
    for source in sources:
        for ds, raw_line, status, reason in warehouse.query(f"select cast(ds as varchar), raw_line, line_status, reject_reason from base.base_{source}__lines"):
            fates[(source, ds, raw_line)].append((status, reason))
    return {key: sorted(value, key=str) for key, value in fates.items()}


def expected_line_fates(lines: dict) -> dict[tuple[str, str, str], list]:
    """line_fates as a hand-made zone's LINES ({(source, ds): [(marker, line, status, reason)]}) expects them."""
    fates = defaultdict(list)
    for (source, ds), partition_lines in lines.items():
        for _, line, status, reason in partition_lines:
            fates[(source, ds, line)].append((status, reason))
    return {key: sorted(value, key=str) for key, value in fates.items()}


def line_accounting_against_landed(warehouse: Warehouse, last_ds: str) -> tuple[dict, dict]:
    """(accounted, landed): per (source, ds) up to last_ds, (lines read, staged + duplicate + rejected)
    from the accounting model, and (lines, lines) counted in the landing files by Python."""
    landed = generate.count_lines(warehouse.raw_root)
    accounted = {
        (source, ds): (read, staged + duplicate + rejected)
        for source, ds, read, staged, duplicate, rejected in warehouse.query(
            "select source_name, cast(ds as varchar), lines_read, lines_staged, lines_duplicate, lines_rejected from base.base_landing__line_accounting"
        )
    }
    expected = {(source, ds): (count, count) for source, per_ds in landed.items() for ds, count in per_ds.items() if ds <= last_ds and count > 0}
    return accounted, expected


@pytest.fixture(scope="session")
def crafted_warehouse(tmp_path_factory, crafted_landing_root) -> Warehouse:
    """The hand-made landing zone built in one range run."""
    folder = made_once(
        shared_folder(tmp_path_factory, "crafted_range"),
        lambda folder: seeded_warehouse(folder, crafted_landing_root).build(start_ds=crafted_landing.FIRST_DS, end_ds=crafted_landing.LAST_DS),
    )
    built = Warehouse(folder)
    built.raw_root = crafted_landing_root
    return worker_copy(tmp_path_factory, built, "crafted_range")
