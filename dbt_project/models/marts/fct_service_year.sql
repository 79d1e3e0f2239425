-- Forecast vs actual per institution, service and monitoring-window year.
-- Forecasts count users; actuals count requests / documents (see the column docs).
-- Ratios are unrounded numeric; a zero or missing forecast gives NULL attainment.
with

forecasts as (
    select * from {{ ref('int_plan_forecasts_by_window_year') }}
),

submissions as (
    select * from {{ ref('int_submissions_latest_version') }}
),

portal as (
    select * from {{ ref('int_portal_requests_by_service_year') }}
),

joined as (
    select
        forecasts.service_year_id,
        forecasts.institution_code,
        forecasts.service_key,
        forecasts.window_year as reporting_year,
        forecasts.base_year,
        forecasts.forecast_total_users,
        forecasts.forecast_electronic_users,
        submissions.reported_total_users as actual_total_users,
        submissions.reported_electronic_requests as actual_electronic_requests,
        portal.portal_electronic_requests,
        portal.months_with_data as portal_months_with_data,
        submissions.submission_row_id is not null as has_submission,
        coalesce(portal.is_synthetic, false) as portal_is_synthetic,
        (
            forecasts.is_synthetic or coalesce(submissions.is_synthetic, false)
        ) as is_synthetic
    from forecasts
    left join submissions
        on
            forecasts.service_key = submissions.service_key
            and forecasts.window_year = submissions.reporting_year
    left join portal
        on
            forecasts.service_key = portal.service_key
            and forecasts.window_year = portal.period_year
),

measures as (
    select
        service_year_id,
        institution_code,
        service_key,
        reporting_year,
        base_year,
        forecast_total_users,
        forecast_electronic_users,
        actual_total_users,
        actual_electronic_requests,
        actual_total_users - actual_electronic_requests as actual_other_channel_requests,
        portal_electronic_requests,
        portal_months_with_data,
        actual_electronic_requests - portal_electronic_requests as electronic_reported_minus_portal,
        -- The institution's reported figure is the official one; the portal is the cross-check.
        case when actual_electronic_requests is not null then 'reported' end as electronic_source,
        {{ safe_ratio('forecast_electronic_users', 'forecast_total_users') }}
            as forecast_electronic_share,
        {{ safe_ratio('actual_electronic_requests', 'actual_total_users') }}
            as electronic_share,
        {{ safe_ratio('actual_total_users', 'forecast_total_users') }} as total_attainment,
        {{ safe_ratio('actual_electronic_requests', 'forecast_electronic_users') }}
            as electronic_attainment,
        actual_total_users - forecast_total_users as total_variance,
        actual_electronic_requests - forecast_electronic_users as electronic_variance,
        has_submission,
        portal_is_synthetic,
        is_synthetic
    from joined
),

base_year_figures as (
    select
        service_key,
        actual_electronic_requests as base_electronic_requests,
        portal_electronic_requests as base_portal_electronic_requests
    from measures
    where reporting_year = base_year
),

growth as (
    -- Growth of electronic use against the base year, on one source at a time.
    select
        measures.*,
        {{ safe_ratio('measures.actual_electronic_requests', 'base.base_electronic_requests') }}
        - 1 as electronic_growth_vs_base_reported,
        {{ safe_ratio('measures.portal_electronic_requests', 'base.base_portal_electronic_requests') }}
        - 1 as electronic_growth_vs_base_portal
    from measures
    left join base_year_figures as base
        on measures.service_key = base.service_key
),

final as (
    select
        *,
        -- The reported figures where both years were reported, else the portal counts.
        coalesce(electronic_growth_vs_base_reported, electronic_growth_vs_base_portal)
            as electronic_growth_vs_base,
        case
            when electronic_growth_vs_base_reported is not null then 'reported'
            when electronic_growth_vs_base_portal is not null then 'portal'
        end as growth_source,
        {{ var('electronic_growth_target') }}::numeric as growth_target,
        case
            when reporting_year = base_year then null
            else
                coalesce(electronic_growth_vs_base_reported, electronic_growth_vs_base_portal)
                >= {{ var('electronic_growth_target') }}::numeric
        end as is_growth_target_met,
        to_date(
            (reporting_year + 1)::text || '-{{ var("submission_due_month_day") }}', 'YYYY-MM-DD'
        ) as due_date,
        case
            when actual_electronic_requests is not null
                then case
                    when coalesce(forecast_electronic_users, 0) = 0 then 'no_forecast'
                    when electronic_attainment >= 1 then 'met'
                    else 'below_plan'
                end
            when
                '{{ as_of_date() }}'::date < to_date(
                    (reporting_year + 1)::text || '-{{ var("submission_due_month_day") }}',
                    'YYYY-MM-DD'
                )
                then 'not_due'
            else 'no_data'
        end as electronic_status,
        -- Cabinet Regulation No. 402 (2017), point 3.1: an e-service is warranted when the
        -- service has more than 5 000 cases a year or more than 10 % of the institution's
        -- cases that year (here: the cases of all its planned services).
        actual_total_users > 5000
        or actual_total_users > 0.1 * sum(actual_total_users) over (
            partition by institution_code, reporting_year
        ) as is_warranted_e_service
    from growth
)

select * from final
