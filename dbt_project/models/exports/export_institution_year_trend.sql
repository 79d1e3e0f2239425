-- The institution's electronic share per monitoring-window year (the extract report's chart).
select
    institution_year_id,
    institution_code,
    reporting_year,
    electronic_share,
    forecast_electronic_share,
    actual_electronic_requests,
    portal_electronic_requests
from {{ ref('fct_institution_year') }}
