-- One row per institution and monitoring-window year: the institution's totals, how many of
-- its services are below plan and its submission status. The extract report's trend chart and
-- the national extract's summary both read it.
with

institution_years as (
    select * from {{ ref('fct_institution_year') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

submission_status as (
    select * from {{ ref('fct_submission_status') }}
),

final as (
    select
        y.institution_year_id,
        y.institution_code,
        i.institution_name_lv,
        y.reporting_year,
        y.planned_services,
        y.reported_services,
        y.services_met,
        y.services_below_plan,
        y.forecast_total_users,
        y.forecast_electronic_users,
        y.actual_total_users,
        y.electronic_share,
        y.forecast_electronic_share,
        y.total_attainment,
        y.electronic_attainment,
        y.actual_electronic_requests,
        y.portal_electronic_requests,
        s.submission_status,
        y.is_synthetic,
        y.portal_is_synthetic
    from institution_years as y
    left join institutions as i
        on y.institution_code = i.institution_code
    left join submission_status as s
        on y.institution_year_id = s.institution_year_id
)

select * from final
