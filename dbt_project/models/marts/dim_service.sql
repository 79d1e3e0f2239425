with

services as (
    select * from {{ ref('int_plan_services_latest') }}
),

activities as (
    select * from {{ ref('int_action_plan_activities') }}
),

-- the latest action plan's activities per service, in the order they start
action_plan as (
    select
        service_key,
        string_agg(activity_lv, ' ' order by start_date, activity_id) as activities_lv
    from activities
    group by service_key
),

final as (
    select
        services.service_key,
        services.institution_code,
        services.project_id,
        services.service_no,
        services.service_name_lv,
        {{ latvian_sort_key('services.service_name_lv') }} as service_name_sort_lv,
        services.portal_service_code,
        services.portal_service_code is not null as has_portal_code,
        services.base_year,
        services.base_year + {{ var('monitoring_window_years') }} - 1 as window_last_year,
        -- the action plan's activities, else what the implementation plan promised up front
        coalesce(action_plan.activities_lv, services.planned_activities_lv)
            as planned_activities_lv,
        services.plan_version,
        services.is_synthetic
    from services
    left join action_plan
        on services.service_key = action_plan.service_key
)

select * from final
