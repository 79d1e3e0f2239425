-- The services an institution planned, and their monitoring window.
select service_key, base_year, window_last_year
from marts.dim_service
where institution_code = %(institution)s
order by service_no, service_key
