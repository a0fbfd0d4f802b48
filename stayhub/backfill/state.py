"""A backfill's state on disk, so that a killed backfill resumes where it was.

<warehouse folder>/backfills/<backfill id>/
    state.json          the job (selector, dates, vars), its plan, every chunk done, the phase
    build/<db file>     the build database: a copy of production every chunk is built into, in order
    target/, logs/      dbt's
    diff.md             the comparison with production, written before the swap
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from stayhub.backfill.plan import Plan

PHASES = ("planned", "building", "built", "compared", "swapped", "failed")


def backfills_root(duckdb_path: Path) -> Path:
    return Path(duckdb_path).resolve().parent / "backfills"


def new_backfill_id() -> str:
    return "bf_" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")[:-3]


class BackfillState:
    """state.json of one backfill, rewritten atomically on every change."""

    def __init__(self, folder: Path, data: dict):
        self.folder = folder
        self.data = data

    @classmethod
    def create(cls, duckdb_path: Path, raw_root: Path, plan: Plan) -> BackfillState:
        backfill_id = new_backfill_id()
        folder = backfills_root(duckdb_path) / backfill_id
        folder.mkdir(parents=True)
        state = cls(
            folder,
            {
                "backfill_id": backfill_id,
                "created_at": now(),
                "duckdb_path": str(Path(duckdb_path).resolve()),
                "raw_root": str(Path(raw_root).resolve()),
                "plan": plan.to_json(),
                "phase": "planned",
                "tasks": {},
                "error": None,
            },
        )
        state.save()
        return state

    @classmethod
    def load(cls, folder: Path) -> BackfillState:
        return cls(folder, json.loads((folder / "state.json").read_text()))

    @classmethod
    def find(cls, duckdb_path: Path, backfill_id: str | None) -> BackfillState:
        """The backfill named, or the latest one not swapped."""
        root = backfills_root(duckdb_path)
        if backfill_id:
            if not (root / backfill_id / "state.json").exists():
                raise SystemExit(f"No backfill {backfill_id} under {root}.")
            return cls.load(root / backfill_id)
        unfinished = [cls.load(folder) for folder in sorted(root.glob("bf_*")) if (folder / "state.json").exists()]
        unfinished = [state for state in unfinished if state.phase != "swapped"]
        if not unfinished:
            raise SystemExit(f"No unfinished backfill under {root} to resume.")
        return unfinished[-1]

    @property
    def backfill_id(self) -> str:
        return self.data["backfill_id"]

    @property
    def plan(self) -> Plan:
        return Plan.from_json(self.data["plan"])

    @property
    def phase(self) -> str:
        return self.data["phase"]

    def set_phase(self, phase: str, error: str | None = None) -> None:
        assert phase in PHASES, phase
        self.data["phase"] = phase
        self.data["error"] = error
        self.save()

    def task_done(self, task: str) -> bool:
        return self.data["tasks"].get(task, {}).get("status") == "done"

    def record_task(self, task: str, **fields) -> None:
        entry = self.data["tasks"].setdefault(task, {"attempts": 0})
        entry.update(fields)
        self.save()

    def save(self) -> None:
        path = self.folder / "state.json"
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.data, indent=2, sort_keys=True))
        os.replace(temporary, path)

    def lock(self):
        """Holds an exclusive lock on the backfill for as long as the returned file is open."""
        handle = open(self.folder / ".lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SystemExit(f"Backfill {self.backfill_id} is being run by another process.") from None
        return handle

    @property
    def build_db(self) -> Path:
        return self.folder / "build" / Path(self.data["duckdb_path"]).name


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
