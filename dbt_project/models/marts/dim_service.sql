with

services as (
    select * from {{ ref('int_plan_services_latest') }}
),

final as (
    select
        service_key,
        institution_code,
        project_id,
        service_no,
        service_name_lv,
        {{ latvian_sort_key('service_name_lv') }} as service_name_sort_lv,
        portal_service_code,
        portal_service_code is not null as has_portal_code,
        base_year,
        base_year + {{ var('monitoring_window_years') }} - 1 as window_last_year,
        planned_activities_lv,
        plan_version,
        is_synthetic
    from services
)

select * from final
