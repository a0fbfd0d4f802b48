"""The semantic-layer YAML of the project, read the way an analyst wrote it.

dbt's semantic-layer YAML (semantic_models, metrics, saved_queries) lives in
the project's model folders; the cumulative models declare in their columns'
meta which trailing windows they supply. Every item is kept with the file and
the field it came from (`models/metrics/_core__metrics.yml:41
metrics[3].type_params.measure`), so a mistake is reported where it was made.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stayhub.project import PROJECT_ROOT

MODEL_PATHS = ("models",)


class DefinitionError(Exception):
    """A mistake in the semantic-layer YAML, named by file, line and field."""

    def __init__(self, where: Where, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Where:
    """A field of a YAML file: its path relative to the project, line and field path."""

    file: str
    line: int
    field: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}"

    def at(self, *keys: str | int) -> Where:
        """The location of a field below this one (the line stays the parent's: see Located.where)."""
        path = self.field
        for key in keys:
            path += f"[{key}]" if isinstance(key, int) else f".{key}"
        return Where(self.file, self.line, path)


@dataclass(frozen=True)
class Located:
    """A YAML value with the lines of its fields (a path like ('type_params', 'measure') -> line)."""

    value: Any
    where: Where
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def get(self, *keys: str | int, default: Any = None) -> Any:
        value = self.value
        for key in keys:
            if isinstance(key, int):
                if not isinstance(value, list) or key >= len(value):
                    return default
            elif not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value

    def at(self, *keys: str | int) -> Where:
        """Where a field is: its own line when the YAML has it there, else the item's."""
        line = self.where.line
        for depth in range(len(keys), 0, -1):
            if keys[:depth] in self.lines:
                line = self.lines[keys[:depth]]
                break
        moved = self.where.at(*keys)
        return Where(moved.file, line, moved.field)

    @property
    def name(self) -> str:
        return str(self.get("name", default=""))


@dataclass
class Definitions:
    """Every semantic model, metric, saved query and supplied window of the project."""

    semantic_models: list[Located] = field(default_factory=list)
    metrics: list[Located] = field(default_factory=list)
    saved_queries: list[Located] = field(default_factory=list)
    # Columns of models whose meta.window_of says which trailing window they supply.
    window_columns: list[Located] = field(default_factory=list)


def load_definitions(project_root: Path = PROJECT_ROOT) -> Definitions:
    """Reads every YAML file under the model paths."""
    definitions = Definitions()
    for path in _yaml_files(project_root):
        relative = path.relative_to(project_root).as_posix()
        document, lines = read_yaml(path, relative)
        if not isinstance(document, dict):
            continue
        for key in ("semantic_models", "metrics", "saved_queries"):
            items = document.get(key) or []
            for index, item in enumerate(items):
                getattr(definitions, key).append(located_item(item, relative, (key, index), lines))
        for model_index, model in enumerate(document.get("models") or []):
            for column_index, column in enumerate((model or {}).get("columns") or []):
                meta = (column or {}).get("meta") or ((column or {}).get("config") or {}).get("meta") or {}
                if "window_of" in meta:
                    value = {"model": model.get("name"), "column": column.get("name"), "window_of": meta["window_of"]}
                    definitions.window_columns.append(located_item(value, relative, ("models", model_index, "columns", column_index), lines))
    return definitions


def read_yaml(path: Path, relative: str) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    """A YAML file's document and the line of each of its fields (None and {} when empty); DefinitionError when it does not parse."""
    text = path.read_text()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise DefinitionError(Where(relative, _error_line(error), "(file)"), f"not valid YAML: {error}") from error
    if node is None:
        return None, {}
    return yaml.safe_load(text), _field_lines(node)


def _yaml_files(project_root: Path) -> Iterator[Path]:
    for model_path in MODEL_PATHS:
        for pattern in ("*.yml", "*.yaml"):
            yield from sorted((project_root / model_path).rglob(pattern))


def located_item(item: Any, file: str, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> Located:
    depth = len(path)
    own = {key[depth:]: line for key, line in lines.items() if key[:depth] == path and len(key) > depth}
    field_path = f"{path[0]}" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path[1:])
    name = item.get("name") if isinstance(item, dict) else None
    if name:
        field_path += f" ({name})"
    return Located(item, Where(file, lines.get(path, 1), field_path), own)


def _field_lines(node: yaml.Node) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every mapping value and sequence item, by its path of keys and indexes."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(current: yaml.Node, path: tuple[str | int, ...]) -> None:
        lines[path] = current.start_mark.line + 1
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                walk(value_node, (*path, str(key_node.value)))
                lines[(*path, str(key_node.value))] = key_node.start_mark.line + 1
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                walk(item, (*path, index))

    walk(node, ())
    return lines


def _error_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None)
    return mark.line + 1 if mark is not None else 1
