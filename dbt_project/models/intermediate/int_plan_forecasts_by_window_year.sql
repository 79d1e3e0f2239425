-- The plan's forecast is a yearly figure that applies to every year of the monitoring window
-- (domain.md): one row per planned service and window year.
with

plans as (
    select * from {{ ref('stg_intake__implementation_plans') }}
),

services as (
    select * from {{ ref('stg_intake__plan_services') }}
),

window_years as (
    select
        plans.project_id,
        plans.base_year,
        window_year::integer as window_year
    from plans
    cross join lateral generate_series(
        plans.base_year,
        plans.base_year + {{ var('monitoring_window_years') }} - 1
    ) as window_year
),

final as (
    select
        services.service_key || '-' || window_years.window_year as service_year_id,
        services.institution_code,
        services.project_id,
        services.service_key,
        window_years.window_year,
        window_years.base_year,
        window_years.window_year - window_years.base_year + 1 as window_year_no,
        services.forecast_total_users,
        services.forecast_electronic_users,
        services.is_synthetic
    from services
    inner join window_years
        on services.project_id = window_years.project_id
)

select * from final
