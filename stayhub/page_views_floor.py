"""The floor a range backfill of the page views is measured against: fct_page_views with
dwell for a window, computed from the events landing files by one hand-written DuckDB
statement (read, parse, validate, deduplicate, crawler filter, exit pairing), with no
dbt, no intermediate table and no Python function.

It restates the semantics of base_events__lines, stg_events__events and fct_page_views
for a first build of the window (nothing published before it) on purpose, not as shared
code: the benchmark checks that both give the same rows. Left out, as they change no row
of the generated samples: the e-mail redaction of text fields, and the reject rows of
lines that are not UTF-8 or longer than 16 MiB (they are never page views).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from stayhub.project import lookback_days_default, project_vars

# fct_page_views' columns, as the floor gives them.
PAGE_VIEW_COLUMNS = (
    "ds",
    "id_event",
    "event_at",
    "id_user",
    "id_anonymous",
    "id_listing",
    "id_market",
    "dim_page_type",
    "dim_platform",
    "is_logged_in",
    "dim_utm_source",
    "dim_utm_medium",
    "dim_utm_campaign",
    "m_page_views",
    "m_dwell_ms",
)
_FIELDS = ("event_id", "event_ts", "event_type", "user_id", "anonymous_id", "platform", "url", "user_agent", "properties")
_REQUIRED = ("event_id", "event_ts", "event_type", "anonymous_id", "platform", "url")
_ISO_TS = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|z|[+-]((0[0-9]|1[0-7])(:?[0-5][0-9])?|18(:?00)?))$"
_CRAWLER = "bot|crawl|spider|slurp|python-requests|curl/|wget/|headless"
_URL_HOST = "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#:]+)"
_URL_PATH = "^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+([^?#]*)"


def landing_files(raw_root: Path | str, start_ds: str, end_ds: str) -> list[str]:
    """The events part files of start_ds .. end_ds, in ds and file order."""
    first, last = date.fromisoformat(start_ds), date.fromisoformat(end_ds)
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    return [str(path) for ds in days for path in sorted((Path(raw_root) / "events" / f"ds={ds}").glob("part-*.jsonl.gz"))]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _decoded(expression: str) -> str:
    return f"coalesce(try(url_decode(nullif({expression}, ''))), nullif({expression}, ''))"


def page_views_floor_sql(files: list[str], start_ds: str, end_ds: str) -> str:
    """One select of fct_page_views' rows (ds .. m_dwell_ms) that a first build of start_ds .. end_ds
    writes, from the given landing files (those of the window)."""
    constants = project_vars()
    lateness = int(constants["landing_max_lateness_days"])
    skew = int(constants["landing_max_clock_skew_minutes"])
    lookback = lookback_days_default()
    accepted_lateness = min(lookback, lateness)
    file_list = "[" + ", ".join(_literal(name) for name in files) + "]"
    paths = "[" + ", ".join(f"'$.{name}'" for name in _FIELDS) + "]"
    field = {name: f"fields[{index + 1}]" for index, name in enumerate(_FIELDS)}
    missing = " or ".join(f"coalesce(trim({field[name]}), '') = ''" for name in _REQUIRED)
    start, end = _literal(start_ds), _literal(end_ds)
    return f"""
with

lines as (
    select ds, filename as source_file, raw_line
    from read_csv(
        {file_list},
        columns = {{'raw_line': 'VARCHAR'}}, delim = '\\x1f', quote = '', escape = '', header = false,
        auto_detect = false, filename = true, hive_partitioning = true, ignore_errors = true,
        strict_mode = false, max_line_size = 16777216
    )
),

objects as (
    select
        ds,
        source_file,
        raw_line,
        json_extract_string(raw_line, {paths}) as fields,
        json_type(raw_line, '$.event_ts') in ('UBIGINT', 'BIGINT', 'HUGEINT', 'DOUBLE') as is_epoch_ms
    from lines
    where json_valid(raw_line) and json_type(raw_line) = 'OBJECT'
),

timed as (
    select
        *,
        case
            when is_epoch_ms then case when regexp_matches({field["event_ts"]}, '^-?[0-9]{{1,15}}$') then epoch_ms(cast({field["event_ts"]} as bigint)) end
            when regexp_matches({field["event_ts"]}, '{_ISO_TS}') then timezone('UTC', try_cast({field["event_ts"]} as timestamptz))
        end as event_at
    from objects
    where not ({missing})
),

valid as (
    select *
    from timed
    where
        event_at is not null
        and cast(event_at as date) >= cast(ds - interval {accepted_lateness} day as date)
        and event_at <= ds + interval {24 * 60 + skew} minute
),

deliveries as (
    select
        *,
        lag(ds) over (partition by {field["event_id"]} order by ds, source_file, raw_line) as previous_delivery_ds
    from valid
),

page_events as (
    select
        ds,
        {field["event_id"]} as event_id,
        event_at,
        cast(event_at as date) as event_date,
        {field["event_type"]} = 'page_view' as is_view,
        try_cast({field["user_id"]} as bigint) as id_user,
        {field["anonymous_id"]} as anonymous_id,
        {field["platform"]} as platform,
        {field["url"]} as url,
        {field["properties"]} as properties_raw,
        lower(nullif(regexp_extract({field["url"]}, '{_URL_HOST}', 1), '')) in ('stayhub.example', 'www.stayhub.example') as is_stayhub_url,
        {_decoded(f"regexp_extract({field['url']}, '{_URL_PATH}', 1)")} as url_path_decoded
    from deliveries
    where
        (previous_delivery_ds is null or previous_delivery_ds < cast(ds - interval {lateness + 1} day as date))
        and {field["event_type"]} in ('page_view', 'page_exit')
        and not coalesce(regexp_matches(lower({field["user_agent"]}), '{_CRAWLER}'), false)
        and cast(event_at as date) between cast(date {start} - interval {lookback} day as date) and cast(date {end} + interval 1 day as date)
        and ds <= cast(cast(event_at as date) + interval {lookback} day as date)
),

sequenced as (
    select
        *,
        coalesce(nullif(rtrim(url_path_decoded, '/'), ''), '/') as url_path,
        lead(is_view) over next_event as next_is_view,
        lead(event_date) over next_event as next_event_date,
        lead(properties_raw) over next_event as next_properties_raw
    from page_events
    -- At one instant a view comes before an exit, and views go by event_id: the order fct_page_views pairs in.
    window next_event as (
        partition by anonymous_id, coalesce(nullif(rtrim(url_path_decoded, '/'), ''), '/')
        order by event_at, is_view desc, event_id
    )
),

exits as (
    select
        *,
        case
            when next_is_view = false and next_event_date <= cast(event_date + interval 1 day as date)
            and json_valid(next_properties_raw) and json_type(next_properties_raw) = 'OBJECT'
                then try_cast(json_extract_string(next_properties_raw, '$.dwell_ms') as bigint)
        end as next_dwell_ms
    from sequenced
    where is_view and event_date <= date {end}
)

select
    event_date as ds,
    event_id as id_event,
    event_at,
    id_user,
    anonymous_id as id_anonymous,
    case when is_stayhub_url then try_cast(nullif(regexp_extract(url_path_decoded, '^/rooms/([0-9]{{1,18}})(/|$)', 1), '') as bigint) end as id_listing,
    case when is_stayhub_url then lower(nullif(regexp_extract(url_path_decoded, '^/s/([^/]+)', 1), '')) end as id_market,
    case
        when is_stayhub_url and regexp_matches(url_path_decoded, '^/rooms/[0-9]{{1,18}}(/|$)') then 'listing'
        when is_stayhub_url and nullif(regexp_extract(url_path_decoded, '^/s/([^/]+)', 1), '') is not null then 'search'
        when is_stayhub_url and coalesce(rtrim(url_path_decoded, '/'), '') = '' then 'home'
        else 'other'
    end as dim_page_type,
    platform as dim_platform,
    id_user is not null as is_logged_in,
    {_decoded("regexp_extract(regexp_extract(url, '[?]([^#]*)', 1), '(^|&)utm_source=([^&]*)', 2)")} as dim_utm_source,
    {_decoded("regexp_extract(regexp_extract(url, '[?]([^#]*)', 1), '(^|&)utm_medium=([^&]*)', 2)")} as dim_utm_medium,
    {_decoded("regexp_extract(regexp_extract(url, '[?]([^#]*)', 1), '(^|&)utm_campaign=([^&]*)', 2)")} as dim_utm_campaign,
    1 as m_page_views,
    case when next_dwell_ms >= 0 then next_dwell_ms end as m_dwell_ms
from exits
"""
