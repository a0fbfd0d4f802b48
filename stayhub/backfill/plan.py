"""The plan of a backfill: which models, in which order, over which chunks.

A job is a dbt selection. The range is split into chunks, run in order: each
chunk is one dbt run of the whole job for its days, so it reads the finished
partitions of every chunk before it, as the next daily run would, and a
sequence of chunks builds what one range run builds. A chunk's cost is
mostly per model (dbt's start, the stage-check-exchange of each model), not
per day, so chunks are as long as memory and the work a kill may lose allow.
The job's partitioned models are listed in levels, the order dbt builds them
in within a chunk: a model's level comes after every partitioned model of the
job it reads from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from stayhub.project import lookback_days_default
from stayhub.warehouse import ds_range, ds_shift, run_dbt

# The longest chunk when --days-per-chunk is not given: a longer range is split in equal chunks
# of at most this many days, which bounds a chunk's memory and what a killed backfill builds again.
MAX_AUTO_CHUNK_DAYS = 31


@dataclass(frozen=True)
class Model:
    name: str
    unique_id: str
    relation: str  # schema.table
    parents: tuple[str, ...]  # unique_ids of the nodes it reads
    depends_on_past: int | bool  # 0, N own partitions before, or True (each builds on the one before)
    lookback: int  # partitions before the window the model rewrites (late data)

    @property
    def sequential(self) -> bool:
        return self.depends_on_past is True


@dataclass(frozen=True)
class Chunk:
    index: int
    start_ds: str
    end_ds: str

    @property
    def label(self) -> str:
        return f"{self.start_ds}..{self.end_ds}"


@dataclass
class Level:
    index: int
    models: list[str] = field(default_factory=list)  # partitioned models, each after the levels above it
    views: list[str] = field(default_factory=list)  # views of the job the level's models read through

    @classmethod
    def from_json(cls, data: dict) -> Level:
        """A level of state.json, also as an older runner wrote it (parallel and sequential models apart)."""
        models = data.get("models", [*data.get("parallel", []), *data.get("sequential", [])])
        return cls(index=data["index"], models=sorted(models), views=data.get("views", []))


@dataclass
class Plan:
    select: str
    start_ds: str
    end_ds: str
    days_per_chunk: int
    parallelism: int
    vars: dict
    chunks: list[Chunk]
    models: dict[str, Model]
    levels: list[Level]
    final_views: list[str]  # views of the job no partitioned model of it reads
    downstream: list[str]  # models outside the job that read what it rebuilds
    view_relations: dict[str, str] = field(default_factory=dict)  # every view of the job: name -> schema.table
    publish: dict[str, list[str]] | None = None  # --stale: exactly these partitions per model

    def publish_range(self, model: Model) -> tuple[str, str]:
        """The partitions of `model` a range run of the job rewrites."""
        return ds_shift(self.start_ds, -model.lookback), self.end_ds

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        data = dict(data)
        data["chunks"] = [Chunk(**chunk) for chunk in data["chunks"]]
        data["models"] = {name: Model(**{**model, "parents": tuple(model["parents"])}) for name, model in data["models"].items()}
        data["levels"] = [Level.from_json(level) for level in data["levels"]]
        return cls(**data)


def auto_days_per_chunk(start_ds: str, end_ds: str) -> int:
    """The whole range in one chunk up to MAX_AUTO_CHUNK_DAYS days; a longer one in equal chunks no longer than that."""
    days = len(ds_range(start_ds, end_ds))
    chunks = -(-days // MAX_AUTO_CHUNK_DAYS)
    return -(-days // chunks)


def split_chunks(start_ds: str, end_ds: str, days_per_chunk: int) -> list[Chunk]:
    days = ds_range(start_ds, end_ds)
    return [
        Chunk(index, days[offset], days[min(offset + days_per_chunk, len(days)) - 1])
        for index, offset in enumerate(range(0, len(days), days_per_chunk), start=1)
    ]


def _depends_on_past(name: str, value) -> int | bool:
    if value is None or value is False:
        return 0
    if value is True or isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise SystemExit(f"Model {name}: meta.depends_on_past must be true or a whole number of days, got {value!r}")


def selection_args(select: str) -> list[str]:
    """dbt's arguments for a job: `selector:<name>` names a YAML selector, anything else is a --select."""
    if select.startswith("selector:"):
        return ["--selector", select.removeprefix("selector:")]
    return ["--select", *select.split()]


def job_vars_args(job_vars: dict) -> list[str]:
    """A job's own vars (not its window, which reaches dbt through the environment) as dbt arguments."""
    return ["--vars", json.dumps(job_vars)] if job_vars else []


def select_models(select: str, job_vars: dict, raw_root: Path, duckdb_path: Path, target_path: Path) -> tuple[set[str], dict]:
    """The unique_ids of the job's models, and dbt's manifest (for the whole graph)."""
    result = run_dbt(
        [
            "--quiet",
            "ls",
            *selection_args(select),
            "--resource-type",
            "model",
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            *job_vars_args(job_vars),
        ],
        raw_root,
        duckdb_path,
        target_path=target_path,
        # The graph is the same on every engine: it is listed with the embedded DuckDB, whatever the warehouse's engine.
        extra_env={"WAREHOUSE_TARGET": "duckdb"},
    )
    selected = {json.loads(line)["unique_id"] for line in result.stdout.splitlines() if line.startswith("{")}
    if not selected:
        raise SystemExit(f"The job selects no model: --select {select!r}")
    manifest = json.loads((target_path / "manifest.json").read_text())
    return selected, manifest


def build_plan(
    select: str,
    start_ds: str,
    end_ds: str,
    days_per_chunk: int | None,
    parallelism: int,
    job_vars: dict,
    selected: set[str],
    manifest: dict,
) -> Plan:
    """The plan of a job; days_per_chunk None chooses it from the range (auto_days_per_chunk)."""
    if days_per_chunk is None:
        days_per_chunk = auto_days_per_chunk(start_ds, end_ds)
    nodes = manifest["nodes"]
    lookback_days = int(job_vars.get("lookback_days", lookback_days_default()))
    models: dict[str, Model] = {}
    views: dict[str, dict] = {}
    for unique_id in sorted(selected):
        node = nodes[unique_id]
        meta = node["config"].get("meta") or {}
        if node["config"]["materialized"] == "partitioned":
            models[node["name"]] = Model(
                name=node["name"],
                unique_id=unique_id,
                relation=f"{node['schema']}.{node['alias']}",
                parents=tuple(node["depends_on"]["nodes"]),
                depends_on_past=_depends_on_past(node["name"], meta.get("depends_on_past")),
                lookback=lookback_days if meta.get("rewrites_late_partitions") else 0,
            )
        else:
            views[unique_id] = node
    if not models:
        raise SystemExit(
            f"The job --select {select!r} has no partitioned model to backfill (it selects {', '.join(sorted(nodes[uid]['name'] for uid in selected))})."
        )
    by_id = {model.unique_id: model for model in models.values()}

    def is_view(unique_id: str) -> bool:
        return unique_id.startswith("model.") and nodes[unique_id]["config"]["materialized"] != "partitioned"

    def job_parents(unique_id: str) -> tuple[set[str], set[str]]:
        """Partitioned models of the job that `unique_id` reads, through any views, and the job's views on the way."""
        partitioned, through, seen = set(), set(), set()
        stack = list(nodes[unique_id]["depends_on"]["nodes"])
        while stack:
            parent = stack.pop()
            if parent in by_id:
                partitioned.add(parent)
            elif is_view(parent) and parent not in seen:
                seen.add(parent)
                if parent in views:
                    through.add(parent)
                stack.extend(nodes[parent]["depends_on"]["nodes"])
        return partitioned, through

    level_of: dict[str, int] = {}

    def level(unique_id: str) -> int:
        if unique_id not in level_of:
            partitioned, _ = job_parents(unique_id)
            level_of[unique_id] = 1 + max((level(parent) for parent in partitioned), default=-1)
        return level_of[unique_id]

    levels: dict[int, Level] = {}
    read_views: set[str] = set()
    for model in models.values():
        item = levels.setdefault(level(model.unique_id), Level(index=level(model.unique_id)))
        item.models.append(model.name)
        _, through = job_parents(model.unique_id)
        read_views |= through
        item.views = sorted(set(item.views) | {nodes[view]["name"] for view in through})
    ordered = [levels[index] for index in sorted(levels)]
    for position, item in enumerate(ordered):
        item.index = position + 1
        item.models.sort()

    # Partitioned models outside the job that read its models, through any views.
    children = manifest.get("child_map", {})
    downstream, seen = set(), set()
    stack = [child for model in models.values() for child in children.get(model.unique_id, [])]
    while stack:
        child = stack.pop()
        if child in seen or not child.startswith("model.") or child in by_id:
            continue
        seen.add(child)
        if is_view(child):
            stack.extend(children.get(child, []))
        else:
            downstream.add(nodes[child]["name"])
    return Plan(
        select=select,
        start_ds=start_ds,
        end_ds=end_ds,
        days_per_chunk=days_per_chunk,
        parallelism=parallelism,
        vars=job_vars,
        chunks=split_chunks(start_ds, end_ds, days_per_chunk),
        models=models,
        levels=ordered,
        final_views=sorted(nodes[view]["name"] for view in views if view not in read_views),
        view_relations={node["name"]: f"{node['schema']}.{node['alias']}" for node in views.values()},
        downstream=sorted(downstream),
    )


def describe(plan: Plan) -> str:
    """The plan as a person reads it: chunks and their order, the models in the order dbt builds them."""
    days = len(ds_range(plan.start_ds, plan.end_ds))
    lines = [
        f"Backfill of {plan.select!r}: ds {plan.start_ds} .. {plan.end_ds} ({days} days), "
        f"{len(plan.chunks)} chunk(s) of up to {plan.days_per_chunk} days, parallelism {plan.parallelism}",
    ]
    if plan.vars:
        lines.append(f"Job vars: {json.dumps(plan.vars, sort_keys=True)}")
    chunks = ", ".join(f"{chunk.index}: {chunk.label}" for chunk in plan.chunks)
    lines.append(f"Chunks, in order, each one dbt run of the whole job in the backfill's build, away from production: {chunks}")
    lines.append(f"Within a chunk, dbt builds up to {plan.parallelism} model(s) at once, each level after the levels it reads:")
    for level in plan.levels:
        ordered = [name for name in level.models if plan.models[name].sequential]
        lines.append(f"  {level.index}. {', '.join(level.models)}")
        if ordered:
            lines.append(f"     each partition builds on the one before: {', '.join(ordered)}")
        if level.views:
            lines.append(f"     through views: {', '.join(level.views)}")
    if plan.final_views:
        lines.append(f"Views of the job created in production after the swap when missing: {', '.join(plan.final_views)}")
    return "\n".join(lines)
