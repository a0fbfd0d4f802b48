"""Stand-ins for the project's macros, for sqlfluff's jinja templater.

sqlfluff lints the SQL shape of models without a warehouse connection; each
stub renders a small expression of the same kind as the real macro (an
expression, a predicate, or a whole select), so the surrounding SQL parses.
Add a stub here when a model starts calling a new macro.
"""

from pathlib import Path
from types import SimpleNamespace

import yaml


def _call(name):
    return lambda *args, **kwargs: f"{name}({', '.join(str(a) for a in args)})"


json_parse_object = _call("json_parse_object")
json_get_text = _call("json_get_text")
json_get_texts = _call("json_get_texts")
array_element = _call("array_element")
json_is_number = _call("json_is_number")
epoch_ms_to_timestamp = _call("epoch_ms_to_timestamp")
parse_iso8601_utc = _call("parse_iso8601_utc")
url_decode = _call("url_decode")
rtrim_chars = _call("rtrim")
title_case = _call("title_case")
collapse_whitespace = _call("collapse_whitespace")
canonical_market_name = _call("canonical_market_name")
market_slug = _call("market_slug")
is_crawler_user_agent = _call("is_crawler_user_agent")
pii_hash = _call("pii_hash")


def redact_emails(expr, keep_identity=False):
    return f"redact_emails({expr})"


def regexp_like(expr, pattern):
    return f"regexp_matches({expr}, 'pattern')"


def regexp_extract_group(expr, pattern, group=1):
    return f"regexp_extract({expr}, 'pattern', {group})"


def missing_required_field_reason(fields):
    return "case when a is null then 'missing_required_field:a' end"


def read_landing_lines(source_name):
    return "select cast(null as date) as ds, 'file' as source_file, 'line' as raw_line, 'error' as read_error"


def count_landing_lines(source_name):
    return "select cast(null as date) as ds, 1 as lines_landed, 0 as unexpected_files, 0 as unreadable_files"


def classify_landing_lines(validated_cte, dedup_key, lookback_days=0):
    return f"select *, 'key' as dedup_key, 'accepted' as line_status from {validated_cte}"


def collapse_change_log(changes, entity_key, image_columns, landing_source):
    return f"select ds, {entity_key} from {changes}"


def ds_in_window(column="ds", lookback_days=0, lookahead_days=0):
    return f"{column} between cast('2025-01-01' as date) and cast('2025-01-02' as date)"


def ds_literal(ds):
    return "cast('2025-01-01' as date)"


dbt = SimpleNamespace(
    safe_cast=lambda expr, type_: f"try_cast({expr} as {type_})",
    type_bigint=lambda: "bigint",
    type_int=lambda: "integer",
    type_string=lambda: "varchar",
    type_numeric=lambda: "numeric(28, 6)",
    type_timestamp=lambda: "timestamp",
    dateadd=lambda datepart, interval, expr: f"date_add({expr}, interval ({interval}) {datepart})",
    datediff=lambda first, second, datepart: f"date_diff('{datepart}', {first}, {second})",
    concat=lambda parts: f"concat({', '.join(parts)})",
    hash=lambda expr: f"md5({expr})",
    date_trunc=lambda datepart, expr: f"date_trunc('{datepart}', {expr})",
    date_spine=lambda datepart, start, end: "select cast(range as date) as date_day from range(date '2020-01-01', date '2020-01-03', interval 1 day)",
)


def ds_window():
    return SimpleNamespace(start_ds="2025-01-01", end_ds="2025-01-02")


def ds_shift(ds, days):
    return ds


def window_days(lookback_days=0):
    return "select cast('2025-01-01' as date) as ds"


def partition_lookback_days():
    return 4


def partition_has_rows(relation, ds):
    return False


def fact_events(events, event_types, lookback_days, lookahead_days=0):
    return f"select * from {events}"


def change_log_with_previous_image(changes, snapshot, entity_key, image_columns, lookback_days=0, lookahead_days=0):
    return f"select * from {changes}"


def dimension_history(snapshot, entity_key, attribute_columns, unknown_key=None):
    return f"select {entity_key} from {snapshot}"


def assert_history_is_published(history_relation, landing_source, before_ds):
    return ""


def landing_fields(source_name, fields):
    columns = ", ".join(f"'x' as {column}" for column in fields.values())
    return (
        "select cast(null as date) as ds, 'file' as source_file, 'line' as raw_line, 'error' as read_error,"
        f" 1 as line_occurrence, true as is_json_object, '{{}}' as record, {columns}"
    )


def cumulative_summary(subject, inputs, rolling_days=(7, 28)):
    return f"select cast('2025-01-01' as date) as ds, 1 as {subject}"


def landing_source_names():
    """The project's var landing_sources, from dbt_project.yml (the one home of the list)."""
    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text())
    return sorted(project["vars"]["landing_sources"])


def audit_table_relation():
    return "audit.partition_check_results"


invocation_id = "00000000-0000-0000-0000-000000000000"


def metric_table(plan):
    return "select ds from metric_table_rows"


def type_double():
    return "double"


def ds_days(first_ds, last_ds):
    return "select cast('2025-01-01' as date) as ds"


def _experiment_daily_values_from(first_ds, last_ds, seed_ds, has_seed, pre_period_days):
    return first_ds


def experiment_definitions(experiments):
    return "select 'key' as experiment_key from experiment_definitions"


def experiment_user_daily_metrics(plan):
    return "select ds, id_user, metric, m_value from experiment_user_daily_metrics"


def experiment_user_cuts(experiments):
    return "select ds, experiment_key, id_user, cut_name, cut_value from experiment_user_cuts"


def sufficient_statistics(value, covariate):
    return f"count(*) as n, sum({value}) as sum_x"
