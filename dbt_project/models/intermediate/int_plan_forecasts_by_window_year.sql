-- The plan's forecast is a yearly figure that applies to every year of the monitoring window
-- (domain.md): one row per planned service and window year.
with

services as (
    select * from {{ ref('int_plan_services_latest') }}
),

final as (
    select
        services.service_key || '-' || window_year as service_year_id,
        services.institution_code,
        services.project_id,
        services.service_key,
        window_year::integer as window_year,
        services.base_year,
        window_year::integer - services.base_year + 1 as window_year_no,
        services.forecast_total_users,
        services.forecast_electronic_users,
        services.is_synthetic
    from services
    cross join lateral generate_series(
        services.base_year,
        services.base_year + {{ var('monitoring_window_years') }} - 1
    ) as window_year
)

select * from final
