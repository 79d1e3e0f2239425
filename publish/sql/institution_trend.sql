-- The institution's electronic share per monitoring-window year, for the report's chart
-- (dbt: exports.export_institution_year_trend).
select
    reporting_year,
    electronic_share,
    forecast_electronic_share,
    actual_electronic_requests,
    portal_electronic_requests
from exports.export_institution_year_trend
where institution_code = %(institution)s
order by reporting_year
