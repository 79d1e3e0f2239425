-- The services an institution planned, and their monitoring window.
select service_key, base_year, window_last_year
from (
    select distinct service_no, service_key, base_year, window_last_year
    from exports.export_service_year_indicators
    where institution_code = %(institution)s
) as planned
order by service_no, service_key
