-- How well each institution forecast: for every closed window year (actual figures reported),
-- how far the plan's forecasts were from what happened, per service, summarised per
-- institution. The forecast counts users, the actuals requests, as the plan compares them.
with

service_years as (
    select * from {{ ref('fct_service_year') }}
    where actual_electronic_requests is not null and actual_total_users is not null
),

errors as (
    select
        institution_code,
        reporting_year,
        service_key,
        is_synthetic,
        -- |forecast - actual| / actual; NULL where nothing happened (an actual of 0)
        {{ safe_ratio('abs(forecast_electronic_users - actual_electronic_requests)',
                      'actual_electronic_requests') }} as electronic_ape,
        {{ safe_ratio('abs(forecast_total_users - actual_total_users)', 'actual_total_users') }}
            as total_ape,
        forecast_electronic_users > actual_electronic_requests as electronic_over_forecast
    from service_years
),

final as (
    select
        institution_code || '-' || reporting_year as institution_year_id,
        institution_code,
        reporting_year,
        count(*) as services,
        percentile_cont(0.5) within group (order by electronic_ape)::numeric
            as electronic_median_ape,
        percentile_cont(0.5) within group (order by total_ape)::numeric as total_median_ape,
        count(*) filter (where electronic_over_forecast) as services_over_forecast,
        bool_or(is_synthetic) as is_synthetic
    from errors
    group by institution_code, reporting_year
)

select * from final
