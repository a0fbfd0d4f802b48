"""The project's constants, read from their one home: the vars of dbt_project.yml.

dbt's Jinja reads the same values with var(); Python reads them here, so a
constant changed there changes for both.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@cache
def _read_project_vars() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text()).get("vars") or {}


def project_vars() -> dict[str, Any]:
    """The vars block of dbt_project.yml: the defaults every dbt run starts from (read once per process)."""
    return copy.deepcopy(_read_project_vars())


def landing_sources() -> tuple[str, ...]:
    """The landing zone's sources, sorted (var landing_sources)."""
    return tuple(sorted(project_vars()["landing_sources"]))


def landing_root_default() -> str:
    """The landing zone's folder when neither --raw-root nor $WAREHOUSE_RAW_ROOT says (var landing_root_default)."""
    return str(project_vars()["landing_root_default"])


def lookback_days_default() -> int:
    """The days before its window a model that rewrites late partitions rebuilds (var lookback_days)."""
    return int(project_vars()["lookback_days"])
