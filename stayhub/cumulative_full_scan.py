"""The not-recommended way to get a cumulative table's numbers: a scan of the
whole fact history for every (ds, subject). The tests compare both cumulative
tables, column by column (state columns included), with it; the benchmark
times it against one daily update.

The definitions below restate the models' cumulative_summary calls on
purpose: they are the expectation, written a second time, not shared code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 28  # days of state: activity_mask bits and the _recent arrays
ROLLING_DAYS = (7, 28)


@dataclass(frozen=True)
class Metric:
    name: str
    expression: str
    aggregations: tuple[str, ...] = ("sum",)


@dataclass(frozen=True)
class Input:
    relation: str
    subject: str
    metrics: tuple[Metric, ...]
    counts_as_activity: bool = True
    where: str | None = None


@dataclass(frozen=True)
class Summary:
    table: str
    subject: str
    inputs: tuple[Input, ...] = field(default_factory=tuple)

    @property
    def metrics(self) -> list[Metric]:
        return [metric for summary_input in self.inputs for metric in summary_input.metrics]

    def columns(self) -> list[str]:
        """The table's columns, in the order cumulative_summary writes them."""
        columns = ["ds", self.subject, "first_active_ds", "last_active_ds", "m_days_since_first_active", "m_days_since_last_active"]
        columns += [f"m_active_days_l{days}" for days in ROLLING_DAYS]
        for metric in self.metrics:
            name, aggregations = metric.name, metric.aggregations
            columns += [f"m_{name}_lifetime"] if "sum" in aggregations else []
            columns += [f"m_{name}_lifetime_count"] if "count" in aggregations else []
            columns += [f"m_{name}_min"] if "min" in aggregations else []
            columns += [f"m_{name}_max"] if "max" in aggregations else []
            columns += [f"{name}_first_ds"] if "first_ds" in aggregations else []
            columns += [f"{name}_last_ds"] if "last_ds" in aggregations else []
            if "rolling_sum" in aggregations:
                columns += [f"{name}_recent"] + [f"m_{name}_l{days}" for days in ROLLING_DAYS]
        return columns + ["activity_mask"]


USER_ACTIVITY = Summary(
    "cumulative.cum_user_activity",
    "id_user",
    (
        Input(
            "marts.fct_page_views",
            "id_user",
            (Metric("page_views", "m_page_views", ("sum", "rolling_sum")), Metric("dwell_ms", "m_dwell_ms", ("sum", "count", "max"))),
        ),
        Input("marts.fct_listing_engagements", "id_user", (Metric("engagements", "m_likes + m_unlikes + m_shares"),)),
        Input(
            "marts.fct_booking_events",
            "id_guest",
            (Metric("bookings", "m_bookings_created", ("sum", "first_ds", "last_ds")),),
            counts_as_activity=False,
        ),
    ),
)

LISTING_ENGAGEMENT = Summary(
    "cumulative.cum_listing_engagement",
    "id_listing",
    (
        Input("marts.fct_page_views", "id_listing", (Metric("views", "m_page_views", ("sum", "rolling_sum")),), where="dim_page_type = 'listing'"),
        Input(
            "marts.fct_listing_engagements",
            "id_listing",
            (Metric("likes", "m_likes", ("sum", "rolling_sum")), Metric("shares", "m_shares")),
        ),
        Input("marts.fct_booking_events", "id_listing", (Metric("bookings", "m_bookings_created", ("sum", "first_ds", "last_ds")),)),
    ),
)

SUMMARIES = (USER_ACTIVITY, LISTING_ENGAGEMENT)


def _daily_sql(summary: Summary) -> str:
    selects = []
    for summary_input in summary.inputs:
        values = []
        for metric in summary.metrics:
            if metric in summary_input.metrics:
                values += [
                    f"sum({metric.expression}) as {metric.name}__sum",
                    f"count({metric.expression}) as {metric.name}__count",
                    f"min({metric.expression}) as {metric.name}__min",
                    f"max({metric.expression}) as {metric.name}__max",
                ]
            else:
                values += [f"null as {metric.name}__{part}" for part in ("sum", "count", "min", "max")]
        where = f" and ({summary_input.where})" if summary_input.where else ""
        selects.append(
            f"select ds, {summary_input.subject} as subject, "
            f"{'count(*)' if summary_input.counts_as_activity else '0'} as activity_rows, {', '.join(values)} "
            f"from {summary_input.relation} where {summary_input.subject} is not null{where} group by all"
        )
    sums = ", ".join(
        f"sum({m.name}__sum) as {m.name}__sum, sum({m.name}__count) as {m.name}__count, "
        f"min({m.name}__min) as {m.name}__min, max({m.name}__max) as {m.name}__max"
        for m in summary.metrics
    )
    return f"select ds, subject, sum(activity_rows) as activity_rows, {sums} from ({' union all '.join(selects)}) group by all"


def _metric_sql(metric: Metric) -> list[str]:
    name, aggregations = metric.name, metric.aggregations
    sql = []
    if "sum" in aggregations:
        sql.append(f"coalesce(sum(d.{name}__sum), 0) as m_{name}_lifetime")
    if "count" in aggregations:
        sql.append(f"coalesce(sum(d.{name}__count), 0) as m_{name}_lifetime_count")
    if "min" in aggregations:
        sql.append(f"min(d.{name}__min) as m_{name}_min")
    if "max" in aggregations:
        sql.append(f"max(d.{name}__max) as m_{name}_max")
    if "first_ds" in aggregations:
        sql.append(f"min(case when d.{name}__sum <> 0 then d.ds end) as {name}_first_ds")
    if "last_ds" in aggregations:
        sql.append(f"max(case when d.{name}__sum <> 0 then d.ds end) as {name}_last_ds")
    if "rolling_sum" in aggregations:
        recent = [f"coalesce(sum(case when d.ds = grid.ds - {age} then d.{name}__sum end), 0)" for age in range(WIDTH)]
        sql.append(f"[{', '.join(recent)}] as {name}_recent")
        sql += [f"coalesce(sum(case when d.ds > grid.ds - {days} then d.{name}__sum end), 0) as m_{name}_l{days}" for days in ROLLING_DAYS]
    return sql


def full_scan_sql(summary: Summary, days_sql: str) -> str:
    """For every day of `days_sql` (a select of ds) and every subject seen by then: the table's columns, from the facts alone."""
    active = "d.activity_rows > 0"
    metrics = ",\n    ".join(sql for metric in summary.metrics for sql in _metric_sql(metric))
    return f"""
with
daily as ({_daily_sql(summary)}),
subjects as (select subject, min(ds) as first_ds from daily group by all),
grid as (
    select days.ds, subjects.subject
    from ({days_sql}) as days
    inner join subjects on days.ds >= subjects.first_ds
),
scanned as (
select
    grid.ds,
    grid.subject as {summary.subject},
    min(case when {active} then d.ds end) as first_active_ds,
    max(case when {active} then d.ds end) as last_active_ds,
    {", ".join(f"count(case when {active} and d.ds > grid.ds - {days} then 1 end) as m_active_days_l{days}" for days in ROLLING_DAYS)},
    coalesce(sum(case when {active} and d.ds > grid.ds - {WIDTH} then cast(2 ** (grid.ds - d.ds) as bigint) end), 0) as activity_mask,
    {metrics}
from grid
left join daily as d on d.subject = grid.subject and d.ds <= grid.ds
group by grid.ds, grid.subject
)
select
    *,
    date_diff('day', first_active_ds, ds) as m_days_since_first_active,
    date_diff('day', last_active_ds, ds) as m_days_since_last_active
from scanned
"""


def select_columns_sql(summary: Summary, relation_sql: str) -> str:
    return f"select {', '.join(summary.columns())} from ({relation_sql})"


# The benchmark's scan: cum_user_activity's numbers for the days of `days_sql`.
def user_activity_full_scan_sql(days_sql: str) -> str:
    return select_columns_sql(USER_ACTIVITY, full_scan_sql(USER_ACTIVITY, days_sql))
