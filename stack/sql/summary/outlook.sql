-- The early-warning outlook of one as-of date: services per status, with their keys.
select
    reporting_year,
    outlook_status,
    count(*) as services,
    string_agg(service_key, ', ' order by service_key) as service_keys
from marts.fct_service_year_outlook
where as_of_date = %(as_of)s::date
group by reporting_year, outlook_status
order by reporting_year, outlook_status
