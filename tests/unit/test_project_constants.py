"""Each project constant has one home; where dbt cannot read that home, a test keeps the copy equal."""

import re
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())


def test_every_publish_mode_expression_in_dbt_project_has_the_macros_default():
    # dbt renders dbt_project.yml without macros or its own vars, so its configs spell the default.
    macro = (PROJECT_ROOT / "macros/run_contract/publish_mode.sql").read_text()
    (default,) = re.findall(r"var\('publish_mode', '([a-z_]+)'\)", macro)
    text = (PROJECT_ROOT / "dbt_project.yml").read_text()
    reads = re.findall(r"var\('publish_mode'(?:, '([a-z_]+)')?\)", text)
    assert reads, "dbt_project.yml no longer reads publish_mode: drop this test"
    assert set(reads) == {default}


def test_no_macro_or_model_reads_publish_mode_but_the_macro():
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("macros", "models", "tests", "analyses")
        for path in (PROJECT_ROOT / folder).rglob("*.sql")
        if "var('publish_mode'" in path.read_text()
    ]
    assert readers == ["macros/run_contract/publish_mode.sql"]


def test_landing_sources_are_the_landing_source_tables():
    sources = yaml.safe_load((PROJECT_ROOT / "models/base/_landing__sources.yml").read_text())["sources"]
    (landing,) = [source for source in sources if source["name"] == "landing"]
    assert sorted(table["name"] for table in landing["tables"]) == sorted(project()["vars"]["landing_sources"])


def test_lines_models_exist_for_every_landing_source():
    for source in project()["vars"]["landing_sources"]:
        assert (PROJECT_ROOT / f"models/base/{source}/base_{source}__lines.sql").exists(), source


def test_no_sql_spells_the_landing_root_default():
    spelled = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("macros", "models", "tests", "analyses")
        for path in (PROJECT_ROOT / folder).rglob("*.sql")
        if "'data/raw'" in path.read_text()
    ]
    assert spelled == []


def test_python_reads_the_constants_from_dbt_project():
    from stayhub import generate, warehouse
    from stayhub import project as stayhub_project

    assert warehouse.LANDING_SOURCES == tuple(sorted(project()["vars"]["landing_sources"]))
    assert warehouse.DEFAULT_RAW_ROOT == generate.DEFAULT_RAW_ROOT == project()["vars"]["landing_root_default"]
    assert stayhub_project.lookback_days_default() == project()["vars"]["lookback_days"]
    # The generator writes the sources in its own order (its output depends on it), but writes them all.
    assert sorted(generate.SOURCES) == sorted(project()["vars"]["landing_sources"])
