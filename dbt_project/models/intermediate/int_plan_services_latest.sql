-- The services of the latest accepted version of every project's implementation plan,
-- with the plan's header (institution, years) on every row.
with

files as (
    select * from {{ ref('stg_intake__files') }}
),

plan_rows as (
    select * from {{ ref('stg_intake__plan_rows') }}
),

latest_plans as (
    select distinct on (project_id)
        file_id,
        version as plan_version,
        is_synthetic,
        loaded_at
    from files
    where file_kind = 'plan' and is_accepted
    order by project_id asc, version desc
),

final as (
    select
        plan_rows.service_key,
        plan_rows.project_id,
        plan_rows.institution_code,
        plan_rows.institution_name_lv,
        plan_rows.project_end_year,
        plan_rows.base_year,
        plan_rows.forecast_year,
        split_part(plan_rows.service_key, '-', 2)::integer as service_no,
        plan_rows.portal_service_code,
        plan_rows.service_name_lv,
        plan_rows.forecast_total_users,
        plan_rows.forecast_electronic_users,
        plan_rows.planned_activities_lv,
        latest_plans.plan_version,
        latest_plans.file_id as plan_file_id,
        latest_plans.is_synthetic,
        latest_plans.loaded_at
    from plan_rows
    inner join latest_plans
        on plan_rows.file_id = latest_plans.file_id
)

select * from final
