-- The activities of every institution's latest accepted action plan (each accepted file is
-- the whole plan), with the first yearly submission that says the activity was carried out
-- (its activity ids). Earlier versions stay in stg_intake__action_plan_rows.
with

files as (
    select * from {{ ref('stg_intake__files') }}
),

plan_rows as (
    select * from {{ ref('stg_intake__action_plan_rows') }}
),

submissions as (
    select * from {{ ref('int_submissions_latest_version') }}
),

latest_plans as (
    select distinct on (institution_code)
        file_id,
        version as action_plan_version,
        is_synthetic
    from files
    where file_kind = 'action_plan' and is_accepted
    order by institution_code asc, version desc
),

carried_out as (
    select
        s.institution_code,
        trim(ids.activity_id) as activity_id,
        min(s.reporting_year) as done_reporting_year,
        min(s.received_date) as done_received_date
    from submissions as s
    cross join lateral regexp_split_to_table(s.activity_ids, ';') as ids (activity_id)
    where s.activity_ids is not null
    group by s.institution_code, trim(ids.activity_id)
),

final as (
    select
        plan_rows.activity_id,
        plan_rows.institution_code,
        plan_rows.service_key,
        plan_rows.activity_lv,
        plan_rows.activity_type,
        plan_rows.start_date,
        plan_rows.start_date_is_approximate,
        plan_rows.end_date,
        plan_rows.responsible_unit,
        carried_out.done_reporting_year,
        carried_out.done_received_date,
        latest_plans.action_plan_version,
        latest_plans.file_id as action_plan_file_id,
        latest_plans.is_synthetic
    from plan_rows
    inner join latest_plans
        on plan_rows.file_id = latest_plans.file_id
    left join carried_out
        on
            plan_rows.institution_code = carried_out.institution_code
            and plan_rows.activity_id = carried_out.activity_id
)

select * from final
