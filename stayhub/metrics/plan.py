"""From saved queries to metric table plans: what each mtr_<name> model computes.

A saved query (metrics + group-by) becomes a plan the `metric_table` macro
renders as SQL:

- one *source* per semantic model whose measures the metrics use: its rows
  for the run's ds window, each group-by dimension reached the way MetricFlow
  reaches it (a dimension of the fact itself, or of the semantic model of one
  of its entities; a type-2 dimension at the value it had on the fact's ds,
  through its validity_params), and one *aggregate* per metric input: the
  measure's aggregation over the rows that pass the metric's filters;
- one expression per metric over those aggregates (simple and cumulative: the
  aggregate; ratio: numerator over denominator; derived: its expression).

A cumulative (trailing-window) metric reads the cumulative summary table that
declares, in a column's meta.window_of, that it supplies that window: a
distinct count over days cannot be summed from daily rows.

Every mistake raises DefinitionError naming the file, line and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jinja2
import jinja2.sandbox
import sqlglot
import sqlglot.errors

from stayhub.metrics.definitions import DefinitionError, Definitions, Located, Where

AGGREGATIONS = {"sum", "count", "count_distinct", "min", "max", "average", "sum_boolean"}
METRIC_TYPES = {"simple", "ratio", "derived", "cumulative"}
KEY_ENTITY_TYPES = {"primary", "unique", "natural"}
METRIC_TIME = "metric_time"
_REF = re.compile(r"""^\s*ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*$""")
_GROUP_BY = re.compile(r"""^\s*(Dimension|TimeDimension|Entity)\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$""")
_WINDOW = re.compile(r"^\s*(\d+)\s+days?\s*$")


@dataclass
class SemanticModel:
    name: str
    model: str
    located: Located
    entities: dict[str, dict[str, Any]]
    dimensions: dict[str, dict[str, Any]]
    measures: dict[str, dict[str, Any]]
    primary_entity: str | None
    agg_time_dimension: str | None
    valid_from: str | None = None
    valid_to: str | None = None

    def key_entity(self, entity: str) -> bool:
        found = self.entities.get(entity)
        return found is not None and found.get("type") in KEY_ENTITY_TYPES

    def expr(self, item: dict[str, Any]) -> str:
        return str(item.get("expr") or item["name"])


@dataclass
class Catalogue:
    """The project's semantic layer, checked: names are unique and every reference resolves."""

    definitions: Definitions
    semantic_models: dict[str, SemanticModel] = field(default_factory=dict)
    measures: dict[str, SemanticModel] = field(default_factory=dict)  # measure name -> its semantic model
    metrics: dict[str, Located] = field(default_factory=dict)
    saved_queries: dict[str, Located] = field(default_factory=dict)
    windows: dict[tuple[str, str, int], Located] = field(default_factory=dict)  # (model, column, days) -> window column


def load_catalogue(definitions: Definitions) -> Catalogue:
    catalogue = Catalogue(definitions)
    for located in definitions.semantic_models:
        model = _semantic_model(located)
        _unique(catalogue.semantic_models, model.name, located, "semantic model")
        catalogue.semantic_models[model.name] = model
        for index, measure in enumerate(located.get("measures", default=[]) or []):
            name = measure.get("name")
            if name in catalogue.measures:
                other = catalogue.measures[name].located
                raise DefinitionError(located.at("measures", index, "name"), f"measure name '{name}' is used twice (also in {other.where})")
            catalogue.measures[name] = model
    for located in definitions.metrics:
        _unique(catalogue.metrics, located.name, located, "metric")
        catalogue.metrics[located.name] = located
    for located in definitions.saved_queries:
        _unique(catalogue.saved_queries, located.name, located, "saved query")
        catalogue.saved_queries[located.name] = located
    for located in definitions.window_columns:
        window = located.get("window_of") or {}
        try:
            key = (str(window["model"]), str(window["column"]), int(window["days"]))
        except (KeyError, TypeError, ValueError) as error:
            raise DefinitionError(located.at("window_of"), "meta.window_of needs model, column and days (subject defaults to column)") from error
        catalogue.windows[key] = located
    for located in definitions.metrics:
        _check_metric(catalogue, located)
    return catalogue


def _unique(seen: dict[str, Any], name: str, located: Located, kind: str) -> None:
    if not name:
        raise DefinitionError(located.at("name"), f"a {kind} needs a name")
    if name in seen:
        other = seen[name]
        other_where = other.located.where if isinstance(other, SemanticModel) else other.where
        raise DefinitionError(located.at("name"), f"{kind} name '{name}' is used twice (also at {other_where})")


def _semantic_model(located: Located) -> SemanticModel:
    match = _REF.match(str(located.get("model", default="")))
    if match is None:
        raise DefinitionError(located.at("model"), "model must be ref('<model name>')")
    entities = {str(e["name"]): e for e in located.get("entities", default=[]) or []}
    dimensions = {str(d["name"]): d for d in located.get("dimensions", default=[]) or []}
    measures = {str(m["name"]): m for m in located.get("measures", default=[]) or []}
    primary = located.get("primary_entity") or next((n for n, e in entities.items() if e.get("type") == "primary"), None)
    model = SemanticModel(
        name=located.name,
        model=match.group(1),
        located=located,
        entities=entities,
        dimensions=dimensions,
        measures=measures,
        primary_entity=primary,
        agg_time_dimension=located.get("defaults", "agg_time_dimension"),
    )
    for index, dimension in enumerate(located.get("dimensions", default=[]) or []):
        validity = (dimension.get("type_params") or {}).get("validity_params") or {}
        if validity.get("is_start"):
            model.valid_from = model.expr(dimension)
        if validity.get("is_end"):
            model.valid_to = model.expr(dimension)
        if dimension.get("type") not in ("categorical", "time"):
            raise DefinitionError(located.at("dimensions", index, "type"), "a dimension's type is categorical or time")
    for index, measure in enumerate(located.get("measures", default=[]) or []):
        for unsupported in ("non_additive_dimension", "agg_time_dimension", "agg_params"):
            if measure.get(unsupported) and not (unsupported == "agg_time_dimension" and measure[unsupported] == model.agg_time_dimension):
                raise DefinitionError(located.at("measures", index, unsupported), f"{unsupported} on a measure is not supported in metric tables")
        if measure.get("agg") not in AGGREGATIONS:
            raise DefinitionError(located.at("measures", index, "agg"), f"agg must be one of {', '.join(sorted(AGGREGATIONS))}, not {measure.get('agg')!r}")
    if measures and model.agg_time_dimension not in dimensions:
        raise DefinitionError(
            located.at("defaults", "agg_time_dimension"), "a semantic model with measures needs defaults.agg_time_dimension, one of its time dimensions"
        )
    return model


def _metric_inputs(located: Located) -> list[tuple[dict[str, Any], Where]]:
    """The metrics a ratio or derived metric reads: (reference {name, filter, alias, ...}, where)."""
    kind = located.get("type")
    inputs: list[tuple[dict[str, Any], Where]] = []
    if kind == "ratio":
        for part in ("numerator", "denominator"):
            reference = located.get("type_params", part)
            reference = {"name": reference} if isinstance(reference, str) else (reference or {})
            inputs.append((reference, located.at("type_params", part)))
    elif kind == "derived":
        for index, reference in enumerate(located.get("type_params", "metrics", default=[]) or []):
            reference = {"name": reference} if isinstance(reference, str) else (reference or {})
            inputs.append((reference, located.at("type_params", "metrics", index)))
    return inputs


def _check_metric(catalogue: Catalogue, located: Located) -> None:
    kind = located.get("type")
    if kind not in METRIC_TYPES:
        raise DefinitionError(located.at("type"), f"a metric's type is one of {', '.join(sorted(METRIC_TYPES))}, not {kind!r}")
    if kind in ("simple", "cumulative"):
        measure = measure_name(located)
        if measure not in catalogue.measures:
            raise DefinitionError(located.at("type_params", "measure"), f"unknown measure '{measure}'{_did_you_mean(measure, catalogue.measures)}")
    for reference, where in _metric_inputs(located):
        name = reference.get("name")
        if name not in catalogue.metrics:
            raise DefinitionError(where, f"unknown metric '{name}'{_did_you_mean(str(name), catalogue.metrics)}")
        if reference.get("offset_window") or reference.get("offset_to_grain"):
            raise DefinitionError(where, "offset_window and offset_to_grain are not supported in metric tables")
    if kind == "derived" and not located.get("type_params", "expr"):
        raise DefinitionError(located.at("type_params", "expr"), "a derived metric needs type_params.expr")


def measure_name(located: Located) -> str:
    measure = located.get("type_params", "measure")
    return str(measure.get("name") if isinstance(measure, dict) else measure)


def _did_you_mean(name: str, known: dict[str, Any]) -> str:
    close = [k for k in known if k.startswith(name[:4]) or name.startswith(k[:4])][:3]
    return f" (did you mean {', '.join(close)}?)" if close else ""


# --- Plans --------------------------------------------------------------------------------------


@dataclass
class Source:
    """The rows of one semantic model (or cumulative table) a metric table aggregates."""

    name: str
    model: str
    time_column: str
    row_columns: dict[str, str] = field(default_factory=dict)  # alias -> expression on the model
    joins: dict[str, dict[str, Any]] = field(default_factory=dict)  # entity -> join
    aggregates: list[dict[str, Any]] = field(default_factory=list)

    def as_plan(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "time_column": self.time_column,
            "row_columns": self.row_columns,
            "joins": list(self.joins.values()),
            "aggregates": self.aggregates,
        }


@dataclass
class TablePlan:
    saved_query: Located
    dimensions: list[dict[str, str]]  # {'column', 'name', 'description'}
    sources: dict[str, Source]
    metrics: list[dict[str, Any]]  # {'column', 'name', 'expression': tree}

    @property
    def name(self) -> str:
        return self.saved_query.name

    @property
    def model_name(self) -> str:
        return f"mtr_{self.name}"

    def as_plan(self) -> dict[str, Any]:
        return {
            "dimensions": [{"column": d["column"], "alias": d["name"]} for d in self.dimensions],
            "sources": [s.as_plan() for s in self.sources.values()],
            "metrics": [{"column": m["column"], "expression": m["expression"]} for m in self.metrics],
        }


def plan_tables(catalogue: Catalogue) -> list[TablePlan]:
    return [plan_table(catalogue, located) for located in catalogue.saved_queries.values()]


def plan_table(catalogue: Catalogue, saved_query: Located) -> TablePlan:
    return _Planner(catalogue, saved_query).plan()


class _Planner:
    def __init__(self, catalogue: Catalogue, saved_query: Located) -> None:
        self.catalogue = catalogue
        self.saved_query = saved_query
        self.sources: dict[str, Source] = {}
        self.group_by: list[tuple[str, Where]] = []  # (<entity>__<dimension>, where)
        self.dimensions: list[dict[str, str]] = []
        self.descriptions: dict[str, str] = {}  # <entity>__<dimension> -> its description, where it was resolved
        self.has_cumulative = False

    def plan(self) -> TablePlan:
        query = self.saved_query
        metric_names = query.get("query_params", "metrics", default=[]) or []
        if not metric_names:
            raise DefinitionError(query.at("query_params", "metrics"), "a metric table needs at least one metric")
        for index, group_by in enumerate(query.get("query_params", "group_by", default=[]) or []):
            where = query.at("query_params", "group_by", index)
            match = _GROUP_BY.match(str(group_by))
            if match is None:
                raise DefinitionError(where, f"cannot read {group_by!r}: write Dimension('<entity>__<name>') or TimeDimension('metric_time', 'day')")
            kind, name, grain = match.groups()
            if name == METRIC_TIME or kind == "TimeDimension":
                if name != METRIC_TIME or (grain or "day") != "day":
                    raise DefinitionError(where, "metric tables are daily: the only time group-by is TimeDimension('metric_time', 'day')")
                continue
            if kind == "Entity":
                raise DefinitionError(where, "group by an entity is not supported in metric tables: group by its dimensions")
            self.group_by.append((name, where))
            column = "dim_" + name.replace("__", "_")
            if any(d["column"] == column for d in self.dimensions):
                raise DefinitionError(where, f"'{name}' is grouped by twice")
            self.dimensions.append({"column": column, "name": name, "description": ""})
        metrics: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, name in enumerate(metric_names):
            where = query.at("query_params", "metrics", index)
            if name in seen:
                raise DefinitionError(where, f"metric '{name}' is listed twice")
            seen.add(name)
            located = self.catalogue.metrics.get(name)
            if located is None:
                raise DefinitionError(where, f"unknown metric '{name}'{_did_you_mean(name, self.catalogue.metrics)}")
            expression = self._metric(located, [], ())
            metrics.append({"column": f"m_{name}", "name": name, "expression": expression, "located": located})
        if self.has_cumulative and self.group_by:
            raise DefinitionError(
                self.group_by[0][1],
                "a metric table with a cumulative metric groups by metric_time only: a trailing window's users are cut by one value per day",
            )
        for dimension in self.dimensions:
            dimension["description"] = self.descriptions.get(dimension["name"], "")
        return TablePlan(query, self.dimensions, self.sources, metrics)

    # An expression tree over the aggregates: {'aggregate': col} | {'ratio': [a, b]} | {'derived': template, 'inputs': [tree, ...]},
    # the template's {0}, {1}, ... standing for the inputs.
    def _metric(self, located: Located, filters: list[tuple[str, Where]], stack: tuple[str, ...]) -> dict[str, Any]:
        if located.name in stack:
            raise DefinitionError(located.at("type_params"), f"metric '{located.name}' refers to itself through {' -> '.join(stack)}")
        stack = (*stack, located.name)
        own = [*filters, *self._filters(located.get("filter"), located.at("filter"))]
        own += self._filters(self.saved_query.get("query_params", "where"), self.saved_query.at("query_params", "where")) if not stack[:-1] else []
        kind = located.get("type")
        if kind in ("simple", "cumulative"):
            return {"aggregate": self._aggregate(located, own)}
        inputs: dict[str, dict[str, Any]] = {}
        parts = []
        for reference, where in _metric_inputs(located):
            child = self.catalogue.metrics[reference["name"]]
            child_filters = own + self._filters(reference.get("filter"), where.at("filter"))
            alias = str(reference.get("alias") or reference["name"])
            if alias in inputs and kind == "derived":
                raise DefinitionError(where, f"metric '{alias}' is read twice: give one an alias")
            inputs[alias] = self._metric(child, child_filters, stack)
            parts.append(inputs[alias])
        if kind == "ratio":
            return {"ratio": parts}
        expr = str(located.get("type_params", "expr"))
        template = expr
        for position, alias in enumerate(sorted(inputs, key=len, reverse=True)):
            template = re.sub(rf"\b{re.escape(alias)}\b", f"{{{position}}}", template)
        ordered = sorted(inputs, key=len, reverse=True)
        # Names left that are not function calls nor SQL words: metrics the expr does not declare as inputs.
        leftover = set(re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()", re.sub(r"\{\d+\}|'[^']*'", " ", template))) - _SQL_WORDS
        if leftover:
            raise DefinitionError(
                located.at("type_params", "expr"), f"expr names {', '.join(sorted(leftover))}, not among the metric's inputs ({', '.join(inputs)})"
            )
        self._check_sql(template.replace("{", "x").replace("}", ""), located.at("type_params", "expr"))
        return {"derived": template, "inputs": [inputs[alias] for alias in ordered]}

    def _filters(self, value: Any, where: Where) -> list[tuple[str, Where]]:
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [(str(v), where.at(i) if isinstance(value, list) else where) for i, v in enumerate(values)]

    def _aggregate(self, located: Located, filters: list[tuple[str, Where]]) -> str:
        measure_key = measure_name(located)
        model = self.catalogue.measures[measure_key]
        measure = model.measures[measure_key]
        if located.get("type") == "cumulative":
            return self._cumulative_aggregate(located, model, measure, filters)
        reference = located.get("type_params", "measure")
        if isinstance(reference, dict):
            unsupported = sorted(set(reference) & {"join_to_timespine", "fill_nulls_with"})
            if unsupported:
                raise DefinitionError(located.at("type_params", "measure", unsupported[0]), f"{unsupported[0]} is not supported in metric tables")
            filters = filters + self._filters(reference.get("filter"), located.at("type_params", "measure", "filter"))
        source = self._source(model)
        for name, where in self.group_by:
            self._dimension(source, model, name, where)
        input_alias = f"measure__{measure_key}"
        source.row_columns[input_alias] = model.expr(measure)
        rendered = [self._render_filter(source, model, text, where) for text, where in filters]
        predicate = " and ".join(f"({r})" for r in rendered) if rendered else None
        function = {"average": "avg"}.get(measure["agg"], measure["agg"])
        for aggregate in source.aggregates:
            if aggregate["input"] == input_alias and aggregate["function"] == function and aggregate["filter"] == predicate:
                return str(aggregate["column"])
        column = self._aggregate_column(measure_key)
        source.aggregates.append({"column": column, "function": function, "input": input_alias, "filter": predicate})
        return column

    def _cumulative_aggregate(self, located: Located, model: SemanticModel, measure: dict[str, Any], filters: list[tuple[str, Where]]) -> str:
        self.has_cumulative = True
        where = located.at("type_params")
        window = located.get("type_params", "cumulative_type_params", "window") or located.get("type_params", "window")
        match = _WINDOW.match(str(window or ""))
        if match is None:
            raise DefinitionError(where, f"a cumulative metric needs cumulative_type_params.window like '7 days', not {window!r}")
        if measure["agg"] != "count_distinct":
            raise DefinitionError(where, f"cumulative metrics of a {measure['agg']} measure are not supported: only distinct counts over a window")
        if filters:
            raise DefinitionError(filters[0][1], "a cumulative metric cannot be filtered: its cumulative table supplies the whole window")
        days = int(match.group(1))
        supplier = self.catalogue.windows.get((model.model, model.expr(measure), days))
        if supplier is None:
            raise DefinitionError(
                where,
                f"no cumulative table supplies distinct {model.expr(measure)} of {model.model} over {days} days:"
                f" declare one in a column's meta.window_of (models/cumulative/_cumulative__models.yml)",
            )
        subject = str((supplier.get("window_of") or {}).get("subject") or model.expr(measure))
        source_name = f"{supplier.get('model')}__{supplier.get('column')}"
        source = self.sources.setdefault(source_name, Source(source_name, str(supplier.get("model")), "ds"))
        source.row_columns["window_subject"] = subject
        source.row_columns[f"window_{days}d"] = str(supplier.get("column"))
        column = self._aggregate_column(located.name)
        source.aggregates.append({"column": column, "function": "count_distinct", "input": "window_subject", "filter": f"window_{days}d > 0"})
        return column

    def _aggregate_column(self, suffix: str) -> str:
        """agg_<n>_<suffix>, n counting the table's aggregates from 1."""
        return f"agg_{sum(len(source.aggregates) for source in self.sources.values()) + 1}_{suffix}"

    def _source(self, model: SemanticModel) -> Source:
        if model.name not in self.sources:
            self.sources[model.name] = Source(model.name, model.model, model.expr(model.dimensions[str(model.agg_time_dimension)]))
        return self.sources[model.name]

    def _dimension(self, source: Source, model: SemanticModel, name: str, where: Where) -> str:
        """The alias of dimension `<entity>__<name>` in the source's rows, joining what it needs."""
        parts = name.split("__")
        if len(parts) != 2:
            raise DefinitionError(where, f"'{name}': write <entity>__<dimension> (one entity; multi-hop joins are not supported)")
        entity, dimension = parts
        alias = name
        if alias in source.row_columns or any(alias in join["columns"] for join in source.joins.values()):
            return alias
        if entity == model.primary_entity and dimension in model.dimensions:
            source.row_columns[alias] = model.expr(model.dimensions[dimension])
            self._describe(alias, model, model.dimensions[dimension])
            return alias
        if entity not in model.entities:
            raise DefinitionError(
                where,
                f"dimension '{name}' is not reachable from semantic model '{model.name}' ({model.model}):"
                f" it has no entity '{entity}' (its entities: {', '.join(sorted(model.entities)) or 'none'})",
            )
        owners = [m for m in self.catalogue.semantic_models.values() if m.key_entity(entity) and dimension in m.dimensions and m is not model]
        if not owners:
            raise DefinitionError(
                where,
                f"dimension '{name}' is not reachable from semantic model '{model.name}': no semantic model keyed by '{entity}' has a dimension '{dimension}'",
            )
        if len(owners) > 1:
            raise DefinitionError(where, f"dimension '{name}' is ambiguous: semantic models {', '.join(m.name for m in owners)} all have it")
        owner = owners[0]
        key_alias = f"key__{entity}"
        source.row_columns[key_alias] = model.expr(model.entities[entity])
        join = source.joins.setdefault(
            entity,
            {
                "entity": entity,
                "model": owner.model,
                "key": owner.expr(owner.entities[entity]),
                "foreign_key": key_alias,
                "valid_from": owner.valid_from,
                "valid_to": owner.valid_to,
                "columns": {},
            },
        )
        join["columns"][alias] = owner.expr(owner.dimensions[dimension])
        self._describe(alias, owner, owner.dimensions[dimension])
        return alias

    def _describe(self, name: str, model: SemanticModel, dimension: dict[str, Any]) -> None:
        entity, short = name.split("__")
        self.descriptions.setdefault(name, str(dimension.get("description") or f"{short} of the {entity} ({model.name}), on the row's ds."))

    def _render_filter(self, source: Source, model: SemanticModel, text: str, where: Where) -> str:
        """A MetricFlow filter as SQL over the source's aliases; a filter that does not compile raises."""

        def dimension(name: str, *_: Any, **__: Any) -> str:
            if name.split("__")[-1] == METRIC_TIME:
                return "ds"
            return self._dimension(source, model, name, where)

        def entity(name: str, *_: Any, **__: Any) -> str:
            if name == model.primary_entity or name not in model.entities:
                raise DefinitionError(where, f"filter: Entity('{name}') is not a foreign entity of semantic model '{model.name}'")
            alias = f"key__{name}"
            source.row_columns[alias] = model.expr(model.entities[name])
            return alias

        def unsupported(name: str, *_: Any, **__: Any) -> str:
            raise DefinitionError(where, f"filter: Metric('{name}') filters are not supported in metric tables")

        environment = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
        try:
            rendered = environment.from_string(text).render(
                Dimension=_Renderable(dimension), TimeDimension=_Renderable(dimension), Entity=_Renderable(entity), Metric=_Renderable(unsupported)
            )
        except DefinitionError:
            raise
        except jinja2.TemplateError as error:
            raise DefinitionError(where, f"filter does not compile: {error}") from error
        self._check_sql(rendered, where)
        return rendered

    @staticmethod
    def _check_sql(predicate: str, where: Where) -> None:
        try:
            sqlglot.parse_one(f"select 1 from t where {predicate}", read="duckdb")
        except sqlglot.errors.ParseError as error:
            raise DefinitionError(where, f"does not compile as SQL: {predicate!r}: {str(error).splitlines()[0]}") from error


class _Renderable:
    """Dimension('x') in a filter: renders as the column, and allows MetricFlow's .grain(...) style calls."""

    def __init__(self, resolve: Any) -> None:
        self.resolve = resolve

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> _Column:
        return _Column(self.resolve(name, *args, **kwargs))


class _Column(str):
    def grain(self, *_: Any) -> _Column:
        return self

    def descending(self, *_: Any) -> _Column:
        return self


_SQL_WORDS = {
    "as", "double", "float", "decimal", "integer", "bigint", "and", "or", "not", "case", "when", "then", "else", "end",
    "null", "is", "in", "between", "true", "false",
}  # fmt: skip
