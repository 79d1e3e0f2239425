-- One institution's yearly extract candidate: its indicators for one reporting year, as dbt's
-- public export model computes them (the gate's evidence beside them). Nothing is computed
-- here: the measures, their tests and docs live in dbt_project/models/exports/.
select
    institution_code,
    reporting_year,
    service_key,
    service_no,
    service_name_lv,
    portal_service_code,
    base_year,
    window_last_year,
    forecast_total_users,
    forecast_electronic_users,
    actual_total_users,
    actual_electronic_requests,
    actual_other_channel_requests,
    forecast_electronic_share,
    electronic_share,
    total_attainment,
    electronic_attainment,
    total_variance,
    electronic_variance,
    electronic_growth_vs_base,
    growth_source,
    electronic_status,
    electronic_gap,
    below_plan_rank,
    portal_electronic_requests,
    electronic_reported_minus_portal,
    electronic_deviation_from_portal,
    channel_parts_sum,
    previous_year_total_users,
    previous_year_electronic_requests,
    total_users_yoy_factor,
    electronic_yoy_factor,
    planned_activities_lv,
    activities_done_lv,
    is_synthetic,
    portal_is_synthetic,
    previous_year_is_synthetic,
    growth_vs_base_is_synthetic
from exports.export_service_year_indicators
where institution_code = %(institution)s
  and reporting_year = %(year)s
order by service_no, service_key
