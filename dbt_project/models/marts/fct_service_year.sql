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

final as (
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
)

select * from final
