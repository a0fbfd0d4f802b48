"""Runs a planned backfill: its chunks in order, each one dbt run of the whole
job on the build (a copy of the DuckDB database, or on Spark schemas of
production's catalog: stayhub/backfill/engines.py), then sanity checks, the
comparison with production, and the swap.

Every finished chunk is recorded in state.json before the next starts, so a
killed backfill resumes at the first chunk not done; production is written
only by the swap, which also records the backfill in audit.backfill_runs, so
a backfill is never swapped twice. When the build is copied from production,
state.json records the ledger's version of every partition the backfill will
replace; the comparison and the swap check production still holds those
versions, so a partition production republished meanwhile (newer than the
build) is never overwritten.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path

from stayhub.backfill import publish
from stayhub.backfill.engines import warehouse_of
from stayhub.backfill.plan import Chunk, Plan, describe, job_vars_args
from stayhub.backfill.state import BackfillState, now
from stayhub.ledger import stale_by_inputs_in
from stayhub.operations.lock import WarehouseLocked, warehouse_lock
from stayhub.warehouse import DbtError

# How long the swap waits for a run holding the warehouse's lock (a daily run) before it stops; resume swaps later.
SWAP_LOCK_TIMEOUT_SECONDS = 1800


class BackfillFailed(RuntimeError):
    pass


class Progress:
    """One line: a bar of the chunks done, the rows they wrote, the time since start."""

    def __init__(self, total: int, done: int, rows: int, stream=sys.stderr):
        self.total, self.done, self.rows = total, done, rows
        self.started = time.monotonic()
        self.stream = stream
        self.interactive = stream.isatty()
        self.lock = threading.Lock()

    def advance(self, rows: int, what: str) -> None:
        with self.lock:
            self.done += 1
            self.rows += rows
            self.show(what)

    def show(self, what: str) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        elapsed = int(time.monotonic() - self.started)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} chunks | {self.rows:,} rows"
            f" | {elapsed // 60:02d}:{elapsed % 60:02d} elapsed | {what}"
        )
        if self.interactive:
            self.stream.write("\r\033[K" + line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def chunk_task(chunk: Chunk) -> str:
    return f"C{chunk.index}"


def task_count(plan: Plan) -> int:
    return len(plan.chunks)


class Runner:
    def __init__(self, state: BackfillState, out=sys.stdout, err=sys.stderr):
        self.state = state
        self.plan = state.plan
        self.raw_root = Path(state.data["raw_root"])
        self.warehouse = warehouse_of(state)
        self.build = self.warehouse.build(state)
        self.out, self.err = out, err
        self.progress: Progress | None = None

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def run_chunk(self, chunk: Chunk) -> None:
        """One dbt run of the whole job (its partitioned models and its views, as one range run of it builds
        them) for the chunk's days, on the build; recorded in state.json when it finished."""
        task = chunk_task(chunk)
        target = self.state.folder / "target" / "chunks"
        (target / "run_results.json").unlink(missing_ok=True)
        attempts = self.state.data["tasks"].get(task, {}).get("attempts", 0) + 1
        self.state.record_task(task, status="running", attempts=attempts, started_at=now(), window=[chunk.start_ds, chunk.end_ds])
        try:
            self.build.dbt(
                ["run", "--select", *self.plan.models, *self.plan.view_relations, "--threads", str(self.plan.parallelism)],
                self.raw_root,
                self.plan.vars,
                target_path=target,
                window={"start_ds": chunk.start_ds, "end_ds": chunk.end_ds},
                extra_env={"DBT_LOG_PATH": str(self.state.folder / "logs")},
                die_with_parent=True,
            )
        except DbtError as error:
            self.state.record_task(task, status="failed", error=str(error))
            raise BackfillFailed(f"chunk {chunk.label} failed: {error}") from None
        invocation_id = json.loads((target / "run_results.json").read_text())["metadata"]["invocation_id"]
        written = [(model.relation, publish.kept_days(self.plan, model, chunk)) for model in self.plan.models.values()]
        rows = publish.partition_rows(self.build.reads(), written)
        self.state.record_task(task, status="done", invocation_id=invocation_id, rows=rows, finished_at=now())
        assert self.progress is not None, "execute() sets the progress before any chunk runs"
        self.progress.advance(rows, f"chunk {chunk.label}")

    # --- the whole backfill -----------------------------------------------------------

    def run_ids(self) -> list[str]:
        return sorted({task["invocation_id"] for task in self.state.data["tasks"].values() if task.get("invocation_id")})

    def record_production_versions(self) -> None:
        """The ledger's version of every partition the backfill replaces, read from the build before
        anything is built in it: exactly what the build starts from."""
        self.state.data["production_versions"] = publish.ledger_versions(self.build.reads(), self.plan)
        self.state.save()

    def start_over(self) -> None:
        """Drops the build and every chunk done, so the job is built again from a new copy of production."""
        self.build.drop(self.raw_root)
        shutil.rmtree(self.state.folder / "chunks", ignore_errors=True)  # an older runner's parallel chunks
        self.state.data.update(tasks={}, production_versions=None)
        self.state.data.pop("merged_levels", None)
        self.state.set_phase("planned")

    def moved_message(self, moved: list[publish.MovedPartition]) -> str:
        lines = [
            f"\nBackfill {self.state.backfill_id}: production moved since this backfill copied it: {len(moved)} partition(s) it would "
            "replace were published again after its build started, so swapping would overwrite newer data with older. "
            "Nothing was swapped; production is unchanged.",
        ]
        lines += [f"  {partition.describe()}" for partition in moved[:20]]
        if len(moved) > 20:
            lines.append(f"  ... {len(moved) - 20} more in {self.state.folder / 'diff.md'}")
        lines.append(
            "Rebuild them from production as it is now: stayhub backfill resume "
            f"{self.state.backfill_id} --rebuild (the same job, built again from a new copy of production, compared and swapped)."
        )
        return "\n".join(lines)

    def execute(self, swap: bool = True, rebuild: bool = False) -> int:
        state, plan = self.state, self.plan
        started = time.monotonic()
        with state.lock():
            if state.phase == "swapped" or publish.already_swapped(self.warehouse.reads(), state.backfill_id):
                if state.phase != "swapped":
                    state.set_phase("swapped")
                self.say(f"Backfill {state.backfill_id} was already swapped into production; nothing to do.")
                return self.drop_build()
            if not self.warehouse.exists():
                raise SystemExit(f"Production warehouse {self.warehouse.location} does not exist: run `dbt seed` first.")
            if rebuild:
                self.start_over()
                self.say(f"Rebuilding backfill {state.backfill_id} from a new copy of production.")
            done = sum(1 for chunk in plan.chunks if state.task_done(chunk_task(chunk)))
            if done:
                self.say(f"Resuming backfill {state.backfill_id}: {done} of {task_count(plan)} chunks already done.")
            else:
                self.say(describe(plan))
            if not self.build.exists():
                self.build.create(self.raw_root)
                self.record_production_versions()
            elif state.data.get("production_versions") is None and not state.data["tasks"] and not state.data.get("merged_levels"):
                # Killed between the copy and the record: nothing was built in the copy yet.
                self.record_production_versions()
            state.set_phase("building")
            rows = sum(state.data["tasks"][chunk_task(chunk)].get("rows", 0) for chunk in plan.chunks if state.task_done(chunk_task(chunk)))
            self.progress = Progress(task_count(plan), done, rows, self.err)
            try:
                for chunk in plan.chunks:
                    if not state.task_done(chunk_task(chunk)):
                        self.run_chunk(chunk)
            except BackfillFailed as error:
                state.set_phase("failed", str(error))
                self.say(f"\nBackfill {state.backfill_id} failed; production is unchanged.\n{error}")
                self.say(f"Fix the cause, then resume it with: stayhub backfill resume {state.backfill_id}")
                return 1
            built = time.monotonic()

            problems = publish.sanity_problems(self.build.reads(), plan, self.run_ids())
            if problems:
                state.set_phase("failed", "; ".join(problems))
                self.say(f"\nBackfill {state.backfill_id}: sanity checks failed, production is unchanged:\n  " + "\n  ".join(problems))
                return 1
            state.set_phase("built")
            built_from = state.data.get("production_versions")
            if built_from is None:
                state.set_phase("failed", "no record of the production versions the build started from")
                self.say(
                    f"\nBackfill {state.backfill_id} has no record of the production partitions its build started from "
                    "(it was built by an older runner), so it cannot tell whether production published newer ones since. "
                    f"Nothing was swapped. Build it again: stayhub backfill resume {state.backfill_id} --rebuild"
                )
                return 1
            production = self.warehouse.reads()
            diffs = publish.compare_with_production(production, self.build.reads(), plan)
            moved = publish.moved_partitions(plan, built_from, publish.ledger_versions(production, plan))
            (state.folder / "diff.md").write_text(publish.diff_report(state.backfill_id, diffs, moved=moved) + "\n")
            self.say("\n" + publish.diff_report(state.backfill_id, diffs, limit=10, moved=moved))
            self.say(f"\nFull comparison: {state.folder / 'diff.md'}")
            state.set_phase("compared")
            compared = time.monotonic()
            if moved:
                state.set_phase("failed", f"production moved: {len(moved)} partition(s) republished after the build started")
                self.say(self.moved_message(moved))
                return 1
            if not swap:
                self.say(f"Checks passed; not swapped (--no-swap). Swap with: stayhub backfill resume {state.backfill_id}")
                return 0

            try:
                # One writer per warehouse: the swap waits for a daily run that holds the warehouse's lock.
                with warehouse_lock(self.warehouse.lock_path(), f"stayhub backfill {state.backfill_id} (swap)", timeout=SWAP_LOCK_TIMEOUT_SECONDS):
                    published = publish.swap_into_production(
                        self.warehouse,
                        self.build,
                        plan,
                        state.backfill_id,
                        self.run_ids(),
                        built_from,
                        raw_root=self.raw_root,
                        # The chunks' target folder: dbt's partial parse of the job's vars is warm there.
                        target_path=state.folder / "target" / "chunks",
                        swap_partitions_path=state.folder / "swap_partitions.parquet",
                    )
            except WarehouseLocked as error:
                state.set_phase("failed", f"not swapped: {error}")
                self.say(f"Backfill {state.backfill_id}: not swapped, {error}. Swap later with: stayhub backfill resume {state.backfill_id}")
                return 1
            except publish.ProductionMoved as error:
                state.set_phase("failed", f"production moved: {len(error.moved)} partition(s) republished after the build started")
                self.say(self.moved_message(error.moved))
                return 1
            state.set_phase("swapped")
            swapped = time.monotonic()
            self.create_missing_views()
            self.say(self.summary(published, started, built, compared, swapped))
            return self.drop_build()

    def drop_build(self) -> int:
        """Drops the build of a swapped backfill; one that cannot be dropped now is dropped by the next resume."""
        try:
            self.build.drop(self.raw_root)
        except DbtError as error:
            self.say(f"The build was not dropped: {error}\nDrop it with: stayhub backfill resume {self.state.backfill_id}")
            return 1
        return 0

    def create_missing_views(self) -> None:
        """Views of the job production lacks (a first backfill) are created there after the swap: as the build
        database defines them, or by dbt for any it does not. On Spark, whose views the runner cannot read,
        dbt creates (or replaces) every view of the job."""
        relations = self.plan.view_relations
        if self.build.copies_views():
            production = self.warehouse.reads()
            lacked = set(publish.missing_relations(production, [relations[name] for name in relations]))
            missing = [name for name in sorted(relations) if relations[name] in lacked]
            not_copied = set(publish.copy_views(production, self.build.reads(), [relations[name] for name in missing])) if missing else set()
            by_dbt = [name for name in missing if relations[name] in not_copied]
        else:
            missing = by_dbt = sorted(relations)
        if not missing:
            return
        if by_dbt:
            self.warehouse.dbt(
                ["run", "--select", *by_dbt, *job_vars_args(self.plan.vars)],
                self.raw_root,
                window={"ds": self.plan.end_ds},
                target_path=self.state.folder / "target" / "views",
                die_with_parent=True,
            )
        created = "the views production lacked" if self.build.copies_views() else "the job's views"
        self.say(f"Created {created}: {', '.join(missing)}")

    def summary(self, published: dict[str, int], started: float, built: float, compared: float, swapped: float) -> str:
        lines = [
            "",
            f"Backfill {self.state.backfill_id} swapped into production{', in one transaction' if self.warehouse.engine == 'duckdb' else ''}:",
            "| model | partitions | rows |",
            "|---|---:|---:|",
        ]
        for name, rows in published.items():
            lines.append(f"| {name} | {len(publish.published_days(self.plan, self.plan.models[name]))} | {rows:,} |")
        lines.append(
            f"Took {swapped - started:.0f} s: chunks {built - started:.0f} s, checks and comparison {compared - built:.1f} s, swap {swapped - compared:.1f} s."
        )
        if self.plan.downstream:
            lines.append(f"Downstream models not in this job read what it rebuilt: {', '.join(self.plan.downstream)}")
        stale = stale_by_inputs_in(self.warehouse.reads())
        if stale:
            lines.append(
                f"{sum(len(days) for days in stale.values())} partition(s) are built on partitions that changed since and are stale now: "
                + ", ".join(f"{model} {len(days)} ({days[0]}{' .. ' + days[-1] if len(days) > 1 else ''})" for model, days in stale.items())
                + ". List them: stayhub ledger; rebuild them: stayhub backfill run --stale"
            )
        return "\n".join(lines)
