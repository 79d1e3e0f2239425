-- Every institution's figures for one year (dbt: exports.export_institution_year_trend), for
-- the national extract's summary.
select
    institution_code,
    institution_name_lv,
    planned_services,
    reported_services,
    services_met,
    services_below_plan,
    forecast_electronic_users,
    actual_electronic_requests,
    forecast_electronic_share,
    electronic_share,
    electronic_attainment,
    submission_status,
    is_synthetic
from exports.export_institution_year_trend
where reporting_year = %(year)s
order by institution_code
