-- The plan revisited with the evidence: for every planned service and each window year not yet
-- closed as of the outlook's as-of date, a revised forecast from the closed years' actuals —
-- the latest closed year's total times the electronic share its trend points to (least-squares
-- line over the closed years, clipped to 0-1) — with an interval from the largest deviation of
-- a closed year's share from that line. Beside the original plan, never replacing it: the plan
-- is the commitment, the re-forecast the evidence. Units: requests (the plan: users).
with

service_years as (
    select * from {{ ref('fct_service_year') }}
),

as_of as (
    select extract(year from '{{ outlook_as_of_date() }}'::date)::integer as first_open_year
),

closed as (
    select s.*
    from service_years as s
    cross join as_of as a
    where
        s.reporting_year < a.first_open_year
        and s.actual_total_users > 0
        and s.actual_electronic_requests is not null
),

-- least squares in exact numeric sums (regr_slope() works in floating point)
sums as (
    select
        service_key,
        count(*) as closed_years,
        max(reporting_year) as latest_closed_year,
        sum(reporting_year)::numeric as sx,
        sum(electronic_share) as sy,
        sum(reporting_year::numeric * reporting_year) as sxx,
        sum(reporting_year * electronic_share) as sxy
    from closed
    group by service_key
),

slopes as (
    select
        *,
        -- one closed year: no trend, the share stays
        coalesce(
            (closed_years * sxy - sx * sy) / nullif(closed_years * sxx - sx * sx, 0), 0
        ) as share_slope
    from sums
),

trend as (
    select
        service_key,
        closed_years,
        latest_closed_year,
        share_slope,
        (sy - share_slope * sx) / closed_years as share_intercept
    from slopes
),

deviations as (
    select
        c.service_key,
        max(abs(c.electronic_share - (t.share_intercept + t.share_slope * c.reporting_year)))
            as max_share_deviation
    from closed as c
    inner join trend as t on c.service_key = t.service_key
    group by c.service_key
),

latest as (
    select
        c.service_key,
        c.actual_total_users as latest_total_users
    from closed as c
    inner join trend as t
        on
            c.service_key = t.service_key
            and c.reporting_year = t.latest_closed_year
),

remaining as (
    select s.*
    from service_years as s
    cross join as_of as a
    where s.reporting_year >= a.first_open_year
),

final as (
    select
        r.service_year_id,
        r.service_key,
        r.institution_code,
        r.reporting_year,
        r.forecast_total_users,
        r.forecast_electronic_users,
        t.closed_years,
        t.latest_closed_year,
        l.latest_total_users,
        trim_scale(greatest(least(t.share_intercept + t.share_slope * r.reporting_year, 1), 0))
            as reforecast_electronic_share,
        round(
            l.latest_total_users
            * greatest(least(t.share_intercept + t.share_slope * r.reporting_year, 1), 0)
        ) as reforecast_electronic_requests,
        round(
            l.latest_total_users * greatest(
                least(
                    t.share_intercept + t.share_slope * r.reporting_year - d.max_share_deviation, 1
                ),
                0
            )
        ) as reforecast_electronic_low,
        round(
            l.latest_total_users * greatest(
                least(
                    t.share_intercept + t.share_slope * r.reporting_year + d.max_share_deviation, 1
                ),
                0
            )
        ) as reforecast_electronic_high,
        r.is_synthetic
    from remaining as r
    inner join trend as t on r.service_key = t.service_key
    inner join latest as l on r.service_key = l.service_key
    inner join deviations as d on r.service_key = d.service_key
)

select * from final
