"""The not-recommended way to get cum_user_activity's numbers: a scan of the
whole fact history for every (ds, user). The tests compare the cumulative
table with it; the benchmark times it against one daily update."""

from __future__ import annotations

COLUMNS = (
    "ds, id_user, first_active_ds, last_active_ds, m_active_days_l7, m_active_days_l28, "
    "m_page_views_lifetime, m_page_views_l7, m_page_views_l28, m_dwell_ms_lifetime, m_dwell_ms_lifetime_count, "
    "m_dwell_ms_max, m_bookings_lifetime, bookings_first_ds, bookings_last_ds"
)


def user_activity_full_scan_sql(days_sql: str) -> str:
    """For every day of `days_sql` (a select of ds) and every user seen by then: COLUMNS, from the facts alone."""
    return f"""
with
views as (
    select ds, id_user as subject, sum(m_page_views) as page_views,
           sum(m_dwell_ms) as dwell, count(m_dwell_ms) as dwell_count, max(m_dwell_ms) as dwell_max
    from marts.fct_page_views where id_user is not null group by all
),
bookings as (
    select ds, id_guest as subject, sum(m_bookings_created) as bookings
    from marts.fct_booking_events where id_guest is not null group by all
),
subjects as (
    select subject, min(ds) as first_ds
    from (select subject, ds from views union all select subject, ds from bookings)
    group by all
),
grid as (
    select days.ds, subjects.subject
    from ({days_sql}) as days
    inner join subjects on days.ds >= subjects.first_ds
)
select
    grid.ds, grid.subject,
    (select min(v.ds) from views v where v.subject = grid.subject and v.ds <= grid.ds),
    (select max(v.ds) from views v where v.subject = grid.subject and v.ds <= grid.ds),
    (select count(*) from views v where v.subject = grid.subject and v.ds between grid.ds - 6 and grid.ds),
    (select count(*) from views v where v.subject = grid.subject and v.ds between grid.ds - 27 and grid.ds),
    (select coalesce(sum(page_views), 0) from views v where v.subject = grid.subject and v.ds <= grid.ds),
    (select coalesce(sum(page_views), 0) from views v where v.subject = grid.subject and v.ds between grid.ds - 6 and grid.ds),
    (select coalesce(sum(page_views), 0) from views v where v.subject = grid.subject and v.ds between grid.ds - 27 and grid.ds),
    (select coalesce(sum(dwell), 0) from views v where v.subject = grid.subject and v.ds <= grid.ds),
    (select coalesce(sum(dwell_count), 0) from views v where v.subject = grid.subject and v.ds <= grid.ds),
    (select max(dwell_max) from views v where v.subject = grid.subject and v.ds <= grid.ds),
    (select coalesce(sum(bookings), 0) from bookings b where b.subject = grid.subject and b.ds <= grid.ds),
    (select min(b.ds) from bookings b where b.subject = grid.subject and b.ds <= grid.ds and b.bookings <> 0),
    (select max(b.ds) from bookings b where b.subject = grid.subject and b.ds <= grid.ds and b.bookings <> 0)
from grid
"""
