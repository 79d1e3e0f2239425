-- One institution per monitoring-window year: its totals, services below plan and electronic
-- share (dbt: exports.export_institution_year_trend), for the report's headline and charts.
select
    institution_code,
    institution_name_lv,
    reporting_year,
    planned_services,
    reported_services,
    services_met,
    services_below_plan,
    forecast_total_users,
    forecast_electronic_users,
    actual_total_users,
    actual_electronic_requests,
    electronic_share,
    forecast_electronic_share,
    total_attainment,
    electronic_attainment,
    portal_electronic_requests,
    submission_status,
    is_synthetic,
    portal_is_synthetic
from exports.export_institution_year_trend
where institution_code = %(institution)s
order by reporting_year
