"""Experiments as analysts declare them in experiments/*.yml, checked against the semantic layer.

An experiment names its variants and split, its dates, the metrics it reads
(by name, from the metric definitions of the global metrics framework, so a
metric means the same in a dashboard and in an experiment), guardrails, cuts
and statistics options. A mistake is reported by file, line and field, like
the metric definitions' (stayhub.metrics.definitions).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stayhub.metrics.definitions import DefinitionError, Located, Where, located_item, read_yaml
from stayhub.metrics.plan import Catalogue, SemanticModel, measure_name

EXPERIMENTS_DIR = "experiments"
# The entities that are a user: an experiment's users are joined to a fact through one of them.
USER_ENTITIES = ("user", "guest")
# Measures a user's total over days can be built from: additive ones.
ADDITIVE_AGGREGATIONS = ("sum", "count", "sum_boolean")
PLATFORM_CUT = "platform"
CORRECTIONS = ("holm", "bonferroni", "none")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
_DEFAULTS: dict[str, Any] = {
    "alpha": 0.05,
    "power": 0.8,
    "cuped": True,
    "sequential": False,
    "sequential_tuning": 5000.0,
    "correction": "holm",
    "srm_alpha": 0.001,
}


@dataclass(frozen=True)
class Capping:
    method: str  # none | percentile | value
    value: float | None = None


@dataclass(frozen=True)
class ExperimentMetric:
    name: str
    label: str
    is_guardrail: bool
    higher_is_better: bool
    capping: Capping


@dataclass(frozen=True)
class Cut:
    """A way to split an experiment's users: the platform of their first exposure, or a user attribute then."""

    name: str
    model: str | None = None  # the type-2 dimension model (None: the platform of the first exposure)
    key: str | None = None
    column: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None


@dataclass
class Experiment:
    key: str
    located: Located
    description: str
    owner: str
    variants: list[tuple[str, float]]
    control: str
    start_ds: dt.date
    end_ds: dt.date | None
    metrics: list[ExperimentMetric]
    cuts: list[Cut]
    settings: dict[str, Any] = field(default_factory=dict)  # alpha, power, cuped, sequential, sequential_tuning, correction, srm_alpha


def load_experiments(project_root: Path, catalogue: Catalogue) -> list[Experiment]:
    """Every experiment of experiments/*.yml, checked; DefinitionError names the first mistake."""
    experiments: dict[str, Experiment] = {}
    folder = project_root / EXPERIMENTS_DIR
    paths = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.exists() else []
    for path in paths:
        relative = path.relative_to(project_root).as_posix()
        document, lines = read_yaml(path, relative)
        if document is None:
            continue
        if not isinstance(document, dict) or not isinstance(document.get("experiments"), list):
            raise DefinitionError(Where(relative, 1, "(file)"), "an experiments file holds a list under the key 'experiments:'")
        for index, item in enumerate(document["experiments"]):
            located = located_item(item, relative, ("experiments", index), lines)
            if not isinstance(item, dict):
                raise DefinitionError(located.where, "an experiment is a mapping (key, variants, control, start_ds, metrics, ...)")
            experiment = _experiment(located, catalogue)
            if experiment.key in experiments:
                other = experiments[experiment.key].located.where
                raise DefinitionError(located.at("key"), f"experiment key '{experiment.key}' is used twice (also in {other})")
            experiments[experiment.key] = experiment
    return list(experiments.values())


def _experiment(located: Located, catalogue: Catalogue) -> Experiment:
    known = {
        "key",
        "description",
        "owner",
        "variants",
        "control",
        "start_ds",
        "end_ds",
        "metrics",
        "guardrail_metrics",
        "cuts",
        "capping",
        *_DEFAULTS,
    }
    for name in located.value:
        if name not in known:
            raise DefinitionError(located.at(name), f"unknown field '{name}' (an experiment has: {', '.join(sorted(known))})")
    key = located.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise DefinitionError(located.at("key"), f"key must be lower-case letters, digits and _ starting with a letter, not {key!r}")
    variants = _variants(located)
    control = located.get("control", default="control")
    if control not in [name for name, _ in variants]:
        raise DefinitionError(located.at("control"), f"control '{control}' is not one of the variants ({', '.join(name for name, _ in variants)})")
    start_ds = _date(located, "start_ds", required=True)
    end_ds = _date(located, "end_ds", required=False)
    if start_ds is None:
        raise DefinitionError(located.at("start_ds"), "start_ds is required")
    if end_ds is not None and end_ds < start_ds:
        raise DefinitionError(located.at("end_ds"), f"end_ds {end_ds} is before start_ds {start_ds}")
    owner = str(located.get("owner", default="") or "")
    description = str(located.get("description", default="") or "").strip()
    for name, text in (("owner", owner), ("description", description)):
        if _EMAIL.search(text):
            raise DefinitionError(located.at(name), f"{name} holds an email address: the warehouse keeps none outside its base layer (name a team)")
    settings = _settings(located)
    default_capping = _capping(located.get("capping"), located.at("capping"))
    metrics: list[ExperimentMetric] = []
    for list_name, is_guardrail in (("metrics", False), ("guardrail_metrics", True)):
        entries = located.get(list_name, default=[]) or []
        if not isinstance(entries, list):
            raise DefinitionError(located.at(list_name), f"{list_name} is a list of metric names")
        for index, entry in enumerate(entries):
            where = located.at(list_name, index)
            metric = _metric(catalogue, entry, where, is_guardrail, default_capping)
            if any(m.name == metric.name for m in metrics):
                raise DefinitionError(where, f"metric '{metric.name}' is listed twice (metrics and guardrail_metrics together)")
            metrics.append(metric)
    if not any(not m.is_guardrail for m in metrics):
        raise DefinitionError(located.at("metrics"), "an experiment needs at least one metric")
    cuts = [_cut(catalogue, name, located.at("cuts", index)) for index, name in enumerate(located.get("cuts", default=[]) or [])]
    if len({cut.name for cut in cuts}) != len(cuts):
        raise DefinitionError(located.at("cuts"), "a cut is listed twice")
    return Experiment(
        key=key,
        located=located,
        description=description,
        owner=owner,
        variants=variants,
        control=str(control),
        start_ds=start_ds,
        end_ds=end_ds,
        metrics=metrics,
        cuts=cuts,
        settings=settings,
    )


def _variants(located: Located) -> list[tuple[str, float]]:
    entries = located.get("variants")
    where = located.at("variants")
    if not isinstance(entries, list) or len(entries) < 2:
        raise DefinitionError(where, "variants is a list of at least two: names, or {name, share} with shares summing to 1")
    variants: list[tuple[str, Any]] = []
    for index, entry in enumerate(entries):
        name, share = (entry.get("name"), entry.get("share")) if isinstance(entry, dict) else (entry, None)
        if not isinstance(name, str) or not name:
            raise DefinitionError(located.at("variants", index), f"a variant needs a name, not {entry!r}")
        if any(name == seen for seen, _ in variants):
            raise DefinitionError(located.at("variants", index), f"variant '{name}' is listed twice")
        variants.append((name, share))
    shares = [share for _, share in variants]
    if all(share is None for share in shares):
        return [(name, 1.0 / len(variants)) for name, _ in variants]
    if any(not isinstance(share, int | float) or isinstance(share, bool) or share <= 0 for share in shares):
        raise DefinitionError(where, "give every variant a share above 0, or none (an even split)")
    if abs(sum(shares) - 1.0) > 1e-9:
        raise DefinitionError(where, f"the variants' shares sum to {sum(shares):g}, not 1")
    return [(name, float(share)) for name, share in variants]


def _date(located: Located, name: str, required: bool) -> dt.date | None:
    value = located.get(name)
    if value is None:
        if required:
            raise DefinitionError(located.at(name), f"{name} is required (YYYY-MM-DD)")
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise DefinitionError(located.at(name), f"{name} must be a date YYYY-MM-DD, not {value!r}") from error


def _settings(located: Located) -> dict[str, Any]:
    settings = dict(_DEFAULTS)
    for name, default in _DEFAULTS.items():
        value = located.get(name, default=default)
        where = located.at(name)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise DefinitionError(where, f"{name} is true or false, not {value!r}")
        elif isinstance(default, float):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise DefinitionError(where, f"{name} is a number, not {value!r}")
            value = float(value)
            if name in ("alpha", "srm_alpha") and not 0 < value < 0.5:
                raise DefinitionError(where, f"{name} must be between 0 and 0.5, not {value:g}")
            if name == "power" and not 0.5 <= value < 1:
                raise DefinitionError(where, f"power must be in [0.5, 1), not {value:g}")
            if name == "sequential_tuning" and value < 1:
                raise DefinitionError(where, f"sequential_tuning is an expected number of users per variant, not {value:g}")
        elif value not in CORRECTIONS:
            raise DefinitionError(where, f"correction is one of {', '.join(CORRECTIONS)}, not {value!r}")
        settings[name] = value
    return settings


def _capping(value: Any, where: Where) -> Capping:
    if value is None or value == "none":
        return Capping("none")
    if not isinstance(value, dict) or set(value) - {"method", "value"}:
        raise DefinitionError(where, "capping is {method: percentile, value: 0.99} or {method: value, value: 100}")
    method, amount = value.get("method"), value.get("value")
    if method not in ("percentile", "value"):
        raise DefinitionError(where.at("method"), f"capping method is percentile or value, not {method!r}")
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        raise DefinitionError(where.at("value"), f"capping value is a number, not {amount!r}")
    if method == "percentile" and not 0 < amount < 1:
        raise DefinitionError(where.at("value"), f"a percentile cap is a fraction between 0 and 1 (0.99), not {amount:g}")
    if method == "value" and amount <= 0:
        raise DefinitionError(where.at("value"), f"a value cap is above 0, not {amount:g}")
    return Capping(str(method), float(amount))


def _metric(catalogue: Catalogue, entry: Any, where: Where, is_guardrail: bool, default_capping: Capping) -> ExperimentMetric:
    options: dict[str, Any] = entry if isinstance(entry, dict) else {"name": entry}
    unknown = set(options) - {"name", "capping", "higher_is_better"}
    if unknown:
        raise DefinitionError(where, f"unknown field(s) {', '.join(sorted(unknown))}: a metric entry has name, capping, higher_is_better")
    name = options.get("name")
    located = catalogue.metrics.get(str(name))
    if located is None:
        close = [known for known in catalogue.metrics if str(name) in known or known in str(name)]
        hint = f" (did you mean {', '.join(sorted(close)[:3])}?)" if close else ""
        raise DefinitionError(where, f"unknown metric '{name}'{hint}: experiment metrics are the metrics of models/metrics/*.yml")
    user_source(catalogue, located, where)
    higher_is_better = options.get("higher_is_better", (located.get("config", "meta") or located.get("meta") or {}).get("higher_is_better", True))
    if not isinstance(higher_is_better, bool):
        raise DefinitionError(where, f"higher_is_better is true or false, not {higher_is_better!r}")
    capping = _capping(options["capping"], where.at("capping")) if "capping" in options else default_capping
    return ExperimentMetric(str(name), str(located.get("label") or name), is_guardrail, higher_is_better, capping)


def user_source(catalogue: Catalogue, located: Located, where: Where) -> tuple[SemanticModel, str]:
    """The semantic model a metric reads and its column naming the user; refuses what is not a user's additive total."""
    if located.get("type") != "simple":
        raise DefinitionError(
            where,
            f"metric '{located.name}' is a {located.get('type')} metric: experiments read simple metrics"
            " (a user's total from first exposure on); list the simple metrics it is made of",
        )
    measure_key = measure_name(located)
    model = catalogue.measures[measure_key]
    agg = model.measures[measure_key]["agg"]
    if agg not in ADDITIVE_AGGREGATIONS:
        raise DefinitionError(where, f"metric '{located.name}' aggregates by {agg}: a user's total over days needs {', '.join(ADDITIVE_AGGREGATIONS)}")
    column = user_column(model)
    if column is not None:
        return model, column
    raise DefinitionError(
        where,
        f"metric '{located.name}' reads semantic model '{model.name}', which has no {' or '.join(USER_ENTITIES)} entity:"
        " an experiment's users cannot be joined to it",
    )


def user_column(model: SemanticModel) -> str | None:
    """The column of a semantic model naming a user (its user or guest entity), if it has one."""
    for entity in USER_ENTITIES:
        if entity in model.entities:
            return model.expr(model.entities[entity])
    return None


def _cut(catalogue: Catalogue, name: Any, where: Where) -> Cut:
    if name == PLATFORM_CUT:
        return Cut(PLATFORM_CUT)
    parts = str(name).split("__")
    if len(parts) == 2 and parts[0] in USER_ENTITIES:
        entity, dimension = parts
        for model in catalogue.semantic_models.values():
            if model.key_entity(entity) and dimension in model.dimensions and model.valid_from:
                return Cut(
                    str(name),
                    model.model,
                    model.expr(model.entities[entity]),
                    model.expr(model.dimensions[dimension]),
                    model.valid_from,
                    model.valid_to,
                )
    users = sorted(
        f"{entity}__{dimension}"
        for model in catalogue.semantic_models.values()
        for entity in USER_ENTITIES
        if model.key_entity(entity) and model.valid_from
        for dimension, spec in model.dimensions.items()
        if spec.get("type") == "categorical"
    )
    raise DefinitionError(where, f"unknown cut {name!r}: cut by {PLATFORM_CUT} (of the first exposure) or a user attribute: {', '.join(users)}")
