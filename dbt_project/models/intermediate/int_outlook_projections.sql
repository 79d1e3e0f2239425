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

-- requests of each service-year to the end of every month loaded (a cut-off), and how many
-- months up to it are loaded: one pass of window sums, no service x year x cut-off cross join
cumulative as (
    select
        service_key,
        institution_code,
        period_year,
        month_no as cut_off,
        sum(requests) over service_year_so_far as requests_to_cut_off,
        count(*) over service_year_so_far as months_observed,
        sum(requests) over service_year as year_requests,
        count(*) over service_year as months_loaded
    from monthly
    window
        service_year as (partition by service_key, period_year),
        service_year_so_far as (partition by service_key, period_year order by month_no)
),

complete_years as (
    select distinct
        service_key,
        period_year,
        year_requests
    from cumulative
    where months_loaded = 12
),

target_years as (
    select distinct period_year as target_year from cumulative
),

-- the seasonal profiles: for each target year and cut-off, what the complete years before it
-- held by the cut-off and in all, per service, per institution and nationally (one
-- aggregation, three grouping sets)
profiles as (
    select
        t.target_year,
        c.cut_off,
        c.service_key,
        c.institution_code,
        -- 0: per service, 2: per institution (service rolled up), 3: national
        grouping(c.service_key, c.institution_code) as grouping_level,
        sum(c.requests_to_cut_off) as requests_to_cut_off,
        sum(c.year_requests) as requests_of_years
    from target_years as t
    inner join cumulative as c
        on t.target_year > c.period_year
    where c.months_loaded = 12
    group by grouping sets (
        (t.target_year, c.cut_off, c.service_key, c.institution_code),
        (t.target_year, c.cut_off, c.institution_code),
        (t.target_year, c.cut_off)
    )
),

service_profile as (
    select * from profiles
    where grouping_level = 0
),

institution_profile as (
    select * from profiles
    where grouping_level = 2
),

national_profile as (
    select * from profiles
    where grouping_level = 3
),

year_to_date as (
    select
        service_key,
        institution_code,
        period_year,
        cut_off,
        requests_to_cut_off as ytd_requests,
        months_observed
    from cumulative
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
