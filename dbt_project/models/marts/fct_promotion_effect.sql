-- Did promotion help? For activities recorded in year Y (the plan's activities in
-- var('plan_activities_year'); a submission's "activities carried out" in its year), compare
-- the electronic share of Y-1 with Y+1 (reported figures), and the portal's electronic count
-- of Y-1 with Y+1 (available where no submission exists, e.g. on the demo data).
with

services as (
    select * from {{ ref('fct_service_year') }}
),

plan_activities as (
    select
        service_key,
        {{ var('plan_activities_year') }} as activity_year,
        'plan' as activity_source,
        planned_activities_lv as activity_lv
    from {{ ref('dim_service') }}
    where planned_activities_lv is not null
),

submitted_activities as (
    select
        service_key,
        reporting_year as activity_year,
        'submission' as activity_source,
        activities_done as activity_lv
    from {{ ref('int_submissions_latest_version') }}
    where activities_done is not null
),

activities as (
    select * from plan_activities
    union all
    select * from submitted_activities
),

final as (
    select
        activities.service_key || '-' || activities.activity_year || '-'
        || activities.activity_source as promotion_id,
        activities.service_key,
        activities.activity_year,
        activities.activity_source,
        activities.activity_lv,
        year_before.electronic_share as electronic_share_before,
        year_after.electronic_share as electronic_share_after,
        year_after.electronic_share - year_before.electronic_share as electronic_share_change,
        year_before.portal_electronic_requests as portal_requests_before,
        year_after.portal_electronic_requests as portal_requests_after,
        {{ safe_ratio(
            'year_after.portal_electronic_requests', 'year_before.portal_electronic_requests'
        ) }} - 1 as portal_requests_growth,
        coalesce(year_before.portal_is_synthetic, false)
        or coalesce(year_after.portal_is_synthetic, false) as portal_is_synthetic
    from activities
    left join services as year_before
        on
            activities.service_key = year_before.service_key
            and year_before.reporting_year = activities.activity_year - 1
    left join services as year_after
        on
            activities.service_key = year_after.service_key
            and year_after.reporting_year = activities.activity_year + 1
)

select * from final
