with

services as (
    select * from {{ ref('stg_intake__plan_services') }}
),

plans as (
    select * from {{ ref('stg_intake__implementation_plans') }}
),

final as (
    select
        services.service_key,
        services.institution_code,
        services.project_id,
        services.service_no,
        services.service_name_lv,
        services.portal_service_code,
        services.portal_service_code is not null as has_portal_code,
        plans.base_year,
        plans.base_year + {{ var('monitoring_window_years') }} - 1 as window_last_year,
        services.planned_activities_lv,
        services.is_synthetic
    from services
    inner join plans
        on services.project_id = plans.project_id
)

select * from final
