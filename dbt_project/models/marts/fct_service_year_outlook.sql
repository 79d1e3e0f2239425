-- The early warning: each planned service's outlook for the year of the outlook's as-of date
-- (macros/outlook_as_of_date.sql), from the months complete by then: the projected electronic
-- requests with their 80 % interval against the forecast, and a status. The forecast counts
-- users, the projection requests (as the plan compares them). Incremental: each as-of date's
-- rows are kept, so a change of status is visible (a new run for the same date replaces them).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='fail',
    )
}}

with

as_of as (
    select
        '{{ outlook_as_of_date() }}'::date as as_of_date,
        extract(year from '{{ outlook_as_of_date() }}'::date)::integer as outlook_year,
        -- the months complete on the as-of date (a month counts on its last day): the months
        -- before the day after it, within the as-of date's year
        (
            (
                extract(year from '{{ outlook_as_of_date() }}'::date + 1)::integer
                - extract(year from '{{ outlook_as_of_date() }}'::date)::integer
            ) * 12
            + extract(month from '{{ outlook_as_of_date() }}'::date + 1)::integer - 1
        ) as months_complete
),

service_years as (
    select * from {{ ref('fct_service_year') }}
),

projections as (
    select * from {{ ref('int_outlook_projections') }}
),

joined as (
    select
        s.service_key,
        s.institution_code,
        s.reporting_year,
        a.as_of_date,
        a.months_complete,
        s.forecast_electronic_users,
        p.ytd_requests,
        p.profile_scope,
        p.projected_requests,
        p.projected_requests_p10,
        p.projected_requests_p90,
        p.naive_projected_requests,
        s.is_synthetic or coalesce(s.portal_is_synthetic, false) as is_synthetic
    from service_years as s
    cross join as_of as a
    left join projections as p
        on
            s.service_key = p.service_key
            and s.reporting_year = p.period_year
            and a.months_complete = p.cut_off
    where s.reporting_year = a.outlook_year
),

final as (
    select
        service_key || '-' || reporting_year || '@' || as_of_date as outlook_id,
        service_key,
        institution_code,
        reporting_year,
        as_of_date,
        months_complete,
        forecast_electronic_users,
        ytd_requests,
        profile_scope,
        projected_requests,
        projected_requests_p10,
        projected_requests_p90,
        naive_projected_requests,
        case
            when coalesce(forecast_electronic_users, 0) = 0 then 'no_forecast'
            when months_complete < {{ var('outlook_min_months') }} or projected_requests is null
                then 'too_early'
            when projected_requests_p90 < forecast_electronic_users then 'projected_to_miss'
            when projected_requests < forecast_electronic_users then 'at_risk'
            else 'on_track'
        end as outlook_status,
        is_synthetic
    from joined
)

select * from final
