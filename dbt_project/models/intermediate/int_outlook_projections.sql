{{ config(materialized="table") }}
-- The early-warning projection of a year's electronic requests from its first months, for
-- every planned service, year and cut-off month (1-12; at 12 it is the year itself) whose
-- months so far are all loaded.
--
-- Method: the year-to-date count divided by the share of a year that the same months usually
-- hold (the seasonal profile), learnt only from complete years before the projected one: the
-- service's own years when it has any, else its institution's, else every service's. The 80 %
-- interval comes from the method's own past errors at the same cut-off month: the 10th and
-- 90th percentiles of actual / projected over every service and complete year before the
-- projected one (empirical, no normality assumed). Beside it the naive projection
-- (year-to-date x 12 / months), which the backtest compares against. Units: requests.
with

monthly as (
    select * from {{ ref('int_service_month_electronic') }}
),

cut_offs as (
    select generate_series(1, 12) as cut_off
),

service_years as (
    select
        service_key,
        institution_code,
        period_year,
        count(*) as months_loaded,
        sum(requests) as year_requests,
        bool_or(is_synthetic) as is_synthetic
    from monthly
    group by service_key, institution_code, period_year
),

complete_years as (
    select * from service_years
    where months_loaded = 12
),

target_years as (
    select distinct period_year as target_year from service_years
),

-- the complete years before each target year, month by month
history as (
    select
        t.target_year,
        m.service_key,
        m.institution_code,
        m.period_year,
        m.month_no,
        m.requests
    from target_years as t
    inner join complete_years as c
        on t.target_year > c.period_year
    inner join monthly as m
        on
            c.service_key = m.service_key
            and c.period_year = m.period_year
),

service_profile as (
    select
        h.target_year,
        h.service_key,
        k.cut_off,
        sum(h.requests) filter (where h.month_no <= k.cut_off) as requests_to_cut_off,
        sum(h.requests) as requests_of_years
    from history as h
    cross join cut_offs as k
    group by h.target_year, h.service_key, k.cut_off
),

institution_profile as (
    select
        h.target_year,
        h.institution_code,
        k.cut_off,
        sum(h.requests) filter (where h.month_no <= k.cut_off) as requests_to_cut_off,
        sum(h.requests) as requests_of_years
    from history as h
    cross join cut_offs as k
    group by h.target_year, h.institution_code, k.cut_off
),

national_profile as (
    select
        h.target_year,
        k.cut_off,
        sum(h.requests) filter (where h.month_no <= k.cut_off) as requests_to_cut_off,
        sum(h.requests) as requests_of_years
    from history as h
    cross join cut_offs as k
    group by h.target_year, k.cut_off
),

year_to_date as (
    select
        m.service_key,
        m.institution_code,
        m.period_year,
        k.cut_off,
        sum(m.requests) filter (where m.month_no <= k.cut_off) as ytd_requests,
        count(*) filter (where m.month_no <= k.cut_off) as months_observed
    from monthly as m
    cross join cut_offs as k
    group by m.service_key, m.institution_code, m.period_year, k.cut_off
),

projected as (
    select
        y.service_key,
        y.institution_code,
        y.period_year,
        y.cut_off,
        y.ytd_requests,
        case
            when s.requests_to_cut_off > 0 then 'service'
            when i.requests_to_cut_off > 0 then 'institution'
            when n.requests_to_cut_off > 0 then 'national'
        end as profile_scope,
        -- the first profile whose months so far hold any requests
        case
            when s.requests_to_cut_off > 0 then s.requests_to_cut_off
            when i.requests_to_cut_off > 0 then i.requests_to_cut_off
            when n.requests_to_cut_off > 0 then n.requests_to_cut_off
        end as profile_requests_to_cut_off,
        case
            when s.requests_to_cut_off > 0 then s.requests_of_years
            when i.requests_to_cut_off > 0 then i.requests_of_years
            when n.requests_to_cut_off > 0 then n.requests_of_years
        end as profile_requests_of_years,
        c.year_requests as actual_year_requests
    from year_to_date as y
    left join service_profile as s
        on
            y.service_key = s.service_key
            and y.period_year = s.target_year
            and y.cut_off = s.cut_off
    left join institution_profile as i
        on
            y.institution_code = i.institution_code
            and y.period_year = i.target_year
            and y.cut_off = i.cut_off
    left join national_profile as n
        on
            y.period_year = n.target_year
            and y.cut_off = n.cut_off
    left join complete_years as c
        on
            y.service_key = c.service_key
            and y.period_year = c.period_year
    -- every month up to the cut-off is loaded (a gap would read as a fall)
    where y.months_observed = y.cut_off
),

measures as (
    select
        *,
        {{ safe_ratio('profile_requests_to_cut_off', 'profile_requests_of_years') }}
            as cumulative_share,
        -- ytd / share, as ytd x year / months-so-far: exact for whole numbers
        {{ safe_ratio('ytd_requests * profile_requests_of_years', 'profile_requests_to_cut_off') }}
            as projected_requests,
        {{ safe_ratio('ytd_requests * 12', 'cut_off') }} as naive_projected_requests
    from projected
),

-- the method's past errors: actual / projected, for complete years
errors as (
    select
        period_year,
        cut_off,
        actual_year_requests / projected_requests as ratio
    from measures
    where actual_year_requests > 0 and projected_requests > 0
),

error_quantiles as (
    select
        t.target_year,
        e.cut_off,
        count(*) as past_errors,
        percentile_cont(0.1) within group (order by e.ratio) as ratio_p10,
        percentile_cont(0.9) within group (order by e.ratio) as ratio_p90
    from target_years as t
    inner join errors as e
        on t.target_year > e.period_year
    group by t.target_year, e.cut_off
),

final as (
    select
        m.service_key || '-' || m.period_year || '-' || lpad(m.cut_off::text, 2, '0')
            as projection_id,
        m.service_key,
        m.institution_code,
        m.period_year,
        m.cut_off,
        m.ytd_requests,
        m.profile_scope,
        m.cumulative_share,
        m.projected_requests,
        -- an interval only from enough past errors (10), else none rather than a guess
        case when q.past_errors >= 10 then m.projected_requests * q.ratio_p10::numeric end
            as projected_requests_p10,
        case when q.past_errors >= 10 then m.projected_requests * q.ratio_p90::numeric end
            as projected_requests_p90,
        coalesce(q.past_errors, 0) as past_errors,
        m.naive_projected_requests,
        m.actual_year_requests
    from measures as m
    left join error_quantiles as q
        on
            m.period_year = q.target_year
            and m.cut_off = q.cut_off
)

select * from final
