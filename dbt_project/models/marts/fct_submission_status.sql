-- Expected vs received yearly submissions per institution and monitoring-window year, as of
-- as_of_date() (macros/as_of_date.sql: the run's date). Due: var('submission_due_month_day')
-- of the following year.
--   on_time  an accepted version was received by the due date
--   late     the first accepted version came after the due date
--   rejected only rejected files so far
--   not_due  nothing yet, and the due date has not passed
--   missing  nothing, and the due date has passed
with

services as (
    select * from {{ ref('int_plan_services_latest') }}
),

files as (
    select * from {{ ref('stg_intake__files') }}
    where
        file_kind = 'submission'
        and received_date <= '{{ as_of_date() }}'::date
),

institutions as (
    select distinct
        institution_code,
        base_year
    from services
),

expected as (
    select
        institutions.institution_code,
        reporting_year::integer as reporting_year,
        to_date(
            (reporting_year + 1)::text || '-{{ var("submission_due_month_day") }}', 'YYYY-MM-DD'
        ) as due_date
    from institutions
    cross join lateral generate_series(
        institutions.base_year,
        institutions.base_year + {{ var('monitoring_window_years') }} - 1
    ) as reporting_year
),

accepted as (
    select
        institution_code,
        reporting_year,
        min(received_date) as first_accepted_date,
        max(version) as latest_version,
        count(*) as accepted_files,
        bool_or(received_date_is_approximate) as has_approximate_date
    from files
    where is_accepted
    group by institution_code, reporting_year
),

rejected as (
    select
        institution_code,
        reporting_year,
        count(*) as rejected_files,
        max(received_date) as last_rejected_date
    from files
    where not is_accepted
    group by institution_code, reporting_year
),

final as (
    select
        expected.institution_code || '-' || expected.reporting_year as institution_year_id,
        expected.institution_code,
        expected.reporting_year,
        expected.due_date,
        '{{ as_of_date() }}'::date as as_of_date,
        accepted.first_accepted_date,
        accepted.latest_version,
        coalesce(accepted.accepted_files, 0) as accepted_files,
        coalesce(rejected.rejected_files, 0) as rejected_files,
        coalesce(accepted.has_approximate_date, false) as received_date_is_approximate,
        case
            when accepted.first_accepted_date <= expected.due_date then 'on_time'
            when accepted.first_accepted_date is not null then 'late'
            when rejected.rejected_files > 0 then 'rejected'
            when '{{ as_of_date() }}'::date <= expected.due_date then 'not_due'
            else 'missing'
        end as submission_status
    from expected
    left join accepted
        on
            expected.institution_code = accepted.institution_code
            and expected.reporting_year = accepted.reporting_year
    left join rejected
        on
            expected.institution_code = rejected.institution_code
            and expected.reporting_year = rejected.reporting_year
)

select * from final
