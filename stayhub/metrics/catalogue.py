"""The metric catalogue as a table: metric, type, definition, owner, and the tables it lands in."""

from __future__ import annotations

from typing import Any

from stayhub.metrics.definitions import Located
from stayhub.metrics.plan import Catalogue, TablePlan, measure_name


def catalogue_rows(catalogue: Catalogue, plans: list[TablePlan]) -> list[dict[str, str]]:
    tables: dict[str, list[str]] = {}
    for plan in plans:
        for metric in plan.metrics:
            tables.setdefault(metric["name"], []).append(plan.model_name)
    rows = []
    for name, located in sorted(catalogue.metrics.items()):
        rows.append(
            {
                "metric": name,
                "type": str(located.get("type")),
                "definition": definition(catalogue, located),
                "owner": str(located.get("config", "meta", "owner") or located.get("meta", "owner") or "-"),
                "tables": ", ".join(tables.get(name, [])) or "-",
                "description": str(located.get("description") or ""),
            }
        )
    return rows


def definition(catalogue: Catalogue, located: Located) -> str:
    """One line: what the metric computes, in the YAML's own terms."""
    kind = located.get("type")
    params = located.get("type_params", default={}) or {}
    if kind in ("simple", "cumulative"):
        measure = measure_name(located)
        model = catalogue.measures[measure]
        spec: dict[str, Any] = model.measures[measure]
        text = f"{spec['agg']}({model.expr(spec)}) of {model.model}"
        if kind == "cumulative":
            window = (params.get("cumulative_type_params") or {}).get("window") or params.get("window")
            text += f" over the trailing {window}"
    elif kind == "ratio":
        text = f"{_name(params.get('numerator'))} / {_name(params.get('denominator'))}"
    else:
        text = str(params.get("expr"))
    if located.get("filter"):
        text += f" where {located.get('filter')}"
    return text


def _name(reference: Any) -> str:
    return str(reference.get("name") if isinstance(reference, dict) else reference)


def format_table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip(), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return "\n".join(lines)
